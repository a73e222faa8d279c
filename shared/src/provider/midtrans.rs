//! Midtrans Core API, QRIS: `POST /v2/charge`, the HTTP notification signed with
//! `signature_key = hex(SHA512(order_id + status_code + gross_amount + server_key))`, and
//! `GET /v2/{order_id}/status`, which confirms it.

use chrono::{FixedOffset, TimeDelta};
use serde_json::{Value, json};
use sha2::{Digest, Sha512};

use super::http::{HttpClient, Idempotency};
use super::{
    Charge, ChargeRequest, Notification, ProviderConfigError, ProviderError, Secret, Statement,
    VerifyError,
};
use crate::requests::{MidtransNotification, from_object, object_into};

mod statement;

use statement::{Refunds, statement};

pub(super) const NAME: &str = "midtrans";
const SANDBOX: &str = "https://api.sandbox.midtrans.com";
const PRODUCTION: &str = "https://api.midtrans.com";

/// Midtrans settings.
#[derive(Debug, Clone)]
pub struct MidtransConfig {
    /// The Midtrans server key.
    pub server_key: Secret,
    /// `https://api.sandbox.midtrans.com`, `https://api.midtrans.com`, or a simulator.
    pub api_base: String,
}

impl MidtransConfig {
    /// `MIDTRANS_SERVER_KEY` (required), `MIDTRANS_IS_PRODUCTION` (`true`/`false`, default false),
    /// `MIDTRANS_API_BASE` (overrides the choice of sandbox or production).
    pub fn from_lookup(
        lookup: &impl Fn(&str) -> Option<String>,
    ) -> Result<Self, ProviderConfigError> {
        let server_key = super::secret(lookup, "MIDTRANS_SERVER_KEY")?;
        let production = match lookup("MIDTRANS_IS_PRODUCTION")
            .map(|v| v.trim().to_ascii_lowercase())
            .as_deref()
        {
            None | Some("") | Some("false") | Some("0") => false,
            Some("true") | Some("1") => true,
            Some(other) => {
                return Err(ProviderConfigError::Invalid {
                    name: "MIDTRANS_IS_PRODUCTION",
                    why: format!("expected true or false, got {other:?}"),
                });
            }
        };
        let default = if production { PRODUCTION } else { SANDBOX };
        let api_base = super::base_url("MIDTRANS_API_BASE", lookup("MIDTRANS_API_BASE"), default)?;
        Ok(Self {
            server_key,
            api_base,
        })
    }
}

/// The Midtrans adapter.
#[derive(Debug, Clone)]
pub struct Midtrans {
    config: MidtransConfig,
    http: HttpClient,
}

/// `hex(SHA512(order_id + status_code + gross_amount + server_key))`, lowercase: the notification's
/// `signature_key` (`gross_amount` exactly as sent, e.g. `"1000.00"`).
pub fn midtrans_signature_key(
    order_id: &str,
    status_code: &str,
    gross_amount: &str,
    server_key: &str,
) -> String {
    let mut h = Sha512::new();
    for part in [order_id, status_code, gross_amount, server_key] {
        h.update(part.as_bytes());
    }
    hex::encode(h.finalize())
}

impl Midtrans {
    /// A Midtrans adapter with its settings and HTTP client.
    pub fn new(config: MidtransConfig, http: HttpClient) -> Self {
        Self { config, http }
    }

    /// The API base in use (no trailing slash).
    pub fn api_base(&self) -> &str {
        &self.config.api_base
    }

    /// The JSON body of a QRIS charge: the QR expires after whole minutes, never after `expires_at`.
    pub fn charge_body(request: &ChargeRequest) -> Result<Value, ProviderError> {
        let minutes = (request.expires_at - request.now).num_minutes();
        if minutes < 1 {
            return Err(ProviderError::Rejected(
                "the session expires in less than a minute".into(),
            ));
        }
        let wib = FixedOffset::east_opt(7 * 3600).expect("UTC+7 is a valid offset");
        Ok(json!({
            "payment_type": "qris",
            "transaction_details": {
                "order_id": request.trx_id.as_str(),
                "gross_amount": request.amount.rupiah(),
            },
            "qris": {"acquirer": "gopay"},
            "custom_expiry": {
                "order_time": request.now.with_timezone(&wib).format("%Y-%m-%d %H:%M:%S %z").to_string(),
                "expiry_duration": minutes,
                "unit": "minute",
            },
        }))
    }

    /// `POST /v2/charge`, sent once: a charge is not idempotent at Midtrans.
    pub async fn create_charge(&self, request: &ChargeRequest) -> Result<Charge, ProviderError> {
        let body = Self::charge_body(request)?;
        let minutes = body["custom_expiry"]["expiry_duration"]
            .as_i64()
            .unwrap_or(0);
        let url = super::endpoint(&self.config.api_base, &["v2", "charge"])?;
        let auth = super::basic_auth(&self.config.server_key);
        let payload = body.to_string();
        let resp = self
            .http
            .send("midtrans charge", Idempotency::Once, |c| {
                c.post(url.clone())
                    .header("accept", "application/json")
                    .header("content-type", "application/json")
                    .header("authorization", &auth)
                    .body(payload.clone())
            })
            .await?;
        let v = answer("midtrans charge", resp.status, &resp.body, &["200", "201"])?;
        let qr_string = non_empty(&v, "qr_string")
            .ok_or_else(|| rejected("midtrans charge: no qr_string in the answer"))?;
        let provider_ref = non_empty(&v, "transaction_id")
            .ok_or_else(|| rejected("midtrans charge: no transaction_id in the answer"))?;
        if let Some(order) = v.get("order_id").and_then(Value::as_str)
            && order != request.trx_id.as_str()
        {
            return Err(rejected("midtrans charge: the answer is for another order"));
        }
        Ok(Charge {
            qr_string,
            provider_ref,
            expires_at: Some(request.now + TimeDelta::minutes(minutes)),
        })
    }

