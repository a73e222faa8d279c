//! What an operator may do: approve a pending payment, grant complimentary access, revoke access
//! (optionally owing the payment back) and settle refunds owed. Each is one conditional transaction
//! with its ledger record and audit event.

use crate::domain::{
    Amount, Outcome, PaymentId, PaymentRecord, PaymentSession, RefundReason, RevokeReason,
    Schedule, SessionId, Settlement, Status, StreamId, TrxId, UserId,
};
use crate::rules::{self, Refusal};
use crate::store::{Change, GuardRule, LedgerWrite, SettleOutcome, StoreError, Transition};

use super::{Origin, SessionKey, SessionManager};

/// Result of an operator's approval or grant.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PayOutcome {
    /// Pending → paid now (`late` when its payable window had passed; honoured within the grace).
    Paid {
        /// The session.
        session: PaymentSession,
        /// It was approved after its pending validity ended.
        late: bool,
    },
    /// It was paid before; nothing changed.
    AlreadyPaid(PaymentSession),
    /// The viewer holds live access to this stream through `holder`; nothing changed.
    HasAccess {
        /// The session.
        session: PaymentSession,
        /// The session that already grants access.
        holder: PaymentSession,
    },
    /// Failed, revoked or too late: it cannot be approved; nothing was recorded.
    Refused {
        /// The session.
        session: PaymentSession,
        /// Why it was refused.
        refusal: Refusal,
    },
    /// No such session.
    NotFound,
}

/// Result of a complimentary grant.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum GrantOutcome {
    /// Access granted.
    Granted(PaymentSession),
    /// The viewer already holds live access through this session; nothing changed.
    HasAccess(PaymentSession),
}

/// Result of a revoke.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RevokeOutcome {
    /// Access ended now; `refund` is the payment now owed back, when one was asked for and exists.
    Revoked {
        /// The session.
        session: PaymentSession,
        /// The refund the revocation opened, if any.
        refund: Option<Box<PaymentRecord>>,
    },
    /// Failed, revoked or expired already: nothing to end.
    NotOpen(PaymentSession),
    /// No such session.
    NotFound,
}

impl SessionManager {
    /// An operator confirms that the payment of a pending session arrived (provider `manual`): the
    /// same conditional transition as a gateway's payment, with its ledger record. A too-late, failed
    /// or revoked session is refused and nothing is recorded as paid.
    pub async fn mark_paid(
        &self,
        key: &SessionKey,
        origin: &Origin,
    ) -> Result<PayOutcome, StoreError> {
        match self.find(key).await? {
            Some(session) => self.approve(session, origin).await,
            None => Ok(PayOutcome::NotFound),
        }
    }

    /// [`SessionManager::mark_paid`] for a session already read.
    pub async fn approve(
        &self,
        mut session: PaymentSession,
        origin: &Origin,
    ) -> Result<PayOutcome, StoreError> {
        for _ in 0..3 {
            let now = self.clock.now();
            let paid = match rules::pay(&session, now, self.policy()) {
                Ok(paid) => paid,
                Err(Refusal::AlreadyPaid) => return Ok(PayOutcome::AlreadyPaid(session)),
                Err(refusal) => return Ok(PayOutcome::Refused { session, refusal }),
            };
            let record = granted_record(
                MANUAL,
                session.trx_id.as_str(),
                &session,
                session.amount.rupiah(),
                now,
                origin,
            );
            let paid = PaymentSession {
                payment_id: Some(record.payment_id.clone()),
                ..paid
            };
            let late = session.expires_at <= now;
            let event = origin.event(if late { "paid_late" } else { "paid" }, &paid, now);
            let change = Change {
                from: Some(&session),
                to: &paid,
                guard: GuardRule::Claim,
                ledger: Some(LedgerWrite::New(&record)),
                event: Some(&event),
            };
            session = match self.store.transition(change, now).await? {
                Transition::Done => {
                    return Ok(PayOutcome::Paid {
                        session: paid,
                        late,
                    });
                }
                Transition::Stale(Some(current)) => current,
                Transition::Stale(None) => return Ok(PayOutcome::NotFound),
                Transition::GuardHeld(holder) => {
                    return Ok(PayOutcome::HasAccess { session, holder });
                }
                // Approved concurrently by another operator request.
                Transition::Recorded(_) => match self.store.get_session(&session.session_id).await?
                {
                    Some(current) => current,
                    None => return Ok(PayOutcome::NotFound),
                },
            };
        }
        Err(StoreError::Unavailable(
            "the session kept changing while approving".into(),
        ))
    }

    /// Complimentary access for `user` to `stream` (worth `price`, access by its `schedule`): a new
    /// paid session and a ledger record of provider `complimentary`, amount 0, in one transaction
    /// through the same guard.
    pub async fn grant(
        &self,
        user: UserId,
        stream: StreamId,
        price: Amount,
        schedule: Schedule,
        origin: &Origin,
    ) -> Result<GrantOutcome, StoreError> {
        let now = self.clock.now();
        let pending = rules::new_pending(
            user,
            stream,
            TrxId::generate(now),
            price,
            schedule,
            now,
            self.policy(),
        );
        let paid = rules::pay(&pending, now, self.policy())
            .map_err(|r| StoreError::Backend(format!("a new session refused payment: {r:?}")))?;
        let record = granted_record(
            "complimentary",
            paid.session_id.as_str(),
            &paid,
            0,
            now,
            origin,
        );
        let paid = PaymentSession {
            payment_id: Some(record.payment_id.clone()),
            ..paid
        };
        let event = origin.event("granted", &paid, now);
        let change = Change {
            from: None,
            to: &paid,
            guard: GuardRule::Claim,
            ledger: Some(LedgerWrite::New(&record)),
            event: Some(&event),
        };
        match self.store.transition(change, now).await? {
            Transition::Done => Ok(GrantOutcome::Granted(paid)),
            Transition::GuardHeld(holder) => Ok(GrantOutcome::HasAccess(holder)),
            other => Err(StoreError::Backend(format!(
                "a complimentary grant was refused: {other:?}"
            ))),
        }
    }

