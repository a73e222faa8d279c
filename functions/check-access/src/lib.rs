//! `GET /api/check-access?sessionId=…&streamId=…[&userId=…]`: may this session watch this stream?
//! One GetItem. When access is granted and a signing key is configured, the answer carries
//! `playback: {token, expiresAt}`; the stream's media path comes from the per-container catalog cache
//! (a cold or stale cache, at most once a minute per stream, adds one catalog GetItem).

use lambda_http::{Body, Request, Response};
use upstream_session::contract::{Param, Payload, Reply, Route, Shape};
use upstream_session::domain::{SessionId, StreamId, UserId};
use upstream_session::edge::playback::PlaybackIssuer;
use upstream_session::edge::{self, ApiError, ApiResult, Cors, Init, remaining_ms};
use upstream_session::views::AccessView;
use upstream_session::{ConfigError, ErrorCode, FunctionSpec, SessionManager, secrets};

/// Built once per container: the session manager, CORS and the optional playback token issuer.
pub struct State {
    pub manager: SessionManager,
    pub cors: Cors,
    /// Absent (no signing key): answers carry no `playback` field.
    pub playback: Option<PlaybackIssuer>,
}

impl State {
    /// The deployed init: the process environment and Secrets Manager (see [`State::init`]).
    pub async fn from_env() -> Result<Self, ConfigError> {
        Self::init(&Init::from_env().await).await
    }

    /// From `init`: `TABLE_NAME` and the policy, `ALLOWED_ORIGINS`, the `PLAYBACK_*` settings with
    /// the signing key read from the secret `PLAYBACK_KEY_SECRET_NAME` names.
    pub async fn init(init: &Init) -> Result<Self, ConfigError> {
        let settings = init.settings(SPEC.secrets).await?;
        let manager = init.manager()?;
        let playback = PlaybackIssuer::from_lookup(&manager, |name| settings.get(name))?;
        // The first request then pays only its GetItem; a failure here costs the start nothing.
        if let Err(err) = manager.store().warm().await {
            tracing::warn!(error = %err, "DynamoDB warm-up failed at init");
        }
        Ok(Self {
            manager,
            cors: init.cors(),
            playback,
        })
    }
}

/// This function, declared once: the local stack, the tests and the template test read it.
pub const SPEC: FunctionSpec = FunctionSpec {
    name: "check-access",
    resource: "CheckAccessFunction",
    routes: &[Route::get("/api/check-access", Reply::Data(Payload::Access))
        .summary("Whether a session grants access to a stream now (with a playback token when it does)")
        .query(&[
            Param::required("sessionId", Shape::SessionId, "the session's id (a bearer secret)"),
            Param::required("streamId", Shape::StreamId, "the stream"),
            Param::optional("userId", Shape::UserId, "the viewer: when given, must own the session"),
        ])
        .errors(&[ErrorCode::MissingField, ErrorCode::InvalidField])],
    secrets: &[secrets::PLAYBACK_SIGNING_KEY],
};

/// The handler: never panics, always answers with the envelope.
pub async fn handler(state: &State, req: Request) -> Response<Body> {
    edge::serve(SPEC.name, &state.cors, req, |req| check(state, req)).await
}

async fn check(state: &State, req: Request) -> ApiResult {
    if req.method() != "GET" {
        return Err(ApiError::method_not_allowed());
    }
    let session_id = edge::require_query(&req, "sessionId", SessionId::parse)?;
    let stream_id = edge::require_query(&req, "streamId", StreamId::parse)?;
    let user_id = match edge::query(&req, "userId").filter(|u| !u.is_empty()) {
        Some(u) => Some(UserId::parse(u).map_err(|_| ApiError::invalid("userId"))?),
        None => None,
    };
    let check = state
        .manager
        .has_paid_access(&session_id, &stream_id, user_id.as_ref())
        .await
        .map_err(ApiError::from)?;
    let granted = check.session.as_ref().filter(|_| check.access.granted);
    let mut view = AccessView::of(
        stream_id,
        session_id,
        granted,
        remaining_ms(check.access.remaining),
    );
    if let (Some(issuer), Some(session)) = (&state.playback, granted) {
        view.playback = issuer.grant(session, state.manager.now()).await?;
    }
    edge::ok_view(&view)
}
