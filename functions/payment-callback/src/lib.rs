//! `/api/payment-callback`: `GET ?trxId=…&sessionId=…` tells the viewer's page the payment status
//! (one GetItem); `POST` is the gateway's signed webhook (one GetItem, one transaction).

use lambda_http::{Body, Request, Response};
use serde_json::{Value, json};
use upstream_session::api::playback::PlaybackIssuer;
use upstream_session::api::signature::{self, SignatureError};
use upstream_session::api::{
    self, ApiError, ApiResult, ConfigError, Cors, env_required, iso, remaining_ms,
};
use upstream_session::domain::{Amount, PaymentSession, SessionId, Status, TrxId};
use upstream_session::{CloseOutcome, Origin, PayOutcome, SessionManager};

/// Built once per container.
pub struct State {
    pub manager: SessionManager,
    pub cors: Cors,
    /// `WEBHOOK_SECRET`: the HMAC key shared with the gateway.
    pub secret: Vec<u8>,
    /// Playback tokens for a paid status poll (absent: no `playback` field).
    pub playback: Option<PlaybackIssuer>,
}

impl State {
    /// From the environment (`TABLE_NAME`, `WEBHOOK_SECRET`, `ALLOWED_ORIGINS`, policy variables).
    pub async fn from_env() -> Result<Self, ConfigError> {
        let secret = env_required("WEBHOOK_SECRET")?;
        if secret.len() < 16 {
            return Err(ConfigError(
                "WEBHOOK_SECRET must be at least 16 characters".into(),
            ));
        }
        let manager = api::manager_from_env().await?;
        let playback = PlaybackIssuer::from_env(&manager)?;
        Ok(Self {
            manager,
            cors: Cors::from_env(),
            secret: secret.into_bytes(),
            playback,
        })
    }
}

/// The DynamoDB actions this function needs and where (`table` or `index/<name>`); the SAM template
/// grants exactly these (a test compares them). Transactions need the per-item action (`PutItem`).
pub const DYNAMODB_ACCESS: &[(&str, &str)] =
    &[("dynamodb:GetItem", "table"), ("dynamodb:PutItem", "table")];

/// The routes this function serves.
pub const ROUTES: &[(&str, &str)] = &[
    ("GET", "/api/payment-callback"),
    ("POST", "/api/payment-callback"),
];

/// The handler: never panics, always answers with the envelope.
pub async fn handler(state: &State, req: Request) -> Response<Body> {
    api::serve("payment-callback", &state.cors, req, |req| {
        route(state, req)
    })
    .await
}

async fn route(state: &State, req: Request) -> ApiResult {
    match req.method().as_str() {
        "GET" => status(state, req).await,
        "POST" => webhook(state, req).await,
        _ => Err(ApiError::method_not_allowed()),
    }
}

async fn status(state: &State, req: Request) -> ApiResult {
    let trx_id = api::require_query(&req, "trxId", TrxId::parse)?;
    let session_id = api::require_query(&req, "sessionId", SessionId::parse)?;
    let session = state
        .manager
        .get_payment_session(&session_id)
        .await?
        .filter(|s| s.trx_id == trx_id)
        .ok_or_else(ApiError::session_not_found)?;
    let now = state.manager.now();
    let status = session.status_at(now);
    let mut data = json!({
        "trxId": session.trx_id,
        "sessionId": session.session_id,
        "streamId": session.stream_id,
        "status": status,
        "amount": session.amount,
        "expiresAt": iso(session.expires_at),
        "remainingTime": remaining_ms(session.remaining_at(now)),
        "hasAccess": status == Status::Paid,
        "refundDue": session.refund_due,
    });
    if let (Some(issuer), Status::Paid) = (&state.playback, status)
        && let Some(playback) = issuer.grant(&session, now).await?
    {
        data["playback"] = playback;
    }
    api::ok(data)
}

/// What the gateway reports.
struct Report {
    trx_id: TrxId,
    amount: Amount,
    paid: bool,
    provider_ref: Option<String>,
}

