//! Payment gateways: create a charge (a QR string for a session), verify a gateway's notification,
//! and confirm or query a payment's status — behind one enum chosen by `PAYMENT_PROVIDER`
//! (`static` | `midtrans` | `xendit`). The adapters only speak HTTP; what a report means for a
//! session is the ledger's business.

pub mod http;
mod midtrans;
mod xendit;

use std::fmt;

use chrono::{DateTime, Utc};

use crate::domain::{Amount, TrxId};

pub use http::{HttpClient, HttpPolicy, Idempotency};
pub use midtrans::{Midtrans, MidtransConfig, midtrans_signature_key};
pub use xendit::{XENDIT_API_VERSION, XENDIT_TOKEN_HEADER, Xendit, XenditConfig};

/// What a charge is asked for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChargeRequest {
    /// Our transaction id, sent as the gateway's order id / reference id.
    pub trx_id: TrxId,
    /// The amount in rupiah.
    pub amount: Amount,
    /// When the session's QR stops being payable; the gateway's expiry is never later.
    pub expires_at: DateTime<Utc>,
    /// The time of the request.
    pub now: DateTime<Utc>,
}

/// A charge the gateway created.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Charge {
    /// The QRIS payload to render (never the gateway's hosted image).
    pub qr_string: String,
    /// Midtrans `transaction_id`, Xendit QR code `id` (`qr_…`).
    pub provider_ref: String,
    /// The gateway's expiry for the QR, when known.
    pub expires_at: Option<DateTime<Utc>>,
}

/// What a report says happened.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ReportKind {
    /// Money received.
    Paid,
    /// Nothing final yet: grant nothing.
    Pending,
    /// Denied, cancelled, expired or failed: no money.
    Failed,
    /// Money returned to the payer (in full or in part).
    Refunded,
}

impl ReportKind {
    /// `paid` | `pending` | `failed` | `refunded`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Paid => "paid",
            Self::Pending => "pending",
            Self::Failed => "failed",
            Self::Refunded => "refunded",
        }
    }
}

/// A verified statement of what happened to a payment, for the ledger.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PaymentReport {
    /// `midtrans` | `xendit`.
    pub provider: &'static str,
    /// The gateway's id of the payment: Midtrans `transaction_id`, Xendit payment `data.id` (`qrpy_…`).
    pub provider_ref: Option<String>,
    /// The gateway's id of the charge we created, when it differs from `provider_ref`
    /// (Xendit `data.qr_id`); Midtrans: the `transaction_id` again.
    pub charge_ref: Option<String>,
    /// Our trxId as the gateway echoed it, unparsed (it may not be one of ours).
    pub order_id: String,
    /// Whole rupiah received (for a refund: the payment's gross amount).
    pub amount: u64,
    /// What the report says happened.
    pub kind: ReportKind,
    /// The gateway's own status word (`settlement`, `SUCCEEDED`, …), for the audit trail.
    pub raw_status: String,
}

/// A notification whose signature or token checked out: what the gateway *claims*. Pass it to
/// [`PaymentProvider::confirm`] before granting anything.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notification {
    /// What the notification claims (to be confirmed with the gateway).
    pub claimed: PaymentReport,
}

/// Why a notification was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum VerifyError {
    /// Wrong or missing signature / callback token: answer 401, store nothing.
    #[error("the notification's signature or token is not valid")]
    BadSignature,
    /// Not a notification we can read (bad JSON, missing field, fractional amount…): answer 400.
    #[error("malformed notification: {0}")]
    Malformed(String),
}

/// Why a gateway call failed. Messages never contain keys.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProviderError {
    /// Timeout, connection failure or 5xx: the gateway may work again later.
    #[error("payment gateway unavailable: {0}")]
    Unavailable(String),
    /// The gateway refused the call (4xx) or answered something we cannot use.
    #[error("payment gateway refused: {0}")]
    Rejected(String),
    /// The configured provider has no such operation (`static` creates no charges and
    /// receives no gateway notifications: check [`PaymentProvider::is_static`] first).
    #[error("the {0} provider does not support this operation")]
    Unsupported(&'static str),
}

