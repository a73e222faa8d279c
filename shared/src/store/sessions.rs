//! Sessions: the canonical item, its trx mirror, the paid-access guard of a user+stream, idempotency
//! claims, and the transactions that create and change them (with their ledger record and event).

use aws_sdk_dynamodb::types::{CancellationReason, TransactWriteItem};
use chrono::{DateTime, Utc};

use super::item::{self, IdemClaim, Item, SessionCopy, n_attr, s_attr};
use super::{Store, StoreError, describe, failed, reason_item};
use crate::domain::{
    AuditEvent, PaymentRecord, PaymentSession, SessionId, Status, StreamId, TrxId, UserId,
};
use crate::rules;

/// Result of inserting a new pending session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Insert {
    /// Written.
    Inserted,
    /// The user holds live paid access to this stream through this session: nothing was written.
    HasAccess(PaymentSession),
    /// The idempotency key was used before (within 24 h): the session it created and the fingerprint
    /// of the request that created it. Nothing was written.
    Replay {
        /// The session's id (a bearer secret).
        session_id: SessionId,
        /// A hash of the request it was first used with.
        fingerprint: String,
    },
}

/// What a transition does to the user+stream guard (the record of live paid access).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GuardRule {
    /// Take the guard unless another session holds live paid access (payment).
    Claim,
    /// Release the guard if this session holds it (revoke).
    ReleaseIfOwned,
    /// Keep the guard's copy current if this session holds it (a paid session's payment changes).
    UpdateIfOwned,
    /// Leave the guard alone.
    Untouched,
}

/// A ledger record written in the same transaction as a session change.
#[derive(Debug, Clone, Copy)]
pub enum LedgerWrite<'a> {
    /// A new record: refused (and handed back) if the payment is already on the ledger.
    New(&'a PaymentRecord),
    /// Replaces the record of the payment that was granted (revoke with refund).
    ReplaceGranted(&'a PaymentRecord),
    /// A new record (refused and handed back if on the ledger already) and the replacement of the
    /// record it concerns, on condition that that one is still as read (`before`): its outcome,
    /// refund status, sum refunded at the gateway and related record.
    NewAndReplace {
        /// The new record.
        new: &'a PaymentRecord,
        /// The record it concerns, as read.
        before: &'a PaymentRecord,
        /// That record as it becomes.
        after: &'a PaymentRecord,
    },
}

/// One conditional change of a session. `from: None` inserts `to` (a complimentary grant).
#[derive(Debug, Clone, Copy)]
pub struct Change<'a> {
    /// The stored state the write expects, if any.
    pub from: Option<&'a PaymentSession>,
    /// The new state.
    pub to: &'a PaymentSession,
    /// How the per-viewer access guard changes.
    pub guard: GuardRule,
    /// The ledger record written with it, if any.
    pub ledger: Option<LedgerWrite<'a>>,
    /// The audit event written with it, if any.
    pub event: Option<&'a AuditEvent>,
}

/// Result of a conditional transition.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Transition {
    /// Written.
    Done,
    /// The stored status was no longer the expected one; the current session if it still exists.
    Stale(Option<PaymentSession>),
    /// Another session of this user+stream holds live paid access.
    GuardHeld(PaymentSession),
    /// This payment is on the ledger already (a repeat delivery): the record as stored.
    Recorded(PaymentRecord),
}

impl Store {
    /// A session by its id (strongly consistent).
    pub async fn get_session(&self, id: &SessionId) -> Result<Option<PaymentSession>, StoreError> {
        self.get_copy(item::session_key(id)).await
    }

    /// A session by its transaction id, through the trx mirror (strongly consistent).
    pub async fn get_by_trx(&self, trx: &TrxId) -> Result<Option<PaymentSession>, StoreError> {
        self.get_copy(item::trx_key(trx)).await
    }

    /// The session that last held paid access for this user+stream, live or not.
    pub async fn get_guard(
        &self,
        user: &UserId,
        stream: &StreamId,
    ) -> Result<Option<PaymentSession>, StoreError> {
        self.get_copy(item::guard_key(user, stream)).await
    }

    async fn get_copy(&self, key: Item) -> Result<Option<PaymentSession>, StoreError> {
        self.get_item(key)
            .await?
            .map(item::parse_session)
            .transpose()
    }

