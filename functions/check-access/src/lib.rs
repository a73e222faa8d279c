//! `GET /api/check-access?sessionId=…&streamId=…[&userId=…]`: may this session watch this stream?
//! One GetItem.

use lambda_http::{Body, Request, Response};
use serde_json::json;
use upstream_session::FunctionSpec;
use upstream_session::api::{self, ApiError, ApiResult, iso, remaining_ms};
use upstream_session::domain::{SessionId, StreamId, UserId};

/// Built once per container: the session manager and CORS.
pub type State = api::ManagerState;

/// This function, declared once: the local stack, the tests and the template test read it.
pub const SPEC: FunctionSpec = FunctionSpec {
    name: "check-access",
    krate: "check-access",
    resource: "CheckAccessFunction",
    routes: &[("GET", "/api/check-access")],
    dynamodb_access: &[("dynamodb:GetItem", "table")],
};

/// The handler: never panics, always answers with the envelope.
pub async fn handler(state: &State, req: Request) -> Response<Body> {
    api::serve(SPEC.name, &state.cors, req, |req| check(state, req)).await
}

async fn check(state: &State, req: Request) -> ApiResult {
    if req.method() != "GET" {
        return Err(ApiError::method_not_allowed());
    }
    let session_id = api::require_query(&req, "sessionId", SessionId::parse)?;
    let stream_id = api::require_query(&req, "streamId", StreamId::parse)?;
    let user_id = match api::query(&req, "userId").filter(|u| !u.is_empty()) {
        Some(u) => Some(UserId::parse(u).map_err(|_| ApiError::invalid("userId"))?),
        None => None,
    };
    let check = state
        .manager
        .has_paid_access(&session_id, &stream_id, user_id.as_ref())
        .await
        .map_err(ApiError::from)?;
    let expires_at = check
        .session
        .as_ref()
        .filter(|_| check.access.granted)
        .map(|s| iso(s.expires_at));
    api::ok(json!({
        "hasAccess": check.access.granted,
        "streamId": stream_id,
        "sessionId": session_id,
        "remainingTime": remaining_ms(check.access.remaining),
        "expiresAt": expires_at,
    }))
}
