//! `/api/payment-callback`: `GET ?trxId=…&sessionId=…` tells the viewer's page the payment status
//! (one GetItem); `POST` is the gateway's signed webhook, recorded on the payments ledger (one GetItem,
//! one transaction; a refund decided by that transaction costs one more write).

use lambda_http::{Body, Request, Response};
use upstream_session::ConfigError;
use upstream_session::ErrorCode;
use upstream_session::FunctionSpec;
use upstream_session::contract::{Param, Payload, Reply, Route, Shape};
use upstream_session::domain::{PaymentReport, RefundReport, SessionId, Status, TrxId};
use upstream_session::edge::playback::PlaybackIssuer;
use upstream_session::edge::signature::{self, SignatureError};
use upstream_session::edge::{self, ApiError, ApiResult, Cors, Init, ViewerAuth};
use upstream_session::media::end_soon;
use upstream_session::provider::{PaymentProvider, Statement, VerifyError};
use upstream_session::requests::WebhookRequest;
use upstream_session::views::{ReportView, StatusView};
use upstream_session::{Origin, Recorded, SessionManager};
use upstream_session::{metrics, secrets};

/// Built once per container.
pub struct State {
    pub manager: SessionManager,
    pub cors: Cors,
    /// `WEBHOOK_SECRET`: the HMAC key of the generic signed webhook; `None` when that webhook is
    /// closed (a gateway is configured and `GENERIC_WEBHOOK` is not `on`): it answers 404.
    pub secret: Option<Vec<u8>>,
    /// The payment gateway whose notifications arrive at `/api/payment-callback/<provider>`.
    pub provider: PaymentProvider,
    /// Playback tokens for a paid status poll (absent: no `playback` field).
    pub playback: Option<PlaybackIssuer>,
    /// How viewers are identified (`VIEWER_AUTH`): signed in, the status poll answers only the
    /// account's own sessions.
    pub viewer_auth: ViewerAuth,
}

/// The variable that opens the generic webhook next to a gateway (`on`; default `off`).
pub const GENERIC_WEBHOOK: &str = "GENERIC_WEBHOOK";

/// Whether the generic signed webhook is open: always without a gateway (`static`: it is how payments
/// are reported), and next to a gateway only when `GENERIC_WEBHOOK=on` (so that one leaked webhook
/// secret cannot grant sessions around the gateway's status check).
pub fn generic_webhook_open(
    provider: &PaymentProvider,
    setting: Option<&str>,
) -> Result<bool, ConfigError> {
    let on = match setting.map(|v| v.trim().to_ascii_lowercase()).as_deref() {
        None | Some("") | Some("off") => false,
        Some("on") => true,
        Some(other) => {
            return Err(ConfigError::invalid(
                GENERIC_WEBHOOK,
                format!("must be on or off, got {other:?}"),
            ));
        }
    };
    Ok(provider.is_static() || on)
}

impl State {
    /// The deployed init: the process environment and Secrets Manager (see [`State::init`]).
    pub async fn from_env() -> Result<Self, ConfigError> {
        Self::init(&Init::from_env().await).await
    }

    /// From `init`: `TABLE_NAME` and the policy, `ALLOWED_ORIGINS`, `PAYMENT_PROVIDER` and
    /// `GENERIC_WEBHOOK`; from Secrets Manager the webhook secret (when that webhook is open), the
    /// gateway's key and Xendit's callback token, the playback signing key.
    pub async fn init(init: &Init) -> Result<Self, ConfigError> {
        let settings = init.settings(SPEC.secrets).await?;
        let provider = PaymentProvider::from_lookup(|name| settings.get(name))?;
        provider.require_notification_key()?;
        let secret = if generic_webhook_open(&provider, init.var(GENERIC_WEBHOOK).as_deref())? {
            Some(webhook_secret(settings.get("WEBHOOK_SECRET"))?)
        } else {
            None
        };
        let manager = init.manager()?;
        let playback = PlaybackIssuer::from_lookup(&manager, |name| settings.get(name))?;
        Ok(Self {
            manager,
            cors: init.cors(),
            secret,
            provider,
            playback,
            viewer_auth: init.viewer_auth()?,
        })
    }
}

