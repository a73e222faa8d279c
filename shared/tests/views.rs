//! The public contract, pinned: each view's JSON for fixed domain values and a fixed *now* must equal
//! its fixture in `tests/fixtures/views/`. A field renamed, dropped or retyped fails here first.
//! `UPDATE_FIXTURES=1` rewrites the fixtures (review the diff: it is a contract change).

use chrono::{DateTime, TimeDelta, Utc};
use serde::Serialize;
use serde_json::{Value, json};
use upstream_session::domain::{AuditEvent, PaymentSession, Stream, StreamId, UserId};
use upstream_session::views::{
    AccessView, ApprovalView, QrView, RevokeView, SessionEventsView, SessionPageView, SessionView,
    StatusView, StreamEntryView, StreamView, StreamsView, UserAccessView, UserSessionsView,
};

fn now() -> DateTime<Utc> {
    DateTime::from_timestamp_millis(1_756_577_775_508).expect("valid time")
}

fn paid() -> PaymentSession {
    serde_json::from_value(json!({
        "sessionId": "session_0123456789abcdef0123456789abcdef",
        "userId": "demo-user",
        "streamId": "2",
        "trxId": "UP-250830181615-ABCDEFGH",
        "amount": 1000,
        "status": "paid",
        "createdAt": "2025-08-30T18:10:00.000Z",
        "paidAt": "2025-08-30T18:12:00.000Z",
        "expiresAt": "2025-08-30T20:12:00.000Z",
        "paymentId": "pay_0123456789abcdef0123456789abcdef"
    }))
    .expect("a paid session")
}

fn pending() -> PaymentSession {
    serde_json::from_value(json!({
        "sessionId": "session_fedcba9876543210fedcba9876543210",
        "userId": "demo-user",
        "streamId": "3",
        "trxId": "UP-250830181515-HGFEDCBA",
        "amount": 15000,
        "status": "pending",
        "createdAt": "2025-08-30T18:15:00.000Z",
        "expiresAt": "2025-08-30T18:30:00.000Z"
    }))
    .expect("a pending session")
}

fn check(name: &str, view: &impl Serialize) {
    let actual = serde_json::to_value(view).expect("serializable");
    let path = format!(
        "{}/tests/fixtures/views/{name}.json",
        env!("CARGO_MANIFEST_DIR")
    );
    if std::env::var_os("UPDATE_FIXTURES").is_some() {
        let text = serde_json::to_string_pretty(&actual).expect("json") + "\n";
        std::fs::write(&path, text).expect("write fixture");
    }
    let expected: Value = serde_json::from_str(
        &std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}")),
    )
    .expect("fixture is JSON");
    assert_eq!(actual, expected, "{name} drifted from {path}");
}

#[test]
fn session_views_match_their_fixtures() {
    let (paid, pending, now) = (paid(), pending(), now());
    check("session", &SessionView::of(&paid, now));
    check("session_pending", &SessionView::of(&pending, now));
    check(
        "approval",
        &ApprovalView {
            session: SessionView::of(&paid, now),
            already_paid: true,
            complimentary: false,
        },
    );
    check(
        "session_page",
        &SessionPageView {
            sessions: vec![SessionView::of(&paid, now)],
            next_cursor: None,
        },
    );
    check(
        "revoke",
        &RevokeView {
            session: SessionView::of(&paid, now),
            refund: None,
        },
    );
    let mut event = AuditEvent::new(now - TimeDelta::minutes(3), "paid", "webhook");
    event.provider_ref = Some("GW-1".into());
    check(
        "session_events",
        &SessionEventsView {
            session: SessionView::of(&paid, now),
            events: vec![event],
        },
    );
}

#[test]
fn public_views_match_their_fixtures() {
    let (paid, pending, now) = (paid(), pending(), now());
    check(
        "access",
        &AccessView::of(
            paid.stream_id.clone(),
            Some(paid.session_id.clone()),
            Some(&paid),
            paid.remaining_at(now).num_milliseconds(),
        ),
    );
    check(
        "access_denied",
        &AccessView::of(
            pending.stream_id.clone(),
            Some(pending.session_id.clone()),
            None,
            0,
        ),
    );
    check("status", &StatusView::of(&pending, now));
    check(
        "qr",
        &QrView::of(
            &pending,
            "00020101021226...6304ABCD".into(),
            "data:image/png;base64,iVBORw0KGgo=".into(),
            false,
            now,
        ),
    );
    let user = UserId::parse("demo-user").expect("valid");
    let sessions = [paid.clone(), pending.clone()];
    check(
        "user_sessions",
        &UserSessionsView::of(user.clone(), &sessions, now, true),
    );
    check(
        "user_sessions_anonymous",
        &UserSessionsView::of(user, &sessions, now, false),
    );
    check(
        "user_access",
        &UserAccessView::of(StreamId::parse("2").expect("valid"), &sessions, now),
    );
    let stream: Stream = serde_json::from_value(
        json!({"id": "2", "title": "Konser Akustik", "price": 1000, "active": true}),
    )
    .expect("a stream");
    let scheduled: Stream = serde_json::from_value(json!({
        "id": "4",
        "title": "Final Esports",
        "price": 15000,
        "description": "Babak final.\nLangsung dari Jakarta.",
        "thumbnailUrl": "/thumbs/4.svg",
        "category": "Esports",
        "startsAt": "2025-08-31T19:00:00+07:00",
        "endsAt": "2025-08-31T22:00:00+07:00",
        "accessUntil": "event_end"
    }))
    .expect("a scheduled stream");
    check(
        "streams",
        &StreamsView {
            streams: vec![
                StreamView::of(&stream, now),
                StreamView::of(&scheduled, now),
            ],
        },
    );
    check(
        "stream_entry",
        &StreamEntryView {
            stream: StreamView::of(&scheduled, now),
        },
    );
}
