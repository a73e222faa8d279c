//! The bodies' refusals: which field, which code, in which order — as the API has always answered.

use serde_json::{Value, json};

use super::*;
use crate::domain::SessionKey;
use crate::domain::{Amount, PaymentReport, ReportKind, SessionId, StreamId, TrxId, UserId};
use crate::refusal::ApiError;

const SESSION: &str = "session_0123456789abcdef0123456789abcdef";
const TRX: &str = "UP-250830181615-ABCDEFGH";

/// The body as the edge reads it (any JSON object).
fn read<T: serde::de::DeserializeOwned>(body: Value) -> T {
    from_object(body.to_string().as_bytes()).expect("a JSON object")
}

/// `(code, message)` of a refusal, for short assertions.
fn refusal<T: std::fmt::Debug>(r: Result<T, ApiError>) -> (&'static str, String) {
    let e = r.expect_err("a refusal");
    (e.code, e.message)
}

fn missing(field: &str) -> (&'static str, String) {
    refusal::<()>(Err(ApiError::missing(field)))
}

fn invalid(field: &str) -> (&'static str, String) {
    refusal::<()>(Err(ApiError::invalid(field)))
}

fn qris(body: Value) -> Result<QrisOrder, ApiError> {
    QrisOrder::try_from(read::<GenerateQrisRequest>(body))
}

#[test]
fn only_objects_are_bodies() {
    for text in ["[]", "[\"2\", \"u\"]", "1", "null", "\"x\"", "{", ""] {
        assert!(
            from_object::<GenerateQrisRequest>(text.as_bytes()).is_err(),
            "{text}"
        );
    }
    // A repeated key: the last one counts, as in any JSON object.
    let order = QrisOrder::try_from(
        from_object::<GenerateQrisRequest>(
            br#"{"streamId": "x y", "streamId": "2", "userId": "u"}"#,
        )
        .unwrap(),
    )
    .unwrap();
    assert_eq!(order.stream_id.as_str(), "2");
}

#[test]
fn generate_qris_reads_fields_in_order() {
    let ok =
        qris(json!({"userId": "u", "streamId": 2, "amount": 1000, "sessionId": SESSION})).unwrap();
    assert_eq!(
        ok,
        QrisOrder {
            stream_id: StreamId::parse("2").unwrap(),
            user_id: UserId::parse("u").unwrap(),
            amount: Some(Amount::new(1000).unwrap()),
            session_id: Some(SessionId::parse(SESSION).unwrap()),
        }
    );
    // streamId is reported first, wherever it was written and whatever else is wrong.
    assert_eq!(
        refusal(qris(json!({"amount": "x", "userId": [], "streamId": null}))),
        missing("streamId")
    );
    assert_eq!(
        refusal(qris(json!({"streamId": "2", "userId": true, "amount": -1}))),
        invalid("userId")
    );
    assert_eq!(
        refusal(qris(
            json!({"streamId": "2", "userId": "u", "amount": 1000.5})
        )),
        invalid("amount")
    );
    // A null amount is none; an unreadable sessionId is ignored, never refused.
    let lenient = qris(json!({"streamId": "2", "userId": "u", "amount": null, "sessionId": 5}));
    assert_eq!(lenient.map(|o| (o.amount, o.session_id)), Ok((None, None)));
}

#[test]
fn user_access_reads_user_then_stream() {
    let read_access = |body| AccessQuery::try_from(read::<UserAccessRequest>(body));
    assert_eq!(
        refusal(read_access(json!({"streamId": "bad id"}))),
        missing("userId")
    );
    assert_eq!(
        refusal(read_access(json!({"userId": "u", "streamId": "bad id"}))),
        invalid("streamId")
    );
    assert!(read_access(json!({"userId": "u", "streamId": "2"})).is_ok());
}

