//! Idempotency claims: an `Idempotency-Key` (scoped to its user) answers the session it created.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::{Item, StoreError, key, n_attr, read, write};
use crate::domain::{IdempotencyKey, SessionId, UserId};
use crate::store::table::TTL;

/// An idempotency claim written with a new session: `key` (scoped to the session's user) answers
/// `session` for 24 h; `fingerprint` identifies the request body it was first used with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdemClaim {
    /// The Idempotency-Key.
    pub key: IdempotencyKey,
    /// A hash of the request it was first used with.
    pub fingerprint: String,
    /// When the pending validity or the access window ends (ISO-8601 UTC).
    pub expires_at: DateTime<Utc>,
}

/// A claim's data attributes (`expiresAt` in epoch milliseconds).
#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Stored {
    session_id: SessionId,
    fingerprint: String,
    expires_at: i64,
}

/// Keys cannot contain `#`, so the key first keeps the item unambiguous for any user id.
pub fn idem_key(user: &UserId, idem: &IdempotencyKey) -> Item {
    key(format!("IDEM#{idem}#{user}"), "IDEM")
}

/// The item of an idempotency claim (kept 24 h; reads compare `expiresAt` with now).
pub fn idem_item(user: &UserId, claim: &IdemClaim, session: &SessionId) -> Item {
    let stored = Stored {
        session_id: session.clone(),
        fingerprint: claim.fingerprint.clone(),
        expires_at: claim.expires_at.timestamp_millis(),
    };
    let mut item = write(idem_key(user, &claim.key), "idem", &stored);
    item.insert(TTL.into(), n_attr(claim.expires_at.timestamp()));
    item
}

/// The session and request fingerprint of an idempotency claim.
pub fn parse_idem(item: Item) -> Result<(SessionId, String), StoreError> {
    let s: Stored = read(item, "idempotency claim")?;
    Ok((s.session_id, s.fingerprint))
}
