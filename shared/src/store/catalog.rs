//! The stream catalog: one partition, so one Query lists it.

use super::item::{self, s_attr};
use super::{Store, StoreError};
use crate::domain::{AuditEvent, Stream, StreamId};

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
}