#[test]
fn webhook_reports() {
    let report = |body| PaymentReport::try_from(read::<WebhookRequest>(body));
    assert_eq!(
        report(json!({"trxId": TRX, "amount": 1000, "status": "failed", "providerRef": "GW-1"})),
        Ok(PaymentReport {
            provider: "webhook".into(),
            provider_ref: Some("GW-1".into()),
            trx_id: TRX.into(),
            amount: 1000,
            kind: ReportKind::Failed,
        })
    );
    let base = |extra: Value| {
        let mut body =
            json!({"trxId": TRX, "amount": 1000, "status": "paid", "providerRef": "RRN-1"});
        for (k, v) in extra.as_object().unwrap() {
            body[k] = v.clone();
        }
        report(body)
    };
    assert_eq!(refusal(base(json!({"amount": null}))), missing("amount"));
    assert_eq!(refusal(base(json!({"amount": "1000"}))), invalid("amount"));
    // A status that is not a string reads as missing; an unknown word as invalid.
    assert_eq!(refusal(base(json!({"status": 1}))), missing("status"));
    assert_eq!(refusal(base(json!({"status": "Paid"}))), invalid("status"));
    for bad in [
        json!(""),
        json!("x".repeat(129)),
        json!("a\u{7}b"),
        json!(5),
    ] {
        assert_eq!(
            refusal(base(json!({"providerRef": bad}))),
            invalid("providerRef")
        );
    }
    // Money is keyed by its reference: a payment without one is refused, a failure may omit it.
    assert_eq!(
        refusal(base(json!({"providerRef": null}))),
        missing("providerRef")
    );
    assert_eq!(
        base(json!({"status": "failed", "providerRef": null})).map(|r| r.provider_ref),
        Ok(None)
    );
    assert_eq!(
        base(json!({})).map(|r| (r.kind, r.provider_ref)),
        Ok((ReportKind::Paid, Some("RRN-1".into())))
    );
    assert_eq!(WebhookStatus::parse("paid"), Some(WebhookStatus::Paid));
    assert_eq!(WebhookStatus::parse("refunded"), None);
}

#[test]
fn force_approve_names_a_session_or_a_viewer() {
    let approval = |body| ForceApproval::try_from(read::<ForceApproveRequest>(body));
    // A session named, with the viewer it must belong to.
    assert_eq!(
        approval(json!({"trxId": TRX, "userId": "carol", "note": "ok"})),
        Ok(ForceApproval {
            target: ApprovalTarget::Session {
                key: SessionKey::Trx(TrxId::parse(TRX).unwrap()),
                user_id: Some(UserId::parse("carol").unwrap()),
                stream_id: None,
            },
            note: Some("ok".into()),
        })
    );
    // What it must match is read too: a bad streamId beside it is refused.
    assert_eq!(
        refusal(approval(json!({"trxId": TRX, "streamId": "bad id"}))),
        invalid("streamId")
    );
    // The note is read first; "" or null names no session.
    assert_eq!(
        refusal(approval(json!({"note": "a\tb", "sessionId": "nope"}))),
        invalid("note")
    );
    assert_eq!(
        refusal(approval(
            json!({"sessionId": "", "trxId": null, "streamId": "bad id"})
        )),
        invalid("streamId")
    );
    assert_eq!(
        approval(json!({"streamId": "2"})),
        Err(ApiError::of(crate::ErrorCode::MissingSessionRef))
    );
    assert_eq!(
        approval(json!({"streamId": 2, "userId": "u", "note": ""})),
        Ok(ForceApproval {
            target: ApprovalTarget::Viewer {
                user_id: UserId::parse("u").unwrap(),
                stream_id: StreamId::parse("2").unwrap(),
            },
            note: None,
        })
    );
}

#[test]
fn stream_entries_tell_absent_from_null() {
    let entry = |body| read::<StreamRequest>(body).into_stream(StreamId::parse("2").unwrap());
    let ok = entry(json!({"title": "  Konser  ", "price": 5000})).unwrap();
    assert_eq!(
        (ok.title.as_str(), ok.active, ok.media_path),
        ("Konser", true, None)
    );
    assert_eq!(refusal(entry(json!({"price": "x"}))), missing("title"));
    assert_eq!(
        refusal(entry(json!({"title": null, "price": 5000}))),
        invalid("title")
    );
    assert_eq!(refusal(entry(json!({"title": "T"}))), missing("price"));
    assert_eq!(
        refusal(entry(json!({"title": "T", "price": null}))),
        invalid("price")
    );
    assert_eq!(
        refusal(entry(json!({"title": "T", "price": 1, "active": null}))),
        invalid("active")
    );
    assert_eq!(
        refusal(entry(
            json!({"title": "T", "price": 1, "mediaPath": "../x"})
        )),
        invalid("mediaPath")
    );
    assert_eq!(
        refusal(entry(json!({"title": "x".repeat(121), "price": 1}))),
        invalid("title")
    );
}

