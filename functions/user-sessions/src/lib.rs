//! `GET /api/user-sessions?userId=…` (the user's live sessions) and `POST /api/user-sessions
//! {userId, streamId}` (does the user have access to this stream?). One Query each. A sessionId is a
//! bearer secret: these responses never contain one.

use lambda_http::{Body, Request, Response};
use serde_json::json;
use upstream_session::FunctionSpec;
use upstream_session::api::{self, ApiError, ApiResult, iso, remaining_ms};
use upstream_session::domain::Status;
use upstream_session::domain::{StreamId, UserId};

/// Built once per container: the session manager and CORS.
pub type State = api::ManagerState;

/// This function, declared once: the local stack, the tests and the template test read it.
pub const SPEC: FunctionSpec = FunctionSpec {
    name: "user-sessions",
    krate: "user-sessions",
    resource: "UserSessionsFunction",
    routes: &[
        ("GET", "/api/user-sessions"),
        ("POST", "/api/user-sessions"),
    ],
    dynamodb_access: &[("dynamodb:Query", "index/byUser")],
};

/// The handler: never panics, always answers with the envelope.
pub async fn handler(state: &State, req: Request) -> Response<Body> {
    api::serve(SPEC.name, &state.cors, req, |req| route(state, req)).await
}

async fn route(state: &State, req: Request) -> ApiResult {
    match req.method().as_str() {
        "GET" => list(state, api::require_query(&req, "userId", UserId::parse)?).await,
        "POST" => {
            let body = api::json_body(&req)?;
            let user = api::require(&body, "userId", UserId::parse)?;
            let stream = api::require(&body, "streamId", StreamId::parse)?;
            access(state, user, stream).await
        }
        _ => Err(ApiError::method_not_allowed()),
    }
}

async fn list(state: &State, user: UserId) -> ApiResult {
    let sessions = state.manager.get_user_sessions(&user).await?;
    let now = state.manager.now();
    let active: Vec<_> = sessions
        .iter()
        .map(|s| {
            json!({
                "streamId": s.stream_id,
                "trxId": s.trx_id,
                "status": s.status_at(now),
                "amount": s.amount,
                "expiresAt": iso(s.expires_at),
                "remainingTime": remaining_ms(s.remaining_at(now)),
            })
        })
        .collect();
    api::ok(json!({"userId": user, "activeSessions": active, "totalActive": active.len()}))
}

async fn access(state: &State, user: UserId, stream: StreamId) -> ApiResult {
    let sessions = state.manager.get_user_sessions(&user).await?;
    let now = state.manager.now();
    let paid = sessions
        .iter()
        .filter(|s| s.stream_id == stream && s.status_at(now) == Status::Paid)
        .max_by_key(|s| s.expires_at);
    api::ok(json!({
        "hasAccess": paid.is_some(),
        "streamId": stream,
        "remainingTime": paid.map_or(0, |s| remaining_ms(s.remaining_at(now))),
        "expiresAt": paid.map(|s| iso(s.expires_at)),
        "totalActive": sessions.len(),
    }))
}
