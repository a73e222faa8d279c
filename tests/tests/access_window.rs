//! The access window of a scheduled stream end to end on DynamoDB Local with the injected clock: a
//! viewer who pays early keeps the show; access ends at the rule's time; the session items' expiry
//! and TTL follow it; an operator's complimentary grant too.
#![allow(clippy::unwrap_used)] // test code: a panic is the failure report

use aws_sdk_dynamodb::types::AttributeValue;
use chrono::{DateTime, TimeDelta, Utc};
use serde_json::{Value, json};
use upstream_session::domain::{AccessUntil, Amount, Stream, StreamId};
use upstream_tests::{Api, api, scan_all, t0};

fn h(hours: i64) -> TimeDelta {
    TimeDelta::hours(hours)
}

/// A show of `id` from `t0 + starts` to `t0 + ends`.
async fn show(api: &Api, id: &str, starts: TimeDelta, ends: TimeDelta, until: AccessUntil) {
    let entry = Stream {
        starts_at: Some(t0() + starts),
        ends_at: Some(t0() + ends),
        access_until: until,
        ..Stream::new(
            StreamId::parse(id).unwrap(),
            "Pertunjukan",
            Amount::new(5_000).unwrap(),
        )
    };
    api.h.store.put_stream(&entry).await.unwrap();
}

/// Buys `stream` for `user` now: `(sessionId, expiresAt)` from the webhook's answer.
async fn buy(api: &Api, user: &str, stream: &str) -> (String, DateTime<Utc>) {
    let qr = api.generate_qris(user, stream).await;
    assert_eq!(qr.status, 200, "{}", qr.body);
    let paid = api
        .webhook(
            &json!({"trxId": qr.data()["trxId"], "amount": 5_000, "status": "paid",
                    "providerRef": format!("REF-{user}")}),
            None,
        )
        .await;
    assert_eq!(paid.data()["outcome"], "granted", "{}", paid.body);
    let expires = paid.data()["expiresAt"].as_str().unwrap().parse().unwrap();
    (qr.data()["sessionId"].as_str().unwrap().to_owned(), expires)
}

async fn access(api: &Api, session: &str, stream: &str) -> Value {
    api.check_access(session, stream).await.data().clone()
}

/// `(expiresAt ms, ttl s)` of every stored copy of `session` (canonical, trx mirror, guard).
async fn stored_expiry(api: &Api, session: &str) -> Vec<(i64, i64)> {
    let n = |v: Option<&AttributeValue>| v.unwrap().as_n().unwrap().parse::<i64>().unwrap();
    scan_all(&api.h.client, &api.h.table)
        .await
        .iter()
        .filter(|i| i.get("sessionId") == Some(&AttributeValue::S(session.into())))
        .filter(|i| i.contains_key("status"))
        .map(|i| (n(i.get("expiresAt")), n(i.get("ttl"))))
        .collect()
}

#[tokio::test]
async fn paying_early_keeps_the_show_and_access_ends_two_hours_after_the_start() {
    let api = api().await;
    show(&api, "9", h(3), h(6), AccessUntil::TwoHours).await;
    let (session, expires) = buy(&api, "early", "9").await;
    let end = t0() + h(5);
    assert_eq!(expires, end, "max(paidAt, startsAt) + 2 h");
    let copies = stored_expiry(&api, &session).await;
    assert_eq!(copies.len(), 3, "canonical, trx mirror, guard");
    for (expires_ms, ttl) in copies {
        assert_eq!(expires_ms, end.timestamp_millis());
        assert_eq!(ttl, (end + h(24)).timestamp(), "TTL follows the window");
    }
    // Before the show, during it, its last millisecond, then over.
    assert_eq!(access(&api, &session, "9").await["hasAccess"], true);
    api.h.clock.set(t0() + h(4));
    let during = access(&api, &session, "9").await;
    assert_eq!(during["hasAccess"], true);
    assert_eq!(during["remainingTime"], 3_600_000);
    api.h.clock.set(end - TimeDelta::milliseconds(1));
    assert_eq!(access(&api, &session, "9").await["hasAccess"], true);
    api.h.clock.set(end);
    assert_eq!(access(&api, &session, "9").await["hasAccess"], false);

    // Paid after the start: two hours from the payment.
    api.h.clock.set(t0() + h(4));
    let (_, late) = buy(&api, "late", "9").await;
    assert_eq!(late, t0() + h(6));
}

#[tokio::test]
async fn event_end_lasts_until_the_end_plus_the_grace() {
    let api = api().await;
    show(&api, "10", h(1), h(5), AccessUntil::EventEnd).await;
    let (session, expires) = buy(&api, "fan", "10").await;
    let end = t0() + h(5) + TimeDelta::minutes(30);
    assert_eq!(expires, end);
    api.h.clock.set(end - TimeDelta::seconds(1));
    assert_eq!(access(&api, &session, "10").await["hasAccess"], true);
    api.h.clock.set(end);
    assert_eq!(access(&api, &session, "10").await["hasAccess"], false);
}

#[tokio::test]
async fn a_complimentary_grant_follows_the_schedule() {
    let api = api().await;
    show(&api, "9", h(3), h(6), AccessUntil::TwoHours).await;
    let r = api
        .admin(
            "POST",
            "/api/force-approve",
            "",
            Some(json!({"streamId": "9", "userId": "guest"})),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.data()["complimentary"], true);
    let expires: DateTime<Utc> = r.data()["expiresAt"].as_str().unwrap().parse().unwrap();
    assert_eq!(expires, t0() + h(5));
}
