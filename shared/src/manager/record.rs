//! What the ledger answers about a report, and the record a report becomes: shared by the payments,
//! their reconciliation with an operator's approval and the refunds made at the gateway.

use crate::domain::{Outcome, PaymentRecord, PaymentReport, PaymentSession};

use super::SessionManager;

/// What the ledger now says about a report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recorded {
    /// The record as stored (for a repeat delivery: as first recorded).
    pub record: PaymentRecord,
    /// A repeat delivery of a payment already on the ledger: nothing changed.
    pub already_processed: bool,
    /// The session the report named, as it stands after the report (if it exists).
    pub session: Option<PaymentSession>,
}

impl SessionManager {
    /// The ledger record of `report` with `outcome`, received now.
    pub(super) fn record_of(
        &self,
        report: &PaymentReport,
        session: Option<&PaymentSession>,
        outcome: Outcome,
        note: Option<String>,
    ) -> PaymentRecord {
        PaymentRecord {
            payment_id: report.payment_id(),
            provider: report.provider.clone(),
            provider_ref: report
                .provider_ref
                .clone()
                .unwrap_or_else(|| report.trx_id.clone()),
            trx_id: report.trx_id.clone(),
            amount: report.amount,
            received_at: self.clock.now(),
            session_id: session.map(|s| s.session_id.clone()),
            user_id: session.map(|s| s.user_id.clone()),
            stream_id: session.map(|s| s.stream_id.clone()),
            outcome,
            settlement: None,
            note,
            related: None,
            gateway_refund_id: None,
            refunded: 0,
        }
    }
}
