//! The stored format of every item kind, pinned attribute by attribute (name and DynamoDB type): what
//! this build writes is exactly what the items below hold, and items written in this format by an
//! earlier build read back. A renamed attribute, a number stored as a string or an optional attribute
//! written as NULL fails here.

use std::collections::HashMap;

use aws_sdk_dynamodb::types::AttributeValue;
use chrono::{DateTime, Utc};

use super::*;
use crate::domain::{
    AccessUntil, Amount, AuditEvent, GatewayCharge, IdempotencyKey, MediaPath, PaymentId,
    PaymentSession, RevokeReason, Schedule, SessionId, Status, Stream, StreamId, ThumbnailUrl,
    TrxId, UserId,
};
use crate::store::shard::shard_of;

pub(super) const SID: &str = "session_0123456789abcdef0123456789abcdef";
pub(super) const PID: &str = "pay_00112233445566778899aabbccddeeff";

pub(super) fn s(v: &str) -> AttributeValue {
    AttributeValue::S(v.to_owned())
}

pub(super) fn n(v: i64) -> AttributeValue {
    AttributeValue::N(v.to_string())
}

pub(super) fn item(attrs: &[(&str, AttributeValue)]) -> Item {
    let item: Item = attrs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), v.clone()))
        .collect();
    assert_eq!(item.len(), attrs.len(), "an attribute is listed twice");
    item
}

pub(super) fn at(ms: i64) -> DateTime<Utc> {
    DateTime::from_timestamp_millis(ms).unwrap()
}

/// A paid session with every optional field set.
fn paid() -> PaymentSession {
    PaymentSession {
        session_id: SessionId::parse(SID).unwrap(),
        user_id: UserId::parse("user#1").unwrap(),
        stream_id: StreamId::parse("4").unwrap(),
        trx_id: TrxId::parse("UP-9").unwrap(),
        amount: Amount::new(1000).unwrap(),
        status: Status::Paid,
        created_at: at(1_756_577_775_508),
        paid_at: Some(at(1_756_577_800_000)),
        expires_at: at(1_756_581_400_000),
        payment_id: Some(PaymentId::parse(PID).unwrap()),
        charge: Some(Box::new(GatewayCharge {
            provider: "midtrans".into(),
            reference: "tx-1".into(),
            qr_string: "00020101021226".into(),
        })),
        schedule: Some(Box::new(Schedule {
            starts_at: Some(at(1_756_580_000_000)),
            ends_at: Some(at(1_756_590_000_000)),
            access_until: AccessUntil::EventEnd,
        })),
        revoke_reason: None,
    }
}

/// A pending session with no optional field set.
fn pending() -> PaymentSession {
    PaymentSession {
        status: Status::Pending,
        paid_at: None,
        payment_id: None,
        charge: None,
        schedule: None,
        revoke_reason: None,
        ..paid()
    }
}

/// The attributes every copy of `paid()` holds.
fn paid_attrs() -> Vec<(&'static str, AttributeValue)> {
    vec![
        ("sessionId", s(SID)),
        ("userId", s("user#1")),
        ("streamId", s("4")),
        ("trxId", s("UP-9")),
        ("amount", n(1000)),
        ("status", s("paid")),
        ("createdAt", n(1_756_577_775_508)),
        ("paidAt", n(1_756_577_800_000)),
        ("expiresAt", n(1_756_581_400_000)),
        ("paymentId", s(PID)),
        ("chargeProvider", s("midtrans")),
        ("chargeRef", s("tx-1")),
        ("chargeQr", s("00020101021226")),
        ("startsAt", n(1_756_580_000_000)),
        ("endsAt", n(1_756_590_000_000)),
        ("accessUntil", s("event_end")),
        ("ttl", n(42)),
    ]
}

