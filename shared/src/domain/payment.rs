//! The payments ledger: one record per payment report that passed verification, and what became of
//! the money (access granted, or owed back to the payer).

use std::fmt;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::{ParseError, SessionId, StreamId, UserId};

/// A payment record's identifier: `pay_` + 32 hex digits, derived from the provider and its payment
/// reference, so the same payment reported twice always names the same record.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct PaymentId(String);

pub(crate) const PAYMENT_PREFIX: &str = "pay_";

impl PaymentId {
    /// The id of the payment `provider_ref` reported by `provider`.
    pub fn derive(provider: &str, provider_ref: &str) -> Self {
        let digest = Sha256::new()
            .chain_update(provider.as_bytes())
            .chain_update([0u8])
            .chain_update(provider_ref.as_bytes())
            .finalize();
        Self(format!("{PAYMENT_PREFIX}{}", hex::encode(&digest[..16])))
    }

    /// Parses and validates a raw value.
    pub fn parse(raw: impl Into<String>) -> Result<Self, ParseError> {
        let raw = raw.into();
        let ok = raw.strip_prefix(PAYMENT_PREFIX).is_some_and(|h| {
            h.len() == 32 && h.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
        });
        if ok {
            Ok(Self(raw))
        } else {
            Err(ParseError::BadFormat { field: "paymentId" })
        }
    }

    /// The validated value.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for PaymentId {
    type Error = ParseError;
    fn try_from(raw: String) -> Result<Self, Self::Error> {
        Self::parse(raw)
    }
}

impl From<PaymentId> for String {
    fn from(value: PaymentId) -> String {
        value.0
    }
}

impl fmt::Display for PaymentId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for PaymentId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PaymentId({})", self.0)
    }
}

/// Why money that arrived is owed back instead of granting access. Its wire and storage names are
/// the variants' names in snake_case (serde and strum alike).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[derive(strum::IntoStaticStr, strum::EnumString, strum::VariantArray, strum::VariantNames)]
#[strum(serialize_all = "snake_case")]
pub enum RefundReason {
    /// The viewer already held live access to that stream through another session.
    DuplicateAccess,
    /// This QR was already paid by another payment.
    SecondPayment,
    /// The QR's payable window ended longer ago than the grace.
    TooLate,
    /// The session was failed or revoked before the money arrived.
    SessionClosed,
    /// The amount received differs from the price of the session.
    AmountMismatch,
    /// No session carries this transaction id.
    UnknownTrx,
    /// An operator revoked the access this payment bought and owes the money back.
    Revoked,
}

super::wire_names!(RefundReason);

impl RefundReason {
    /// What the operator reads (Bahasa Indonesia).
    pub fn label_id(self) -> &'static str {
        match self {
            RefundReason::DuplicateAccess => "Penonton sudah punya akses ke stream ini",
            RefundReason::SecondPayment => "QR ini sudah dibayar oleh pembayaran lain",
            RefundReason::TooLate => "Pembayaran terlambat (QR sudah lama kedaluwarsa)",
            RefundReason::SessionClosed => "Sesi sudah ditutup (gagal atau dicabut)",
            RefundReason::AmountMismatch => "Nominal tidak sesuai tagihan",
            RefundReason::UnknownTrx => "Transaksi tidak dikenal",
            RefundReason::Revoked => "Akses dicabut operator, dana dikembalikan",
        }
    }
}

/// What became of a payment. Its wire and storage name is the variant's name in snake_case; a refund
/// owed stores its reason beside it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, strum::IntoStaticStr)]
#[strum(serialize_all = "snake_case")]
pub enum Outcome {
    /// It paid a pending session: access granted.
    Granted,
    /// It is owed back to the payer.
    RefundDue(RefundReason),
    /// The gateway reported a failed payment (no money moved).
    Failed,
    /// The gateway paid (part of) a payment back to the payer: a record of its own, keyed by the
    /// gateway's refund id, whose `related` is the payment it returned.
    Refunded,
    /// An operator's approval (`manual`) that the gateway's report of the same money later
    /// confirmed: the money is counted once, on that payment's record (`related`).
    Reconciled,
}

