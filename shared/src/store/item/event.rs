//! Audit events, under the session (or, for catalog changes, the stream) they concern.

use serde::{Deserialize, Serialize};

use super::{Item, StoreError, key, n_attr, read, write};
use crate::clock::from_millis;
use crate::domain::{Amount, AuditEvent, SessionId};
use crate::store::table::TTL;

/// An event's data attributes (`at` in epoch milliseconds).
#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Stored {
    at: i64,
    action: String,
    source: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    actor: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    note: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    provider_ref: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    amount: Option<Amount>,
}

/// The item of an audit event. Its sort key orders events by the injected clock's millisecond, then
/// by the system clock's nanoseconds (events written in the same injected millisecond), then `nonce`.
pub fn event_item(session: &SessionId, event: &AuditEvent, nonce: u32, ttl: i64) -> Item {
    owned_event_item(format!("SESSION#{session}"), event, nonce, ttl)
}

/// An audit event under any owner partition (`SESSION#…` or `STREAM#…` for catalog changes).
pub fn owned_event_item(owner: String, event: &AuditEvent, nonce: u32, ttl: i64) -> Item {
    let tiebreak = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos() % 1_000_000_000_000_000_000);
    let at = event.at.timestamp_millis();
    let sk = format!("EVENT#{at:015}#{tiebreak:018}#{nonce:08x}");
    let stored = Stored {
        at,
        action: event.action.clone(),
        source: event.source.clone(),
        actor: event.actor.clone(),
        note: event.note.clone(),
        provider_ref: event.provider_ref.clone(),
        amount: event.amount,
    };
    let mut item = write(key(owner, &sk), "event", &stored);
    item.insert(TTL.into(), n_attr(ttl));
    item
}

/// Reads an audit event back.
pub fn parse_event(item: Item) -> Result<AuditEvent, StoreError> {
    let s: Stored = read(item, "event")?;
    Ok(AuditEvent {
        at: from_millis(s.at),
        action: s.action,
        source: s.source,
        actor: s.actor,
        note: s.note,
        provider_ref: s.provider_ref,
        amount: s.amount,
    })
}