#[test]
fn session_copies() {
    let mut canonical = paid_attrs();
    canonical.extend([
        ("pk", s(&format!("SESSION#{SID}"))),
        ("sk", s("SESSION")),
        ("kind", s("session")),
        ("userPk", s("user#1")),
        ("userSk", n(1_756_581_400_000)),
        (
            "timePk",
            s(&format!("SESSION#2025-08-31#{}", shard_of(SID))),
        ),
        ("streamShard", s(&format!("4#{}", shard_of(SID)))),
    ]);
    let mut guard = paid_attrs();
    guard.extend([
        ("pk", s("GUARD#4#user#1")),
        ("sk", s("GUARD")),
        ("kind", s("guard")),
    ]);
    let trx = item(&[
        ("pk", s("TRX#UP-9")),
        ("sk", s("TRX")),
        ("kind", s("trx")),
        ("sessionId", s(SID)),
        ("userId", s("user#1")),
        ("streamId", s("4")),
        ("trxId", s("UP-9")),
        ("amount", n(1000)),
        ("status", s("pending")),
        ("createdAt", n(1_756_577_775_508)),
        ("expiresAt", n(1_756_581_400_000)),
        ("ttl", n(42)),
    ]);
    for (session, copy, stored) in [
        (paid(), SessionCopy::Canonical, item(&canonical)),
        (paid(), SessionCopy::Guard, item(&guard)),
        (pending(), SessionCopy::TrxMirror, trx),
    ] {
        assert_eq!(session_item(&session, copy, 42), stored, "{copy:?}");
        assert_eq!(parse_session(stored).unwrap(), session, "{copy:?}");
    }
    // A revoked session keeps why.
    let revoked = PaymentSession {
        status: Status::Revoked,
        revoke_reason: Some(RevokeReason::RefundedAtGateway),
        ..paid()
    };
    let mut revoked_attrs: Vec<_> = paid_attrs()
        .into_iter()
        .filter(|(k, _)| *k != "status")
        .collect();
    revoked_attrs.extend([
        ("pk", s("TRX#UP-9")),
        ("sk", s("TRX")),
        ("kind", s("trx")),
        ("status", s("revoked")),
        ("revokeReason", s("refunded_at_gateway")),
    ]);
    let stored = item(&revoked_attrs);
    assert_eq!(session_item(&revoked, SessionCopy::TrxMirror, 42), stored);
    assert_eq!(parse_session(stored).unwrap(), revoked);
    // Older data may store `expired`.
    let mut old = item(&paid_attrs());
    old.insert("status".into(), s("expired"));
    assert_eq!(parse_session(old).unwrap().status, Status::Expired);
}

#[test]
fn idempotency_claim() {
    let claim = IdemClaim {
        key: IdempotencyKey::parse("key-1").unwrap(),
        fingerprint: "f00d".into(),
        expires_at: at(1_756_664_175_508),
    };
    let stored = item(&[
        ("pk", s("IDEM#key-1#user#1")),
        ("sk", s("IDEM")),
        ("kind", s("idem")),
        ("sessionId", s(SID)),
        ("fingerprint", s("f00d")),
        ("expiresAt", n(1_756_664_175_508)),
        ("ttl", n(1_756_664_175)),
    ]);
    let user = UserId::parse("user#1").unwrap();
    let session = SessionId::parse(SID).unwrap();
    assert_eq!(idem_item(&user, &claim, &session), stored);
    assert_eq!(parse_idem(stored).unwrap(), (session, "f00d".to_owned()));
}

#[test]
fn catalog_entries() {
    let full = Stream {
        media_path: Some(MediaPath::parse("live/final").unwrap()),
        description: Some("Babak final\nlangsung".into()),
        thumbnail_url: Some(ThumbnailUrl::parse("/thumbs/4.svg").unwrap()),
        category: Some("Esports".into()),
        starts_at: Some(at(1_795_370_400_000)),
        ends_at: Some(at(1_795_381_200_000)),
        access_until: AccessUntil::EventEnd,
        live: true,
        ..Stream::new(
            StreamId::parse("4").unwrap(),
            "Final",
            Amount::new(15_000).unwrap(),
        )
    };
    let stored = item(&[
        ("pk", s("CATALOG")),
        ("sk", s("STREAM#4")),
        ("kind", s("stream")),
        ("streamId", s("4")),
        ("title", s("Final")),
        ("price", n(15_000)),
        ("active", AttributeValue::Bool(true)),
        ("mediaPath", s("live/final")),
        ("description", s("Babak final\nlangsung")),
        ("thumbnailUrl", s("/thumbs/4.svg")),
        ("category", s("Esports")),
        ("startsAt", n(1_795_370_400_000)),
        ("endsAt", n(1_795_381_200_000)),
        ("accessUntil", s("event_end")),
        ("live", AttributeValue::Bool(true)),
    ]);
    assert_eq!(stream_item(&full), stored);
    assert_eq!(parse_stream(stored.clone()).unwrap(), full);

    // An entry of the first release: no schedule, no texts, not live, two hours of access.
    let first_release = ["pk", "sk", "kind", "streamId", "title", "price", "active"];
    let mut old = stored;
    old.retain(|name, _| first_release.contains(&name.as_str()));
    old.insert("active".into(), AttributeValue::Bool(false));
    let plain = Stream {
        active: false,
        ..Stream::new(
            StreamId::parse("4").unwrap(),
            "Final",
            Amount::new(15_000).unwrap(),
        )
    };
    assert_eq!(parse_stream(old.clone()).unwrap(), plain);
    assert_eq!(stream_item(&plain), old, "defaults are not written");
    let mut stored = stream_item(&plain);
    stored.remove("active");
    // An entry without `active` is on sale.
    assert!(parse_stream(stored).unwrap().active);
    for (name, value) in [
        ("thumbnailUrl", s("javascript:alert(1)")),
        ("accessUntil", s("forever")),
        ("startsAt", s("tomorrow")),
    ] {
        let mut bad = stream_item(&full);
        bad.insert(name.into(), value);
        assert!(
            matches!(parse_stream(bad), Err(StoreError::Corrupt(_))),
            "{name}"
        );
    }
}

