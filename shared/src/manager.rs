//! The SessionManager of seed 001, over the DynamoDB store, with an injectable clock.

use chrono::TimeDelta;

use crate::clock::SharedClock;
use crate::config::Policy;
use crate::domain::{Amount, AuditEvent, PaymentSession, SessionId, StreamId, TrxId, UserId};
use crate::rules::{self, Access, Refusal};
use crate::store::{GuardRule, Insert, Store, StoreError, Transition};

/// How a session is named by a caller.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SessionKey {
    Session(SessionId),
    Trx(TrxId),
}

/// Who asks for a change, for the audit trail.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Origin {
    /// `viewer`, `webhook`, `admin` or `system`.
    pub source: String,
    pub actor: Option<String>,
    pub note: Option<String>,
    pub provider_ref: Option<String>,
}

impl Origin {
    /// An origin with only its source set.
    pub fn new(source: &str) -> Self {
        Self {
            source: source.to_owned(),
            ..Self::default()
        }
    }

    fn event(
        &self,
        action: &str,
        session: &PaymentSession,
        now: chrono::DateTime<chrono::Utc>,
    ) -> AuditEvent {
        AuditEvent {
            actor: self.actor.clone(),
            note: self.note.clone(),
            provider_ref: self.provider_ref.clone(),
            amount: Some(session.amount),
            ..AuditEvent::new(now, action, &self.source)
        }
    }
}

/// Result of asking for a payment session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CreateOutcome {
    /// A new pending session.
    Created(PaymentSession),
    /// The user already has a live pending session for this stream: pay that one (same QR).
    ExistingPending(PaymentSession),
    /// The user already has live paid access to this stream.
    AlreadyPaid {
        session: PaymentSession,
        remaining: TimeDelta,
    },
}

/// Result of a payment confirmation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PayOutcome {
    /// Pending → paid now. `late` when the pending window had already passed (honoured anyway).
    Paid {
        session: PaymentSession,
        late: bool,
    },
    /// It was paid before; nothing changed.
    AlreadyPaid(PaymentSession),
    /// The user already holds live paid access through `holder`: this payment is now recorded as a
    /// refund owed (`refund_due`) and the session stays unpaid.
    Duplicate {
        session: PaymentSession,
        holder: PaymentSession,
    },
    /// The pending window ended longer ago than the TTL grace: recorded as a refund owed.
    TooLate(PaymentSession),
    /// A refund was already recorded for this session; nothing changed.
    RefundAlreadyRecorded(PaymentSession),
    /// Failed or revoked: it can no longer be paid.
    NotPayable(PaymentSession),
    NotFound,
}

/// Result of closing a session (failure or revoke).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CloseOutcome {
    Closed(PaymentSession),
    /// It was paid; a failure report changes nothing.
    AlreadyPaid(PaymentSession),
    /// Already failed or expired.
    NotOpen(PaymentSession),
    NotFound,
}

/// Access to one stream through one session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccessCheck {
    pub access: Access,
    /// The session, when it exists (whatever the answer).
    pub session: Option<PaymentSession>,
}

/// Creates, confirms and checks payment sessions.
#[derive(Clone)]
pub struct SessionManager {
    store: Store,
    clock: SharedClock,
}

impl SessionManager {
    /// A manager over `store`, reading time from `clock`.
    pub fn new(store: Store, clock: SharedClock) -> Self {
        Self { store, clock }
    }

    /// The store underneath.
    pub fn store(&self) -> &Store {
        &self.store
    }

    /// The policy in force.
    pub fn policy(&self) -> &Policy {
        self.store.policy()
    }

    /// The injected clock.
    pub fn clock(&self) -> SharedClock {
        self.clock.clone()
    }

    /// The current time of the injected clock.
    pub fn now(&self) -> chrono::DateTime<chrono::Utc> {
        self.clock.now()
    }

    /// A pending session for `user` and `stream`, unless one is live already (one transaction).
    pub async fn create_payment_session(
        &self,
        user: UserId,
        stream: StreamId,
        trx: TrxId,
        amount: Amount,
    ) -> Result<CreateOutcome, StoreError> {
        let now = self.clock.now();
        let session = rules::new_pending(user, stream, trx, amount, now, self.policy());
        let created = Origin::new("viewer").event("created", &session, now);
        match self
            .store
            .insert_pending(&session, now, Some(&created))
            .await?
        {
            Insert::Inserted => Ok(CreateOutcome::Created(session)),
            Insert::Blocked(live) if live.is_live_paid(now) => Ok(CreateOutcome::AlreadyPaid {
                remaining: live.remaining_at(now),
                session: live,
            }),
            Insert::Blocked(live) => Ok(CreateOutcome::ExistingPending(live)),
        }
    }