    /// Writes a new pending session with its trx mirror (and idempotency claim) in one transaction,
    /// on condition that the user holds no live paid access to the stream (a ConditionCheck on the
    /// guard). Several pending sessions of one user and stream may coexist.
    pub async fn insert_pending(
        &self,
        session: &PaymentSession,
        now: DateTime<Utc>,
        idem: Option<&IdemClaim>,
        event: Option<&AuditEvent>,
    ) -> Result<Insert, StoreError> {
        let ttl = rules::ttl_epoch_seconds(session.expires_at, &self.policy);
        let mut items = vec![
            self.put(
                item::session_item(session, SessionCopy::Canonical, ttl),
                Some("attribute_not_exists(pk)"),
                &[],
                &[],
            ),
            self.put(
                item::session_item(session, SessionCopy::TrxMirror, ttl),
                Some("attribute_not_exists(pk)"),
                &[],
                &[],
            ),
            self.condition_check(
                item::guard_key(&session.user_id, &session.stream_id),
                "attribute_not_exists(pk) OR #status <> :paid OR expiresAt <= :now",
                &[("#status", "status")],
                &[
                    (":paid", s_attr(Status::Paid.as_str())),
                    (":now", n_attr(now.timestamp_millis())),
                ],
            ),
        ];
        if let Some(claim) = idem {
            items.push(self.put(
                item::idem_item(&session.user_id, claim, &session.session_id),
                Some("attribute_not_exists(pk) OR expiresAt <= :now"),
                &[],
                &[(":now", n_attr(now.timestamp_millis()))],
            ));
        }
        items.extend(event.map(|e| self.event_put(&session.session_id, e)));
        let Some(reasons) = self.transact(items).await? else {
            return Ok(Insert::Inserted);
        };
        if let Some(claim) = idem
            && failed(&reasons, 3)
        {
            let old = match reason_item(&reasons, 3) {
                Some(old) => old.clone(),
                None => self
                    .get_item(item::idem_key(&session.user_id, &claim.key))
                    .await?
                    .ok_or_else(|| StoreError::Backend("idempotency claim vanished".into()))?,
            };
            let (session_id, fingerprint) = item::parse_idem(old)?;
            return Ok(Insert::Replay {
                session_id,
                fingerprint,
            });
        }
        if failed(&reasons, 2) {
            let holder = match reason_item(&reasons, 2) {
                Some(old) => item::parse_session(old.clone())?,
                None => self
                    .get_guard(&session.user_id, &session.stream_id)
                    .await?
                    .ok_or_else(|| StoreError::Backend("guard refused but is gone".into()))?,
            };
            return Ok(Insert::HasAccess(holder));
        }
        Err(StoreError::Backend(format!(
            "session insert refused: {}",
            describe(&reasons)
        )))
    }

    /// Applies `change` in one transaction: the canonical item on condition that its stored status is
    /// still `from.status` (or that it does not exist, for an insert), the trx mirror, the guard rule,
    /// the ledger record and the audit event, atomically.
    pub async fn transition(
        &self,
        change: Change<'_>,
        now: DateTime<Utc>,
    ) -> Result<Transition, StoreError> {
        let first = self.transition_items(change, now, true);
        let (ledger_at, guard_at) = (first.ledger_at, first.guard_at);
        let reasons = match self.transact(first.items).await? {
            None => return Ok(Transition::Done),
            Some(reasons) => reasons,
        };
        if let Some(answer) = self.refused(&change, ledger_at, &reasons).await? {
            return Ok(answer);
        }
        if let Some(g) = guard_at
            && failed(&reasons, g)
        {
            return match change.guard {
                GuardRule::Claim => match reason_item(&reasons, g) {
                    Some(old) => Ok(Transition::GuardHeld(item::parse_session(old.clone())?)),
                    None => match self
                        .get_guard(&change.to.user_id, &change.to.stream_id)
                        .await?
                    {
                        Some(held) => Ok(Transition::GuardHeld(held)),
                        None => Err(StoreError::Backend(
                            "guard refused the payment but is gone".into(),
                        )),
                    },
                },
                // Another session holds the guard: nothing of ours to release or update.
                GuardRule::ReleaseIfOwned | GuardRule::UpdateIfOwned | GuardRule::Untouched => {
                    let second = self.transition_items(change, now, false);
                    let ledger_at = second.ledger_at;
                    match self.transact(second.items).await? {
                        None => Ok(Transition::Done),
                        Some(reasons) => match self.refused(&change, ledger_at, &reasons).await? {
                            Some(answer) => Ok(answer),
                            None => Err(StoreError::Backend(describe(&reasons))),
                        },
                    }
                }
            };
        }
        Err(StoreError::Backend(format!(
            "transition refused: {}",
            describe(&reasons)
        )))
    }

