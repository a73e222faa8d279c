//! `GET /api/user-sessions?userId=…` (the user's live sessions) and `POST /api/user-sessions
//! {userId, streamId}` (does the user have access to this stream?). One Query each. A sessionId is a
//! bearer secret: these responses never contain one.

use lambda_http::{Body, Request, Response};
use upstream_session::contract::{Param, Payload, Reply, Route, Shape};
use upstream_session::domain::{StreamId, UserId};
use upstream_session::edge::{self, ApiError, ApiResult};
use upstream_session::requests::{AccessQuery, UserAccessRequest};
use upstream_session::views::{UserAccessView, UserSessionsView};
use upstream_session::{ErrorCode, FunctionSpec};

/// Built once per container: the session manager and CORS.
pub type State = edge::ManagerState;

/// This function, declared once: the local stack, the tests and the template test read it.
pub const SPEC: FunctionSpec = FunctionSpec {
    name: "user-sessions",
    resource: "UserSessionsFunction",
    routes: &[
        Route::get("/api/user-sessions", Reply::Data(Payload::UserSessions))
            .summary("A viewer's live sessions (never their sessionIds)")
            .query(&[Param::required("userId", Shape::UserId, "the viewer")])
            .errors(&[ErrorCode::MissingField, ErrorCode::InvalidField]),
        Route::post("/api/user-sessions", Reply::Data(Payload::UserAccess))
            .summary("Whether a viewer has access to a stream from any of their sessions")
            .body(Payload::UserAccessRequest)
            .errors(&[ErrorCode::MissingField, ErrorCode::InvalidField]),
    ],
    secrets: &[],
};

/// The handler: never panics, always answers with the envelope.
pub async fn handler(state: &State, req: Request) -> Response<Body> {
    edge::serve(SPEC.name, &state.cors, req, |req| route(state, req)).await
}

async fn route(state: &State, req: Request) -> ApiResult {
    match req.method().as_str() {
        "GET" => list(state, edge::require_query(&req, "userId", UserId::parse)?).await,
        "POST" => {
            let query = AccessQuery::try_from(edge::json_body::<UserAccessRequest>(&req)?)?;
            access(state, query.user_id, query.stream_id).await
        }
        _ => Err(ApiError::method_not_allowed()),
    }
}

async fn list(state: &State, user: UserId) -> ApiResult {
    let sessions = state.manager.get_user_sessions(&user).await?;
    let now = state.manager.now();
    edge::ok_view(&UserSessionsView::of(user, &sessions, now))
}

async fn access(state: &State, user: UserId, stream: StreamId) -> ApiResult {
    let sessions = state.manager.get_user_sessions(&user).await?;
    let now = state.manager.now();
    edge::ok_view(&UserAccessView::of(stream, &sessions, now))
}
