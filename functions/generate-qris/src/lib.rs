//! `POST /api/generate-qris {streamId, userId, amount?, sessionId?}`: a pending session and its
//! dynamic QRIS for the catalog price. At most one catalog read (cached ≤ 60 s) and one transaction.

use std::sync::Arc;

use chrono::TimeDelta;
use lambda_http::{Body, Request, Response};
use serde_json::{Value, json};
use upstream_session::api::{
    self, ApiError, ApiResult, ConfigError, Cors, env_required, iso, remaining_ms,
};
use upstream_session::catalog::{CACHE_TTL, Catalog};
use upstream_session::domain::{Amount, PaymentSession, SessionId, StreamId, TrxId, UserId};
use upstream_session::qris::{DEFAULT_MAX_AMOUNT, Qris, png_data_url};
use upstream_session::{CreateOutcome, SessionManager, SystemClock};

/// Built once per container.
pub struct State {
    pub manager: SessionManager,
    pub catalog: Catalog,
    /// The merchant's static QRIS, validated at start.
    pub qris: Qris,
    pub max_amount: u64,
    pub cors: Cors,
}

impl State {
    /// From the environment (`TABLE_NAME`, `QRIS_STATIC_PAYLOAD`, `QRIS_MAX_AMOUNT`, `ALLOWED_ORIGINS`).
    /// A missing or invalid static QRIS refuses the start.
    pub async fn from_env() -> Result<Self, ConfigError> {
        let qris = static_qris(&env_required("QRIS_STATIC_PAYLOAD")?)?;
        let max_amount = match std::env::var("QRIS_MAX_AMOUNT") {
            Ok(v) => v
                .trim()
                .parse()
                .map_err(|_| ConfigError(format!("QRIS_MAX_AMOUNT is not a number: {v:?}")))?,
            Err(_) => DEFAULT_MAX_AMOUNT,
        };
        let manager = api::manager_from_env().await?;
        let catalog = Catalog::new(manager.store().clone(), Arc::new(SystemClock), CACHE_TTL);
        Ok(Self {
            manager,
            catalog,
            qris,
            max_amount,
            cors: Cors::from_env(),
        })
    }

    /// A state over an existing manager (tests, the local stack); `cache` ≤ 60 s.
    pub fn new(manager: SessionManager, qris: Qris, cache: TimeDelta, cors: Cors) -> Self {
        let catalog = Catalog::new(manager.store().clone(), manager.clock(), cache);
        Self {
            manager,
            catalog,
            qris,
            max_amount: DEFAULT_MAX_AMOUNT,
            cors,
        }
    }
}

/// Validates the merchant's static QRIS (`QRIS_STATIC_PAYLOAD`): syntax, CRC and the QRIS rules
/// (an Indonesian merchant, every data-object rule); a bad one refuses the start.
pub fn static_qris(payload: &str) -> Result<Qris, ConfigError> {
    let qris = Qris::parse(payload.trim())
        .map_err(|e| ConfigError(format!("QRIS_STATIC_PAYLOAD is invalid: {e}")))?;
    if qris.get("58").is_none() {
        return Err(ConfigError(
            "QRIS_STATIC_PAYLOAD has no country code (tag 58)".into(),
        ));
    }
    qris.check_merchant().map_err(|e| {
        ConfigError(format!(
            "QRIS_STATIC_PAYLOAD does not conform to QRIS:\n{e}"
        ))
    })?;
    Ok(qris)
}

/// The DynamoDB actions this function needs and where (`table` or `index/<name>`); the SAM template
/// grants exactly these (a test compares them). Transactions need the per-item action (`PutItem`).
pub const DYNAMODB_ACCESS: &[(&str, &str)] =
    &[("dynamodb:GetItem", "table"), ("dynamodb:PutItem", "table")];

/// The route this function serves.
pub const ROUTES: &[(&str, &str)] = &[("POST", "/api/generate-qris")];

/// The handler: never panics, always answers with the envelope.
pub async fn handler(state: &State, req: Request) -> Response<Body> {
    api::serve("generate-qris", &state.cors, req, |req| {
        generate(state, req)
    })
    .await
}

async fn generate(state: &State, req: Request) -> ApiResult {
    if req.method() != "POST" {
        return Err(ApiError::method_not_allowed());
    }
    let body = api::json_body(&req)?;
    let stream_id = api::require(&body, "streamId", StreamId::parse)?;
    let user_id = api::require(&body, "userId", UserId::parse)?;
    let asked = match body.get("amount") {
        None | Some(Value::Null) => None,
        Some(v) => Some(Amount::from_json(v).map_err(|_| ApiError::invalid("amount"))?),
    };
    let presented = match body.get("sessionId").and_then(Value::as_str) {
        Some(s) => SessionId::parse(s).ok(),
        None => None,
    };
    let stream = state
        .catalog
        .active(&stream_id)
        .await?
        .ok_or_else(ApiError::stream_not_found)?;
    if asked.is_some_and(|a| a != stream.price) {
        return Err(ApiError::new(
            400,
            "AMOUNT_MISMATCH",
            format!(
                "Nominal tidak sesuai dengan harga stream ({})",
                stream.price.display_idr()
            ),
        ));
    }
    let trx = TrxId::generate(state.manager.now());
    // Build the QR before writing anything: a price the QRIS cannot carry must not leave a session.
    let fresh_qr = dynamic_qr(state, stream.price, &trx)?;
    match state
        .manager
        .create_payment_session(user_id, stream_id, trx, stream.price)
        .await?
    {
        CreateOutcome::Created(session) => respond(state, &session, fresh_qr, false, true),
        CreateOutcome::ExistingPending(session) => {
            let qr = dynamic_qr(state, session.amount, &session.trx_id)?;
            // The sessionId is a bearer secret: only a caller who already holds it gets it back.
            let owner = presented.as_ref() == Some(&session.session_id);
            respond(state, &session, qr, true, owner)
        }
        CreateOutcome::AlreadyPaid { .. } => Err(ApiError::new(
            409,
            "ALREADY_HAS_ACCESS",
            "Anda sudah memiliki akses untuk stream ini",
        )),
    }
}

fn dynamic_qr(state: &State, amount: Amount, trx: &TrxId) -> Result<String, ApiError> {
    state
        .qris
        .to_dynamic(amount.rupiah(), Some(trx.as_str()), state.max_amount)
        .map(|q| q.payload())
        .map_err(|e| {
            tracing::error!(error = %e, amount = amount.rupiah(), "cannot build the dynamic QRIS");
            ApiError::new(
                500,
                "QRIS_ERROR",
                "QRIS tidak dapat dibuat untuk nominal ini",
            )
        })
}

fn respond(
    state: &State,
    session: &PaymentSession,
    payload: String,
    reused: bool,
    with_session_id: bool,
) -> ApiResult {
    let image = png_data_url(&payload).map_err(|e| {
        tracing::error!(error = %e, "cannot render the QR image");
        ApiError::internal()
    })?;
    let now = state.manager.now();
    api::ok(json!({
        "sessionId": if with_session_id { Some(&session.session_id) } else { None },
        "trxId": session.trx_id,
        "qrCode": image,
        "qrisData": payload,
        "amount": session.amount,
        "amountDisplay": session.amount.display_idr(),
        "streamId": session.stream_id,
        "userId": session.user_id,
        "expiresAt": iso(session.expires_at),
        "remainingTime": remaining_ms(session.remaining_at(now)),
        "reused": reused,
    }))
}