/// A configuration the provider cannot start with. Never contains a secret's value.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProviderConfigError {
    #[error("PAYMENT_PROVIDER must be static, midtrans or xendit, got {0:?}")]
    /// `PAYMENT_PROVIDER` names no known gateway.
    UnknownProvider(String),
    #[error("{0} must be set for this payment provider")]
    /// A required setting is absent.
    Missing(&'static str),
    #[error("{name} is not valid: {why}")]
    /// A setting present but unusable.
    Invalid {
        /// The variable.
        name: &'static str,
        /// What is wrong.
        why: String,
    },
    #[error("cannot build the HTTP client: {0}")]
    /// The HTTP client cannot be built.
    Client(String),
}

/// A secret (server key, callback token): never printed by `Debug`, no `Display`.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    /// Wraps a secret value.
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }

    /// The secret's text, for signing and authentication only.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(***)")
    }
}

/// The configured payment gateway.
#[derive(Debug, Clone)]
pub enum PaymentProvider {
    /// Today's static→dynamic QRIS, confirmed by an operator or the generic signed webhook.
    Static,
    /// Midtrans (Core API QRIS).
    Midtrans(Midtrans),
    /// Xendit (QR codes API).
    Xendit(Xendit),
}

impl PaymentProvider {
    /// Reads the process environment (see [`PaymentProvider::from_lookup`]).
    pub fn from_env() -> Result<Self, ProviderConfigError> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// Reads `PAYMENT_PROVIDER` (default `static`) and the chosen gateway's settings through `lookup`:
    /// Midtrans `MIDTRANS_SERVER_KEY`, `MIDTRANS_IS_PRODUCTION` (default false), `MIDTRANS_API_BASE`
    /// (overrides both); Xendit `XENDIT_SECRET_KEY`, `XENDIT_CALLBACK_TOKEN`, `XENDIT_API_BASE`.
    pub fn from_lookup(
        lookup: impl Fn(&str) -> Option<String>,
    ) -> Result<Self, ProviderConfigError> {
        Self::from_lookup_with(lookup, HttpPolicy::default())
    }

    /// As [`PaymentProvider::from_lookup`], with explicit timeouts and retries.
    pub fn from_lookup_with(
        lookup: impl Fn(&str) -> Option<String>,
        policy: HttpPolicy,
    ) -> Result<Self, ProviderConfigError> {
        let choice = lookup("PAYMENT_PROVIDER").unwrap_or_default();
        match choice.trim().to_ascii_lowercase().as_str() {
            "" | "static" => Ok(Self::Static),
            "midtrans" => {
                let config = MidtransConfig::from_lookup(&lookup)?;
                Ok(Self::Midtrans(Midtrans::new(
                    config,
                    HttpClient::new(policy)?,
                )))
            }
            "xendit" => {
                let config = XenditConfig::from_lookup(&lookup)?;
                Ok(Self::Xendit(Xendit::new(config, HttpClient::new(policy)?)))
            }
            _ => Err(ProviderConfigError::UnknownProvider(choice)),
        }
    }

    /// `static` | `midtrans` | `xendit`.
    pub fn name(&self) -> &'static str {
        match self {
            Self::Static => "static",
            Self::Midtrans(_) => midtrans::NAME,
            Self::Xendit(_) => xendit::NAME,
        }
    }

    /// True for `static`: no charge to create, the caller keeps the static→dynamic QRIS.
    pub fn is_static(&self) -> bool {
        matches!(self, Self::Static)
    }

    /// Creates a charge at the gateway. Midtrans: sent once (a charge is not idempotent);
    /// Xendit: retried with the trxId as idempotency key.
    pub async fn create_charge(&self, request: &ChargeRequest) -> Result<Charge, ProviderError> {
        match self {
            Self::Static => Err(ProviderError::Unsupported("static")),
            Self::Midtrans(m) => m.create_charge(request).await,
            Self::Xendit(x) => x.create_charge(request).await,
        }
    }

    /// Checks a notification's signature (Midtrans `signature_key`) or token (Xendit
    /// `x-callback-token`) in constant time, then parses it. No I/O.
    pub fn verify_notification(
        &self,
        headers: &::http::HeaderMap,
        body: &[u8],
    ) -> Result<Notification, VerifyError> {
        match self {
            Self::Static => Err(VerifyError::Malformed(
                "no payment gateway is configured (PAYMENT_PROVIDER=static)".into(),
            )),
            Self::Midtrans(m) => m.verify_notification(body),
            Self::Xendit(x) => x.verify_notification(headers, body),
        }
    }

    /// What to grant on: Midtrans asks its status API (the notification is only a hint; one GET);
    /// Xendit's verified callback is itself the statement (no call).
    pub async fn confirm(
        &self,
        notification: &Notification,
    ) -> Result<PaymentReport, ProviderError> {
        match self {
            Self::Static => Err(ProviderError::Unsupported("static")),
            Self::Midtrans(m) => m.confirm(notification).await,
            Self::Xendit(_) => Ok(notification.claimed.clone()),
        }
    }

    /// A payment's current status. Midtrans: `GET /v2/{order_id}/status`; Xendit needs the QR code id
    /// kept from the charge (`charge_ref`) and lists its payments.
    pub async fn query_status(
        &self,
        order_id: &str,
        charge_ref: Option<&str>,
    ) -> Result<PaymentReport, ProviderError> {
        match self {
            Self::Static => Err(ProviderError::Unsupported("static")),
            Self::Midtrans(m) => m.query_status(order_id).await,
            Self::Xendit(x) => x.query_status(order_id, charge_ref).await,
        }
    }
}

