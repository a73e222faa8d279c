//! How sessions, mirrors and events are laid out as DynamoDB items.
//!
//! | item | pk | sk |
//! |---|---|---|
//! | session (canonical, in index `byUser`) | `SESSION#<sessionId>` | `SESSION` |
//! | trx mirror (lookup by trxId) | `TRX#<trxId>` | `TRX` |
//! | guard (the live session of a user+stream) | `GUARD#<streamId>#<userId>` | `GUARD` |
//! | audit event | `SESSION#<sessionId>` | `EVENT#<ms>#<n>` |
//! | idempotency claim | `IDEM#<key>#<userId>` | `IDEM` |
//!
//! Mirrors and the guard carry a full copy of the session, written in the same transaction as the
//! canonical item, so each lookup is one strongly consistent GetItem.

use std::collections::HashMap;

use aws_sdk_dynamodb::types::AttributeValue;
use chrono::{DateTime, Utc};

use super::StoreError;
use super::table::{ALL_PK, PK, SK, STREAM_PK, TTL, USER_PK, USER_SK};
use crate::clock::from_millis;
use crate::domain::MediaPath;
use crate::domain::{
    Amount, AuditEvent, GatewayCharge, IdempotencyKey, PaymentId, PaymentSession, SessionId,
    Status, Stream, StreamId, TrxId, UserId,
};

/// A DynamoDB item.
pub type Item = HashMap<String, AttributeValue>;

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

pub fn session_key(id: &SessionId) -> Item {
    key(format!("SESSION#{id}"), "SESSION")
}

pub fn trx_key(trx: &TrxId) -> Item {
    key(format!("TRX#{trx}"), "TRX")
}

/// Stream ids cannot contain `#`, so the stream first keeps the key unambiguous for any user id.
pub fn guard_key(user: &UserId, stream: &StreamId) -> Item {
    key(format!("GUARD#{stream}#{user}"), "GUARD")
}

/// Keys cannot contain `#`, so the key first keeps the item unambiguous for any user id.
pub fn idem_key(user: &UserId, idem: &IdempotencyKey) -> Item {
    key(format!("IDEM#{idem}#{user}"), "IDEM")
}

/// The item of an idempotency claim (kept 24 h; reads compare `expiresAt` with now).
pub fn idem_item(user: &UserId, claim: &IdemClaim, session: &SessionId) -> Item {
    let mut item = idem_key(user, &claim.key);
    item.insert("kind".into(), s_attr("idem"));
    item.insert("sessionId".into(), s_attr(session.as_str()));
    item.insert("fingerprint".into(), s_attr(&claim.fingerprint));
    item.insert(
        "expiresAt".into(),
        n_attr(claim.expires_at.timestamp_millis()),
    );
    item.insert(TTL.into(), n_attr(claim.expires_at.timestamp()));
    item
}

/// The session and request fingerprint of an idempotency claim.
pub fn parse_idem(item: &Item) -> Result<(SessionId, String), StoreError> {
    let session = SessionId::parse(get_s(item, "sessionId")?)
        .map_err(|e| StoreError::Corrupt(format!("idempotency claim: {e}")))?;
    Ok((session, get_s(item, "fingerprint")?.to_owned()))
}

pub fn key(pk: String, sk: &str) -> Item {
    HashMap::from([
        (PK.to_owned(), AttributeValue::S(pk)),
        (SK.to_owned(), AttributeValue::S(sk.to_owned())),
    ])
}

/// The item for one copy of a session, with its TTL.
pub fn session_item(s: &PaymentSession, copy: SessionCopy, ttl: i64) -> Item {
    let mut item = match copy {
        SessionCopy::Canonical => session_key(&s.session_id),
        SessionCopy::TrxMirror => trx_key(&s.trx_id),
        SessionCopy::Guard => guard_key(&s.user_id, &s.stream_id),
    };
    let mut put = |k: &str, v: AttributeValue| {
        item.insert(k.to_owned(), v);
    };
    put(
        "kind",
        s_attr(match copy {
            SessionCopy::Canonical => "session",
            SessionCopy::TrxMirror => "trx",
            SessionCopy::Guard => "guard",
        }),
    );
    put("sessionId", s_attr(s.session_id.as_str()));
    put("userId", s_attr(s.user_id.as_str()));
    put("streamId", s_attr(s.stream_id.as_str()));
    put("trxId", s_attr(s.trx_id.as_str()));
    put("amount", n_attr(s.amount.rupiah()));
    put("status", s_attr(s.status.as_str()));
    put("createdAt", n_attr(s.created_at.timestamp_millis()));
    if let Some(paid_at) = s.paid_at {
        put("paidAt", n_attr(paid_at.timestamp_millis()));
    }
    put("expiresAt", n_attr(s.expires_at.timestamp_millis()));
    if let Some(payment) = &s.payment_id {
        put("paymentId", s_attr(payment.as_str()));
    }
    if let Some(charge) = &s.charge {
        put("chargeProvider", s_attr(&charge.provider));
        put("chargeRef", s_attr(&charge.reference));
        put("chargeQr", s_attr(&charge.qr_string));
    }
    put(TTL, n_attr(ttl));
    if copy == SessionCopy::Canonical {
        put(USER_PK, s_attr(s.user_id.as_str()));
        put(USER_SK, n_attr(s.expires_at.timestamp_millis()));
        put(ALL_PK, s_attr("SESSION"));
        put(STREAM_PK, s_attr(s.stream_id.as_str()));
    }
    item
}

