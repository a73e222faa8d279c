//! The payment session and its status.

use chrono::{DateTime, TimeDelta, Utc};
use serde::{Deserialize, Serialize};

use super::{Amount, PaymentId, Schedule, SessionId, StreamId, TrxId, UserId};

/// A session's status. `Pending`, `Paid`, `Failed` and `Revoked` are stored; `Expired` is what a pending
/// or paid session reads as once its `expires_at` has passed (older data may also store it).
// Its wire and storage names are the variants' names in lowercase, for serde (and so the OpenAPI
// schema) and strum alike. (A plain comment: the doc comment is the schema's description.)
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
#[derive(strum::IntoStaticStr, strum::EnumString, strum::VariantArray, strum::VariantNames)]
#[strum(serialize_all = "lowercase")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum Status {
    /// Waiting for payment.
    Pending,
    /// Paid: grants access until it expires.
    Paid,
    /// The payment failed.
    Failed,
    /// Past its expiry.
    Expired,
    /// Closed by an operator: access ended at the revoke.
    Revoked,
}

super::wire_names!(Status);

/// Why a session was revoked. Its wire and storage names are the variants' names in snake_case
/// (serde and strum alike).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[derive(strum::IntoStaticStr, strum::EnumString, strum::VariantArray, strum::VariantNames)]
#[strum(serialize_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum RevokeReason {
    /// An operator revoked it.
    Operator,
    /// The gateway paid back the payment that granted it.
    RefundedAtGateway,
}

super::wire_names!(RevokeReason);

/// A charge created at a payment gateway for a session: its reference and the QR string to pay.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct GatewayCharge {
    /// `midtrans` or `xendit`.
    pub provider: String,
    /// Midtrans `transaction_id`, Xendit `qr_…` id.
    pub reference: String,
    /// The QRIS payload the gateway issued (we render our own image from it).
    pub qr_string: String,
}

/// One purchase of access to one stream by one viewer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PaymentSession {
    /// The session's id (a bearer secret).
    pub session_id: SessionId,
    /// The viewer.
    pub user_id: UserId,
    /// The stream.
    pub stream_id: StreamId,
    /// The transaction id the gateway and the QR carry.
    pub trx_id: TrxId,
    /// The amount in rupiah.
    pub amount: Amount,
    /// The stored status; use [`PaymentSession::status_at`] for what it means now.
    pub status: Status,
    /// When it was created.
    pub created_at: DateTime<Utc>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    /// When it was paid.
    pub paid_at: Option<DateTime<Utc>>,
    /// End of the pending validity, or of the access window once paid.
    pub expires_at: DateTime<Utc>,
    /// The ledger record of the payment that paid it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payment_id: Option<PaymentId>,
    /// The payment gateway's charge for this session (none with the static QRIS).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub charge: Option<Box<GatewayCharge>>,
    /// The stream's schedule when the session was created (none: unscheduled): it sets the access
    /// window a payment grants ([`crate::rules::access_end`]) without a catalog read at payment time.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub schedule: Option<Box<Schedule>>,
    /// Why it was revoked, for a revoked session (none on sessions revoked before reasons were kept).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub revoke_reason: Option<RevokeReason>,
}

impl PaymentSession {
    /// The status as of `now`: a pending or paid session past `expires_at` is expired.
    pub fn status_at(&self, now: DateTime<Utc>) -> Status {
        match self.status {
            Status::Pending | Status::Paid if self.expires_at <= now => Status::Expired,
            other => other,
        }
    }

    /// Pending or paid, and not yet past `expires_at`.
    pub fn is_live(&self, now: DateTime<Utc>) -> bool {
        matches!(self.status_at(now), Status::Pending | Status::Paid)
    }

    /// Paid and not yet past `expires_at`.
    pub fn is_live_paid(&self, now: DateTime<Utc>) -> bool {
        self.status_at(now) == Status::Paid
    }

    /// Its stream's schedule at creation (unscheduled when none).
    pub fn schedule(&self) -> Schedule {
        self.schedule.as_deref().copied().unwrap_or_default()
    }

    /// Time left until `expires_at`, never negative.
    pub fn remaining_at(&self, now: DateTime<Utc>) -> TimeDelta {
        (self.expires_at - now).max(TimeDelta::zero())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample(status: Status, expires_ms: i64) -> PaymentSession {
        PaymentSession {
            session_id: SessionId::generate(),
            user_id: UserId::parse("demo-user").unwrap(),
            stream_id: StreamId::parse("4").unwrap(),
            trx_id: TrxId::parse("UP-1").unwrap(),
            amount: Amount::new(1000).unwrap(),
            status,
            created_at: DateTime::from_timestamp_millis(0).unwrap(),
            paid_at: None,
            expires_at: DateTime::from_timestamp_millis(expires_ms).unwrap(),
            payment_id: None,
            charge: None,
            schedule: None,
            revoke_reason: None,
        }
    }

    fn at(ms: i64) -> DateTime<Utc> {
        DateTime::from_timestamp_millis(ms).unwrap()
    }

    #[test]
    fn expiry_is_derived_from_now() {
        let s = sample(Status::Paid, 1000);
        assert_eq!(s.status_at(at(999)), Status::Paid);
        assert_eq!(
            s.status_at(at(1000)),
            Status::Expired,
            "expires_at itself grants nothing"
        );
        assert!(!s.is_live_paid(at(1000)));
        assert_eq!(s.remaining_at(at(400)), TimeDelta::milliseconds(600));
        assert_eq!(s.remaining_at(at(5000)), TimeDelta::zero());
        assert_eq!(
            sample(Status::Failed, 1000).status_at(at(5000)),
            Status::Failed
        );
        assert_eq!(
            sample(Status::Pending, 1000).status_at(at(2000)),
            Status::Expired
        );
    }

    #[test]
    fn json_is_camel_case_with_iso_times() {
        let json = serde_json::to_value(sample(Status::Pending, 7_200_000)).unwrap();
        assert_eq!(json["status"], "pending");
        assert_eq!(json["expiresAt"], "1970-01-01T02:00:00Z");
        assert!(json.get("paidAt").is_none());
        assert!(json.get("streamId").is_some());
    }
}
