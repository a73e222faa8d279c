//! Every function's state in one process, built from what the local stack and the tests choose.

use chrono::TimeDelta;
use lambda_http::{Body, Request, Response};
use serde_json::Value;
use upstream_session::SessionManager;
use upstream_session::edge::playback::{PlaybackEnv, PlaybackIssuer};
use upstream_session::edge::{Cors, ManagerState, ViewerAuth};
use upstream_session::media::{MediaApis, Reaper};
use upstream_session::provider::PaymentProvider;
use upstream_session::qris::Qris;

use crate::named;

/// What the states are built from (a deployed function reads the same from its environment).
pub struct Inputs {
    /// Each function's session manager, by function name: its own DynamoDB client (the local stack
    /// and the tests point each at the function's IAM proxy), the table, policy and clock shared.
    pub manager: Box<dyn Fn(&str) -> SessionManager>,
    /// The allowed browser origins.
    pub cors: Cors,
    /// The merchant's static QRIS (generate-qris).
    pub qris: Qris,
    /// How long catalog entries are cached (generate-qris, playback tokens): ≤ 60 s.
    pub catalog_cache: TimeDelta,
    /// The payment gateway (generate-qris, payment-callback).
    pub provider: PaymentProvider,
    /// The HMAC key of the generic signed webhook (payment-callback); `None`: that webhook is closed
    /// (404), as next to a gateway unless `GENERIC_WEBHOOK=on`.
    pub webhook_secret: Option<Vec<u8>>,
    /// The playback settings: the verifier's keys, and the issuer's when `playback_tokens` is set.
    pub playback: PlaybackEnv,
    /// Whether check-access and the status poll attach playback tokens (needs a signing key).
    pub playback_tokens: bool,
    /// The verifier's gated HLS prefix (`PLAYBACK_PATH_PREFIX`).
    pub playback_prefix: String,
    /// OvenMediaEngine's shared secret (`OME_SECRET_KEY`).
    pub ome_secret: Option<String>,
    /// The key the publish hooks present (`PUBLISH_HOOK_KEY`; `None`: they are refused).
    pub publish_key: Option<String>,
    /// Whether the admin function accepts calls without an IAM caller (the local stack only).
    pub allow_local: bool,
    /// How viewers are identified (`VIEWER_AUTH`) by generate-qris, check-access, user-sessions and
    /// the status poll.
    pub viewer_auth: ViewerAuth,
    /// The media servers' APIs (SRS, MediaMTX) that end connections: the reaper's and the admin
    /// function's revoke; the MediaMTX login also passes the MediaMTX hook.
    pub media: MediaApis,
}

/// Every function's state: what the local stack and the tests serve requests with. Each field is
/// named for its function's crate ([`FUNCTIONS`](crate::FUNCTIONS) runs it); public, so that a test
/// can change one.
pub struct Stack {
    pub generate_qris: generate_qris::State,
    pub payment_callback: payment_callback::State,
    pub check_access: check_access::State,
    pub user_sessions: user_sessions::State,
    pub streams: streams::State,
    pub admin: admin::State,
    pub playback_auth: playback_auth::State,
    pub media_reaper: media_reaper::State,
}

impl Stack {
    /// Every state, from `inputs`.
    pub fn new(inputs: Inputs) -> Self {
        let Inputs {
            manager,
            cors,
            qris,
            catalog_cache,
            provider,
            webhook_secret,
            playback,
            playback_tokens,
            playback_prefix,
            ome_secret,
            publish_key,
            allow_local,
            viewer_auth,
            media,
        } = inputs;
        let (mediamtx_user, mediamtx_pass) = media.mediamtx_login().unwrap_or_default();
        let reaper = |manager: &SessionManager| {
            Reaper::new(manager.store().clone(), media.clone(), manager.clock())
        };
        let issuer = |manager: &SessionManager| {
            playback
                .issuer()
                .filter(|_| playback_tokens)
                .map(|issuer| PlaybackIssuer::new(issuer, manager, catalog_cache))
        };
        let callback = manager(payment_callback::SPEC.name);
        let check = manager(check_access::SPEC.name);
        let verifier = manager(playback_auth::SPEC.name);
        let admin = manager(admin::SPEC.name);
        Self {
            generate_qris: generate_qris::State::new(
                manager(generate_qris::SPEC.name),
                qris,
                catalog_cache,
                cors.clone(),
            )
            .with_provider(provider.clone())
            .with_viewer_auth(viewer_auth),
            payment_callback: payment_callback::State {
                playback: issuer(&callback),
                manager: callback,
                cors: cors.clone(),
                secret: webhook_secret,
                provider,
                viewer_auth,
            },
            check_access: check_access::State {
                playback: issuer(&check),
                manager: check,
                cors: cors.clone(),
                viewer_auth,
            },
            user_sessions: ManagerState {
                manager: manager(user_sessions::SPEC.name),
                cors: cors.clone(),
                viewer_auth,
            },
            streams: ManagerState {
                manager: manager(streams::SPEC.name),
                cors,
                viewer_auth,
            },
            playback_auth: playback_auth::State::new(
                &playback,
                &playback_prefix,
                ome_secret.as_deref(),
                verifier.store().clone(),
                verifier.clock(),
            )
            .with_mediamtx_api(mediamtx_user, mediamtx_pass)
            .with_publish_key(publish_key.as_deref()),
            media_reaper: {
                let reaping = manager(media_reaper::SPEC.name);
                media_reaper::State {
                    reaper: reaper(&reaping),
                    store: reaping.store().clone(),
                    clock: reaping.clock(),
                }
            },
            admin: admin::State {
                media: reaper(&admin),
                manager: admin,
                allow_local,
            },
        }
    }

    /// The answer of the function named `name` to `req` (`None`: no such HTTP function).
    pub async fn handle(&self, name: &str, req: Request) -> Option<Response<Body>> {
        Some(named(name)?.handle(self, req)?.await)
    }

    /// The answer of the scheduled function named `name` to `event` (`None`: no such function).
    pub async fn run(&self, name: &str, event: Value) -> Option<Result<Value, String>> {
        Some(named(name)?.run(self, event)?.await)
    }
}
