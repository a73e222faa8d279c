//! What the gateways are asked and what they state: charges, statements, notifications, errors and
//! the secrets they are configured with.

use std::fmt;

use chrono::{DateTime, Utc};

pub use crate::config::ProviderConfigError;
use crate::domain::{Amount, GatewayCharge, PaymentReport, RefundReport, TrxId};

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

/// What a gateway states about one of our payments.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Statement {
    /// Nothing final yet (pending, authorised, challenged, or a verified event we do not act on):
    /// record and grant nothing.
    Pending {
        /// Our trxId as the gateway echoed it, unparsed (it may not be one of ours).
        trx_id: String,
    },
    /// A final report, for the ledger.
    Final(PaymentReport),
    /// The payment was paid back (in whole or in part) at the gateway: the payment and every refund
    /// of it so far, for the ledger.
    Refunded(RefundReport),
}

impl Statement {
    /// The trxId it concerns, as the gateway echoed it.
    pub fn trx_id(&self) -> &str {
        match self {
            Self::Pending { trx_id } => trx_id,
            Self::Final(report) => &report.trx_id,
            Self::Refunded(refunds) => &refunds.payment.trx_id,
        }
    }
}

/// A notification whose signature or token checked out: what the gateway *claims*. Check it
/// [`is_for`](Notification::is_for) the session its trxId names, then pass it to
/// [`PaymentProvider::confirm`](super::PaymentProvider::confirm) before granting anything.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notification {
    /// What the notification claims (to be confirmed with the gateway).
    pub claimed: Statement,
    /// The gateway's id of the charge it names, when it names one (Xendit's `qr_id`): it must be
    /// the charge we attached to the session of the claimed trxId. Midtrans: none (its status API
    /// is asked by order id).
    pub charge_ref: Option<String>,
}

impl Notification {
    /// Whether it may concern the session its trxId names, given that session's charge (`None`: no
    /// such session, or no charge attached). A notification that names a charge must name that one;
    /// one that names none always may (the ledger judges it).
    pub fn is_for(&self, charge: Option<&GatewayCharge>) -> bool {
        match (&self.charge_ref, charge) {
            (None, _) => true,
            (Some(named), Some(ours)) => named == &ours.reference,
            (Some(_), None) => false,
        }
    }
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