impl Outcome {
    /// The wire and storage name (`granted`, `refund_due`, `failed`, `refunded`, `reconciled`).
    pub fn as_str(self) -> &'static str {
        self.into()
    }

    /// What the operator reads (Bahasa Indonesia): the reason of a refund owed, else what became of
    /// the payment.
    pub fn label_id(self) -> &'static str {
        match self {
            Outcome::Granted => "Membuka akses",
            Outcome::RefundDue(reason) => reason.label_id(),
            Outcome::Failed => "Pembayaran gagal",
            Outcome::Refunded => "Dikembalikan lewat gateway",
            Outcome::Reconciled => "Persetujuan operator, dikonfirmasi pembayaran gateway",
        }
    }

    /// The refund reason, for a refund owed.
    pub fn reason(self) -> Option<RefundReason> {
        match self {
            Outcome::RefundDue(r) => Some(r),
            _ => None,
        }
    }

    /// Rebuilds an outcome from its stored name and reason (a reason beside another outcome is
    /// ignored).
    pub fn parse(outcome: &str, reason: Option<&str>) -> Option<Self> {
        let without_reason = [
            Outcome::Granted,
            Outcome::Failed,
            Outcome::Refunded,
            Outcome::Reconciled,
        ];
        if let Some(found) = without_reason.into_iter().find(|o| o.as_str() == outcome) {
            return Some(found);
        }
        let due = Outcome::RefundDue(RefundReason::parse(reason?)?);
        (due.as_str() == outcome).then_some(due)
    }
}

/// Whether money owed back has been paid back. Its wire and storage names are the variants' names in
/// lowercase (serde and strum alike).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
#[derive(strum::IntoStaticStr, strum::EnumString, strum::VariantArray, strum::VariantNames)]
#[strum(serialize_all = "lowercase")]
pub enum RefundStatus {
    /// Owed, not yet paid back.
    Open,
    /// Paid back.
    Settled,
}

super::wire_names!(RefundStatus);

/// The settlement of a refund owed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settlement {
    /// When it happened.
    pub at: DateTime<Utc>,
    /// Who settled it: an IAM principal ARN, `local`, or `gateway:<provider>` when a refund made at
    /// the gateway paid it back.
    pub by: String,
    /// A free-form note.
    pub note: Option<String>,
}

/// One payment on the ledger.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PaymentRecord {
    /// The ledger record that paid it, if any.
    pub payment_id: PaymentId,
    /// `webhook`, `midtrans`, `xendit`, `manual` (operator approval) or `complimentary`.
    pub provider: String,
    /// The provider's payment reference (the trxId when the report had none).
    pub provider_ref: String,
    /// The transaction id the report named (as reported: it may match no session).
    pub trx_id: String,
    /// Whole rupiah received (0 for a complimentary grant or a failure report).
    pub amount: u64,
    /// When the report arrived.
    pub received_at: DateTime<Utc>,
    /// The session's id (a bearer secret).
    pub session_id: Option<SessionId>,
    /// The viewer.
    pub user_id: Option<UserId>,
    /// The stream.
    pub stream_id: Option<StreamId>,
    /// What became of the payment.
    pub outcome: Outcome,
    /// For a refund owed: settled or not yet.
    pub settlement: Option<Settlement>,
    /// Free text: what the operator or the system noted.
    pub note: Option<String>,
    /// The record this one concerns: for `refunded`, the payment it returned; for `reconciled`, the
    /// gateway's payment that confirmed the approval; for a gateway's payment that confirmed an
    /// approval, that approval.
    pub related: Option<PaymentId>,
    /// For `refunded`: the gateway's id of that refund.
    pub gateway_refund_id: Option<String>,
    /// Whole rupiah of this payment that the gateway has paid back so far (the sum of its
    /// `refunded` records).
    pub refunded: u64,
}

