//! Xendit QR Codes API (`api-version: 2022-07-31`): `POST /qr_codes` with an idempotency key, the
//! `qr.payment` callback authenticated by `x-callback-token`, and `GET /qr_codes/{qr_id}/payments`,
//! which confirms it.

use chrono::{DateTime, SecondsFormat, Utc};
use serde_json::{Value, json};

use super::http::{HttpClient, Idempotency};
use super::{
    Charge, ChargeRequest, Notification, ProviderConfigError, ProviderError, Secret, Statement,
    VerifyError,
};
use crate::domain::{PaymentReport, ReportKind};
use crate::requests::{XenditCallback, XenditPayment, from_object, object_into};

pub(super) const NAME: &str = "xendit";
const DEFAULT_BASE: &str = "https://api.xendit.co";
/// The QR Codes API version this adapter speaks.
pub const XENDIT_API_VERSION: &str = "2022-07-31";
/// The callback header carrying the account's verification token.
pub const XENDIT_TOKEN_HEADER: &str = "x-callback-token";

/// Xendit settings.
#[derive(Debug, Clone)]
pub struct XenditConfig {
    /// The Xendit secret API key.
    pub secret_key: Secret,
    /// The Xendit callback verification token: only the function receiving callbacks holds it
    /// (without it every callback is refused).
    pub callback_token: Option<Secret>,
    /// `https://api.xendit.co` or a simulator.
    pub api_base: String,
}

impl XenditConfig {
    /// `XENDIT_SECRET_KEY` (required), `XENDIT_CALLBACK_TOKEN` (where callbacks are received),
    /// `XENDIT_API_BASE`.
    pub fn from_lookup(
        lookup: &impl Fn(&str) -> Option<String>,
    ) -> Result<Self, ProviderConfigError> {
        Ok(Self {
            secret_key: super::secret(lookup, "XENDIT_SECRET_KEY")?,
            callback_token: super::secret(lookup, "XENDIT_CALLBACK_TOKEN").ok(),
            api_base: super::base_url("XENDIT_API_BASE", lookup("XENDIT_API_BASE"), DEFAULT_BASE)?,
        })
    }
}

/// The Xendit adapter.
#[derive(Debug, Clone)]
pub struct Xendit {
    config: XenditConfig,
    http: HttpClient,
}

impl Xendit {
    /// A Xendit adapter with its settings and HTTP client.
    pub fn new(config: XenditConfig, http: HttpClient) -> Self {
        Self { config, http }
    }

    /// Whether it can verify callbacks (its callback token is set).
    pub fn verifies_callbacks(&self) -> bool {
        self.config.callback_token.is_some()
    }

    /// The API base in use (no trailing slash).
    pub fn api_base(&self) -> &str {
        &self.config.api_base
    }

    /// The JSON body of a dynamic QR code.
    pub fn charge_body(request: &ChargeRequest) -> Value {
        json!({
            "reference_id": request.trx_id.as_str(),
            "type": "DYNAMIC",
            "currency": "IDR",
            "amount": request.amount.rupiah(),
            "expires_at": request.expires_at.to_rfc3339_opts(SecondsFormat::Secs, true),
        })
    }

    /// `POST /qr_codes` with `idempotency-key: <trxId>`: Xendit answers a repeat with the same QR code,
    /// so the call is retried like a read.
    pub async fn create_charge(&self, request: &ChargeRequest) -> Result<Charge, ProviderError> {
        let url = super::endpoint(&self.config.api_base, &["qr_codes"])?;
        let auth = super::basic_auth(&self.config.secret_key);
        let payload = Self::charge_body(request).to_string();
        let key = request.trx_id.as_str();
        let resp = self
            .http
            .send("xendit qr_codes", Idempotency::Idempotent, |c| {
                c.post(url.clone())
                    .header("content-type", "application/json")
                    .header("authorization", &auth)
                    .header("api-version", XENDIT_API_VERSION)
                    .header("idempotency-key", key)
                    .body(payload.clone())
            })
            .await?;
        let v = answer("xendit qr_codes", resp.status, &resp.body)?;
        let text = |name: &str| {
            v.get(name)
                .and_then(Value::as_str)
                .filter(|s| !s.is_empty())
        };
        let qr_string = text("qr_string")
            .ok_or_else(|| rejected("xendit qr_codes: no qr_string in the answer"))?;
        let id = text("id").ok_or_else(|| rejected("xendit qr_codes: no id in the answer"))?;
        if let Some(reference) = text("reference_id")
            && reference != request.trx_id.as_str()
        {
            return Err(rejected(
                "xendit qr_codes: the answer is for another reference",
            ));
        }
        let expires_at = text("expires_at")
            .and_then(|s| DateTime::parse_from_rfc3339(s).ok())
            .map(|t| t.with_timezone(&Utc));
        Ok(Charge {
            qr_string: qr_string.to_owned(),
            provider_ref: id.to_owned(),
            expires_at,
        })
    }

