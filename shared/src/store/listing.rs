//! The operator's session listing (newest first, by stream and status as of now) and paging cursors
//! tied to the index they came from.

use aws_sdk_dynamodb::operation::query::builders::QueryFluentBuilder;
use aws_sdk_dynamodb::types::AttributeValue;
use chrono::{DateTime, Datelike, NaiveDate, TimeDelta, Utc};

use super::fanout::Listing;
use super::item::{self, Item, n_attr, s_attr};
use super::shard::{SESSION_KIND, SHARDS, day_partition, stream_partition, wib_day};
use super::table::{BY_STREAM_SHARD_INDEX, BY_TIME_INDEX};
use super::{Store, StoreError, cursor};
use crate::config::Policy;
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

/// How long after its creation a session can still be in the table: payable, paid late within the
/// grace, its access, the TTL grace, and DynamoDB's lazy deletion (up to about two days). The
/// listing of all sessions walks back this far, day by day.
pub fn session_listing_window(policy: &Policy) -> TimeDelta {
    policy.pending_validity + policy.access_duration + policy.ttl_grace * 2 + TimeDelta::days(2)
}

impl Store {
    /// Sessions newest first, optionally of one stream and one status as of `now`, `limit` at a time.
    /// `cursor` continues where the previous page stopped. All sessions: `byTime`, today's
    /// [`SHARDS`] partitions at once, then the day before, back to [`session_listing_window`]; one
    /// stream: its [`SHARDS`] `byStreamShard` partitions at once. At most [`MAX_ROUNDS`](super::fanout::MAX_ROUNDS) rounds of
    /// [`SHARDS`] concurrent Queries a page (one round when today's shards fill it); never a Scan.
    pub async fn list_sessions(
        &self,
        filter: &ListFilter,
        now: DateTime<Utc>,
    ) -> Result<Page, StoreError> {
        let today = wib_day(now);
        let oldest = wib_day(now - session_listing_window(&self.policy));
        let by_day = |g: i64| {
            let day = day_of(g)?;
            (day >= oldest && day <= today).then(|| {
                (0..SHARDS)
                    .map(|s| day_partition(SESSION_KIND, day, s))
                    .collect()
            })
        };
        let stream = filter.stream.clone();
        let by_stream = |g: i64| {
            let stream = stream.as_ref()?;
            (g == 0).then(|| {
                (0..SHARDS)
                    .map(|s| stream_partition(stream.as_str(), s))
                    .collect()
            })
        };
        let status = filter.status.map(|s| StatusFilter::of(s).expression(now));
        let shape = |q: QueryFluentBuilder| match &status {
            None => q,
            Some((expr, values)) => values.iter().fold(
                q.filter_expression(*expr)
                    .expression_attribute_names("#status", "status"),
                |q, (name, value)| q.expression_attribute_values(*name, value.clone()),
            ),
        };
        let listing = match filter.stream {
            Some(ref stream) => Listing {
                index: BY_STREAM_SHARD_INDEX,
                name: stream.as_str(),
                first_group: 0,
                partitions: &by_stream,
                newest_first: true,
                between: None,
                shape: &shape,
                limit: filter.limit.clamp(1, 100),
            },
            None => Listing {
                index: BY_TIME_INDEX,
                name: SESSION_KIND,
                first_group: group_of(today),
                partitions: &by_day,
                newest_first: true,
                between: None,
                shape: &shape,
                limit: filter.limit.clamp(1, 100),
            },
        };
        let page = self
            .list_sharded(&listing, filter.cursor.as_deref())
            .await?;
        Ok(Page {
            sessions: page
                .items
                .into_iter()
                .map(item::parse_session)
                .collect::<Result<_, _>>()?,
            next_cursor: page.next_cursor,
        })
    }
}

/// A day as a listing group (days since 1970-01-01).
fn group_of(day: NaiveDate) -> i64 {
    i64::from(day.num_days_from_ce()) - i64::from(EPOCH_CE_DAYS)
}

/// The day of a listing group.
fn day_of(group: i64) -> Option<NaiveDate> {
    NaiveDate::from_num_days_from_ce_opt(i32::try_from(group + i64::from(EPOCH_CE_DAYS)).ok()?)
}

/// 1970-01-01 in days from the common era.
const EPOCH_CE_DAYS: i32 = 719_163;

/// Encodes a `LastEvaluatedKey` as an opaque cursor.
pub(super) fn encode_cursor(key: &Item) -> String {
    cursor::encode(key)
}

/// Decodes a cursor issued by a listing on `index` in `partition`: a cursor from another listing is
/// refused (400), never sent to DynamoDB.
pub(super) fn decode_cursor(raw: &str, index: &str, partition: &str) -> Result<Item, StoreError> {
    cursor::decode_for(raw, index, partition).ok_or(StoreError::BadCursor)
}
