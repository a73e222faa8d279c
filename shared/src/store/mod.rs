//! The only module that talks to DynamoDB.
//!
//! Every state change is one TransactWriteItems whose conditions make it safe under concurrency:
//! nothing here checks and then writes.

mod client;
mod cursor;
mod item;
pub mod retry;
pub mod table;

pub use client::{Timeouts, client_from_env, local_client, local_client_with};
use retry::{MAX_ATTEMPTS, backoff};

use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::error::{DisplayErrorContext, ProvideErrorMetadata, SdkError};
use aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError;
use aws_sdk_dynamodb::types::{
    AttributeValue, CancellationReason, Put, ReturnValuesOnConditionCheckFailure, TransactWriteItem,
};
use aws_smithy_runtime_api::client::orchestrator::HttpResponse;
use chrono::{DateTime, TimeDelta, Utc};

use crate::config::Policy;
use crate::domain::{
    AuditEvent, PaymentSession, SessionId, Status, Stream, StreamId, TrxId, UserId,
};
use crate::rules;
use item::{Copy, Item, n_attr, s_attr};
pub use table::TABLE;

/// How long audit events are kept (they are the record of money received).
pub const AUDIT_RETENTION: TimeDelta = TimeDelta::days(400);

/// What can go wrong talking to the store.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StoreError {
    /// Throttled, unreachable or timed out: the caller may retry later.
    #[error("DynamoDB is unavailable: {0}")]
    Unavailable(String),
    /// Any other failure reported by DynamoDB (a missing table, a validation error).
    #[error("DynamoDB request failed: {0}")]
    Backend(String),
    /// A paging cursor that this store did not issue.
    #[error("the paging cursor is not valid")]
    BadCursor,
    /// A stored item could not be read back.
    #[error("stored data is malformed: {0}")]
    Corrupt(String),
}

/// Result of inserting a new pending session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Insert {
    Inserted,
    /// The user already holds a live (pending or paid) session for this stream: here it is.
    Blocked(PaymentSession),
}

/// Which sessions an operator lists.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListFilter {
    pub stream: Option<StreamId>,
    /// Status as of now (expired is derived).
    pub status: Option<Status>,
    /// Page size, 1–100.
    pub limit: usize,
    pub cursor: Option<String>,
}

/// One page of sessions, newest first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Page {
    pub sessions: Vec<PaymentSession>,
    /// Pass back to get the next page; `None` on the last page.
    pub next_cursor: Option<String>,
}

/// What the transition does to the user+stream guard.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GuardRule {
    /// Take the guard unless another session holds live paid access (payment).
    Claim,
    /// Release the guard if this session holds it (failure, revoke).
    ReleaseIfOwned,
    /// Leave the guard alone (recording a refund owed).
    Untouched,
}

/// Result of a conditional transition.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Transition {
    Done,
    /// The stored status was no longer the expected one; the current session if it still exists.
    Stale(Option<PaymentSession>),
    /// Another session of this user+stream holds live paid access.
    GuardHeld(PaymentSession),
}

/// The DynamoDB store of sessions, their mirrors, guards and audit events.
#[derive(Debug, Clone)]
pub struct Store {
    client: Client,
    table: String,
    policy: Policy,
}

impl Store {
    /// A store over `table` using an already built client.
    pub fn new(client: Client, table: impl Into<String>, policy: Policy) -> Self {
        Self {
            client,
            table: table.into(),
            policy,
        }
    }

    /// The table name.
    pub fn table_name(&self) -> &str {
        &self.table
    }

    /// The underlying client.
    pub fn client(&self) -> &Client {
        &self.client
    }

    /// The policy used for TTL values.
    pub fn policy(&self) -> &Policy {
        &self.policy
    }

    /// A session by its id (strongly consistent).
    pub async fn get_session(&self, id: &SessionId) -> Result<Option<PaymentSession>, StoreError> {
        self.get_copy(item::session_key(id)).await
    }

    /// A session by its transaction id, through the trx mirror (strongly consistent).
    pub async fn get_by_trx(&self, trx: &TrxId) -> Result<Option<PaymentSession>, StoreError> {
        self.get_copy(item::trx_key(trx)).await
    }

