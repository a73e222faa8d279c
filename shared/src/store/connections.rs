//! The connections media servers admitted once (SRS, MediaMTX): recorded by the hooks, found by
//! session (a revoke) or by when their access ended (the reaper), forgotten once ended.

use aws_sdk_dynamodb::types::{DeleteRequest, WriteRequest};
use chrono::{DateTime, TimeDelta, Utc};

use super::item::{self, Item, KICK_SHARDS, n_attr, s_attr};
use super::retry::backoff;
use super::table::{BY_KICK_INDEX, KICK_AT, KICK_PK};
use super::{Store, StoreError, classify};
use crate::domain::Connection;

/// Items per BatchWriteItem (DynamoDB's limit).
const BATCH: usize = 25;
/// Calls per batch while DynamoDB leaves requests unprocessed.
const BATCH_ATTEMPTS: u32 = 3;

impl Store {
    /// Records a connection a media server admitted (one PutItem; the same id again replaces it).
    pub async fn put_connection(&self, connection: &Connection) -> Result<(), StoreError> {
        self.put_plain(item::connection_item(connection, &self.policy))
            .await
    }

    /// The connections of the session whose hash is `sid` (one Query; more pages only past 1 MB).
    pub async fn session_connections(&self, sid: &str) -> Result<Vec<Connection>, StoreError> {
        let query = self
            .client
            .query()
            .table_name(&self.table)
            .key_condition_expression("pk = :pk")
            .expression_attribute_values(":pk", s_attr(&item::connections_pk(sid)))
            .consistent_read(true);
        self.query_all(query)
            .await?
            .into_iter()
            .map(item::parse_connection)
            .collect()
    }

    /// The connections whose access ended by `now`: the `byKick` buckets of today and yesterday
    /// (UTC), every shard: 2 × [`KICK_SHARDS`] Queries (more pages only past 1 MB each). Ended
    /// connections are forgotten, so each bucket holds only those still to end.
    pub async fn due_connections(&self, now: DateTime<Utc>) -> Result<Vec<Connection>, StoreError> {
        let mut due = Vec::new();
        for day in [now - TimeDelta::days(1), now].map(|t| t.date_naive()) {
            for shard in 0..KICK_SHARDS {
                let query = self
                    .client
                    .query()
                    .table_name(&self.table)
                    .index_name(BY_KICK_INDEX)
                    .key_condition_expression("#pk = :pk AND #at <= :now")
                    .expression_attribute_names("#pk", KICK_PK)
                    .expression_attribute_names("#at", KICK_AT)
                    .expression_attribute_values(":pk", s_attr(&item::kick_bucket(day, shard)))
                    .expression_attribute_values(":now", n_attr(now.timestamp_millis()));
                for found in self.query_all(query).await? {
                    due.push(item::parse_connection(found)?);
                }
            }
        }
        Ok(due)
    }

    /// Forgets ended connections: one BatchWriteItem per 25; what DynamoDB leaves unprocessed is
    /// sent again (three calls at most), then left for the next run (ending it again is harmless).
    pub async fn forget_connections(&self, ended: &[Connection]) -> Result<(), StoreError> {
        for chunk in ended.chunks(BATCH) {
            let mut requests: Vec<WriteRequest> = chunk.iter().map(delete_request).collect();
            for attempt in 0..BATCH_ATTEMPTS {
                if requests.is_empty() {
                    break;
                }
                if attempt > 0 {
                    backoff(attempt).await;
                }
                let out = self
                    .client
                    .batch_write_item()
                    .request_items(&self.table, requests)
                    .send()
                    .await
                    .map_err(classify)?;
                requests = out
                    .unprocessed_items
                    .and_then(|mut left| left.remove(&self.table))
                    .unwrap_or_default();
            }
        }
        Ok(())
    }
}

fn delete_request(connection: &Connection) -> WriteRequest {
    let key: Item = item::connection_key(connection);
    WriteRequest::builder()
        .delete_request(
            DeleteRequest::builder()
                .set_key(Some(key))
                .build()
                .expect("the key is set"),
        )
        .build()
}