    /// Compares `x-callback-token` with the configured token (constant time), then reads the event.
    /// The token authenticates the sender, not the body: the callback names its QR code
    /// (`charge_ref`, to be matched with the session's) and [`Xendit::confirm`] asks what counts.
    pub fn verify_notification(
        &self,
        headers: &::http::HeaderMap,
        body: &[u8],
    ) -> Result<Notification, VerifyError> {
        let given = headers
            .get(XENDIT_TOKEN_HEADER)
            .map(|v| v.as_bytes())
            .ok_or(VerifyError::BadSignature)?;
        let Some(token) = &self.config.callback_token else {
            return Err(VerifyError::BadSignature);
        };
        if !super::ct_eq(given, token.expose().as_bytes()) {
            return Err(VerifyError::BadSignature);
        }
        let callback: XenditCallback =
            from_object(body).map_err(|e| VerifyError::Malformed(e.to_string()))?;
        let charge_ref = Some(callback.data.qr_id.clone());
        let claimed = statement(callback.data).map_err(VerifyError::Malformed)?;
        if callback.event != "qr.payment" {
            // A verified event we do not act on: nothing final, so the caller answers 200.
            return Ok(Notification {
                claimed: Statement::Pending {
                    trx_id: claimed.trx_id().to_owned(),
                },
                charge_ref,
            });
        }
        Ok(Notification {
            claimed,
            charge_ref,
        })
    }

    /// Asks Xendit about the payment a verified callback claims (nothing final claimed: no call):
    /// the payment listed by `GET /qr_codes/{qr_id}/payments` under the callback's payment id is
    /// what counts, with its own status, amount and currency. A payment the list does not show, or
    /// one of another QR code or reference, is refused: nothing is granted, and the caller answers
    /// 503 so that Xendit delivers the callback again (a payment that was slow to be listed is
    /// then found).
    pub async fn confirm(&self, notification: &Notification) -> Result<Statement, ProviderError> {
        let Statement::Final(claimed) = &notification.claimed else {
            return Ok(notification.claimed.clone());
        };
        let qr_id = notification
            .charge_ref
            .as_deref()
            .ok_or_else(|| rejected("xendit: the callback names no qr_id"))?;
        let payment_id = claimed
            .provider_ref
            .as_deref()
            .ok_or_else(|| rejected("xendit: the callback names no payment id"))?;
        let (listed, has_more) = self.payments(qr_id).await?;
        let found = listed
            .into_iter()
            .find(|p| p.get("id").and_then(Value::as_str) == Some(payment_id))
            .ok_or_else(|| {
                let more = if has_more { " (on its first page)" } else { "" };
                rejected(&format!(
                    "xendit payments: {payment_id} is not listed for {qr_id}{more}"
                ))
            })?;
        let payment: XenditPayment = object_into(found)
            .map_err(|e| rejected(&format!("xendit payments: {payment_id}: {e}")))?;
        if payment.qr_id != qr_id {
            return Err(rejected(
                "xendit payments: the payment is of another QR code",
            ));
        }
        if payment.reference_id != claimed.trx_id {
            return Err(rejected(
                "xendit payments: the payment is for another reference",
            ));
        }
        statement(payment).map_err(|why| rejected(&format!("xendit payments: {why}")))
    }

    /// `GET /qr_codes/{qr_id}/payments`, retried on 5xx and timeouts: the QR code's payments
    /// (`data`) and whether more pages exist (`has_more`).
    async fn payments(&self, qr_id: &str) -> Result<(Vec<Value>, bool), ProviderError> {
        let url = super::endpoint(&self.config.api_base, &["qr_codes", qr_id, "payments"])?;
        let auth = super::basic_auth(&self.config.secret_key);
        let resp = self
            .http
            .send("xendit payments", Idempotency::Idempotent, |c| {
                c.get(url.clone())
                    .header("accept", "application/json")
                    .header("authorization", &auth)
                    .header("api-version", XENDIT_API_VERSION)
            })
            .await?;
        let mut v = answer("xendit payments", resp.status, &resp.body)?;
        let has_more = v.get("has_more").and_then(Value::as_bool).unwrap_or(false);
        match v.get_mut("data").map(Value::take) {
            Some(Value::Array(items)) => Ok((items, has_more)),
            _ => Err(rejected("xendit payments: no data list in the answer")),
        }
    }
}

/// A QR payment as a statement.
fn statement(payment: XenditPayment) -> Result<Statement, String> {
    if let Some(currency) = payment.currency
        && currency != "IDR"
    {
        return Err(format!("currency {currency:?} is not IDR"));
    }
    let trx_id = payment.reference_id;
    let kind = match payment.status.as_str() {
        "SUCCEEDED" => ReportKind::Paid,
        "FAILED" => ReportKind::Failed,
        _ => return Ok(Statement::Pending { trx_id }),
    };
    Ok(Statement::Final(PaymentReport {
        provider: NAME.to_owned(),
        provider_ref: Some(payment.id),
        trx_id,
        amount: payment.amount.rupiah(),
        kind,
    }))
}

/// Reads an answer: 2xx with a JSON body; 4xx is a refusal (with Xendit's `error_code`).
fn answer(what: &str, http: u16, body: &[u8]) -> Result<Value, ProviderError> {
    let v: Result<Value, _> = serde_json::from_slice(body);
    match v {
        Ok(v) if (200..300).contains(&http) => Ok(v),
        Ok(v) => {
            let code = v.get("error_code").and_then(Value::as_str).unwrap_or("");
            let message: String = v
                .get("message")
                .and_then(Value::as_str)
                .unwrap_or("")
                .chars()
                .take(200)
                .collect();
            Err(rejected(&format!("{what}: HTTP {http} {code}: {message}")))
        }
        Err(_) => Err(rejected(&format!(
            "{what}: HTTP {http}, the answer is not JSON"
        ))),
    }
}

fn rejected(why: &str) -> ProviderError {
    ProviderError::Rejected(why.to_owned())
}
