//! `GET /api/user-sessions?userId=…[&sessionId=…]` (the user's live sessions) and `POST
//! /api/user-sessions {userId, streamId}` (does the user have access to this stream?). One Query each.
//! A sessionId is a bearer secret: these responses never contain one. A userId is chosen by the
//! client and proves nothing, so the list carries trxIds only when the request also presents a live
//! sessionId of that user.

use lambda_http::{Body, Request, Response};
use upstream_session::contract::{Param, Payload, Reply, Route, Shape};
use upstream_session::domain::{SessionId, StreamId, UserId};
use upstream_session::edge::{self, ApiError, ApiResult, ViewerAuth};
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
            .summary("A viewer's live sessions (never their sessionIds; trxIds only to the viewer)")
            .query(&[
                Param::optional(
                    "userId",
                    Shape::UserId,
                    "the viewer (required unless signed in; signed in: the account's own or left out)",
                ),
                Param::optional(
                    "sessionId",
                    Shape::SessionId,
                    "a live session of this viewer: proves the caller is them, so the trxIds are listed",
                ),
            ])
            .errors(&[
                ErrorCode::MissingField,
                ErrorCode::InvalidField,
                ErrorCode::Forbidden,
            ]),
        Route::post("/api/user-sessions", Reply::Data(Payload::UserAccess))
            .summary("Whether a viewer has access to a stream from any of their sessions")
            .body(Payload::UserAccessRequest)
            .errors(&[
                ErrorCode::MissingField,
                ErrorCode::InvalidField,
                ErrorCode::Forbidden,
            ]),
    ],
    secrets: &[],
};

/// The handler: never panics, always answers with the envelope.
pub async fn handler(state: &State, req: Request) -> Response<Body> {
    edge::serve(SPEC.name, &state.cors, req, |req| route(state, req)).await
}

async fn route(state: &State, req: Request) -> ApiResult {
    match req.method().as_str() {
        "GET" => {
            let given = match edge::query(&req, "userId").filter(|u| !u.is_empty()) {
                Some(raw) => Some(UserId::parse(raw).map_err(|_| ApiError::invalid("userId"))?),
                None => None,
            };
            let signed_in = state.viewer_auth == ViewerAuth::Oidc;
            let user = state
                .viewer_auth
                .viewer(&req, given)?
                .ok_or_else(|| ApiError::missing("userId"))?;
            let presented = match edge::query(&req, "sessionId").filter(|s| !s.is_empty()) {
                Some(raw) => {
                    Some(SessionId::parse(raw).map_err(|_| ApiError::invalid("sessionId"))?)
                }
                None => None,
            };
            list(state, user, presented, signed_in).await
        }
        "POST" => {
            let query = AccessQuery::try_from(edge::json_body::<UserAccessRequest>(&req)?)?;
            let user = state
                .viewer_auth
                .viewer(&req, Some(query.user_id.clone()))?
                .unwrap_or(query.user_id);
            access(state, user, query.stream_id).await
        }
        _ => Err(ApiError::method_not_allowed()),
    }
}

/// The user's live sessions; their trxIds only to their owner: a signed-in viewer (their own
/// account), or when `presented` is one of them (the same Query answers both: no extra read).
async fn list(
    state: &State,
    user: UserId,
    presented: Option<SessionId>,
    signed_in: bool,
) -> ApiResult {
    let sessions = state.manager.get_user_sessions(&user).await?;
    let now = state.manager.now();
    let reveal =
        signed_in || presented.is_some_and(|id| sessions.iter().any(|s| s.session_id == id));
    edge::ok_view(&UserSessionsView::of(user, &sessions, now, reveal))
}

async fn access(state: &State, user: UserId, stream: StreamId) -> ApiResult {
    let sessions = state.manager.get_user_sessions(&user).await?;
    let now = state.manager.now();
    edge::ok_view(&UserAccessView::of(stream, &sessions, now))
}