    /// The session currently holding the user+stream guard, live or not.
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
            .as_ref()
            .map(item::parse_session)
            .transpose()
    }

    /// One strongly consistent GetItem.
    async fn get_item(&self, key: Item) -> Result<Option<Item>, StoreError> {
        let out = self
            .client
            .get_item()
            .table_name(&self.table)
            .set_key(Some(key))
            .consistent_read(true)
            .send()
            .await
            .map_err(classify)?;
        Ok(out.item)
    }

    /// Writes a new pending session with its trx mirror and guard in one transaction. The guard's
    /// condition ("absent, expired, failed or revoked") is what blocks a second live session.
    pub async fn insert_pending(
        &self,
        session: &PaymentSession,
        now: DateTime<Utc>,
        event: Option<&AuditEvent>,
    ) -> Result<Insert, StoreError> {
        let ttl = rules::ttl_epoch_seconds(session.expires_at, &self.policy);
        let mut items = vec![
            self.put(item::session_item(session, Copy::Canonical, ttl), Some("attribute_not_exists(pk)"), &[], &[]),
            self.put(item::session_item(session, Copy::TrxMirror, ttl), Some("attribute_not_exists(pk)"), &[], &[]),
            self.put(
                item::session_item(session, Copy::Guard, ttl),
                Some("attribute_not_exists(pk) OR expiresAt <= :now OR #status IN (:failed, :expired)"),
                &[("#status", "status")],
                &[
                    (":now", n_attr(now.timestamp_millis())),
                    (":failed", s_attr(Status::Failed.as_str())),
                    (":expired", s_attr(Status::Expired.as_str())),
                ],
            ),
        ];
        items.extend(event.map(|e| self.event_put(&session.session_id, e)));
        match self.transact(items).await? {
            None => Ok(Insert::Inserted),
            Some(reasons) => {
                if failed(&reasons, 2) {
                    match reason_item(&reasons, 2) {
                        Some(old) => Ok(Insert::Blocked(item::parse_session(old)?)),
                        None => match self.get_guard(&session.user_id, &session.stream_id).await? {
                            Some(guard) => Ok(Insert::Blocked(guard)),
                            None => Err(StoreError::Backend(
                                "guard refused the write but is gone".into(),
                            )),
                        },
                    }
                } else {
                    Err(StoreError::Backend(format!(
                        "session insert refused: {}",
                        describe(&reasons)
                    )))
                }
            }
        }
    }

    /// Replaces `from` by `to` in one transaction, on condition that the stored status is still
    /// `from.status`; updates the trx mirror, applies `guard` and appends `event` atomically.
    pub async fn transition(
        &self,
        from: &PaymentSession,
        to: &PaymentSession,
        now: DateTime<Utc>,
        guard: GuardRule,
        event: Option<&AuditEvent>,
    ) -> Result<Transition, StoreError> {
        let ttl = rules::ttl_epoch_seconds(to.expires_at, &self.policy);
        let canonical_condition = if from.refund_due {
            "#status = :from AND refundDue = :true"
        } else {
            "#status = :from AND attribute_not_exists(refundDue)"
        };
        let base = |with_guard: bool| {
            let mut values = vec![(":from", s_attr(from.status.as_str()))];
            if from.refund_due {
                values.push((":true", AttributeValue::Bool(true)));
            }
            let mut items = vec![
                self.put(
                    item::session_item(to, Copy::Canonical, ttl),
                    Some(canonical_condition),
                    &[("#status", "status")],
                    &values,
                ),
                self.put(item::session_item(to, Copy::TrxMirror, ttl), None, &[], &[]),
            ];
            if with_guard && guard != GuardRule::Untouched {
                items.push(match guard {
                    GuardRule::Claim => self.put(
                        item::session_item(to, Copy::Guard, ttl),
                        Some("attribute_not_exists(pk) OR sessionId = :sid OR #status <> :paid OR expiresAt <= :now"),
                        &[("#status", "status")],
                        &[
                            (":sid", s_attr(to.session_id.as_str())),
                            (":paid", s_attr(Status::Paid.as_str())),
                            (":now", n_attr(now.timestamp_millis())),
                        ],
                    ),
                    GuardRule::ReleaseIfOwned | GuardRule::Untouched => self.put(
                        item::session_item(to, Copy::Guard, ttl),
                        Some("sessionId = :sid"),
                        &[],
                        &[(":sid", s_attr(to.session_id.as_str()))],
                    ),
                });
            }
            items.extend(event.map(|e| self.event_put(&to.session_id, e)));
            items
        };
        let reasons = match self.transact(base(true)).await? {
            None => return Ok(Transition::Done),
            Some(reasons) => reasons,
        };
        if failed(&reasons, 0) {
            let current = match reason_item(&reasons, 0) {
                Some(old) => Some(item::parse_session(old)?),
                None => self.get_session(&to.session_id).await?,
            };
            return Ok(Transition::Stale(current));
        }
        if failed(&reasons, 2) && guard != GuardRule::Untouched {
            return match guard {
                GuardRule::Claim => match reason_item(&reasons, 2) {
                    Some(old) => Ok(Transition::GuardHeld(item::parse_session(old)?)),
                    None => match self.get_guard(&to.user_id, &to.stream_id).await? {
                        Some(held) => Ok(Transition::GuardHeld(held)),
                        None => Err(StoreError::Backend(
                            "guard refused the payment but is gone".into(),
                        )),
                    },
                },
                // Someone else holds the guard: nothing of ours to release.
                GuardRule::ReleaseIfOwned | GuardRule::Untouched => {
                    match self.transact(base(false)).await? {
                        None => Ok(Transition::Done),
                        Some(reasons) if failed(&reasons, 0) => {
                            Ok(Transition::Stale(self.get_session(&to.session_id).await?))
                        }
                        Some(reasons) => Err(StoreError::Backend(describe(&reasons))),
                    }
                }
            };
        }
        Err(StoreError::Backend(format!(
            "transition refused: {}",
            describe(&reasons)
        )))
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
            .index_name(table::BY_USER_INDEX)
            .key_condition_expression("#pk = :user AND #sk > :now")
            .expression_attribute_names("#pk", table::USER_PK)
            .expression_attribute_names("#sk", table::USER_SK)
            .expression_attribute_values(":user", s_attr(user.as_str()))
            .expression_attribute_values(":now", n_attr(now.timestamp_millis()));
        let sessions = self
            .query_all(query)
            .await?
            .iter()
            .map(item::parse_session)
            .collect::<Result<Vec<_>, _>>()?;
        Ok(sessions)
    }

    /// A catalog entry (strongly consistent).
    pub async fn get_stream(&self, id: &StreamId) -> Result<Option<Stream>, StoreError> {
        self.get_item(item::stream_key(id))
            .await?
            .as_ref()
            .map(item::parse_stream)
            .transpose()
    }

    /// Every catalog entry, active or not, ordered by id (one Query a page).
    pub async fn list_streams(&self) -> Result<Vec<Stream>, StoreError> {
        let query = self
            .client
            .query()
            .table_name(&self.table)
            .key_condition_expression("pk = :pk")
            .expression_attribute_values(":pk", s_attr(item::CATALOG_PK));
        let streams = self
            .query_all(query)
            .await?
            .iter()
            .map(item::parse_stream)
            .collect::<Result<Vec<_>, _>>()?;
        Ok(streams)
    }

    /// Creates or replaces a catalog entry.
    pub async fn put_stream(&self, stream: &Stream) -> Result<(), StoreError> {
        self.put_plain(item::stream_item(stream)).await
    }

    /// Appends an audit event on its own (for outcomes that change no session).
    pub async fn put_event(
        &self,
        session: &SessionId,
        event: &AuditEvent,
    ) -> Result<(), StoreError> {
        let item = item::event_item(session, event, nonce(), self.event_ttl(event));
        self.put_plain(item).await
    }

    /// Records a catalog change (`STREAM#<id>` partition).
    pub async fn put_catalog_event(
        &self,
        stream: &StreamId,
        event: &AuditEvent,
    ) -> Result<(), StoreError> {
        let item = item::owned_event_item(
            format!("STREAM#{stream}"),
            event,
            nonce(),
            self.event_ttl(event),
        );
        self.put_plain(item).await
    }

    /// Sessions newest first, optionally of one stream and one status as of `now`, `limit` at a time.
    /// `cursor` continues where the previous page stopped. At most a few Query pages per call; never a
    /// Scan.
    pub async fn list_sessions(
        &self,
        filter: &ListFilter,
        now: DateTime<Utc>,
    ) -> Result<Page, StoreError> {
        let mut sessions = Vec::new();
        let (index, partition) = match &filter.stream {
            Some(stream) => (table::BY_STREAM_INDEX, stream.as_str()),
            None => (table::BY_CREATED_INDEX, "SESSION"),
        };
        let mut start = match &filter.cursor {
            Some(c) => Some(cursor::decode_for(c, index, partition).ok_or(StoreError::BadCursor)?),
            None => None,
        };
        for _ in 0..5 {
            let mut q = self
                .client
                .query()
                .table_name(&self.table)
                .scan_index_forward(false)
                .limit(filter.limit as i32);
            q = match &filter.stream {
                Some(stream) => q
                    .index_name(table::BY_STREAM_INDEX)
                    .key_condition_expression("#pk = :pk")
                    .expression_attribute_names("#pk", table::STREAM_PK)
                    .expression_attribute_values(":pk", s_attr(stream.as_str())),
                None => q
                    .index_name(table::BY_CREATED_INDEX)
                    .key_condition_expression("#pk = :pk")
                    .expression_attribute_names("#pk", table::ALL_PK)
                    .expression_attribute_values(":pk", s_attr("SESSION")),
            };
            if let Some(status) = filter.status {
                let (expr, uses_now) = match status {
                    Status::Pending => ("#status = :pending AND expiresAt > :now", true),
                    Status::Paid => ("#status = :paid AND expiresAt > :now", true),
                    Status::Failed => ("#status = :failed", false),
                    Status::Expired => (
                        "#status = :expired OR ((#status = :pending OR #status = :paid) AND expiresAt <= :now)",
                        true,
                    ),
                };
                q = q
                    .filter_expression(expr)
                    .expression_attribute_names("#status", "status");
                for st in [
                    Status::Pending,
                    Status::Paid,
                    Status::Failed,
                    Status::Expired,
                ] {
                    if expr.contains(&format!(":{}", st.as_str())) {
                        q = q.expression_attribute_values(
                            format!(":{}", st.as_str()),
                            s_attr(st.as_str()),
                        );
                    }
                }
                if uses_now {
                    q = q.expression_attribute_values(":now", n_attr(now.timestamp_millis()));
                }
            }
            let out = q
                .set_exclusive_start_key(start.take())
                .send()
                .await
                .map_err(classify)?;
            for it in out.items() {
                sessions.push(item::parse_session(it)?);
            }
            start = out.last_evaluated_key().filter(|k| !k.is_empty()).cloned();
            if start.is_none() || sessions.len() >= filter.limit {
                break;
            }
        }
        Ok(Page {
            sessions,
            next_cursor: start.as_ref().map(cursor::encode),
        })
    }

    /// A session's audit trail, oldest first.
    pub async fn events(&self, session: &SessionId) -> Result<Vec<AuditEvent>, StoreError> {
        let query = self
            .client
            .query()
            .table_name(&self.table)
            .key_condition_expression("pk = :pk AND begins_with(sk, :ev)")
            .expression_attribute_values(":pk", s_attr(&format!("SESSION#{session}")))
            .expression_attribute_values(":ev", s_attr("EVENT#"));
        let events = self
            .query_all(query)
            .await?
            .iter()
            .map(item::parse_event)
            .collect::<Result<Vec<_>, _>>()?;
        Ok(events)
    }

    fn event_ttl(&self, event: &AuditEvent) -> i64 {
        (event.at + AUDIT_RETENTION).timestamp()
    }

    fn event_put(&self, session: &SessionId, event: &AuditEvent) -> TransactWriteItem {
        let item = item::event_item(session, event, nonce(), self.event_ttl(event));
        self.put(item, Some("attribute_not_exists(pk)"), &[], &[])
    }

    /// Runs a transaction, retrying transaction conflicts with jittered backoff. `Ok(None)` when it
    /// committed, `Ok(Some(reasons))` when a condition refused it.
    async fn transact(
        &self,
        items: Vec<TransactWriteItem>,
    ) -> Result<Option<Vec<CancellationReason>>, StoreError> {
        for attempt in 0..MAX_ATTEMPTS {
            let result = self
                .client
                .transact_write_items()
                .set_transact_items(Some(items.clone()))
                .send()
                .await;
            let err = match result {
                Ok(_) => return Ok(None),
                Err(err) => err,
            };
            let reasons = match err.as_service_error() {
                Some(TransactWriteItemsError::TransactionCanceledException(e)) => {
                    e.cancellation_reasons().to_vec()
                }
                Some(TransactWriteItemsError::TransactionInProgressException(_)) => {
                    backoff(attempt).await;
                    continue;
                }
                _ => return Err(classify(err)),
            };
            let conflict = reasons.iter().any(|r| {
                matches!(
                    r.code(),
                    Some(
                        "TransactionConflict" | "ThrottlingError" | "ProvisionedThroughputExceeded"
                    )
                )
            });
            if conflict
                && !reasons
                    .iter()
                    .any(|r| r.code() == Some("ConditionalCheckFailed"))
            {
                backoff(attempt).await;
                continue;
            }
            return Ok(Some(reasons));
        }
        Err(StoreError::Unavailable(
            "transaction kept conflicting".into(),
        ))
    }

    /// An unconditional PutItem.
    async fn put_plain(&self, item: Item) -> Result<(), StoreError> {
        self.client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(item))
            .send()
            .await
            .map_err(classify)?;
        Ok(())
    }

    /// Every item a Query matches, following `LastEvaluatedKey` page by page.
    async fn query_all(
        &self,
        query: aws_sdk_dynamodb::operation::query::builders::QueryFluentBuilder,
    ) -> Result<Vec<Item>, StoreError> {
        let mut items = Vec::new();
        let mut start = None;
        loop {
            let out = query
                .clone()
                .set_exclusive_start_key(start)
                .send()
                .await
                .map_err(classify)?;
            items.extend(out.items().iter().cloned());
            match out.last_evaluated_key() {
                Some(key) if !key.is_empty() => start = Some(key.clone()),
                _ => return Ok(items),
            }
        }
    }

    /// A conditional Put for a transaction; a refused condition returns the old item.
    fn put(
        &self,
        item: Item,
        condition: Option<&str>,
        names: &[(&str, &str)],
        values: &[(&str, AttributeValue)],
    ) -> TransactWriteItem {
        let mut p = Put::builder().table_name(&self.table).set_item(Some(item));
        if let Some(condition) = condition {
            p = p
                .condition_expression(condition)
                .return_values_on_condition_check_failure(
                    ReturnValuesOnConditionCheckFailure::AllOld,
                );
        }
        for (k, v) in names {
            p = p.expression_attribute_names(*k, *v);
        }
        for (k, v) in values {
            p = p.expression_attribute_values(*k, v.clone());
        }
        TransactWriteItem::builder()
            .put(p.build().expect("item and table are set"))
            .build()
    }
}

