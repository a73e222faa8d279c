//! The SessionManager (the original design's session API: create, read, pay, check access, list),
//! over the DynamoDB store, with an injectable clock. One place decides how a session is created,
//! paid (by a gateway or an operator), closed, revoked and how money that cannot grant access is
//! recorded as owed.

mod admin;
mod charges;
mod payments;
mod reconcile;
mod record;
mod refunds;

pub use admin::{GrantOutcome, PayOutcome, RevokeOutcome};
pub use record::Recorded;
pub use refunds::RefundsRecorded;

use chrono::{DateTime, TimeDelta, Utc};
use sha2::{Digest, Sha256};

use crate::clock::SharedClock;
use crate::config::Policy;
use crate::domain::{
    Amount, AuditEvent, IdempotencyKey, PaymentSession, Schedule, SessionId, StreamId, TrxId,
    UserId,
};
use crate::rules::{self, Access};
use crate::store::{IdemClaim, Insert, Store, StoreError};

/// How long an `Idempotency-Key` answers with the session it created.
pub const IDEMPOTENCY_WINDOW: TimeDelta = TimeDelta::hours(24);

pub use crate::domain::SessionKey;

/// Who asks for a change, for the audit trail.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Origin {
    /// `viewer`, `webhook`, `admin` or `system`.
    pub source: String,
    /// Who acted (an IAM principal, `local`, the gateway).
    pub actor: Option<String>,
    /// A free-form note.
    pub note: Option<String>,
    /// The gateway's reference of the payment.
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

    /// An audit event of `action` on `session` at `now`.
    pub(crate) fn event(
        &self,
        action: &str,
        session: &PaymentSession,
        now: DateTime<Utc>,
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

/// A request for a new pending session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewSession {
    /// The viewer.
    pub user: UserId,
    /// The stream.
    pub stream: StreamId,
    /// The transaction id.
    pub trx: TrxId,
    /// The amount in rupiah.
    pub amount: Amount,
    /// The stream's schedule, carried by the session to set the access window a payment grants.
    pub schedule: Schedule,
    /// The client's `Idempotency-Key` and the fingerprint of the request it came with.
    pub idempotency: Option<(IdempotencyKey, String)>,
}

/// Result of asking for a payment session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CreateOutcome {
    /// A new pending session.
    Created(PaymentSession),
    /// The user already has live paid access to this stream; nothing was written.
    AlreadyPaid {
        /// The session.
        session: PaymentSession,
        /// Time left.
        remaining: TimeDelta,
    },
    /// The same request came with this `Idempotency-Key` before: the session it created.
    Replayed(PaymentSession),
    /// This `Idempotency-Key` was used with another request.
    KeyReused,
}

/// Access to one stream through one session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccessCheck {
    /// Whether and how long access lasts.
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

/// The fingerprint of a generate-qris request body: the same key must come with the same request.
pub fn request_fingerprint(user: &UserId, stream: &StreamId, amount: Option<Amount>) -> String {
    let digest = Sha256::new()
        .chain_update(user.as_str())
        .chain_update([0u8])
        .chain_update(stream.as_str())
        .chain_update([0u8])
        .chain_update(amount.map(|a| a.rupiah().to_string()).unwrap_or_default())
        .finalize();
    hex::encode(&digest[..16])
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
    pub fn now(&self) -> DateTime<Utc> {
        self.clock.now()
    }

    /// A pending session for `user` and an unscheduled `stream` unless the user holds live paid
    /// access to it (one transaction). Several pending sessions of one viewer and stream may coexist.
    pub async fn create_payment_session(
        &self,
        user: UserId,
        stream: StreamId,
        trx: TrxId,
        amount: Amount,
    ) -> Result<CreateOutcome, StoreError> {
        self.create_session(NewSession {
            user,
            stream,
            trx,
            amount,
            schedule: Schedule::default(),
            idempotency: None,
        })
        .await
    }

    /// [`SessionManager::create_payment_session`] with an optional idempotency claim written in the
    /// same transaction: a repeat of the same request answers the session it created (one more read).
    pub async fn create_session(&self, new: NewSession) -> Result<CreateOutcome, StoreError> {
        let now = self.clock.now();
        let session = rules::new_pending(
            new.user,
            new.stream,
            new.trx,
            new.amount,
            new.schedule,
            now,
            self.policy(),
        );
        let claim = new.idempotency.map(|(key, fingerprint)| IdemClaim {
            key,
            fingerprint,
            expires_at: now + IDEMPOTENCY_WINDOW,
        });
        // No "created" audit event: the session item itself records when and for whom it was
        // made, and a fourth item in this transaction was most of generate-qris's gap to the floor.
        match self
            .store
            .insert_pending(&session, now, claim.as_ref(), None)
            .await?
        {
            Insert::Inserted => Ok(CreateOutcome::Created(session)),
            Insert::HasAccess(holder) => Ok(CreateOutcome::AlreadyPaid {
                remaining: holder.remaining_at(now),
                session: holder,
            }),
            Insert::Replay {
                session_id,
                fingerprint,
            } => {
                if claim.is_none_or(|c| c.fingerprint != fingerprint) {
                    return Ok(CreateOutcome::KeyReused);
                }
                match self.store.get_session(&session_id).await? {
                    Some(s) => Ok(CreateOutcome::Replayed(s)),
                    None => Err(StoreError::Corrupt(
                        "an idempotency claim names a missing session".into(),
                    )),
                }
            }
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

    /// The session through which the user holds live paid access to this stream, if any. One GetItem.
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
            .filter(|s| s.is_live_paid(now)))
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