    /// A session by id, as stored (use `status_at` for its meaning now).
    pub async fn get_payment_session(
        &self,
        id: &SessionId,
    ) -> Result<Option<PaymentSession>, StoreError> {
        self.store.get_session(id).await
    }

    /// A session by transaction id.
    pub async fn get_by_trx(&self, trx: &TrxId) -> Result<Option<PaymentSession>, StoreError> {
        self.store.get_by_trx(trx).await
    }

    /// A session by either key.
    pub async fn find(&self, key: &SessionKey) -> Result<Option<PaymentSession>, StoreError> {
        match key {
            SessionKey::Session(id) => self.store.get_session(id).await,
            SessionKey::Trx(trx) => self.store.get_by_trx(trx).await,
        }
    }

    /// Pending → paid, once: one conditional transaction. A second call reports `AlreadyPaid` and
    /// changes nothing.
    pub async fn mark_paid(
        &self,
        key: &SessionKey,
        origin: &Origin,
    ) -> Result<PayOutcome, StoreError> {
        match self.find(key).await? {
            Some(session) => self.pay(session, origin).await,
            None => Ok(PayOutcome::NotFound),
        }
    }

    /// Pays a session already read by the caller (saves a read; the transition is still conditional).
    pub async fn pay(
        &self,
        mut session: PaymentSession,
        origin: &Origin,
    ) -> Result<PayOutcome, StoreError> {
        loop {
            let now = self.clock.now();
            let paid = match rules::pay(&session, now, self.policy()) {
                Ok(paid) => paid,
                Err(Refusal::AlreadyPaid) => return Ok(PayOutcome::AlreadyPaid(session)),
                Err(Refusal::Closed(_)) => return Ok(PayOutcome::NotPayable(session)),
                Err(Refusal::RefundDue) => return Ok(PayOutcome::RefundAlreadyRecorded(session)),
                Err(Refusal::TooLate) => {
                    if let Some(owed) = self
                        .record_refund(&session, "payment_too_late", origin)
                        .await?
                    {
                        return Ok(PayOutcome::TooLate(owed));
                    }
                    match self.store.get_session(&session.session_id).await? {
                        Some(current) => {
                            session = current;
                            continue;
                        }
                        None => return Ok(PayOutcome::NotFound),
                    }
                }
            };
            let late = session.expires_at <= now;
            let event = origin.event(if late { "paid_late" } else { "paid" }, &paid, now);
            let transition =
                self.store
                    .transition(&session, &paid, now, GuardRule::Claim, Some(&event));
            session = match transition.await? {
                Transition::Done => {
                    return Ok(PayOutcome::Paid {
                        session: paid,
                        late,
                    });
                }
                Transition::Stale(Some(current)) => current,
                Transition::Stale(None) => return Ok(PayOutcome::NotFound),
                Transition::GuardHeld(holder) => {
                    if let Some(owed) = self
                        .record_refund(&session, "duplicate_payment", origin)
                        .await?
                    {
                        return Ok(PayOutcome::Duplicate {
                            session: owed,
                            holder,
                        });
                    }
                    match self.store.get_session(&session.session_id).await? {
                        Some(current) => current,
                        None => return Ok(PayOutcome::NotFound),
                    }
                }
            };
        }
    }

    /// Flags a pending session as owed back (one conditional transaction with its event). `None`
    /// when the session changed meanwhile: the caller re-reads and decides again.
    async fn record_refund(
        &self,
        session: &PaymentSession,
        action: &str,
        origin: &Origin,
    ) -> Result<Option<PaymentSession>, StoreError> {
        let now = self.clock.now();
        let owed = PaymentSession {
            refund_due: true,
            ..session.clone()
        };
        let event = origin.event(action, &owed, now);
        match self
            .store
            .transition(session, &owed, now, GuardRule::Untouched, Some(&event))
            .await?
        {
            Transition::Done => Ok(Some(owed)),
            _ => Ok(None),
        }
    }

