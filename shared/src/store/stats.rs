//! What the operator's sales summary reads: every ledger record of a period, and the sessions
//! (QR codes) created since a moment, counted per WIB day and shard.

use aws_sdk_dynamodb::types::AttributeValue;
use chrono::{DateTime, Utc};
use futures_util::future::try_join_all;

use super::item::{n_attr, s_attr};
use super::shard::{SESSION_KIND, SHARDS, day_partition, wib_day};
use super::table::{BY_TIME_INDEX, CREATED_AT, TIME_PK};
use super::{Store, StoreError, classify};
use crate::domain::{PaymentRecord, Status};

/// Sessions created in a period and how many of them were paid.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Opened {
    /// Sessions created.
    pub opened: u64,
    /// Of those, paid (stored as paid, or revoked after being paid).
    pub paid: u64,
}

impl Store {
    /// Every ledger record between `from` and `to` (inclusive), oldest first, page by page
    /// ([`Store::list_payments`], 1,000 a page); `None` when there are more than `max`.
    pub async fn ledger_between(
        &self,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
        max: usize,
    ) -> Result<Option<Vec<PaymentRecord>>, StoreError> {
        let mut records = Vec::new();
        let mut cursor: Option<String> = None;
        loop {
            let page = self
                .list_payments(from, to, 1000, cursor.as_deref())
                .await?;
            records.extend(page.records);
            if records.len() > max {
                return Ok(None);
            }
            match page.next_cursor {
                None => return Ok(Some(records)),
                Some(next) => cursor = Some(next),
            }
        }
    }

    /// The sessions created between `since` and `to` (inclusive): one Query (paged) per WIB day and
    /// shard of `byTime`, all at once, reading only `status`. The caller bounds the period to the
    /// days sessions stay stored.
    pub async fn count_opened(
        &self,
        since: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Result<Opened, StoreError> {
        let mut partitions = Vec::new();
        let mut day = wib_day(since);
        while day <= wib_day(to) {
            partitions.extend((0..SHARDS).map(|s| day_partition(SESSION_KIND, day, s)));
            let Some(next) = day.succ_opt() else { break };
            day = next;
        }
        let counts = try_join_all(
            partitions
                .iter()
                .map(|p| self.count_partition(p, since.timestamp_millis(), to.timestamp_millis())),
        )
        .await?;
        Ok(counts.into_iter().fold(Opened::default(), |a, b| Opened {
            opened: a.opened + b.opened,
            paid: a.paid + b.paid,
        }))
    }

    async fn count_partition(
        &self,
        partition: &str,
        from: i64,
        to: i64,
    ) -> Result<Opened, StoreError> {
        let mut out = Opened::default();
        let mut start = None;
        loop {
            let page = self
                .client
                .query()
                .table_name(&self.table)
                .index_name(BY_TIME_INDEX)
                .key_condition_expression("#pk = :pk AND #at BETWEEN :from AND :to")
                .projection_expression("#status")
                .expression_attribute_names("#pk", TIME_PK)
                .expression_attribute_names("#at", CREATED_AT)
                .expression_attribute_names("#status", "status")
                .expression_attribute_values(":pk", s_attr(partition))
                .expression_attribute_values(":from", n_attr(from))
                .expression_attribute_values(":to", n_attr(to))
                .set_exclusive_start_key(start)
                .send()
                .await
                .map_err(classify)?;
            for item in page.items.unwrap_or_default() {
                out.opened += 1;
                let status = match item.get("status") {
                    Some(AttributeValue::S(s)) => Status::parse(s),
                    _ => None,
                };
                if matches!(status, Some(Status::Paid | Status::Revoked)) {
                    out.paid += 1;
                }
            }
            start = page.last_evaluated_key.filter(|k| !k.is_empty());
            if start.is_none() {
                return Ok(out);
            }
        }
    }
}