/// The webhook secret, at least 16 characters.
fn webhook_secret(value: Option<String>) -> Result<Vec<u8>, ConfigError> {
    let secret = value.filter(|v| !v.trim().is_empty()).ok_or_else(|| {
        ConfigError::Missing("WEBHOOK_SECRET (read from WEBHOOK_SECRET_NAME)".into())
    })?;
    if secret.len() < 16 {
        return Err(ConfigError::invalid(
            "WEBHOOK_SECRET",
            "must be at least 16 characters",
        ));
    }
    Ok(secret.into_bytes())
}

/// This function, declared once: the local stack, the tests and the template test read it.
pub const SPEC: FunctionSpec = FunctionSpec {
    name: "payment-callback",
    resource: "PaymentCallbackFunction",
    routes: &[
        Route::get("/api/payment-callback", Reply::Data(Payload::Status))
            .summary("A session's payment status, polled by the viewer page")
            .query(&[
                Param::required("trxId", Shape::TrxId, "the transaction id"),
                Param::required(
                    "sessionId",
                    Shape::SessionId,
                    "the session's id (a bearer secret)",
                ),
            ])
            .errors(&[
                ErrorCode::MissingField,
                ErrorCode::InvalidField,
                ErrorCode::SessionNotFound,
            ]),
        Route::post("/api/payment-callback", Reply::Data(Payload::Report))
            .summary(
                "The signed generic webhook: every verified report is recorded once on the ledger \
                 (404 next to a gateway unless GENERIC_WEBHOOK=on)",
            )
            .headers(&[Param::required(
                "X-Upstream-Signature",
                Shape::Text,
                "t=<unix seconds>,v1=<hex HMAC-SHA256 of \"t.body\" with WEBHOOK_SECRET>",
            )])
            .body(Payload::WebhookRequest)
            .errors(&[
                ErrorCode::MissingField,
                ErrorCode::InvalidField,
                ErrorCode::InvalidSignature,
                ErrorCode::StaleSignature,
                ErrorCode::RouteNotFound,
            ]),
        Route::post(
            "/api/payment-callback/midtrans",
            Reply::Data(Payload::Report),
        )
        .summary("Midtrans's HTTP notification (404 unless Midtrans is the configured gateway)")
        .body(Payload::MidtransNotification)
        .errors(GATEWAY_ERRORS),
        Route::post("/api/payment-callback/xendit", Reply::Data(Payload::Report))
            .summary("Xendit's QR payment callback (404 unless Xendit is the configured gateway)")
            .headers(&[Param::optional(
                "x-callback-token",
                Shape::Text,
                "the callback verification token of the Xendit account",
            )])
            .body(Payload::XenditCallback)
            .errors(GATEWAY_ERRORS),
    ],
    secrets: &[
        secrets::WEBHOOK,
        secrets::GATEWAY_KEY,
        secrets::XENDIT_CALLBACK_TOKEN,
        secrets::PLAYBACK_SIGNING_KEY,
    ],
};

/// Refusals of a gateway's notification route.
const GATEWAY_ERRORS: &[ErrorCode] = &[
    ErrorCode::RouteNotFound,
    ErrorCode::UnreadableNotification,
    ErrorCode::InvalidNotificationSignature,
    ErrorCode::ProviderUnconfirmed,
];

/// The handler: never panics, always answers with the envelope.
pub async fn handler(state: &State, req: Request) -> Response<Body> {
    edge::serve(SPEC.name, &state.cors, req, |req| route(state, req)).await
}

async fn route(state: &State, req: Request) -> ApiResult {
    let path = req.uri().path().trim_end_matches('/').to_owned();
    match (req.method().as_str(), path.as_str()) {
        ("GET", "/api/payment-callback") => status(state, req).await,
        ("POST", "/api/payment-callback") => match &state.secret {
            Some(secret) => webhook(state, secret, req).await,
            None => Err(ApiError::not_found_route()),
        },
        ("POST", p) => match p.strip_prefix("/api/payment-callback/") {
            Some(gateway) if gateway == state.provider.name() && !state.provider.is_static() => {
                gateway_notification(state, req).await
            }
            _ => Err(ApiError::not_found_route()),
        },
        _ => Err(ApiError::method_not_allowed()),
    }
}

