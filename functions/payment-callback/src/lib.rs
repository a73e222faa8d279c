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
use upstream_session::edge::{self, ApiError, ApiResult, Cors, env_required};
use upstream_session::provider::{PaymentProvider, Statement, VerifyError};
use upstream_session::requests::WebhookRequest;
use upstream_session::views::{ReportView, StatusView};
use upstream_session::{Origin, SessionManager};

/// Built once per container.
pub struct State {
    pub manager: SessionManager,
    pub cors: Cors,
    /// `WEBHOOK_SECRET`: the HMAC key of the generic signed webhook.
    pub secret: Vec<u8>,
    /// The payment gateway whose notifications arrive at `/api/payment-callback/<provider>`.
    pub provider: PaymentProvider,
    /// Playback tokens for a paid status poll (absent: no `playback` field).
    pub playback: Option<PlaybackIssuer>,
}

impl State {
    /// From the environment (`TABLE_NAME`, `WEBHOOK_SECRET`, `ALLOWED_ORIGINS`, policy variables).
    pub async fn from_env() -> Result<Self, ConfigError> {
        let secret = env_required("WEBHOOK_SECRET")?;
        if secret.len() < 16 {
            return Err(ConfigError::invalid(
                "WEBHOOK_SECRET",
                "must be at least 16 characters",
            ));
        }
        let manager = edge::manager_from_env().await?;
        let playback = PlaybackIssuer::from_env(&manager)?;
        Ok(Self {
            manager,
            cors: Cors::from_env(),
            secret: secret.into_bytes(),
            provider: PaymentProvider::from_env()?,
            playback,
        })
    }
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
                "The signed generic webhook: every verified report is recorded once on the ledger",
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
    dynamodb_access: &[("dynamodb:GetItem", "table"), ("dynamodb:PutItem", "table")],
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
        ("POST", "/api/payment-callback") => webhook(state, req).await,
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
/// wrong), confirmed (Midtrans: its status API is the source of truth), then recorded on the ledger
/// like any verified report and answered 200; a refund made at the gateway is recorded against the
/// payment it returned. A `pending` status records nothing. An unreachable status API (or a refund
/// it states without its history) answers 503 so the gateway retries.
async fn gateway_notification(state: &State, req: Request) -> ApiResult {
    let raw = edge::raw_body(&req)?;
    let notification = match state.provider.verify_notification(req.headers(), raw) {
        Ok(n) => n,
        Err(VerifyError::BadSignature) => {
            tracing::warn!(
                provider = state.provider.name(),
                "notification signature refused"
            );
            return Err(ApiError::of(ErrorCode::InvalidNotificationSignature));
        }
        Err(VerifyError::Malformed(why)) => {
            tracing::warn!(
                provider = state.provider.name(),
                why,
                "malformed notification"
            );
            return Err(ApiError::of(ErrorCode::UnreadableNotification));
        }
    };
    let confirmed = state.provider.confirm(&notification).await.map_err(|e| {
        tracing::warn!(error = %e, provider = state.provider.name(), "status confirmation failed");
        ApiError::of(ErrorCode::ProviderUnconfirmed)
    })?;
    let report = match confirmed {
        Statement::Pending { trx_id } => return edge::ok_view(&ReportView::pending(trx_id)),
        Statement::Final(report) => report,
        Statement::Refunded(refunds) => return record_refunds(state, &refunds).await,
    };
    record(state, &report).await
}

/// Records a gateway's confirmed refund statement (the payment, then each refund once) and answers
/// with the newest refund's record and the session as it stands: a refund of the payment that
/// granted access has ended it.
async fn record_refunds(state: &State, report: &RefundReport) -> ApiResult {
    let recorded = state
        .manager
        .record_refunds(report, &origin(&report.payment))
        .await?;
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
    let view = ReportView::of(
        record,
        recorded.already_processed(),
        recorded.session.as_ref(),
        state.manager.now(),
    );
    edge::ok_view(&view)
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
    let session = state
        .manager
        .get_payment_session(&session_id)
        .await?
        .filter(|s| s.trx_id == trx_id)
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
async fn webhook(state: &State, req: Request) -> ApiResult {
    let raw = edge::raw_body(&req)?;
    let header = req
        .headers()
        .get(signature::HEADER)
        .and_then(|v| v.to_str().ok());
    if let Err(err) = signature::verify(&state.secret, header, raw, state.manager.now().timestamp())
    {
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
    tracing::info!(
        payment_id = %recorded.record.payment_id,
        outcome = recorded.record.outcome.as_str(),
        reason = recorded.record.outcome.reason().map(|r| r.as_str()),
        already_processed = recorded.already_processed,
        "payment report recorded"
    );
    let view = ReportView::of(
        &recorded.record,
        recorded.already_processed,
        recorded.session.as_ref(),
        state.manager.now(),
    );
    edge::ok_view(&view)
}
