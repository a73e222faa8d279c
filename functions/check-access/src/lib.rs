//! `GET /api/check-access?sessionId=…&streamId=…[&userId=…]`: may this session watch this stream?
//! Signed in (`VIEWER_AUTH=oidc`), `?streamId=` alone asks whether the account holds access to the
//! stream, from its paid-access guard, on any device. One GetItem either way. When access is granted and a signing key is configured, the answer carries
//! `playback: {token, expiresAt}`; the stream's media path comes from the per-container catalog cache
//! (a cold or stale cache, at most once a minute per stream, adds one catalog GetItem).

use lambda_http::{Body, Request, Response};
use upstream_session::contract::{Param, Payload, Reply, Route, Shape};
use upstream_session::domain::{SessionId, StreamId, UserId};
use upstream_session::edge::playback::PlaybackIssuer;
use upstream_session::edge::{self, ApiError, ApiResult, Cors, Init, ViewerAuth, remaining_ms};
use upstream_session::views::AccessView;
use upstream_session::{ConfigError, ErrorCode, FunctionSpec, SessionManager, secrets};

/// Built once per container: the session manager, CORS and the optional playback token issuer.
pub struct State {
    pub manager: SessionManager,
    pub cors: Cors,
    /// Absent (no signing key): answers carry no `playback` field.
    pub playback: Option<PlaybackIssuer>,
    /// How viewers are identified (`VIEWER_AUTH`).
    pub viewer_auth: ViewerAuth,
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
            viewer_auth: init.viewer_auth()?,
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
            Param::optional(
                "sessionId",
                Shape::SessionId,
                "the session's id (a bearer secret); required unless signed in",
            ),
            Param::required("streamId", Shape::StreamId, "the stream"),
            Param::optional("userId", Shape::UserId, "the viewer: when given, must own the session"),
        ])
        .errors(&[
            ErrorCode::MissingField,
            ErrorCode::InvalidField,
            ErrorCode::Forbidden,
        ])],
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
    let session_id = match edge::query(&req, "sessionId").filter(|s| !s.is_empty()) {
        Some(raw) => Some(SessionId::parse(raw).map_err(|_| ApiError::invalid("sessionId"))?),
        None => None,
    };
    let stream_id = edge::require_query(&req, "streamId", StreamId::parse)?;
    let user_id = match edge::query(&req, "userId").filter(|u| !u.is_empty()) {
        Some(u) => Some(UserId::parse(u).map_err(|_| ApiError::invalid("userId"))?),
        None => None,
    };
    // Signed in: the account's own (a given userId must be it), and a session must be theirs.
    let user_id = state.viewer_auth.viewer(&req, user_id)?;
    let (session_id, granted, remaining) = match (session_id, &user_id) {
        (Some(session_id), _) => {
            let check = state
                .manager
                .has_paid_access(&session_id, &stream_id, user_id.as_ref())
                .await
                .map_err(ApiError::from)?;
            let granted = check.session.filter(|_| check.access.granted);
            (Some(session_id), granted, check.access.remaining)
        }
        // The account's purchase, on any device: its paid-access guard.
        (None, Some(user)) if state.viewer_auth == ViewerAuth::Oidc => {
            let live = state
                .manager
                .has_active_session_for_stream(user, &stream_id)
                .await?;
            let now = state.manager.now();
            let remaining = live
                .as_ref()
                .map(|s| s.remaining_at(now))
                .unwrap_or_default();
            (live.as_ref().map(|s| s.session_id.clone()), live, remaining)
        }
        (None, _) => return Err(ApiError::missing("sessionId")),
    };
    let granted = granted.as_ref();
    let mut view = AccessView::of(stream_id, session_id, granted, remaining_ms(remaining));
    if let (Some(issuer), Some(session)) = (&state.playback, granted) {
        view.playback = issuer.grant(session, state.manager.now()).await?;
    }
    edge::ok_view(&view)
}
