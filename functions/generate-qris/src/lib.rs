//! `POST /api/generate-qris {streamId, userId, amount?, sessionId?}` (header `Idempotency-Key`
//! optional): a pending session and its dynamic QRIS for the catalog price, always with its
//! sessionId. A presented sessionId of the caller's own live pending session reuses it (one GetItem);
//! otherwise at most one catalog read (cached ≤ 60 s) and one transaction.

use std::sync::Arc;

use chrono::TimeDelta;
use lambda_http::http::HeaderValue;
use lambda_http::{Body, Request, Response};
use upstream_session::ConfigError;
use upstream_session::ErrorCode;
use upstream_session::FunctionSpec;
use upstream_session::catalog::{CACHE_TTL, Catalog};
use upstream_session::contract::{Param, Payload, Reply, Route, Shape};
use upstream_session::domain::{
    Amount, GatewayCharge, IdempotencyKey, PaymentSession, Status, TrxId,
};
use upstream_session::edge::{self, ApiError, ApiResult, Cors, Init, ViewerAuth};
use upstream_session::manager::request_fingerprint;
use upstream_session::provider::{ChargeRequest, PaymentProvider};
use upstream_session::qris::{DEFAULT_MAX_AMOUNT, Qris, png_data_url};
use upstream_session::requests::{GenerateQrisRequest, QrisOrder};
use upstream_session::secrets;
use upstream_session::views::QrView;
use upstream_session::{CreateOutcome, NewSession, SessionManager, SystemClock};

/// Built once per container.
pub struct State {
    pub manager: SessionManager,
    pub catalog: Catalog,
    /// The merchant's static QRIS, validated at start.
    pub qris: Qris,
    /// The payment gateway (`PAYMENT_PROVIDER`); `static` converts the merchant's static QRIS.
    pub provider: PaymentProvider,
    pub max_amount: u64,
    pub cors: Cors,
    /// How viewers are identified (`VIEWER_AUTH`): signed in, the body's userId must be theirs.
    pub viewer_auth: ViewerAuth,
}

impl State {
    /// The deployed init: the process environment and Secrets Manager (see [`State::init`]).
    pub async fn from_env() -> Result<Self, ConfigError> {
        Self::init(&Init::from_env().await).await
    }

