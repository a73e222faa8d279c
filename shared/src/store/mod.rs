//! The only module that talks to DynamoDB.
//!
//! Every state change is one TransactWriteItems (or one conditional PutItem) whose conditions make it
//! safe under concurrency: nothing here checks and then writes. Split by concern: sessions, the
//! payments ledger, listings, the catalog, audit events and the media servers' connections; the item
//! layouts live in `item`.

mod backfill;
mod catalog;
mod client;
mod connections;
mod cursor;
mod events;
mod fanout;
mod item;
mod ledger;
mod listing;
pub mod retry;
mod sessions;
pub mod shard;
mod stats;
pub mod table;

pub use backfill::BackfillReport;
pub use client::{
    Timeouts, client_from_env, client_from_sdk, local_client, local_client_with,
    sdk_config_from_env,
};
pub use item::{IdemClaim, KICK_SHARDS};
pub use ledger::{LedgerPage, PairOutcome, SettleOutcome};
pub use listing::{ListFilter, Page, StatusFilter, session_listing_window};
use retry::{MAX_ATTEMPTS, backoff};
pub use sessions::{Change, GuardRule, Insert, LedgerWrite, Transition};
pub use stats::Opened;

use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::error::{DisplayErrorContext, ProvideErrorMetadata, SdkError};
use aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError;
use aws_sdk_dynamodb::types::{
    AttributeValue, CancellationReason, Put, ReturnValuesOnConditionCheckFailure, TransactWriteItem,
};
use aws_smithy_runtime_api::client::orchestrator::HttpResponse;
use chrono::TimeDelta;

use crate::config::Policy;
use item::Item;
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

/// The DynamoDB store of sessions, their mirrors, guards, the payments ledger and audit events.
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

    /// Opens the connection to DynamoDB at init (one GetItem of a key nothing is stored under), so
    /// that a container's first request pays only its own calls.
    pub async fn warm(&self) -> Result<(), StoreError> {
        self.get_item(item::warm_key()).await.map(drop)
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

impl Store {
    /// A ConditionCheck for a transaction; a refused condition returns the item.
    fn condition_check(
        &self,
        key: Item,
        condition: &str,
        names: &[(&str, &str)],
        values: &[(&str, AttributeValue)],
    ) -> TransactWriteItem {
        let mut c = aws_sdk_dynamodb::types::ConditionCheck::builder()
            .table_name(&self.table)
            .set_key(Some(key))
            .condition_expression(condition)
            .return_values_on_condition_check_failure(ReturnValuesOnConditionCheckFailure::AllOld);
        for (k, v) in names {
            c = c.expression_attribute_names(*k, *v);
        }
        for (k, v) in values {
            c = c.expression_attribute_values(*k, v.clone());
        }
        TransactWriteItem::builder()
            .condition_check(c.build().expect("key, table and condition are set"))
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