#[test]
fn catalog_entries_carry_their_texts_and_schedule() {
    let entry = |extra: Value| {
        let mut body = json!({"title": "Final", "price": 15000});
        body.as_object_mut()
            .unwrap()
            .extend(extra.as_object().unwrap().clone());
        read::<StreamRequest>(body).into_stream(StreamId::parse("4").unwrap())
    };
    let full = entry(json!({
        "description": "Babak final\nlangsung",
        "thumbnailUrl": "/thumbs/4.svg",
        "category": " Esports ",
        "startsAt": "2026-12-20T19:00:00+07:00",
        "endsAt": "2026-12-20T22:00:00+07:00",
        "accessUntil": "event_end",
        "live": true
    }))
    .unwrap();
    assert_eq!(full.description.as_deref(), Some("Babak final\nlangsung"));
    assert_eq!(full.thumbnail_url.unwrap().as_str(), "/thumbs/4.svg");
    assert_eq!(full.category.as_deref(), Some("Esports"));
    assert_eq!(
        full.starts_at.unwrap().to_rfc3339(),
        "2026-12-20T12:00:00+00:00"
    );
    assert_eq!(full.access_until, crate::domain::AccessUntil::EventEnd);
    assert!(full.live);
    // Empty and null are none; absent flags take their defaults.
    let bare = entry(json!({"description": "", "category": null, "startsAt": ""})).unwrap();
    assert_eq!(
        (bare.description, bare.category, bare.starts_at),
        (None, None, None)
    );
    assert!(!bare.live);
    for (body, field) in [
        (json!({"description": "a".repeat(2_001)}), "description"),
        (json!({"description": 5}), "description"),
        (json!({"thumbnailUrl": "http://x.id/a.png"}), "thumbnailUrl"),
        (
            json!({"thumbnailUrl": "javascript:alert(1)"}),
            "thumbnailUrl",
        ),
        (json!({"category": "x".repeat(61)}), "category"),
        (json!({"startsAt": "besok"}), "startsAt"),
        (json!({"startsAt": "2026-12-20 19:00"}), "startsAt"),
        (json!({"startsAt": "1999-12-31T23:59:59Z"}), "startsAt"),
        (json!({"endsAt": "2100-01-01T00:00:00Z"}), "endsAt"),
        (json!({"accessUntil": "forever"}), "accessUntil"),
        (json!({"live": "yes"}), "live"),
        // The schedule as a whole: ends after starts; event_end needs an end.
        (
            json!({"startsAt": "2026-12-20T19:00:00+07:00", "endsAt": "2026-12-20T12:00:00Z"}),
            "endsAt",
        ),
        (json!({"accessUntil": "event_end"}), "accessUntil"),
        // The first bad field in the body's order.
        (
            json!({"category": "", "thumbnailUrl": "x", "live": 1}),
            "thumbnailUrl",
        ),
    ] {
        assert_eq!(refusal(entry(body.clone())), invalid(field), "{body}");
    }
    assert_eq!(
        refusal(entry(json!({"startsAt": "x"}))).1,
        "Parameter startsAt tidak valid"
    );
}

#[test]
fn revocations_and_notes() {
    let revocation = |body| Revocation::try_from(read::<RevokeRequest>(body));
    assert_eq!(
        revocation(json!({"refund": null, "note": "line\nbreak"})),
        Ok(Revocation {
            refund: false,
            note: Some("line\nbreak".into()),
        })
    );
    // refund is read before the note.
    assert_eq!(
        refusal(revocation(json!({"refund": "yes", "note": 5}))),
        invalid("refund")
    );
    assert_eq!(
        refusal(read::<NoteRequest>(json!({"note": "x".repeat(501)})).note()),
        invalid("note")
    );
    assert_eq!(
        read::<NoteRequest>(json!({"note": "y".repeat(500)}))
            .note()
            .map(|n| n.map(|n| n.len())),
        Ok(Some(500))
    );
}