    /// Checks `signature_key` (constant time), then reads the notification.
    pub fn verify_notification(&self, body: &[u8]) -> Result<Notification, VerifyError> {
        let n: MidtransNotification =
            from_object(body).map_err(|e| VerifyError::Malformed(e.to_string()))?;
        let order_id = signed(&n.order_id, "order_id")?;
        let status_code = signed(&n.status_code, "status_code")?;
        let gross_amount = signed(&n.gross_amount, "gross_amount")?;
        let given = signed(&n.signature_key, "signature_key")?;
        let expected = midtrans_signature_key(
            order_id,
            status_code,
            gross_amount,
            self.config.server_key.expose(),
        );
        if !super::ct_eq(given.to_ascii_lowercase().as_bytes(), expected.as_bytes()) {
            return Err(VerifyError::BadSignature);
        }
        // The claim only says which order to ask about: its refund history is read from the answer.
        let claimed = statement(n, Refunds::Lenient).map_err(VerifyError::Malformed)?;
        Ok(Notification {
            claimed,
            charge_ref: None,
        })
    }

    /// Asks the status API about the notification's order: its answer is what counts.
    pub async fn confirm(&self, notification: &Notification) -> Result<Statement, ProviderError> {
        let claimed = notification.claimed.trx_id();
        let answer = self.status(claimed).await?;
        if answer.trx_id() != claimed {
            return Err(rejected("midtrans status: the answer is for another order"));
        }
        Ok(answer)
    }

    /// `GET /v2/{order_id}/status`, retried on 5xx and timeouts.
    async fn status(&self, order_id: &str) -> Result<Statement, ProviderError> {
        let url = super::endpoint(&self.config.api_base, &["v2", order_id, "status"])?;
        let auth = super::basic_auth(&self.config.server_key);
        let resp = self
            .http
            .send("midtrans status", Idempotency::Idempotent, |c| {
                c.get(url.clone())
                    .header("accept", "application/json")
                    .header("authorization", &auth)
            })
            .await?;
        let v = answer(
            "midtrans status",
            resp.status,
            &resp.body,
            &["200", "201", "202", "407"],
        )?;
        object_into(v)
            .map_err(|e| e.to_string())
            .and_then(|n| statement(n, Refunds::Required))
            .map_err(|why| rejected(&format!("midtrans status: {why}")))
    }
}

/// Reads an answer: HTTP 2xx and a body `status_code` among `ok` (Midtrans also reports errors in the
/// body). A body 5xx is the gateway being unavailable; anything else is a refusal.
fn answer(what: &str, http: u16, body: &[u8], ok: &[&str]) -> Result<Value, ProviderError> {
    let v: Value = serde_json::from_slice(body)
        .map_err(|_| rejected(&format!("{what}: HTTP {http}, the answer is not JSON")))?;
    let code = v.get("status_code").and_then(Value::as_str).unwrap_or("");
    let message = v
        .get("status_message")
        .and_then(Value::as_str)
        .unwrap_or("")
        .chars()
        .take(200)
        .collect::<String>();
    if (200..300).contains(&http) && ok.contains(&code) {
        return Ok(v);
    }
    let why = format!("{what}: HTTP {http}, status_code {code:?}: {message}");
    if code.starts_with('5') {
        Err(ProviderError::Unavailable(why))
    } else {
        Err(ProviderError::Rejected(why))
    }
}

/// A field the signature covers: refused before the signature is checked when absent or not a
/// string.
fn signed<'a>(value: &'a Option<String>, name: &str) -> Result<&'a str, VerifyError> {
    value
        .as_deref()
        .ok_or_else(|| VerifyError::Malformed(format!("{name} is missing or not a string")))
}

fn non_empty(v: &Value, name: &str) -> Option<String> {
    v.get(name)
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
}

fn rejected(why: &str) -> ProviderError {
    ProviderError::Rejected(why.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn charge_body_follows_the_docs() {
        let now = chrono::DateTime::from_timestamp(1_763_900_000, 0).unwrap();
        let req = ChargeRequest {
            trx_id: crate::domain::TrxId::parse("UP-251123121320-ABCDEFGH").unwrap(),
            amount: crate::domain::Amount::new(15000).unwrap(),
            expires_at: now + TimeDelta::seconds(7199),
            now,
        };
        let body = Midtrans::charge_body(&req).unwrap();
        assert_eq!(body["payment_type"], "qris");
        assert_eq!(
            body["transaction_details"]["order_id"],
            "UP-251123121320-ABCDEFGH"
        );
        assert_eq!(body["transaction_details"]["gross_amount"], 15000);
        assert_eq!(body["qris"]["acquirer"], "gopay");
        // 1 h 59 min 59 s → 119 whole minutes, never beyond the session.
        assert_eq!(body["custom_expiry"]["expiry_duration"], 119);
        assert_eq!(body["custom_expiry"]["unit"], "minute");
        assert_eq!(
            body["custom_expiry"]["order_time"],
            "2025-11-23 19:13:20 +0700"
        );
        let soon = ChargeRequest {
            expires_at: now + TimeDelta::seconds(59),
            ..req
        };
        assert!(Midtrans::charge_body(&soon).is_err());
    }
}
