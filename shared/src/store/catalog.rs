//! The stream catalog: one partition, so one Query lists it.

use aws_sdk_dynamodb::types::AttributeValue;

use super::item::{self, s_attr};
use super::{Store, StoreError, classify};
use crate::domain::{AuditEvent, MediaPath, Stream, StreamId};

impl Store {
    /// A catalog entry (strongly consistent).
    pub async fn get_stream(&self, id: &StreamId) -> Result<Option<Stream>, StoreError> {
        self.get_item(item::stream_key(id))
            .await?
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
            .into_iter()
            .map(item::parse_stream)
            .collect::<Result<Vec<_>, _>>()?;
        Ok(streams)
    }

    /// Creates or replaces a catalog entry.
    pub async fn put_stream(&self, stream: &Stream) -> Result<(), StoreError> {
        self.put_plain(item::stream_item(stream)).await
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
            super::nonce(),
            self.event_ttl(event),
        );
        self.put_plain(item).await
    }

    /// Marks the entries whose media path is `path` live or not (a publish hook): one Query of the
    /// catalog, then one conditional UpdateItem per matching entry (it must still exist). The ids
    /// changed; none when no entry streams from `path`.
    pub async fn set_live(
        &self,
        path: &MediaPath,
        live: bool,
    ) -> Result<Vec<StreamId>, StoreError> {
        let mut changed = Vec::new();
        for stream in self.list_streams().await? {
            if stream.media_path.as_ref() != Some(path) {
                continue;
            }
            let updated = self
                .client
                .update_item()
                .table_name(&self.table)
                .set_key(Some(item::stream_key(&stream.stream_id)))
                .condition_expression("attribute_exists(pk)")
                .update_expression("SET #live = :live")
                .expression_attribute_names("#live", "live")
                .expression_attribute_values(":live", AttributeValue::Bool(live))
                .send()
                .await;
            match updated {
                Ok(_) => changed.push(stream.stream_id),
                // Deleted since the Query: nothing to mark.
                Err(err)
                    if err
                        .as_service_error()
                        .is_some_and(|e| e.is_conditional_check_failed_exception()) => {}
                Err(err) => return Err(classify(err)),
            }
        }
        Ok(changed)
    }
}