/// Constant-time equality of two byte strings (length is not hidden).
pub(crate) fn ct_eq(a: &[u8], b: &[u8]) -> bool {
    use subtle::ConstantTimeEq;
    a.len() == b.len() && bool::from(a.ct_eq(b))
}

/// Parses a gateway's money string (`"5539.00"`, `"5539"`) as whole rupiah: digits, an optional
/// fraction of zeros only, greater than zero and at most [`Amount::MAX`].
pub(crate) fn parse_rupiah(raw: &str) -> Option<u64> {
    let (whole, fraction) = match raw.split_once('.') {
        Some((w, f)) => (w, Some(f)),
        None => (raw, None),
    };
    if whole.is_empty() || whole.len() > 16 || !whole.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    if let Some(f) = fraction
        && (f.is_empty() || !f.bytes().all(|b| b == b'0'))
    {
        return None;
    }
    let value: u64 = whole.parse().ok()?;
    (1..=Amount::MAX).contains(&value).then_some(value)
}

/// A JSON number of whole rupiah (`10000` or `10000.0`), greater than zero and at most [`Amount::MAX`].
pub(crate) fn json_rupiah(value: &serde_json::Value) -> Option<u64> {
    let n = match value.as_u64() {
        Some(n) => n,
        None => {
            let f = value.as_f64()?;
            if f.fract() != 0.0 || !(1.0..=Amount::MAX as f64).contains(&f) {
                return None;
            }
            f as u64
        }
    };
    (1..=Amount::MAX).contains(&n).then_some(n)
}

/// `Basic base64(user + ":")`, the gateways' server-key authentication.
pub(crate) fn basic_auth(user: &Secret) -> String {
    use base64::Engine;
    let token = base64::engine::general_purpose::STANDARD.encode(format!("{}:", user.expose()));
    format!("Basic {token}")
}

/// Reads a base URL setting: `http(s)://host[:port][/path]`, no trailing slash kept.
pub(crate) fn base_url(
    name: &'static str,
    raw: Option<String>,
    default: &str,
) -> Result<String, ProviderConfigError> {
    let raw = raw.unwrap_or_else(|| default.to_owned());
    let url = url::Url::parse(raw.trim()).map_err(|e| ProviderConfigError::Invalid {
        name,
        why: e.to_string(),
    })?;
    if !matches!(url.scheme(), "http" | "https") || url.host().is_none() {
        return Err(ProviderConfigError::Invalid {
            name,
            why: "must be an http(s) URL".into(),
        });
    }
    Ok(url.as_str().trim_end_matches('/').to_owned())
}

/// A required, non-empty secret setting.
pub(crate) fn secret(
    lookup: &impl Fn(&str) -> Option<String>,
    name: &'static str,
) -> Result<Secret, ProviderConfigError> {
    match lookup(name) {
        Some(v) if !v.trim().is_empty() => Ok(Secret::new(v.trim())),
        _ => Err(ProviderConfigError::Missing(name)),
    }
}