fn failed(reasons: &[CancellationReason], index: usize) -> bool {
    reasons.get(index).and_then(|r| r.code()) == Some("ConditionalCheckFailed")
}

fn reason_item(reasons: &[CancellationReason], index: usize) -> Option<&Item> {
    reasons
        .get(index)
        .and_then(|r| r.item())
        .filter(|i| !i.is_empty())
}

fn describe(reasons: &[CancellationReason]) -> String {
    reasons
        .iter()
        .map(|r| format!("{}: {}", r.code().unwrap_or("?"), r.message().unwrap_or("")))
        .collect::<Vec<_>>()
        .join("; ")
}

fn nonce() -> u32 {
    let mut b = [0u8; 4];
    getrandom::fill(&mut b).expect("the operating system's random source is available");
    u32::from_le_bytes(b)
}

/// Maps an SDK error: throttling, timeouts and unreachable endpoints are [`StoreError::Unavailable`].
pub(crate) fn classify<E>(err: SdkError<E, HttpResponse>) -> StoreError
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
{
    let retryable = match &err {
        SdkError::TimeoutError(_) | SdkError::DispatchFailure(_) => true,
        SdkError::ResponseError(_) => true,
        SdkError::ServiceError(e) => {
            matches!(
                e.err().code(),
                Some(
                    "ThrottlingException"
                        | "ProvisionedThroughputExceededException"
                        | "RequestLimitExceeded"
                        | "InternalServerError"
                        | "ServiceUnavailable"
                )
            ) || e.raw().status().is_server_error()
        }
        _ => false,
    };
    let text = DisplayErrorContext(&err).to_string();
    if retryable {
        StoreError::Unavailable(text)
    } else {
        StoreError::Backend(text)
    }
}