    /// The live pending sessions of `user` for `stream`, oldest first (one Query on the user index).
    /// Anyone may open a session under any userId, so more than one means the operator must ask the
    /// viewer which (by the trxId on their screen).
    pub async fn pending_sessions(
        &self,
        user: &UserId,
        stream: &StreamId,
    ) -> Result<Vec<PaymentSession>, StoreError> {
        let now = self.clock.now();
        let mut pending: Vec<_> = self
            .get_user_sessions(user)
            .await?
            .into_iter()
            .filter(|s| &s.stream_id == stream && s.status_at(now) == Status::Pending)
            .collect();
        pending.sort_by_key(|s| s.created_at);
        Ok(pending)
    }

    /// Ends a pending or paid session now (check-access answers no at once) and releases the guard it
    /// holds. With `refund`, the payment that paid it is owed back (its ledger record turns into an
    /// open refund, in the same transaction).
    pub async fn revoke(
        &self,
        id: &SessionId,
        refund: bool,
        origin: &Origin,
    ) -> Result<RevokeOutcome, StoreError> {
        let Some(mut session) = self.store.get_session(id).await? else {
            return Ok(RevokeOutcome::NotFound);
        };
        for _ in 0..3 {
            let now = self.clock.now();
            if !session.is_live(now) {
                return Ok(RevokeOutcome::NotOpen(session));
            }
            let revoked = rules::revoke(&session, now, RevokeReason::Operator)
                .map_err(|r| StoreError::Backend(format!("revoke refused: {r:?}")))?;
            let owed = match (
                &session.payment_id,
                refund && session.status == Status::Paid,
            ) {
                (Some(pid), true) => self
                    .store
                    .get_payment(pid)
                    .await?
                    .filter(|r| r.outcome == Outcome::Granted && r.amount > 0)
                    .map(|r| PaymentRecord {
                        outcome: Outcome::RefundDue(RefundReason::Revoked),
                        note: origin.note.clone().or(r.note.clone()),
                        ..r
                    }),
                _ => None,
            };
            let event = origin.event(
                if owed.is_some() {
                    "revoked_with_refund"
                } else {
                    "revoked"
                },
                &revoked,
                now,
            );
            let change = Change {
                from: Some(&session),
                to: &revoked,
                guard: GuardRule::ReleaseIfOwned,
                ledger: owed.as_ref().map(LedgerWrite::ReplaceGranted),
                event: Some(&event),
            };
            session = match self.store.transition(change, now).await? {
                Transition::Done => {
                    return Ok(RevokeOutcome::Revoked {
                        session: revoked,
                        refund: owed.map(Box::new),
                    });
                }
                Transition::Stale(Some(current)) => current,
                Transition::Stale(None) => return Ok(RevokeOutcome::NotFound),
                Transition::GuardHeld(_) | Transition::Recorded(_) => {
                    match self.store.get_session(id).await? {
                        Some(current) => current,
                        None => return Ok(RevokeOutcome::NotFound),
                    }
                }
            };
        }
        Err(StoreError::Unavailable(
            "the session kept changing while revoking".into(),
        ))
    }

    /// Marks a refund owed as paid back, once; the record keeps a TTL of 400 days from now.
    pub async fn settle_refund(
        &self,
        id: &PaymentId,
        origin: &Origin,
    ) -> Result<SettleOutcome, StoreError> {
        let now = self.clock.now();
        let by = origin.actor.clone().unwrap_or_else(|| "unknown".into());
        self.store
            .settle_refund(id, |open| {
                let settled = PaymentRecord {
                    settlement: Some(Settlement {
                        at: now,
                        by: by.clone(),
                        note: origin.note.clone(),
                    }),
                    ..open.clone()
                };
                let event = open.session_id.as_ref().map(|sid| {
                    let mut e =
                        crate::domain::AuditEvent::new(now, "refund_settled", &origin.source);
                    e.actor = origin.actor.clone();
                    e.note = origin.note.clone();
                    e.provider_ref = Some(open.provider_ref.clone());
                    e.amount = Amount::new(open.amount).ok();
                    (sid.clone(), e)
                });
                (settled, event)
            })
            .await
    }
}

/// The provider of an operator's approval; its record is keyed by the session's trxId.
pub(super) const MANUAL: &str = "manual";

/// The ledger record of an operator's approval (`manual`) or grant (`complimentary`) of `session`.
fn granted_record(
    provider: &str,
    provider_ref: &str,
    session: &PaymentSession,
    amount: u64,
    now: chrono::DateTime<chrono::Utc>,
    origin: &Origin,
) -> PaymentRecord {
    PaymentRecord {
        payment_id: PaymentId::derive(provider, provider_ref),
        provider: provider.to_owned(),
        provider_ref: provider_ref.to_owned(),
        trx_id: session.trx_id.to_string(),
        amount,
        received_at: now,
        session_id: Some(session.session_id.clone()),
        user_id: Some(session.user_id.clone()),
        stream_id: Some(session.stream_id.clone()),
        outcome: Outcome::Granted,
        settlement: None,
        note: origin.note.clone(),
        related: None,
        gateway_refund_id: None,
        refunded: 0,
    }
}