/// `base` + `/` + each segment, percent-encoded.
pub(crate) fn endpoint(base: &str, segments: &[&str]) -> Result<url::Url, ProviderError> {
    let mut url = url::Url::parse(base).map_err(|e| ProviderError::Rejected(e.to_string()))?;
    url.path_segments_mut()
        .map_err(|_| ProviderError::Rejected("base URL cannot take a path".into()))?
        .pop_if_empty()
        .extend(segments);
    Ok(url)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rupiah_strings() {
        assert_eq!(parse_rupiah("5539.00"), Some(5539));
        assert_eq!(parse_rupiah("1000"), Some(1000));
        assert_eq!(parse_rupiah("1000.0"), Some(1000));
        for bad in [
            "1000.50",
            "1000.",
            ".00",
            "",
            "-1",
            "0.00",
            "1e3",
            " 1000",
            "1,000",
            "99999999999999",
        ] {
            assert_eq!(parse_rupiah(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn rupiah_numbers() {
        use serde_json::json;
        assert_eq!(json_rupiah(&json!(10000)), Some(10000));
        assert_eq!(json_rupiah(&json!(10000.0)), Some(10000));
        for bad in [
            json!(10000.5),
            json!(0),
            json!(-5),
            json!("10000"),
            json!(null),
        ] {
            assert_eq!(json_rupiah(&bad), None, "{bad}");
        }
    }

    #[test]
    fn provider_choice() {
        let env = |pairs: &'static [(&'static str, &'static str)]| {
            move |name: &str| {
                pairs
                    .iter()
                    .find(|(k, _)| *k == name)
                    .map(|(_, v)| (*v).to_owned())
            }
        };
        assert!(PaymentProvider::from_lookup(env(&[])).unwrap().is_static());
        assert!(
            PaymentProvider::from_lookup(env(&[("PAYMENT_PROVIDER", "static")]))
                .unwrap()
                .is_static()
        );
        assert_eq!(
            PaymentProvider::from_lookup(env(&[("PAYMENT_PROVIDER", "paypal")])).unwrap_err(),
            ProviderConfigError::UnknownProvider("paypal".into())
        );
        assert_eq!(
            PaymentProvider::from_lookup(env(&[("PAYMENT_PROVIDER", "midtrans")])).unwrap_err(),
            ProviderConfigError::Missing("MIDTRANS_SERVER_KEY")
        );
        assert_eq!(
            PaymentProvider::from_lookup(env(&[
                ("PAYMENT_PROVIDER", "xendit"),
                ("XENDIT_SECRET_KEY", "xnd_development_x")
            ]))
            .unwrap_err(),
            ProviderConfigError::Missing("XENDIT_CALLBACK_TOKEN")
        );
        let m = PaymentProvider::from_lookup(env(&[
            ("PAYMENT_PROVIDER", "Midtrans"),
            ("MIDTRANS_SERVER_KEY", "SB-Mid-server-abc"),
        ]))
        .unwrap();
        assert_eq!(m.name(), "midtrans");
        let PaymentProvider::Midtrans(inner) = &m else {
            panic!("not midtrans")
        };
        assert_eq!(inner.api_base(), "https://api.sandbox.midtrans.com");
        let debug = format!("{m:?}");
        assert!(!debug.contains("SB-Mid-server-abc"), "{debug}");

        let prod = PaymentProvider::from_lookup(env(&[
            ("PAYMENT_PROVIDER", "midtrans"),
            ("MIDTRANS_SERVER_KEY", "Mid-server-abc"),
            ("MIDTRANS_IS_PRODUCTION", "true"),
        ]))
        .unwrap();
        let PaymentProvider::Midtrans(inner) = &prod else {
            panic!("not midtrans")
        };
        assert_eq!(inner.api_base(), "https://api.midtrans.com");
        assert!(matches!(
            PaymentProvider::from_lookup(env(&[
                ("PAYMENT_PROVIDER", "midtrans"),
                ("MIDTRANS_SERVER_KEY", "k"),
                ("MIDTRANS_IS_PRODUCTION", "maybe"),
            ])),
            Err(ProviderConfigError::Invalid { .. })
        ));
        let x = PaymentProvider::from_lookup(env(&[
            ("PAYMENT_PROVIDER", "xendit"),
            ("XENDIT_SECRET_KEY", "xnd_development_secret"),
            ("XENDIT_CALLBACK_TOKEN", "tok-secret"),
            ("XENDIT_API_BASE", "http://127.0.0.1:9/"),
        ]))
        .unwrap();
        let debug = format!("{x:?}");
        assert!(!debug.contains("xnd_development_secret") && !debug.contains("tok-secret"));
        let PaymentProvider::Xendit(inner) = &x else {
            panic!("not xendit")
        };
        assert_eq!(inner.api_base(), "http://127.0.0.1:9");
    }

    #[test]
    fn endpoints_encode_segments() {
        let u = endpoint("http://127.0.0.1:1/base", &["v2", "a/b#c", "status"]).unwrap();
        assert_eq!(u.as_str(), "http://127.0.0.1:1/base/v2/a%2Fb%23c/status");
    }
}