    /// What a refused transition means when the session or its ledger records refused it: the
    /// payment is on the ledger already (`Recorded`), or the session or the record it concerns
    /// changed meanwhile (`Stale`: the caller reads again and decides again). `None` otherwise.
    async fn refused(
        &self,
        change: &Change<'_>,
        ledger_at: Option<usize>,
        reasons: &[CancellationReason],
    ) -> Result<Option<Transition>, StoreError> {
        if let Some(i) = ledger_at
            && failed(reasons, i)
        {
            if let Some(old) = reason_item(reasons, i) {
                return Ok(Some(Transition::Recorded(item::parse_payment(
                    old.clone(),
                )?)));
            }
            if let Some(LedgerWrite::New(record) | LedgerWrite::NewAndReplace { new: record, .. }) =
                change.ledger
                && let Some(stored) = self.get_payment(&record.payment_id).await?
            {
                return Ok(Some(Transition::Recorded(stored)));
            }
        }
        let replaced = ledger_at
            .filter(|_| matches!(change.ledger, Some(LedgerWrite::NewAndReplace { .. })))
            .is_some_and(|i| failed(reasons, i + 1));
        if failed(reasons, 0) || replaced {
            let current = match reason_item(reasons, 0) {
                Some(old) => Some(item::parse_session(old.clone())?),
                None => self.get_session(&change.to.session_id).await?,
            };
            return Ok(Some(Transition::Stale(current)));
        }
        Ok(None)
    }

    fn transition_items(&self, change: Change<'_>, now: DateTime<Utc>, with_guard: bool) -> Built {
        let to = change.to;
        let ttl = rules::ttl_epoch_seconds(to.expires_at, &self.policy);
        let canonical = match change.from {
            Some(from) => self.put(
                item::session_item(to, SessionCopy::Canonical, ttl),
                Some("#status = :from"),
                &[("#status", "status")],
                &[(":from", s_attr(from.status.as_str()))],
            ),
            None => self.put(
                item::session_item(to, SessionCopy::Canonical, ttl),
                Some("attribute_not_exists(pk)"),
                &[],
                &[],
            ),
        };
        let mut items = vec![
            canonical,
            self.put(
                item::session_item(to, SessionCopy::TrxMirror, ttl),
                None,
                &[],
                &[],
            ),
        ];
        let mut guard_at = None;
        if with_guard && change.guard != GuardRule::Untouched {
            guard_at = Some(items.len());
            items.push(match change.guard {
                GuardRule::Claim => self.put(
                    item::session_item(to, SessionCopy::Guard, ttl),
                    Some("attribute_not_exists(pk) OR sessionId = :sid OR #status <> :paid OR expiresAt <= :now"),
                    &[("#status", "status")],
                    &[
                        (":sid", s_attr(to.session_id.as_str())),
                        (":paid", s_attr(Status::Paid.as_str())),
                        (":now", n_attr(now.timestamp_millis())),
                    ],
                ),
                GuardRule::ReleaseIfOwned | GuardRule::UpdateIfOwned | GuardRule::Untouched => self.put(
                    item::session_item(to, SessionCopy::Guard, ttl),
                    Some("sessionId = :sid"),
                    &[],
                    &[(":sid", s_attr(to.session_id.as_str()))],
                ),
            });
        }
        let mut ledger_at = None;
        if let Some(write) = change.ledger {
            ledger_at = Some(items.len());
            items.extend(self.ledger_items(write));
        }
        items.extend(change.event.map(|e| self.event_put(&to.session_id, e)));
        Built {
            items,
            guard_at,
            ledger_at,
        }
    }

    /// The user's sessions whose `expiresAt` is after `now`, through the `byUser` index (one Query a
    /// page; a user rarely has more than one page).
    pub async fn user_sessions(
        &self,
        user: &UserId,
        now: DateTime<Utc>,
    ) -> Result<Vec<PaymentSession>, StoreError> {
        let query = self
            .client
            .query()
            .table_name(&self.table)
            .index_name(super::table::BY_USER_INDEX)
            .key_condition_expression("#pk = :user AND #sk > :now")
            .expression_attribute_names("#pk", super::table::USER_PK)
            .expression_attribute_names("#sk", super::table::USER_SK)
            .expression_attribute_values(":user", s_attr(user.as_str()))
            .expression_attribute_values(":now", n_attr(now.timestamp_millis()));
        let sessions = self
            .query_all(query)
            .await?
            .into_iter()
            .map(item::parse_session)
            .collect::<Result<Vec<_>, _>>()?;
        Ok(sessions)
    }
}

/// A transaction's items and where the optional ones landed (for reading cancellation reasons).
struct Built {
    items: Vec<TransactWriteItem>,
    guard_at: Option<usize>,
    ledger_at: Option<usize>,
}