/// Reads a session back from any of its copies.
pub fn parse_session(item: &Item) -> Result<PaymentSession, StoreError> {
    let corrupt = |what: &str| StoreError::Corrupt(format!("session item: {what}"));
    Ok(PaymentSession {
        session_id: SessionId::parse(get_s(item, "sessionId")?)
            .map_err(|e| corrupt(&e.to_string()))?,
        user_id: UserId::parse(get_s(item, "userId")?).map_err(|e| corrupt(&e.to_string()))?,
        stream_id: StreamId::parse(get_s(item, "streamId")?)
            .map_err(|e| corrupt(&e.to_string()))?,
        trx_id: TrxId::parse(get_s(item, "trxId")?).map_err(|e| corrupt(&e.to_string()))?,
        amount: Amount::new(get_n(item, "amount")?).map_err(|e| corrupt(&e.to_string()))?,
        status: Status::parse(get_s(item, "status")?).ok_or_else(|| corrupt("unknown status"))?,
        created_at: get_time(item, "createdAt")?,
        paid_at: match item.get("paidAt") {
            Some(_) => Some(get_time(item, "paidAt")?),
            None => None,
        },
        expires_at: get_time(item, "expiresAt")?,
        payment_id: match item.get("paymentId") {
            Some(_) => Some(
                PaymentId::parse(get_s(item, "paymentId")?).map_err(|e| corrupt(&e.to_string()))?,
            ),
            None => None,
        },
        charge: match item.get("chargeRef") {
            Some(_) => Some(Box::new(GatewayCharge {
                provider: get_s(item, "chargeProvider")?.to_owned(),
                reference: get_s(item, "chargeRef")?.to_owned(),
                qr_string: get_s(item, "chargeQr")?.to_owned(),
            })),
            None => None,
        },
    })
}

/// The key of a catalog entry; all entries share one partition so one Query lists them.
pub fn stream_key(id: &StreamId) -> Item {
    key(CATALOG_PK.to_owned(), &format!("STREAM#{id}"))
}

pub const CATALOG_PK: &str = "CATALOG";

/// The item of a catalog entry.
pub fn stream_item(stream: &Stream) -> Item {
    let mut item = stream_key(&stream.stream_id);
    item.insert("kind".into(), s_attr("stream"));
    item.insert("streamId".into(), s_attr(stream.stream_id.as_str()));
    item.insert("title".into(), s_attr(&stream.title));
    item.insert("price".into(), n_attr(stream.price.rupiah()));
    item.insert("active".into(), AttributeValue::Bool(stream.active));
    if let Some(path) = &stream.media_path {
        item.insert("mediaPath".into(), s_attr(path.as_str()));
    }
    item
}

/// Reads a catalog entry back.
pub fn parse_stream(item: &Item) -> Result<Stream, StoreError> {
    let corrupt = |e: crate::domain::ParseError| StoreError::Corrupt(format!("stream item: {e}"));
    Ok(Stream {
        stream_id: StreamId::parse(get_s(item, "streamId")?).map_err(corrupt)?,
        title: get_s(item, "title")?.to_owned(),
        price: Amount::new(get_n(item, "price")?).map_err(corrupt)?,
        active: !matches!(item.get("active"), Some(AttributeValue::Bool(false))),
        media_path: match item.get("mediaPath") {
            Some(AttributeValue::S(p)) => Some(MediaPath::parse(p.clone()).map_err(corrupt)?),
            _ => None,
        },
    })
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
    let mut item = key(
        owner,
        &format!(
            "EVENT#{:015}#{tiebreak:018}#{nonce:08x}",
            event.at.timestamp_millis()
        ),
    );
    item.insert("kind".into(), s_attr("event"));
    item.insert("at".into(), n_attr(event.at.timestamp_millis()));
    item.insert("action".into(), s_attr(&event.action));
    item.insert("source".into(), s_attr(&event.source));
    for (name, value) in [
        ("actor", &event.actor),
        ("note", &event.note),
        ("providerRef", &event.provider_ref),
    ] {
        if let Some(v) = value {
            item.insert(name.into(), s_attr(v));
        }
    }
    if let Some(amount) = event.amount {
        item.insert("amount".into(), n_attr(amount.rupiah()));
    }
    item.insert(TTL.into(), n_attr(ttl));
    item
}

