//! An operator's approval followed by the gateway's report of the same money: one payment, not a
//! second one owed back. The approval (`manual`, keyed by the trxId) asserted that the price was
//! paid; the gateway's report of that price for that trxId is that payment. In one transaction the
//! gateway's record takes the approval's place — it pays the session (or, after a revoke with refund,
//! is the refund owed) — and the approval becomes `reconciled`, pointing at it, on condition that it
//! is still unconfirmed: of two gateway reports of different payments, the first reconciles, the
//! second meets a session paid by a gateway and is a `second_payment` refund.
//!
//! A gateway amount that differs from the price never gets here (`amount_mismatch` is judged first):
//! the whole amount received is owed back, as for any session, and the approval stays unconfirmed.

use crate::domain::{
    Outcome, PaymentId, PaymentRecord, PaymentReport, PaymentSession, RefundReason,
};
use crate::store::{Change, GuardRule, LedgerWrite, StoreError, Transition};

use super::admin::MANUAL;
use super::record::Recorded;
use super::{Origin, SessionManager};

/// What became of a payment of a session that was already paid (or closed).
#[allow(clippy::large_enum_variant)] // private, moved once per report: boxing would buy nothing
pub(super) enum Reconciliation {
    /// It confirmed the operator's approval (or was on the ledger already).
    Done(Recorded),
    /// The session or its approval changed meanwhile: decide again on the session now.
    Retry(Option<PaymentSession>),
    /// The session was not paid by an unconfirmed approval of this amount: a refund as before.
    NotAnApproval,
}

impl SessionManager {
    /// Reconciles `report` with the operator's approval that paid `session`, when there is one
    /// (one more read: the approval's record; one transaction). An approval's record is keyed by the
    /// session's trxId, so a session paid by anything else costs no read.
    pub(super) async fn reconcile(
        &self,
        report: &PaymentReport,
        session: &PaymentSession,
        origin: &Origin,
    ) -> Result<Reconciliation, StoreError> {
        let approval_id = PaymentId::derive(MANUAL, session.trx_id.as_str());
        let Some(paid_by) = session.payment_id.as_ref().filter(|p| **p == approval_id) else {
            return Ok(Reconciliation::NotAnApproval);
        };
        let Some(approval) = self.store.get_payment(paid_by).await? else {
            return Ok(Reconciliation::NotAnApproval);
        };
        let confirmable = matches!(
            approval.outcome,
            Outcome::Granted | Outcome::RefundDue(RefundReason::Revoked)
        );
        if approval.provider != MANUAL
            || approval.related.is_some()
            || !confirmable
            || approval.amount != report.amount
        {
            return Ok(Reconciliation::NotAnApproval);
        }
        let now = self.clock.now();
        // The gateway's payment is what the approval stood for: it keeps its outcome (granted, or
        // owed back after a revoke with refund, settled or not).
        let payment = PaymentRecord {
            related: Some(approval.payment_id.clone()),
            settlement: approval.settlement.clone(),
            ..self.record_of(
                report,
                Some(session),
                approval.outcome,
                Some(format!(
                    "confirms the operator's approval {}",
                    approval.payment_id
                )),
            )
        };
        let reconciled = PaymentRecord {
            outcome: Outcome::Reconciled,
            related: Some(payment.payment_id.clone()),
            settlement: None,
            ..approval.clone()
        };
        let to = PaymentSession {
            payment_id: Some(payment.payment_id.clone()),
            ..session.clone()
        };
        let mut event = origin.event("reconciled", &to, now);
        event.note = Some(format!(
            "the operator's approval {} confirmed by the gateway's payment",
            approval.payment_id
        ));
        let change = Change {
            from: Some(session),
            to: &to,
            guard: GuardRule::UpdateIfOwned,
            ledger: Some(LedgerWrite::NewAndReplace {
                new: &payment,
                before: &approval,
                after: &reconciled,
            }),
            event: Some(&event),
        };
        Ok(match self.store.transition(change, now).await? {
            Transition::Done => Reconciliation::Done(Recorded {
                record: payment,
                already_processed: false,
                session: Some(to),
            }),
            Transition::Recorded(stored) => Reconciliation::Done(Recorded {
                record: stored,
                already_processed: true,
                session: Some(session.clone()),
            }),
            Transition::Stale(current) => Reconciliation::Retry(current),
            Transition::GuardHeld(_) => {
                Reconciliation::Retry(self.store.get_session(&session.session_id).await?)
            }
        })
    }
}
