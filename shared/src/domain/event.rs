//! The audit trail: what happened to a session, when, by whom.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::Amount;

/// One entry of a session's audit trail.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AuditEvent {
    /// When it happened.
    pub at: DateTime<Utc>,
    /// What happened, e.g. `created`, `paid`, `already_paid`, `amount_mismatch`, `duplicate_payment`.
    pub action: String,
    /// Where it came from: `viewer`, `webhook`, `admin`, `system`.
    pub source: String,
    /// Who did it: an IAM principal ARN, `local`, or the gateway.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub actor: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    /// A free-form note.
    pub note: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    /// The gateway's reference of the payment.
    pub provider_ref: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    /// The amount in rupiah.
    pub amount: Option<Amount>,
}

impl AuditEvent {
    /// An event with only the required fields set.
    pub fn new(at: DateTime<Utc>, action: &str, source: &str) -> Self {
        Self {
            at,
            action: action.to_owned(),
            source: source.to_owned(),
            actor: None,
            note: None,
            provider_ref: None,
            amount: None,
        }
    }
}
