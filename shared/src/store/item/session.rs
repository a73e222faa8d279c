//! A session's three copies: the canonical item (indexed), its trx mirror and the guard of its
//! user+stream, each a full copy written in the same transaction, so each lookup is one strongly
//! consistent GetItem.

use serde::{Deserialize, Serialize};

use super::{Item, StoreError, corrupt, key, n_attr, read, s_attr, write};
use crate::clock::from_millis;
use crate::domain::{
    AccessUntil, Amount, GatewayCharge, PaymentId, PaymentSession, RevokeReason, Schedule,
    SessionId, Status, StreamId, TrxId, UserId,
};
use crate::store::shard::{SESSION_KIND, day_pk, stream_shard_pk};
use crate::store::table::{STREAM_SHARD, TIME_PK, TTL, USER_PK, USER_SK};

/// The three places a session is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SessionCopy {
    /// `SESSION#<sessionId>`, in the indexes.
    Canonical,
    /// `TRX#<trxId>`.
    TrxMirror,
    /// `GUARD#<streamId>#<userId>`.
    Guard,
}

/// A session's data attributes (times in epoch milliseconds).
#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Stored {
    session_id: SessionId,
    user_id: UserId,
    stream_id: StreamId,
    trx_id: TrxId,
    amount: Amount,
    status: Status,
    created_at: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    paid_at: Option<i64>,
    expires_at: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    payment_id: Option<PaymentId>,
    #[serde(skip_serializing_if = "Option::is_none")]
    charge_provider: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    charge_ref: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    charge_qr: Option<String>,
    /// The stream's schedule at creation; sessions written before it existed read as unscheduled.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    starts_at: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    ends_at: Option<i64>,
    #[serde(default, skip_serializing_if = "AccessUntil::is_two_hours")]
    access_until: AccessUntil,
    #[serde(skip_serializing_if = "Option::is_none")]
    revoke_reason: Option<RevokeReason>,
}

/// The key of the canonical item.
pub fn session_key(id: &SessionId) -> Item {
    key(format!("SESSION#{id}"), "SESSION")
}

/// The key of the trx mirror.
pub fn trx_key(trx: &TrxId) -> Item {
    key(format!("TRX#{trx}"), "TRX")
}

/// Stream ids cannot contain `#`, so the stream first keeps the key unambiguous for any user id.
pub fn guard_key(user: &UserId, stream: &StreamId) -> Item {
    key(format!("GUARD#{stream}#{user}"), "GUARD")
}

/// The item for one copy of a session, with its TTL (and, for the canonical copy, its index
/// attributes).
pub fn session_item(s: &PaymentSession, copy: SessionCopy, ttl: i64) -> Item {
    let (key, kind) = match copy {
        SessionCopy::Canonical => (session_key(&s.session_id), "session"),
        SessionCopy::TrxMirror => (trx_key(&s.trx_id), "trx"),
        SessionCopy::Guard => (guard_key(&s.user_id, &s.stream_id), "guard"),
    };
    let charge = s.charge.as_deref();
    let schedule = s.schedule();
    let stored = Stored {
        session_id: s.session_id.clone(),
        user_id: s.user_id.clone(),
        stream_id: s.stream_id.clone(),
        trx_id: s.trx_id.clone(),
        amount: s.amount,
        status: s.status,
        created_at: s.created_at.timestamp_millis(),
        paid_at: s.paid_at.map(|t| t.timestamp_millis()),
        expires_at: s.expires_at.timestamp_millis(),
        payment_id: s.payment_id.clone(),
        charge_provider: charge.map(|c| c.provider.clone()),
        charge_ref: charge.map(|c| c.reference.clone()),
        charge_qr: charge.map(|c| c.qr_string.clone()),
        starts_at: schedule.starts_at.map(|t| t.timestamp_millis()),
        ends_at: schedule.ends_at.map(|t| t.timestamp_millis()),
        access_until: schedule.access_until,
        revoke_reason: s.revoke_reason,
    };
    let mut item = write(key, kind, &stored);
    item.insert(TTL.into(), n_attr(ttl));
    if copy == SessionCopy::Canonical {
        item.extend([
            (USER_PK.into(), s_attr(s.user_id.as_str())),
            (USER_SK.into(), n_attr(stored.expires_at)),
            (
                TIME_PK.into(),
                s_attr(&day_pk(SESSION_KIND, s.created_at, s.session_id.as_str())),
            ),
            (
                STREAM_SHARD.into(),
                s_attr(&stream_shard_pk(
                    s.stream_id.as_str(),
                    s.session_id.as_str(),
                )),
            ),
        ]);
    }
    item
}

/// Reads a session back from any of its copies.
pub fn parse_session(item: Item) -> Result<PaymentSession, StoreError> {
    let s: Stored = read(item, "session")?;
    // A charge is there when its reference is.
    let charge = match (s.charge_ref, s.charge_provider, s.charge_qr) {
        (None, _, _) => None,
        (Some(reference), Some(provider), Some(qr_string)) => Some(Box::new(GatewayCharge {
            provider,
            reference,
            qr_string,
        })),
        (Some(_), _, _) => return Err(corrupt("session", "a charge without provider or QR")),
    };
    Ok(PaymentSession {
        session_id: s.session_id,
        user_id: s.user_id,
        stream_id: s.stream_id,
        trx_id: s.trx_id,
        amount: s.amount,
        status: s.status,
        created_at: from_millis(s.created_at),
        paid_at: s.paid_at.map(from_millis),
        expires_at: from_millis(s.expires_at),
        payment_id: s.payment_id,
        charge,
        schedule: Some(Schedule {
            starts_at: s.starts_at.map(from_millis),
            ends_at: s.ends_at.map(from_millis),
            access_until: s.access_until,
        })
        .filter(|s| !s.is_unscheduled())
        .map(Box::new),
        revoke_reason: s.revoke_reason,
    })
}
