//! Refunds made at the gateway (Midtrans `refund` / `partial_refund`, confirmed by its status API):
//! each is a record of its own, keyed by the gateway's refund id, against the payment it returned
//! (whose `refunded` sum grows in the same transaction, on condition that it is still as read):
//!
//! - a refund of the payment that **granted** live access ends that access at once (the session is
//!   revoked, reason `refunded_at_gateway`, its guard released), in the same transaction;
//! - a refund of a payment that is an **open refund owed** settles it once the gateway has paid back
//!   its whole amount (settled by `gateway:<provider>`, the note naming the gateway's refund), so it
//!   is never paid back twice;
//! - any other refund is recorded (a refund of an owed payment the operator had already settled is
//!   noted as such: the payer may have been paid back twice).
//!
//! The payment itself is recorded first, like any report (a repeat changes nothing): the money did
//! arrive before it went back, and the ledger must say so even if its own report never came.

use crate::domain::{
    Amount, AuditEvent, GatewayRefund, Outcome, PaymentRecord, PaymentSession, RefundReport,
    RefundStatus, RevokeReason, Settlement,
};
use crate::rules;
use crate::store::{Change, GuardRule, LedgerWrite, PairOutcome, StoreError, Transition};

use super::record::Recorded;
use super::{Origin, SessionManager};

/// What the ledger now says about a gateway's refund statement.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RefundsRecorded {
    /// The refunded payment (recorded first when the gateway's report of it had not arrived).
    pub payment: Recorded,
    /// Each refund of the statement: its record (as first recorded) and whether it was on the
    /// ledger already.
    pub refunds: Vec<(PaymentRecord, bool)>,
    /// The session the payment named, as it stands after the refunds.
    pub session: Option<PaymentSession>,
}

impl RefundsRecorded {
    /// Nothing was new: every refund was on the ledger already.
    pub fn already_processed(&self) -> bool {
        self.refunds.iter().all(|(_, already)| *already)
    }
}

impl SessionManager {
    /// Records a gateway's refund statement: the payment once, then each refund not yet on the
    /// ledger, in order, each in one transaction (see the module's documentation).
    pub async fn record_refunds(
        &self,
        report: &RefundReport,
        origin: &Origin,
    ) -> Result<RefundsRecorded, StoreError> {
        let payment = self.record_report(&report.payment, origin).await?;
        let mut session = payment.session.clone();
        let mut refunds = Vec::with_capacity(report.refunds.len());
        for refund in &report.refunds {
            let (record, already, revoked) = self.record_refund(report, refund, origin).await?;
            session = revoked.or(session);
            refunds.push((record, already));
        }
        Ok(RefundsRecorded {
            payment,
            refunds,
            session,
        })
    }

    /// One refund, once: `(record, already on the ledger, the session it revoked)`.
    async fn record_refund(
        &self,
        report: &RefundReport,
        refund: &GatewayRefund,
        origin: &Origin,
    ) -> Result<(PaymentRecord, bool, Option<PaymentSession>), StoreError> {
        let paid_id = report.payment.payment_id();
        for _ in 0..4 {
            let now = self.clock.now();
            let paid = self.store.get_payment(&paid_id).await?.ok_or_else(|| {
                StoreError::Corrupt("a refunded payment vanished from the ledger".into())
            })?;
            let mut record = PaymentRecord {
                payment_id: report.refund_id(refund),
                amount: refund.amount,
                received_at: now,
                outcome: Outcome::Refunded,
                settlement: None,
                note: None,
                related: Some(paid.payment_id.clone()),
                gateway_refund_id: Some(refund.refund_id.clone()),
                refunded: 0,
                ..paid.clone()
            };
            let mut after = PaymentRecord {
                refunded: paid.refunded.saturating_add(refund.amount),
                ..paid.clone()
            };
            let settles = paid.is_open_refund() && after.refunded >= paid.amount;
            if settles {
                after.settlement = Some(Settlement {
                    at: now,
                    by: format!("gateway:{}", paid.provider),
                    note: Some(format!(
                        "refund {} at the gateway ({})",
                        refund.refund_id, record.payment_id
                    )),
                });
            }
            if paid.refund_status() == Some(RefundStatus::Settled) {
                record.note = Some(
                    "the refund owed was settled before: the payer may have been paid back twice"
                        .into(),
                );
            }
            // The live access this payment bought, if it bought any.
            let live = match (&paid.outcome, &paid.session_id) {
                (Outcome::Granted, Some(sid)) => self.store.get_session(sid).await?.filter(|s| {
                    s.payment_id.as_ref() == Some(&paid.payment_id) && s.is_live_paid(now)
                }),
                _ => None,
            };
            let action = match (&live, settles) {
                (Some(_), _) => "refunded_at_gateway",
                (None, true) => "refund_settled",
                (None, false) => "gateway_refund",
            };
            let event = refund_event(origin, action, refund, &record, now);
            let ledger = LedgerWrite::NewAndReplace {
                new: &record,
                before: &paid,
                after: &after,
            };
            if let Some(live) = live {
                let revoked = rules::revoke(&live, now, RevokeReason::RefundedAtGateway)
                    .map_err(|r| StoreError::Backend(format!("revoke refused: {r:?}")))?;
                let change = Change {
                    from: Some(&live),
                    to: &revoked,
                    guard: GuardRule::ReleaseIfOwned,
                    ledger: Some(ledger),
                    event: Some(&event),
                };
                match self.store.transition(change, now).await? {
                    Transition::Done => return Ok((record, false, Some(revoked))),
                    Transition::Recorded(stored) => return Ok((stored, true, None)),
                    Transition::Stale(_) | Transition::GuardHeld(_) => continue,
                }
            }
            let on = paid.session_id.as_ref().map(|s| (s, &event));
            match self.store.record_pair(&record, &paid, &after, on).await? {
                PairOutcome::Written => return Ok((record, false, None)),
                PairOutcome::Recorded(stored) => return Ok((*stored, true, None)),
                PairOutcome::Changed => continue,
            }
        }
        Err(StoreError::Unavailable(
            "the refunded payment kept changing while recording a refund".into(),
        ))
    }
}

/// The audit event of a refund made at the gateway: its amount, the payment it returned, its id.
fn refund_event(
    origin: &Origin,
    action: &str,
    refund: &GatewayRefund,
    record: &PaymentRecord,
    now: chrono::DateTime<chrono::Utc>,
) -> AuditEvent {
    AuditEvent {
        actor: origin.actor.clone(),
        provider_ref: origin.provider_ref.clone(),
        amount: Amount::new(refund.amount).ok(),
        note: Some(format!(
            "refund {} at the gateway of {}",
            refund.refund_id,
            record
                .related
                .as_ref()
                .map_or_else(String::new, ToString::to_string)
        )),
        ..AuditEvent::new(now, action, &origin.source)
    }
}