#[test]
fn audit_events() {
    let mut full = AuditEvent::new(at(1_756_577_775_508), "paid", "webhook");
    full.actor = Some("midtrans".into());
    full.note = Some("ok".into());
    full.provider_ref = Some("GW-1".into());
    full.amount = Some(Amount::new(1000).unwrap());
    let minimal = AuditEvent::new(at(1_756_577_775_508), "created", "viewer");
    let common = [
        ("kind", s("event")),
        ("at", n(1_756_577_775_508)),
        ("ttl", n(9)),
    ];
    let session = SessionId::parse(SID).unwrap();
    for (event, extra) in [
        (
            &full,
            vec![
                ("action", s("paid")),
                ("source", s("webhook")),
                ("actor", s("midtrans")),
                ("note", s("ok")),
                ("providerRef", s("GW-1")),
                ("amount", n(1000)),
            ],
        ),
        (
            &minimal,
            vec![("action", s("created")), ("source", s("viewer"))],
        ),
    ] {
        for (mut written, pk) in [
            (
                event_item(&session, event, 0xab, 9),
                format!("SESSION#{SID}"),
            ),
            (
                owned_event_item("STREAM#4".into(), event, 0xab, 9),
                "STREAM#4".into(),
            ),
        ] {
            let Some(AttributeValue::S(sk)) = written.remove("sk") else {
                panic!("no string sort key")
            };
            // The injected millisecond, the system clock's nanoseconds, the nonce.
            let parts: Vec<&str> = sk.split('#').collect();
            assert_eq!(parts.len(), 4, "{sk}");
            assert_eq!(parts[..2], ["EVENT", "001756577775508"], "{sk}");
            assert!(parts[2].len() == 18 && parts[2].bytes().all(|b| b.is_ascii_digit()));
            assert_eq!(parts[3], "000000ab");
            let mut expected = common.to_vec();
            expected.extend(extra.iter().cloned());
            expected.push(("pk", s(&pk)));
            assert_eq!(written, item(&expected));
            written.insert("sk".into(), s(&sk));
            assert_eq!(&parse_event(written).unwrap(), event);
        }
    }
}

/// Fails unless `result` is [`StoreError::Corrupt`].
pub(super) fn corrupt<T: std::fmt::Debug>(result: Result<T, StoreError>) {
    assert!(matches!(result, Err(StoreError::Corrupt(_))), "{result:?}");
}

#[test]
fn corrupt_items_are_store_errors() {
    let session = session_item(&paid(), SessionCopy::Canonical, 1);
    for (name, bad) in [
        ("status", Some(s("weird"))),
        ("amount", None),
        ("amount", Some(s("1000"))),
        ("amount", Some(n(0))),
        ("sessionId", Some(s("session_nothex"))),
        ("createdAt", Some(s("yesterday"))),
        ("paidAt", Some(s("yesterday"))),
        ("chargeProvider", None),
    ] {
        let mut it = session.clone();
        match bad {
            Some(v) => it.insert(name.into(), v),
            None => it.remove(name),
        };
        corrupt(parse_session(it));
    }
    let mut stream = stream_item(&Stream::new(
        StreamId::parse("4").unwrap(),
        "x",
        Amount::new(1).unwrap(),
    ));
    stream.insert("price".into(), n(0));
    corrupt(parse_stream(stream));
    let mut event = event_item(
        &SessionId::parse(SID).unwrap(),
        &AuditEvent::new(at(1), "paid", "webhook"),
        1,
        1,
    );
    event.remove("action");
    corrupt(parse_event(event));
    corrupt(parse_idem(HashMap::from([(
        "sessionId".to_owned(),
        s(SID),
    )])));
}

/// Attributes of the table and the indexes' keys and bookkeeping: never in a projection list.
pub(super) const BOOKKEEPING: [&str; 9] = [
    "pk",
    "sk",
    "kind",
    "ttl",
    "userPk",
    "userSk",
    "timePk",
    "streamShard",
    "createdAt",
];

mod listed;