/// Reads an audit event back.
pub fn parse_event(item: &Item) -> Result<AuditEvent, StoreError> {
    let opt = |name: &str| item.get(name).and_then(|v| v.as_s().ok()).cloned();
    Ok(AuditEvent {
        at: get_time(item, "at")?,
        action: get_s(item, "action")?.to_owned(),
        source: get_s(item, "source")?.to_owned(),
        actor: opt("actor"),
        note: opt("note"),
        provider_ref: opt("providerRef"),
        amount: match item.get("amount") {
            Some(_) => Some(
                Amount::new(get_n(item, "amount")?)
                    .map_err(|e| StoreError::Corrupt(e.to_string()))?,
            ),
            None => None,
        },
    })
}

pub fn s_attr(v: &str) -> AttributeValue {
    AttributeValue::S(v.to_owned())
}

pub fn n_attr(v: impl ToString) -> AttributeValue {
    AttributeValue::N(v.to_string())
}

pub fn get_s<'a>(item: &'a Item, name: &str) -> Result<&'a str, StoreError> {
    item.get(name)
        .and_then(|v| v.as_s().ok())
        .map(String::as_str)
        .ok_or_else(|| StoreError::Corrupt(format!("missing string attribute {name}")))
}

pub fn get_n<T: std::str::FromStr>(item: &Item, name: &str) -> Result<T, StoreError> {
    item.get(name)
        .and_then(|v| v.as_n().ok())
        .and_then(|n| n.parse().ok())
        .ok_or_else(|| StoreError::Corrupt(format!("missing number attribute {name}")))
}

fn get_time(item: &Item, name: &str) -> Result<DateTime<Utc>, StoreError> {
    Ok(from_millis(get_n(item, name)?))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Policy;
    use crate::rules;

    fn session() -> PaymentSession {
        let now = DateTime::from_timestamp_millis(1_756_577_775_508).unwrap();
        let s = rules::new_pending(
            UserId::parse("user#with#hashes").unwrap(),
            StreamId::parse("4").unwrap(),
            TrxId::parse("UP-9").unwrap(),
            Amount::new(1000).unwrap(),
            now,
            &Policy::default(),
        );
        rules::pay(&s, now, &Policy::default()).unwrap()
    }

    #[test]
    fn every_copy_round_trips() {
        let s = session();
        for copy in [
            SessionCopy::Canonical,
            SessionCopy::TrxMirror,
            SessionCopy::Guard,
        ] {
            let item = session_item(&s, copy, 42);
            assert_eq!(parse_session(&item).unwrap(), s);
            assert_eq!(item[TTL], AttributeValue::N("42".into()));
            assert_eq!(
                item.contains_key(USER_PK),
                copy == SessionCopy::Canonical,
                "only the canonical copy is indexed"
            );
        }
    }

    #[test]
    fn guard_key_is_unambiguous() {
        let k = guard_key(
            &UserId::parse("a#b").unwrap(),
            &StreamId::parse("c").unwrap(),
        );
        assert_eq!(k[PK], AttributeValue::S("GUARD#c#a#b".into()));
    }

    #[test]
    fn corrupt_items_are_errors_not_panics() {
        let mut item = session_item(&session(), SessionCopy::Canonical, 1);
        item.insert("status".into(), s_attr("weird"));
        assert!(matches!(parse_session(&item), Err(StoreError::Corrupt(_))));
        item.remove("amount");
        assert!(parse_session(&item).is_err());
    }

    #[test]
    fn events_round_trip() {
        let mut e = AuditEvent::new(
            DateTime::from_timestamp_millis(5).unwrap(),
            "paid",
            "webhook",
        );
        e.provider_ref = Some("GW-1".into());
        e.amount = Some(Amount::new(1000).unwrap());
        let item = event_item(&SessionId::generate(), &e, 0xab, 9);
        let sk = item[SK].as_s().unwrap();
        assert!(sk.starts_with("EVENT#000000000000005#"), "{sk}");
        assert!(sk.ends_with("#000000ab"), "{sk}");
        assert_eq!(parse_event(&item).unwrap(), e);
    }
}
