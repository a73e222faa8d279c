//! The operator's session listing (newest first, by stream and status as of now) and paging cursors
//! tied to the index they came from.

use aws_sdk_dynamodb::types::AttributeValue;
use chrono::{DateTime, Utc};

use super::item::{self, Item, n_attr, s_attr};
use super::table::{ALL_PK, BY_CREATED_INDEX, BY_STREAM_INDEX, STREAM_PK};
use super::{Store, StoreError, classify, cursor};
use crate::domain::{PaymentSession, Status, StreamId};

/// Which sessions an operator lists.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListFilter {
    /// The stream.
    pub stream: Option<StreamId>,
    /// Status as of now (expired is derived).
    pub status: Option<Status>,
    /// Page size, 1–100.
    pub limit: usize,
    /// Where the page starts (from the previous page).
    pub cursor: Option<String>,
}

/// One page of sessions, newest first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Page {
    /// The sessions of this page.
    pub sessions: Vec<PaymentSession>,
    /// Pass back to get the next page; `None` on the last page.
    pub next_cursor: Option<String>,
}

/// A status filter as a DynamoDB filter expression, built from the status (never from strings).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StatusFilter {
    /// Stored as `status` and not yet past `expiresAt` (pending, paid).
    Live(Status),
    /// Stored as `status`, whatever the time (failed, revoked).
    Stored(Status),
    /// Past `expiresAt` while pending or paid, or stored as expired.
    Expired,
}

impl StatusFilter {
    /// The filter for a status as of now.
    pub fn of(status: Status) -> Self {
        match status {
            Status::Pending | Status::Paid => StatusFilter::Live(status),
            Status::Failed | Status::Revoked => StatusFilter::Stored(status),
            Status::Expired => StatusFilter::Expired,
        }
    }

    /// The expression and its values.
    fn expression(self, now: DateTime<Utc>) -> (&'static str, Vec<(&'static str, AttributeValue)>) {
        let now = n_attr(now.timestamp_millis());
        match self {
            StatusFilter::Live(s) => (
                "#status = :s AND expiresAt > :now",
                vec![(":s", s_attr(s.as_str())), (":now", now)],
            ),
            StatusFilter::Stored(s) => ("#status = :s", vec![(":s", s_attr(s.as_str()))]),
            StatusFilter::Expired => (
                "#status = :expired OR ((#status = :pending OR #status = :paid) AND expiresAt <= :now)",
                vec![
                    (":expired", s_attr(Status::Expired.as_str())),
                    (":pending", s_attr(Status::Pending.as_str())),
                    (":paid", s_attr(Status::Paid.as_str())),
                    (":now", now),
                ],
            ),
        }
    }
}

impl Store {
    /// Sessions newest first, optionally of one stream and one status as of `now`, `limit` at a time.
    /// `cursor` continues where the previous page stopped. At most a few Query pages per call; never a
    /// Scan.
    pub async fn list_sessions(
        &self,
        filter: &ListFilter,
        now: DateTime<Utc>,
    ) -> Result<Page, StoreError> {
        let index = if filter.stream.is_some() {
            BY_STREAM_INDEX
        } else {
            BY_CREATED_INDEX
        };
        let mut sessions = Vec::new();
        let partition = filter
            .stream
            .as_ref()
            .map_or("SESSION", |stream| stream.as_str());
        let mut start = filter
            .cursor
            .as_deref()
            .map(|c| decode_cursor(c, index, partition))
            .transpose()?;
        for _ in 0..5 {
            let mut q = self
                .client
                .query()
                .table_name(&self.table)
                .index_name(index)
                .scan_index_forward(false)
                .limit(i32::try_from(filter.limit.clamp(1, 100)).unwrap_or(100))
                .key_condition_expression("#pk = :pk");
            q = match &filter.stream {
                Some(stream) => q
                    .expression_attribute_names("#pk", STREAM_PK)
                    .expression_attribute_values(":pk", s_attr(stream.as_str())),
                None => q
                    .expression_attribute_names("#pk", ALL_PK)
                    .expression_attribute_values(":pk", s_attr("SESSION")),
            };
            if let Some(status) = filter.status {
                let (expr, values) = StatusFilter::of(status).expression(now);
                q = q
                    .filter_expression(expr)
                    .expression_attribute_names("#status", "status");
                for (name, value) in values {
                    q = q.expression_attribute_values(name, value);
                }
            }
            let out = q
                .set_exclusive_start_key(start.take())
                .send()
                .await
                .map_err(classify)?;
            for it in out.items.unwrap_or_default() {
                sessions.push(item::parse_session(it)?);
            }
            start = out.last_evaluated_key.filter(|k| !k.is_empty());
            if start.is_none() || sessions.len() >= filter.limit {
                break;
            }
        }
        Ok(Page {
            sessions,
            next_cursor: start.as_ref().map(encode_cursor),
        })
    }
}

/// Encodes a `LastEvaluatedKey` as an opaque cursor.
pub(super) fn encode_cursor(key: &Item) -> String {
    cursor::encode(key)
}

/// Decodes a cursor issued by a listing on `index` in `partition`: a cursor from another listing is
/// refused (400), never sent to DynamoDB.
pub(super) fn decode_cursor(raw: &str, index: &str, partition: &str) -> Result<Item, StoreError> {
    cursor::decode_for(raw, index, partition).ok_or(StoreError::BadCursor)
}
