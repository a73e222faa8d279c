//! Audit events: what happened to a session, when and by whom.

use aws_sdk_dynamodb::types::TransactWriteItem;

use super::item::{self, s_attr};
use super::{AUDIT_RETENTION, Store, StoreError};
use crate::domain::{AuditEvent, SessionId};

impl Store {
    /// Appends an audit event on its own (for outcomes that change nothing else).
    pub async fn put_event(
        &self,
        session: &SessionId,
        event: &AuditEvent,
    ) -> Result<(), StoreError> {
        let item = item::event_item(session, event, super::nonce(), self.event_ttl(event));
        self.put_plain(item).await
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
            .into_iter()
            .map(item::parse_event)
            .collect::<Result<Vec<_>, _>>()?;
        Ok(events)
    }

    pub(super) fn event_ttl(&self, event: &AuditEvent) -> i64 {
        (event.at + AUDIT_RETENTION).timestamp()
    }

    /// The transaction item that appends an event to a session's trail.
    pub(super) fn event_put(&self, session: &SessionId, event: &AuditEvent) -> TransactWriteItem {
        let item = item::event_item(session, event, super::nonce(), self.event_ttl(event));
        self.put(item, Some("attribute_not_exists(pk)"), &[], &[])
    }
}