    /// Pending → failed (the gateway reported a failed payment); releases the user+stream guard.
    pub async fn mark_failed(
        &self,
        key: &SessionKey,
        origin: &Origin,
    ) -> Result<CloseOutcome, StoreError> {
        match self.find(key).await? {
            Some(session) => self.fail(session, origin).await,
            None => Ok(CloseOutcome::NotFound),
        }
    }

    /// [`SessionManager::mark_failed`] for a session already read by the caller.
    pub async fn fail(
        &self,
        session: PaymentSession,
        origin: &Origin,
    ) -> Result<CloseOutcome, StoreError> {
        self.close(session, origin, "failed", |s, _| rules::fail(s))
            .await
    }

    /// Pending or paid → expired now (an operator revokes it); releases the user+stream guard.
    pub async fn mark_expired(
        &self,
        key: &SessionKey,
        origin: &Origin,
    ) -> Result<CloseOutcome, StoreError> {
        match self.find(key).await? {
            Some(session) => self.close(session, origin, "expired", rules::expire).await,
            None => Ok(CloseOutcome::NotFound),
        }
    }

    /// Records an audit event on a session without changing it.
    pub async fn record(
        &self,
        session: &PaymentSession,
        action: &str,
        origin: &Origin,
    ) -> Result<(), StoreError> {
        let event = origin.event(action, session, self.clock.now());
        self.store.put_event(&session.session_id, &event).await
    }

    async fn close(
        &self,
        mut session: PaymentSession,
        origin: &Origin,
        action: &str,
        rule: impl Fn(&PaymentSession, chrono::DateTime<chrono::Utc>) -> Result<PaymentSession, Refusal>,
    ) -> Result<CloseOutcome, StoreError> {
        loop {
            let now = self.clock.now();
            let closed = match rule(&session, now) {
                Ok(closed) => closed,
                Err(Refusal::AlreadyPaid) => return Ok(CloseOutcome::AlreadyPaid(session)),
                Err(_) => return Ok(CloseOutcome::NotOpen(session)),
            };
            let event = origin.event(action, &closed, now);
            let transition = self.store.transition(
                &session,
                &closed,
                now,
                GuardRule::ReleaseIfOwned,
                Some(&event),
            );
            session = match transition.await? {
                Transition::Done => return Ok(CloseOutcome::Closed(closed)),
                Transition::Stale(Some(current)) => current,
                // Releasing never reports a held guard; re-read rather than trust another session.
                Transition::GuardHeld(_) => {
                    match self.store.get_session(&session.session_id).await? {
                        Some(current) => current,
                        None => return Ok(CloseOutcome::NotFound),
                    }
                }
                Transition::Stale(None) => return Ok(CloseOutcome::NotFound),
            };
        }
    }

    /// Whether `session_id` grants access to `stream` (and belongs to `user`, when given), and for how
    /// long. One GetItem.
    pub async fn has_paid_access(
        &self,
        session_id: &SessionId,
        stream: &StreamId,
        user: Option<&UserId>,
    ) -> Result<AccessCheck, StoreError> {
        let session = self.store.get_session(session_id).await?;
        let now = self.clock.now();
        let access = session
            .as_ref()
            .map_or(Access::DENIED, |s| rules::access(s, stream, user, now));
        Ok(AccessCheck { access, session })
    }

    /// The user's live session (pending or paid) for this stream, if any. One GetItem.
    pub async fn has_active_session_for_stream(
        &self,
        user: &UserId,
        stream: &StreamId,
    ) -> Result<Option<PaymentSession>, StoreError> {
        let now = self.clock.now();
        Ok(self
            .store
            .get_guard(user, stream)
            .await?
            .filter(|s| s.is_live(now)))
    }

    /// The user's live sessions (pending or paid), soonest expiry first. One Query on the user index.
    pub async fn get_user_sessions(
        &self,
        user: &UserId,
    ) -> Result<Vec<PaymentSession>, StoreError> {
        let now = self.clock.now();
        let mut sessions: Vec<_> = self
            .store
            .user_sessions(user, now)
            .await?
            .into_iter()
            .filter(|s| s.is_live(now))
            .collect();
        sessions.sort_by_key(|s| s.expires_at);
        Ok(sessions)
    }

    /// A session's audit trail, oldest first.
    pub async fn events(&self, id: &SessionId) -> Result<Vec<AuditEvent>, StoreError> {
        self.store.events(id).await
    }
}

impl std::fmt::Debug for SessionManager {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SessionManager")
            .field("table", &self.store.table_name())
            .finish()
    }
}
