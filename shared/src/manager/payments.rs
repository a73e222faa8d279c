//! Recording verified payment reports on the ledger: every report is recorded once and either grants
//! access (in the same transaction as the session's pending → paid) or is owed back.
//!
//! Budget: one read (the session by trxId), one transaction, and for a refund decided only by the
//! transaction (the QR was paid meanwhile, or the viewer already holds access) one more write. A
//! payment of a session an operator approved (or closed) reads the record that paid it once more:
//! the gateway's report of the money the operator approved is reconciled with that approval.

use crate::domain::{
    Outcome, PaymentRecord, PaymentReport, PaymentSession, RefundReason, ReportKind, TrxId,
};
use crate::rules::{self, Verdict};
use crate::store::{Change, GuardRule, LedgerWrite, StoreError, Transition};

use super::reconcile::Reconciliation;
use super::record::Recorded;
use super::{Origin, SessionManager};

impl SessionManager {
    /// Records a verified payment report once, and applies it: a payment that can pay its pending
    /// session grants access (one transaction with the record); the gateway's report of the money an
    /// operator approved confirms that approval; any other payment is recorded as a refund owed; a
    /// failure closes a pending session.
    pub async fn record_report(
        &self,
        report: &PaymentReport,
        origin: &Origin,
    ) -> Result<Recorded, StoreError> {
        let session = self.session_of(&report.trx_id).await?;
        self.record_report_on(report, session, origin).await
    }

    /// The session a report's trxId names, if it is one of ours (the read
    /// [`record_report`](Self::record_report) makes).
    pub async fn session_of(&self, trx_id: &str) -> Result<Option<PaymentSession>, StoreError> {
        match TrxId::parse(trx_id) {
            Ok(trx) => self.store.get_by_trx(&trx).await,
            Err(_) => Ok(None),
        }
    }

    /// As [`record_report`](Self::record_report), with the session already read by
    /// [`session_of`](Self::session_of) (it may have changed since: every write is conditional).
    pub async fn record_report_on(
        &self,
        report: &PaymentReport,
        session: Option<PaymentSession>,
        origin: &Origin,
    ) -> Result<Recorded, StoreError> {
        match report.kind {
            ReportKind::Paid => self.record_paid(report, session, origin).await,
            ReportKind::Failed => self.record_failed(report, session, origin).await,
        }
    }

    async fn record_paid(
        &self,
        report: &PaymentReport,
        mut session: Option<PaymentSession>,
        origin: &Origin,
    ) -> Result<Recorded, StoreError> {
        // A session's status only moves away from pending, and its approval is reconciled once, so
        // this settles within a few rounds.
        for _ in 0..4 {
            let now = self.clock.now();
            let verdict = rules::judge_payment(session.as_ref(), report.amount, now, self.policy());
            let reason = match (verdict, session.as_ref()) {
                (Verdict::Refund(reason), _) => reason,
                // A grant always has its session; the pair keeps that out of a panic path.
                (Verdict::Grant(_), None) => RefundReason::UnknownTrx,
                (Verdict::Grant(paid), Some(from)) => {
                    let record = self.record_of(report, Some(from), Outcome::Granted, None);
                    let paid = PaymentSession {
                        payment_id: Some(record.payment_id.clone()),
                        ..paid
                    };
                    let late = from.expires_at <= now;
                    let event = origin.event(if late { "paid_late" } else { "paid" }, &paid, now);
                    let change = Change {
                        from: Some(from),
                        to: &paid,
                        guard: GuardRule::Claim,
                        ledger: Some(LedgerWrite::New(&record)),
                        event: Some(&event),
                    };
                    match settled(
                        self.store.transition(change, now).await?,
                        record,
                        paid,
                        session,
                    ) {
                        Ok(recorded) => return Ok(recorded),
                        Err((Transition::Stale(current), _)) => {
                            session = current;
                            continue;
                        }
                        Err((Transition::GuardHeld(_), before)) => {
                            session = before;
                            RefundReason::DuplicateAccess
                        }
                        Err((_, before)) => {
                            session = before;
                            continue;
                        }
                    }
                }
            };
            if matches!(
                reason,
                RefundReason::SecondPayment | RefundReason::SessionClosed
            ) && let Some(paid) = &session
            {
                match self.reconcile(report, paid, origin).await? {
                    Reconciliation::Done(recorded) => return Ok(recorded),
                    Reconciliation::Retry(current) => {
                        session = current;
                        continue;
                    }
                    Reconciliation::NotAnApproval => {}
                }
            }
            let note = (reason == RefundReason::AmountMismatch)
                .then(|| session.as_ref().map(|s| format!("expected {}", s.amount)))
                .flatten();
            let record = self.record_of(report, session.as_ref(), Outcome::RefundDue(reason), note);
            return self
                .record_alone(record, session, reason.as_str(), origin)
                .await;
        }
        Err(StoreError::Unavailable(
            "the session kept changing while recording a payment".into(),
        ))
    }

    async fn record_failed(
        &self,
        report: &PaymentReport,
        session: Option<PaymentSession>,
        origin: &Origin,
    ) -> Result<Recorded, StoreError> {
        if let Some(from) = &session
            && let Ok(closed) = rules::fail(from)
        {
            let now = self.clock.now();
            let record = self.record_of(report, Some(from), Outcome::Failed, None);
            let event = origin.event("failed", &closed, now);
            let change = Change {
                from: Some(from),
                to: &closed,
                guard: GuardRule::Untouched,
                ledger: Some(LedgerWrite::New(&record)),
                event: Some(&event),
            };
            // Paid, failed or revoked meanwhile: the failure changes nothing but is recorded below.
            if let Ok(recorded) = settled(
                self.store.transition(change, now).await?,
                record,
                closed,
                session.clone(),
            ) {
                return Ok(recorded);
            }
        }
        let note = session
            .as_ref()
            .map(|s| format!("ignored: session is {}", s.status.as_str()));
        let record = self.record_of(report, session.as_ref(), Outcome::Failed, note);
        self.record_alone(record, session, "failure_ignored", origin)
            .await
    }

    /// Writes a record that changes no session (once), with an audit event on its session.
    async fn record_alone(
        &self,
        record: PaymentRecord,
        session: Option<PaymentSession>,
        action: &str,
        origin: &Origin,
    ) -> Result<Recorded, StoreError> {
        let now = self.clock.now();
        let event = session.as_ref().map(|s| {
            let mut e = origin.event(action, s, now);
            e.note = record.note.clone().or(e.note);
            (s.session_id.clone(), e)
        });
        let stored = self
            .store
            .record_payment(&record, event.as_ref().map(|(s, e)| (s, e)))
            .await?;
        Ok(match stored {
            Some(stored) => Recorded {
                record: stored,
                already_processed: true,
                session,
            },
            None => Recorded {
                record,
                already_processed: false,
                session,
            },
        })
    }
}

/// The answer once a session change carrying `record` committed (`Done`: the session is now `after`)
/// or met the same payment already on the ledger; otherwise the transition and the session as read
/// before, for the caller to decide again.
#[allow(clippy::result_large_err)] // private, moved once per report: boxing would buy nothing
fn settled(
    transition: Transition,
    record: PaymentRecord,
    after: PaymentSession,
    before: Option<PaymentSession>,
) -> Result<Recorded, (Transition, Option<PaymentSession>)> {
    match transition {
        Transition::Done => Ok(Recorded {
            record,
            already_processed: false,
            session: Some(after),
        }),
        Transition::Recorded(stored) => Ok(Recorded {
            record: stored,
            already_processed: true,
            session: before,
        }),
        other => Err((other, before)),
    }
}