impl PaymentRecord {
    /// `Some(Open | Settled)` for a refund owed, `None` otherwise.
    pub fn refund_status(&self) -> Option<RefundStatus> {
        match self.outcome {
            Outcome::RefundDue(_) if self.settlement.is_some() => Some(RefundStatus::Settled),
            Outcome::RefundDue(_) => Some(RefundStatus::Open),
            _ => None,
        }
    }

    /// Money is owed and not yet paid back: the record must not expire.
    pub fn is_open_refund(&self) -> bool {
        self.refund_status() == Some(RefundStatus::Open)
    }
}

/// What a verified payment report says happened (a refund made at the gateway is a
/// [`RefundReport`](super::RefundReport)).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReportKind {
    /// Money arrived.
    Paid,
    /// The payment failed, was denied, cancelled or expired (no money moved).
    Failed,
}

/// A payment report that passed verification (a signed webhook, a gateway notification confirmed by
/// its status API): the ledger's input.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PaymentReport {
    /// `webhook`, `midtrans`, `xendit`.
    pub provider: String,
    /// The provider's payment reference, when it gave one.
    pub provider_ref: Option<String>,
    /// The transaction id as reported (it may match no session).
    pub trx_id: String,
    /// Whole rupiah.
    pub amount: u64,
    /// What the report says happened.
    pub kind: ReportKind,
}

impl PaymentReport {
    /// The reference the ledger keys this report by: the provider's, or the trxId standing in; a
    /// failure is a different event from the payment it concerns.
    pub fn ledger_ref(&self) -> String {
        let base = self.provider_ref.as_deref().unwrap_or(&self.trx_id);
        match self.kind {
            ReportKind::Paid => base.to_owned(),
            ReportKind::Failed => format!("{base}#failed"),
        }
    }

    /// The ledger id of this report.
    pub fn payment_id(&self) -> PaymentId {
        PaymentId::derive(&self.provider, &self.ledger_ref())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn payment_ids_are_derived_and_parse_back() {
        let a = PaymentId::derive("midtrans", "tx-1");
        assert_eq!(a, PaymentId::derive("midtrans", "tx-1"));
        assert_ne!(a, PaymentId::derive("xendit", "tx-1"));
        assert_ne!(a, PaymentId::derive("midtrans", "tx-2"));
        // The separator keeps ("ab","c") and ("a","bc") apart.
        assert_ne!(PaymentId::derive("ab", "c"), PaymentId::derive("a", "bc"));
        assert_eq!(PaymentId::parse(a.as_str()), Ok(a.clone()));
        assert!(PaymentId::parse("pay_xyz").is_err());
        assert!(PaymentId::parse(a.as_str().to_uppercase()).is_err());
    }

    #[test]
    fn outcomes_round_trip() {
        for &reason in RefundReason::ALL {
            let o = Outcome::RefundDue(reason);
            assert_eq!(Outcome::parse(o.as_str(), Some(reason.as_str())), Some(o));
            assert_eq!(
                Outcome::parse("granted", Some(reason.as_str())),
                Some(Outcome::Granted)
            );
            assert_eq!(
                Outcome::parse("failed", Some(reason.as_str())),
                Some(Outcome::Failed)
            );
        }
        for o in [
            Outcome::Granted,
            Outcome::Failed,
            Outcome::Refunded,
            Outcome::Reconciled,
        ] {
            assert_eq!(Outcome::parse(o.as_str(), None), Some(o));
        }
        assert_eq!(
            Outcome::RefundDue(RefundReason::TooLate).as_str(),
            "refund_due"
        );
        assert_eq!(Outcome::parse("refund_due", None), None);
        assert_eq!(Outcome::parse("refund_due", Some("nope")), None);
        assert_eq!(Outcome::parse("nope", None), None);
        assert_eq!(Outcome::parse("nope", Some("too_late")), None);
    }
}