    /// From `init`: `QRIS_STATIC_PAYLOAD`, `QRIS_MAX_AMOUNT`, `ALLOWED_ORIGINS`, `TABLE_NAME` and the
    /// policy, `PAYMENT_PROVIDER` with the gateway's API key read from the secret `GATEWAY_SECRET_NAME`
    /// names. A missing or invalid static QRIS, or a secret that cannot be read, refuses the start.
    pub async fn init(init: &Init) -> Result<Self, ConfigError> {
        let qris = static_qris(&init.required(STATIC_PAYLOAD)?)?;
        let max_amount = match init.var("QRIS_MAX_AMOUNT") {
            Some(v) => v.trim().parse().map_err(|_| {
                ConfigError::invalid("QRIS_MAX_AMOUNT", format!("is not a number: {v:?}"))
            })?,
            None => DEFAULT_MAX_AMOUNT,
        };
        let manager = init.manager()?;
        let settings = init.settings(SPEC.secrets).await?;
        let provider = PaymentProvider::from_lookup(|name| settings.get(name))?;
        let catalog = Catalog::new(manager.store().clone(), Arc::new(SystemClock), CACHE_TTL);
        // The first request then pays only its transaction; a failure here costs the start nothing
        // (the request path reads what it needs).
        match catalog.preload().await {
            Ok(entries) => tracing::debug!(entries, "catalog preloaded"),
            Err(err) => tracing::warn!(error = %err, "catalog preload failed at init"),
        }
        Ok(Self {
            manager,
            catalog,
            qris,
            max_amount,
            cors: init.cors(),
            provider,
            viewer_auth: init.viewer_auth()?,
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
            provider: PaymentProvider::Static,
            cors,
            viewer_auth: ViewerAuth::Anonymous,
        }
    }

    /// The same state confirming payments through `provider`.
    pub fn with_provider(self, provider: PaymentProvider) -> Self {
        Self { provider, ..self }
    }

    /// The same state identifying viewers by `viewer_auth`.
    pub fn with_viewer_auth(self, viewer_auth: ViewerAuth) -> Self {
        Self {
            viewer_auth,
            ..self
        }
    }
}

const STATIC_PAYLOAD: &str = "QRIS_STATIC_PAYLOAD";

/// Validates the merchant's static QRIS (`QRIS_STATIC_PAYLOAD`): syntax, CRC and the QRIS rules (an
/// Indonesian merchant, every data-object rule). An error refuses the start; each warning (a format
/// that apps still pay, see `upstream_session::qris::Severity`) is logged once, here.
pub fn static_qris(payload: &str) -> Result<Qris, ConfigError> {
    let qris = Qris::parse(payload.trim())
        .map_err(|e| ConfigError::invalid(STATIC_PAYLOAD, format!("is invalid: {e}")))?;
    if qris.get("58").is_none() {
        return Err(ConfigError::invalid(
            STATIC_PAYLOAD,
            "has no country code (tag 58)",
        ));
    }
    let warnings = qris.check_merchant().map_err(|e| {
        ConfigError::invalid(STATIC_PAYLOAD, format!("does not conform to QRIS:\n{e}"))
    })?;
    for w in warnings {
        tracing::warn!(
            variable = STATIC_PAYLOAD,
            tag = %w.tag,
            section = w.section,
            problem = %w.message,
            "the merchant's static QRIS breaks a format rule that apps still pay; accepted"
        );
    }
    Ok(qris)
}

/// This function, declared once: the local stack, the tests and the template test read it.
pub const SPEC: FunctionSpec = FunctionSpec {
    name: "generate-qris",
    resource: "GenerateQrisFunction",
    routes: &[Route::post("/api/generate-qris", Reply::Data(Payload::Qr))
        .summary(
            "A payable QRIS for a stream: a new pending session, or the caller's own presented one",
        )
        .headers(&[Param::optional(
            "Idempotency-Key",
            Shape::Text,
            "1–64 of [A-Za-z0-9_-]: a retried tap answers the same session",
        )])
        .body(Payload::GenerateQrisRequest)
        .errors(&[
            ErrorCode::MissingField,
            ErrorCode::InvalidField,
            ErrorCode::Forbidden,
            ErrorCode::AmountMismatch,
            ErrorCode::StreamNotFound,
            ErrorCode::AlreadyHasAccess,
            ErrorCode::SessionChanged,
            ErrorCode::IdempotencyKeyReused,
            ErrorCode::QrisError,
            ErrorCode::ProviderUnavailable,
            ErrorCode::QrNotReady,
        ])],
    secrets: &[secrets::GATEWAY_KEY],
};

/// The handler: never panics, always answers with the envelope.
pub async fn handler(state: &State, req: Request) -> Response<Body> {
    edge::serve(SPEC.name, &state.cors, req, |req| generate(state, req)).await
}

/// The header a client sends to make a tap safe to retry.
pub const IDEMPOTENCY_HEADER: &str = "idempotency-key";

async fn generate(state: &State, req: Request) -> ApiResult {
    if req.method() != "POST" {
        return Err(ApiError::method_not_allowed());
    }
    let QrisOrder {
        stream_id,
        user_id,
        amount: asked,
        session_id: presented,
    } = edge::json_body::<GenerateQrisRequest>(&req)?.try_into()?;
    // Signed in: the session is the account's, whatever else the body says (403 if it differs).
    let user_id = state
        .viewer_auth
        .viewer(&req, Some(user_id.clone()))?
        .unwrap_or(user_id);
    let idem_key = match req.headers().get(IDEMPOTENCY_HEADER) {
        None => None,
        Some(v) => Some(
            v.to_str()
                .ok()
                .and_then(|k| IdempotencyKey::parse(k).ok())
                .ok_or_else(|| ApiError::invalid("Idempotency-Key"))?,
        ),
    };
    let stream = state
        .catalog
        .active(&stream_id)
        .await?
        .ok_or_else(ApiError::stream_not_found)?;
    if asked.is_some_and(|a| a != stream.price) {
        return Err(
            ApiError::of(ErrorCode::AmountMismatch).with_detail(&stream.price.display_idr())
        );
    }
    // Reuse only the caller's own live pending session (it proves ownership with the sessionId), and
    // only while the viewer holds no access (both reads at once).
    if let Some(id) = &presented {
        // Boxed: two SDK futures side by side are large, and handlers run on small test stacks too.
        let (own, holder) = tokio::join!(
            Box::pin(state.manager.get_payment_session(id)),
            Box::pin(
                state
                    .manager
                    .has_active_session_for_stream(&user_id, &stream_id)
            )
        );
        if holder?.is_some() {
            return Err(already_has_access());
        }
        let now = state.manager.now();
        if let Some(own) = own?.filter(|s| {
            s.user_id == user_id && s.stream_id == stream_id && s.status_at(now) == Status::Pending
        }) && let Some(qr) = payable_qr(state, &own)?
        {
            return respond(state, &own, qr, true);
        }
    }
    let trx = TrxId::generate(state.manager.now());
    // Build the QR before writing anything: a price the QRIS cannot carry must not leave a session.
    let fresh_qr = if state.provider.is_static() {
        Some(dynamic_qr(state, stream.price, &trx)?)
    } else {
        None
    };
    let idempotency = idem_key.map(|k| (k, request_fingerprint(&user_id, &stream_id, asked)));
    let new = NewSession {
        user: user_id,
        stream: stream_id,
        trx,
        amount: stream.price,
        schedule: stream.schedule(),
        idempotency,
    };
    // The QR image is rendered while the transaction is in flight: `join!` polls the write first, so
    // its request is on the wire before the CPU work starts (the image is wasted only on a refusal).
    let create = Box::pin(state.manager.create_session(new));
    let (created, fresh) = match fresh_qr {
        Some(payload) => {
            let (created, image) = tokio::join!(create, async { render(&payload) });
            (created, Some((payload, image)))
        }
        None => (create.await, None),
    };
    match created? {
        CreateOutcome::Created(session) => match fresh {
            Some((qr, image)) => rendered(state, &session, qr, image?, false),
            None => {
                let charged = charge(state, &session).await?;
                let qr = payable_qr(state, &charged)?.ok_or_else(ApiError::internal)?;
                respond(state, &charged, qr, false)
            }
        },
        CreateOutcome::Replayed(session) => {
            let qr =
                payable_qr(state, &session)?.ok_or_else(|| ApiError::of(ErrorCode::QrNotReady))?;
            let mut resp = respond(state, &session, qr, false)?;
            resp.headers_mut()
                .insert("idempotent-replayed", HeaderValue::from_static("true"));
            Ok(resp)
        }
        CreateOutcome::KeyReused => Err(ApiError::of(ErrorCode::IdempotencyKeyReused)),
        CreateOutcome::AlreadyPaid { .. } => Err(already_has_access()),
    }
}

/// The QR a session is paid with: the gateway's QR string, or (static) the merchant's QRIS made
/// dynamic. `None` for a gateway session whose charge is not attached.
fn payable_qr(state: &State, session: &PaymentSession) -> Result<Option<String>, ApiError> {
    match (&session.charge, state.provider.is_static()) {
        (Some(charge), _) => Ok(Some(charge.qr_string.clone())),
        (None, true) => dynamic_qr(state, session.amount, &session.trx_id).map(Some),
        (None, false) => Ok(None),
    }
}

/// Creates the gateway's charge for a pending session already written, and attaches it. A gateway
/// error or timeout closes the session (its QR is never shown) and answers 502.
async fn charge(state: &State, session: &PaymentSession) -> Result<PaymentSession, ApiError> {
    let request = ChargeRequest {
        trx_id: session.trx_id.clone(),
        amount: session.amount,
        expires_at: session.expires_at,
        now: state.manager.now(),
    };
    match state.provider.create_charge(&request).await {
        Ok(charge) => {
            let attached = GatewayCharge {
                provider: state.provider.name().to_owned(),
                reference: charge.provider_ref,
                qr_string: charge.qr_string,
            };
            state
                .manager
                .attach_charge(session, attached)
                .await?
                .ok_or_else(|| ApiError::of(ErrorCode::SessionChanged))
        }
        Err(err) => {
            tracing::warn!(error = %err, provider = state.provider.name(), "charge failed");
            state
                .manager
                .close_uncharged(session, &format!("charge failed: {err}"))
                .await?;
            Err(ApiError::of(ErrorCode::ProviderUnavailable))
        }
    }
}

fn already_has_access() -> ApiError {
    ApiError::of(ErrorCode::AlreadyHasAccess)
}

fn dynamic_qr(state: &State, amount: Amount, trx: &TrxId) -> Result<String, ApiError> {
    state
        .qris
        .to_dynamic(amount.rupiah(), Some(trx.as_str()), state.max_amount)
        .map(|q| q.payload())
        .map_err(|e| {
            tracing::error!(error = %e, amount = amount.rupiah(), "cannot build the dynamic QRIS");
            ApiError::of(ErrorCode::QrisError)
        })
}

/// The QR answer; it always carries the session's id: a payable QR belongs to whoever asked for it.
fn respond(state: &State, session: &PaymentSession, payload: String, reused: bool) -> ApiResult {
    let image = render(&payload)?;
    rendered(state, session, payload, image, reused)
}

/// The QR answer with its image already rendered.
fn rendered(
    state: &State,
    session: &PaymentSession,
    payload: String,
    image: String,
    reused: bool,
) -> ApiResult {
    let now = state.manager.now();
    edge::ok_view(&QrView::of(session, payload, image, reused, now))
}

/// The QR image of `payload` as a PNG data URL.
fn render(payload: &str) -> Result<String, ApiError> {
    png_data_url(payload).map_err(|e| {
        tracing::error!(error = %e, "cannot render the QR image");
        ApiError::internal()
    })
}
