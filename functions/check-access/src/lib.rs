//! `GET /api/check-access?sessionId=…&streamId=…[&userId=…]`: may this session watch this stream?
//! One GetItem. When access is granted and a signing key is configured, the answer carries
//! `playback: {token, expiresAt}`; the stream's media path comes from the per-container catalog cache
//! (a cold or stale cache, at most once a minute per stream, adds one catalog GetItem).

use lambda_http::{Body, Request, Response};
use serde_json::json;
use upstream_session::SessionManager;
use upstream_session::api::playback::PlaybackIssuer;
use upstream_session::api::{self, ApiError, ApiResult, ConfigError, Cors, iso, remaining_ms};
use upstream_session::domain::{SessionId, StreamId, UserId};

/// Built once per container: the session manager, CORS and the optional playback token issuer.
pub struct State {
    pub manager: SessionManager,
    pub cors: Cors,
    /// Absent (no `PLAYBACK_SIGNING_KEY`): answers carry no `playback` field.
    pub playback: Option<PlaybackIssuer>,
}

impl State {
    /// From the environment (`TABLE_NAME`, `ALLOWED_ORIGINS`, policy and `PLAYBACK_*` variables).
    pub async fn from_env() -> Result<Self, ConfigError> {
        let api::ManagerState { manager, cors } = api::ManagerState::from_env().await?;
        let playback = PlaybackIssuer::from_env(&manager)?;
        Ok(Self {
            manager,
            cors,
            playback,
        })
    }
}

/// The DynamoDB actions this function needs and where (`table` or `index/<name>`); the SAM template
/// grants exactly these (a test compares them). Transactions need the per-item action (`PutItem`).
pub const DYNAMODB_ACCESS: &[(&str, &str)] = &[("dynamodb:GetItem", "table")];

/// The route this function serves.
pub const ROUTES: &[(&str, &str)] = &[("GET", "/api/check-access")];

/// The handler: never panics, always answers with the envelope.
pub async fn handler(state: &State, req: Request) -> Response<Body> {
    api::serve("check-access", &state.cors, req, |req| check(state, req)).await
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
    let mut data = json!({
        "hasAccess": check.access.granted,
        "streamId": stream_id,
        "sessionId": session_id,
        "remainingTime": remaining_ms(check.access.remaining),
        "expiresAt": expires_at,
    });
    if let (Some(issuer), Some(session), true) =
        (&state.playback, &check.session, check.access.granted)
        && let Some(playback) = issuer.grant(session, state.manager.now()).await?
    {
        data["playback"] = playback;
    }
    api::ok(data)
}