/// A gateway's notification: verified (signature or token, constant time; 401 and nothing stored when
/// wrong), matched with the session its trxId names (a notification naming a charge — Xendit's
/// `qr_id` — that is not that session's records nothing and is answered 200 `ignored`), confirmed
/// with the gateway (Midtrans's status API, Xendit's payments of that QR code: what they state is
/// what counts), then recorded on the ledger like any verified report and answered 200; a refund
/// made at the gateway is recorded against the payment it returned. A `pending` status records
/// nothing. A gateway that cannot confirm (unreachable, it does not show the payment, or it states a
/// refund without its history) answers 503 so the gateway retries; nothing is granted meanwhile.
async fn gateway_notification(state: &State, req: Request) -> ApiResult {
    let provider = state.provider.name();
    let raw = edge::raw_body(&req)?;
    let notification = match state.provider.verify_notification(req.headers(), raw) {
        Ok(n) => n,
        Err(VerifyError::BadSignature) => {
            tracing::warn!(provider, "notification signature refused");
            return Err(ApiError::of(ErrorCode::InvalidNotificationSignature));
        }
        Err(VerifyError::Malformed(why)) => {
            tracing::warn!(provider, why, "malformed notification");
            return Err(ApiError::of(ErrorCode::UnreadableNotification));
        }
    };
    let trx_id = notification.claimed.trx_id().to_owned();
    let session = state.manager.session_of(&trx_id).await?;
    let charge = session.as_ref().and_then(|s| s.charge.as_deref());
    if !notification.is_for(charge) {
        tracing::warn!(
            provider,
            trx_id,
            named = notification.charge_ref.as_deref(),
            ours = charge.map(|c| c.reference.as_str()),
            "notification names a charge that is not its session's: ignored"
        );
        return edge::ok_view(&ReportView::ignored(trx_id));
    }
    let confirmed = state.provider.confirm(&notification).await.map_err(|e| {
        tracing::warn!(error = %e, provider, trx_id, "confirmation failed");
        ApiError::of(ErrorCode::ProviderUnconfirmed)
    })?;
    let report = match confirmed {
        Statement::Pending { trx_id } => return edge::ok_view(&ReportView::pending(trx_id)),
        Statement::Final(report) => report,
        Statement::Refunded(refunds) => return record_refunds(state, &refunds).await,
    };
    let recorded = state
        .manager
        .record_report_on(&report, session, &origin(&report))
        .await?;
    answer(state, recorded)
}

/// Records a gateway's confirmed refund statement (the payment, then each refund once) and answers
/// with the newest refund's record and the session as it stands: a refund of the payment that
/// granted access has ended it.
async fn record_refunds(state: &State, report: &RefundReport) -> ApiResult {
    let recorded = state
        .manager
        .record_refunds(report, &origin(&report.payment))
        .await?;
    // The payment may be new on the ledger here (its refund reported before, or instead of, its
    // payment); the gateway's refunds themselves open no refund owed.
    metrics::emit(
        SPEC.name,
        &metrics::ledger(&recorded.payment.record, recorded.payment.already_processed),
        state.manager.now(),
    );
    let record = recorded
        .refunds
        .last()
        .map_or(&recorded.payment.record, |(r, _)| r);
    tracing::info!(
        payment_id = %recorded.payment.record.payment_id,
        refunds = recorded.refunds.len(),
        new = recorded.refunds.iter().filter(|(_, already)| !already).count(),
        session_status = recorded.session.as_ref().map(|s| s.status.as_str()),
        "gateway refunds recorded"
    );
    let revoked = recorded
        .session
        .as_ref()
        .filter(|s| s.status == Status::Revoked && !recorded.already_processed());
    if let Some(session) = revoked {
        end_media_soon(state, &session.session_id).await;
    }
    let view = ReportView::of(
        record,
        recorded.already_processed(),
        recorded.session.as_ref(),
        state.manager.now(),
    );
    edge::ok_view(&view)
}