fn parse_report(body: &serde_json::Map<String, Value>) -> Result<Report, ApiError> {
    let trx_id = api::require(body, "trxId", TrxId::parse)?;
    let amount = match body.get("amount") {
        None | Some(Value::Null) => return Err(ApiError::missing("amount")),
        Some(v) => Amount::from_json(v).map_err(|_| ApiError::invalid("amount"))?,
    };
    let paid = match body.get("status").and_then(Value::as_str) {
        Some("paid") => true,
        Some("failed") => false,
        None => return Err(ApiError::missing("status")),
        Some(_) => return Err(ApiError::invalid("status")),
    };
    let provider_ref = match body.get("providerRef") {
        None | Some(Value::Null) => None,
        Some(Value::String(s))
            if !s.is_empty() && s.chars().count() <= 128 && !s.chars().any(char::is_control) =>
        {
            Some(s.clone())
        }
        Some(_) => return Err(ApiError::invalid("providerRef")),
    };
    Ok(Report {
        trx_id,
        amount,
        paid,
        provider_ref,
    })
}

async fn webhook(state: &State, req: Request) -> ApiResult {
    let raw = api::raw_body(&req)?;
    let header = req
        .headers()
        .get(signature::HEADER)
        .and_then(|v| v.to_str().ok());
    if let Err(err) = signature::verify(&state.secret, header, raw, state.manager.now().timestamp())
    {
        tracing::warn!(reason = %err, "webhook signature refused");
        let message = match err {
            SignatureError::Stale => "Tanda tangan webhook kedaluwarsa",
            _ => "Tanda tangan webhook tidak valid",
        };
        return Err(ApiError::new(401, "INVALID_SIGNATURE", message));
    }
    let report = parse_report(&api::json_body(&req)?)?;
    let session = state
        .manager
        .get_by_trx(&report.trx_id)
        .await?
        .ok_or_else(ApiError::session_not_found)?;
    let origin = Origin {
        source: "webhook".into(),
        actor: Some("gateway".into()),
        provider_ref: report.provider_ref.clone(),
        note: None,
    };
    if report.amount != session.amount {
        let origin = Origin {
            note: Some(format!(
                "received {} expected {}",
                report.amount, session.amount
            )),
            ..origin
        };
        state
            .manager
            .record(&session, "amount_mismatch", &origin)
            .await?;
        return Err(ApiError::new(
            409,
            "AMOUNT_MISMATCH",
            "Nominal pembayaran tidak sesuai dengan tagihan",
        ));
    }
    if report.paid {
        paid(state, session, &origin).await
    } else {
        failed(state, session, &origin).await
    }
}

fn outcome(
    session: &PaymentSession,
    outcome: &str,
    already: bool,
    now: chrono::DateTime<chrono::Utc>,
) -> ApiResult {
    api::ok(json!({
        "trxId": session.trx_id,
        "status": session.status_at(now),
        "outcome": outcome,
        "alreadyProcessed": already,
        "refundDue": session.refund_due,
        "expiresAt": iso(session.expires_at),
    }))
}

async fn paid(state: &State, session: PaymentSession, origin: &Origin) -> ApiResult {
    let result = state.manager.pay(session, origin).await?;
    let now = state.manager.now();
    match result {
        PayOutcome::Paid { session, late } => outcome(
            &session,
            if late { "paid_late" } else { "paid" },
            false,
            now,
        ),
        PayOutcome::AlreadyPaid(session) => {
            state
                .manager
                .record(&session, "repeat_delivery", origin)
                .await?;
            outcome(&session, "already_paid", true, now)
        }
        PayOutcome::Duplicate { session, .. } => outcome(&session, "duplicate_payment", false, now),
        PayOutcome::TooLate(session) => outcome(&session, "payment_too_late", false, now),
        PayOutcome::RefundAlreadyRecorded(session) => {
            state
                .manager
                .record(&session, "repeat_delivery", origin)
                .await?;
            outcome(&session, "refund_due", true, now)
        }
        PayOutcome::NotPayable(session) => {
            state
                .manager
                .record(&session, "payment_for_closed_session", origin)
                .await?;
            Err(ApiError::new(
                409,
                "SESSION_CLOSED",
                "Sesi pembayaran sudah ditutup; pembayaran dicatat untuk pengembalian dana",
            ))
        }
        PayOutcome::NotFound => Err(ApiError::session_not_found()),
    }
}

async fn failed(state: &State, session: PaymentSession, origin: &Origin) -> ApiResult {
    let result = state.manager.fail(session, origin).await?;
    let now = state.manager.now();
    match result {
        CloseOutcome::Closed(session) => outcome(&session, "failed", false, now),
        CloseOutcome::AlreadyPaid(session) | CloseOutcome::NotOpen(session) => {
            state
                .manager
                .record(&session, "failure_ignored", origin)
                .await?;
            outcome(&session, "ignored", true, now)
        }
        CloseOutcome::NotFound => Err(ApiError::session_not_found()),
    }
}
