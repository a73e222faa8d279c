//! What the gateways are asked and what they report: charges, reports, notifications, errors and
//! the secrets they are configured with.

use std::fmt;

use chrono::{DateTime, Utc};

pub use crate::config::ProviderConfigError;
use crate::domain::{Amount, TrxId};

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
