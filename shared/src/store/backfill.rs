//! Moving a table written before sharding to the sharded indexes: every session and payment record
//! gets its `timePk` (and a session its `streamShard`) computed from its own attributes. Nothing else
//! of an item changes; the old index attributes stay until the old indexes are dropped.

use aws_sdk_dynamodb::types::AttributeValue;

use super::item::{Item, s_attr};
use super::shard::{SESSION_KIND, day_pk, ledger_pk, stream_shard_pk};
use super::table::{CREATED_AT, PK, SK, STREAM_SHARD, TIME_PK};
use super::{Store, StoreError, classify};
use crate::clock::from_millis;

/// What a backfill did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct BackfillReport {
    /// Items read.
    pub scanned: u64,
    /// Sessions and payment records given their sharded index keys now.
    pub updated: u64,
    /// Sessions and payment records that had them already (or were rewritten meanwhile).
    pub current: u64,
}

impl Store {
    /// Gives every session and payment record its sharded index keys (one Scan page at a time, one
    /// conditional UpdateItem per item that lacks them). Idempotent; safe while the functions run:
    /// the condition refuses an item deleted meanwhile instead of recreating it.
    pub async fn backfill_index_keys(&self) -> Result<BackfillReport, StoreError> {
        let mut report = BackfillReport::default();
        let mut start = None;
        loop {
            let out = self
                .client
                .scan()
                .table_name(&self.table)
                .set_exclusive_start_key(start)
                .send()
                .await
                .map_err(classify)?;
            for item in out.items.unwrap_or_default() {
                report.scanned += 1;
                let Some(keys) = wanted(&item) else { continue };
                if keys.iter().all(|(k, v)| item.get(*k) == Some(v)) {
                    report.current += 1;
                    continue;
                }
                if self.set_keys(&item, keys).await? {
                    report.updated += 1;
                } else {
                    report.current += 1;
                }
            }
            match out.last_evaluated_key {
                Some(key) if !key.is_empty() => start = Some(key),
                _ => return Ok(report),
            }
        }
    }

    /// Sets `keys` on `item` if it still exists with the same `createdAt`; `false` if it does not.
    async fn set_keys(
        &self,
        item: &Item,
        keys: Vec<(&'static str, AttributeValue)>,
    ) -> Result<bool, StoreError> {
        let key: Item = [PK, SK]
            .iter()
            .filter_map(|k| item.get(*k).map(|v| ((*k).to_owned(), v.clone())))
            .collect();
        let mut sets = Vec::new();
        let mut req = self
            .client
            .update_item()
            .table_name(&self.table)
            .set_key(Some(key))
            .condition_expression("attribute_exists(#pk) AND #at = :at")
            .expression_attribute_names("#pk", PK)
            .expression_attribute_names("#at", CREATED_AT);
        if let Some(at) = item.get(CREATED_AT) {
            req = req.expression_attribute_values(":at", at.clone());
        }
        for (i, (name, value)) in keys.into_iter().enumerate() {
            sets.push(format!("#k{i} = :k{i}"));
            req = req
                .expression_attribute_names(format!("#k{i}"), name)
                .expression_attribute_values(format!(":k{i}"), value);
        }
        match req
            .update_expression(format!("SET {}", sets.join(", ")))
            .send()
            .await
        {
            Ok(_) => Ok(true),
            Err(err)
                if err
                    .as_service_error()
                    .is_some_and(|e| e.is_conditional_check_failed_exception()) =>
            {
                Ok(false)
            }
            Err(err) => Err(classify(err)),
        }
    }
}

/// The sharded index keys an item should carry (`None`: not a session or payment record).
fn wanted(item: &Item) -> Option<Vec<(&'static str, AttributeValue)>> {
    let text = |k: &str| match item.get(k) {
        Some(AttributeValue::S(s)) => Some(s.as_str()),
        _ => None,
    };
    let created = match item.get(CREATED_AT) {
        Some(AttributeValue::N(n)) => from_millis(n.parse().ok()?),
        _ => return None,
    };
    match (text(SK)?, text("kind")?) {
        ("SESSION", "session") => {
            let id = text("sessionId")?;
            Some(vec![
                (TIME_PK, s_attr(&day_pk(SESSION_KIND, created, id))),
                (
                    STREAM_SHARD,
                    s_attr(&stream_shard_pk(text("streamId")?, id)),
                ),
            ])
        }
        ("PAYMENT", "payment") => Some(vec![(TIME_PK, s_attr(&ledger_pk(text("paymentId")?)))]),
        _ => None,
    }
}