/// A session a gateway refund revoked: its SRS and MediaMTX connections are made due now, so the
/// reaper ends them within a minute (this function holds no media server credentials). Best
/// effort: the refund is recorded already; a failure is logged (the connections then end when the
/// access they were admitted for ends).
async fn end_media_soon(state: &State, session: &SessionId) {
    match end_soon(state.manager.store(), session, state.manager.now()).await {
        Ok(0) => {}
        Ok(n) => {
            tracing::info!(session = %session.redacted(), connections = n, "revoked session's media connections due now")
        }
        Err(err) => {
            tracing::warn!(session = %session.redacted(), error = %err, "could not make the revoked session's media connections due")
        }
    }
}

/// Where a gateway's report came from, for the audit trail.
fn origin(report: &PaymentReport) -> Origin {
    Origin {
        source: "webhook".into(),
        actor: Some(report.provider.clone()),
        provider_ref: report.provider_ref.clone(),
        note: None,
    }
}

async fn status(state: &State, req: Request) -> ApiResult {
    let trx_id = edge::require_query(&req, "trxId", TrxId::parse)?;
    let session_id = edge::require_query(&req, "sessionId", SessionId::parse)?;
    let viewer = state.viewer_auth.viewer(&req, None)?;
    let session = state
        .manager
        .get_payment_session(&session_id)
        .await?
        .filter(|s| s.trx_id == trx_id)
        .filter(|s| viewer.as_ref().is_none_or(|v| s.user_id == *v))
        .ok_or_else(ApiError::session_not_found)?;
    let now = state.manager.now();
    let mut view = StatusView::of(&session, now);
    if let (Some(issuer), Status::Paid) = (&state.playback, session.status_at(now)) {
        view.playback = issuer.grant(&session, now).await?;
    }
    edge::ok_view(&view)
}

/// The signed webhook: every verified, well-formed report is recorded once on the ledger and answered
/// 200 with its outcome (granted, refund owed, failed), so the gateway stops retrying. Only a bad
/// signature (401, nothing stored) or a body that cannot be read (400) is refused.
async fn webhook(state: &State, secret: &[u8], req: Request) -> ApiResult {
    let raw = edge::raw_body(&req)?;
    let header = req
        .headers()
        .get(signature::HEADER)
        .and_then(|v| v.to_str().ok());
    if let Err(err) = signature::verify(secret, header, raw, state.manager.now().timestamp()) {
        tracing::warn!(reason = %err, "webhook signature refused");
        let code = match err {
            SignatureError::Stale => ErrorCode::StaleSignature,
            _ => ErrorCode::InvalidSignature,
        };
        return Err(ApiError::of(code));
    }
    let report = PaymentReport::try_from(edge::json_body::<WebhookRequest>(&req)?)?;
    record(state, &report).await
}

/// Records a verified report on the ledger and answers with its outcome.
async fn record(state: &State, report: &PaymentReport) -> ApiResult {
    let recorded = state.manager.record_report(report, &origin(report)).await?;
    answer(state, recorded)
}

/// Logs what the ledger now says about a report and answers with it.
fn answer(state: &State, recorded: Recorded) -> ApiResult {
    tracing::info!(
        payment_id = %recorded.record.payment_id,
        outcome = recorded.record.outcome.as_str(),
        reason = recorded.record.outcome.reason().map(|r| r.as_str()),
        already_processed = recorded.already_processed,
        "payment report recorded"
    );
    metrics::emit(
        SPEC.name,
        &metrics::ledger(&recorded.record, recorded.already_processed),
        state.manager.now(),
    );
    let view = ReportView::of(
        &recorded.record,
        recorded.already_processed,
        recorded.session.as_ref(),
        state.manager.now(),
    );
    edge::ok_view(&view)
}
