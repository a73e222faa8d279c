//! The payments ledger and access integrity, through the real handlers on DynamoDB Local: every refund
//! reason from a signed webhook (on the ledger and on `GET /admin/refunds`), concurrent deliveries,
//! QR ownership, too-late money that outlives its session, settle and revoke.
#![allow(clippy::unwrap_used)] // test code: a panic is the failure report

use std::collections::HashMap;
use std::sync::Arc;

use aws_sdk_dynamodb::types::AttributeValue;
use chrono::TimeDelta;
use serde_json::{Value, json};
use upstream_session::Policy;
use upstream_tests::{Api, Reply, api, api_with, scan_all};

/// The operator's side of the ledger: revoke, force-approve by the ledger's rules, the admin page's refunds.
#[path = "ledger/operator.rs"]
mod operator;

/// The operator's sales at a glance: `GET /admin/stats` against the ledger export.
#[path = "ledger/stats.rs"]
mod stats;

async fn generate(api: &Api, user: &str, stream: &str) -> Reply {
    let r = api.generate_qris(user, stream).await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    r
}

fn ids(r: &Reply) -> (String, String) {
    (
        r.data()["trxId"].as_str().unwrap().to_owned(),
        r.data()["sessionId"].as_str().unwrap().to_owned(),
    )
}

async fn pay(api: &Api, trx: &str, amount: u64, reference: &str) -> Reply {
    api.webhook(
        &json!({"trxId": trx, "amount": amount, "status": "paid", "providerRef": reference}),
        None,
    )
    .await
}

async fn has_access(api: &Api, session: &str, stream: &str) -> bool {
    api.check_access(session, stream).await.data()["hasAccess"] == Value::Bool(true)
}

async fn refunds(api: &Api, status: &str) -> Vec<Value> {
    let r = api
        .admin("GET", "/admin/refunds", &format!("status={status}"), None)
        .await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    assert_eq!(r.operations, vec!["Query"], "one Query on the sparse index");
    r.data()["refunds"].as_array().unwrap().clone()
}

/// The raw payment items of the table, by paymentId.
async fn raw_payments(api: &Api) -> HashMap<String, HashMap<String, AttributeValue>> {
    scan_all(&api.h.client, &api.h.table)
        .await
        .into_iter()
        .filter(|i| i.get("kind") == Some(&AttributeValue::S("payment".into())))
        .map(|i| (i["paymentId"].as_s().unwrap().clone(), i))
        .collect()
}

#[tokio::test]
async fn every_refund_reason_lands_on_the_ledger_and_the_admin_list() {
    let api = api().await;

    // amount_mismatch: 999 for a 1.000 QR. The session stays payable.
    let (trx_a, session_a) = ids(&generate(&api, "ana", "2").await);
    let r = pay(&api, &trx_a, 999, "GW-A").await;
    assert_eq!(
        (r.status, r.data()["reason"].clone()),
        (200, json!("amount_mismatch"))
    );
    assert!(r.calls <= 2, "1 read + 1 write, got {:?}", r.operations);

    // second_payment: the same QR paid twice from two phones.
    let (trx_b, session_b) = ids(&generate(&api, "budi", "2").await);
    assert_eq!(
        pay(&api, &trx_b, 1000, "GW-B1").await.data()["outcome"],
        "granted"
    );
    let r = pay(&api, &trx_b, 1000, "GW-B2").await;
    assert_eq!(r.data()["reason"], "second_payment");
    assert!(r.calls <= 2, "1 read + 1 write, got {:?}", r.operations);

    // duplicate_access: another session of a viewer who already watches.
    let (trx_c1, session_c1) = ids(&generate(&api, "citra", "4").await);
    let (trx_c2, session_c2) = ids(&generate(&api, "citra", "4").await);
    assert_eq!(
        pay(&api, &trx_c1, 1000, "GW-C1").await.data()["outcome"],
        "granted"
    );
    let r = pay(&api, &trx_c2, 1000, "GW-C2").await;
    assert_eq!(r.data()["reason"], "duplicate_access");
    assert!(
        r.calls <= 3,
        "1 read + 1 transaction + 1 write, got {:?}",
        r.operations
    );
    assert!(has_access(&api, &session_c1, "4").await);
    assert!(!has_access(&api, &session_c2, "4").await);

    // session_closed: a failed session paid after all.
    let (trx_d, _) = ids(&generate(&api, "dewi", "2").await);
    let f = api
        .webhook(
            &json!({"trxId": trx_d, "amount": 1000, "status": "failed"}),
            None,
        )
        .await;
    assert_eq!(f.data()["outcome"], "failed");
    assert_eq!(
        pay(&api, &trx_d, 1000, "GW-D").await.data()["reason"],
        "session_closed"
    );

    // unknown_trx: money for a QR we never issued.
    let r = pay(&api, "UP-NEVER-ISSUED", 1000, "GW-E").await;
    assert_eq!(r.data()["reason"], "unknown_trx");
    assert!(r.data().get("status").is_none());

    // too_late: beyond pending validity + grace.
    let (trx_f, _) = ids(&generate(&api, "fajar", "2").await);
    api.h.clock.advance(TimeDelta::hours(2 + 24));
    let r = pay(&api, &trx_f, 1000, "GW-F").await;
    assert_eq!(r.data()["reason"], "too_late");

    let open = refunds(&api, "open").await;
    let mut reasons: Vec<_> = open.iter().map(|r| r["reason"].as_str().unwrap()).collect();
    reasons.sort_unstable();
    assert_eq!(
        reasons,
        vec![
            "amount_mismatch",
            "duplicate_access",
            "second_payment",
            "session_closed",
            "too_late",
            "unknown_trx"
        ]
    );
    for r in &open {
        assert_eq!(r["status"], "open");
        assert!(r["paymentId"].as_str().unwrap().starts_with("pay_"));
        assert!(r["reasonText"].as_str().is_some_and(|t| !t.is_empty()));
        assert!(r["receivedAt"].as_str().unwrap().ends_with('Z'));
    }
    let mismatch = open
        .iter()
        .find(|r| r["reason"] == "amount_mismatch")
        .unwrap();
    assert_eq!(
        mismatch["amount"], 999,
        "the amount received is what is owed"
    );
    assert_eq!(mismatch["sessionId"], session_a.as_str());
    assert_eq!(mismatch["userId"], "ana");
    let second = open
        .iter()
        .find(|r| r["reason"] == "second_payment")
        .unwrap();
    assert_eq!(second["providerRef"], "GW-B2");
    assert_eq!(second["sessionId"], session_b.as_str());
    // Newest first.
    assert_eq!(open[0]["reason"], "too_late");

    // On the ledger itself: open refunds carry no TTL; granted records keep one ≥ 400 days.
    let raw = raw_payments(&api).await;
    let now = api.h.manager.now();
    for item in raw.values() {
        let outcome = item["outcome"].as_s().unwrap();
        if outcome == "refund_due" {
            assert!(
                !item.contains_key("ttl"),
                "an open refund must not expire: {item:?}"
            );
        } else {
            let ttl: i64 = item["ttl"].as_n().unwrap().parse().unwrap();
            assert!(ttl >= (now - TimeDelta::days(2) + TimeDelta::days(400)).timestamp());
        }
    }
    assert_eq!(raw.len(), 9, "6 refunds, 2 granted, 1 failed");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_same_payment_delivered_25_times_is_recorded_once() {
    let api = Arc::new(api().await);
    let (trx, session) = ids(&generate(&api, "demo-user", "2").await);
    let tasks: Vec<_> = (0..25)
        .map(|_| {
            let api = api.clone();
            let trx = trx.clone();
            tokio::spawn(async move { pay(&api, &trx, 1000, "GW-SAME").await })
        })
        .collect();
    let mut fresh = 0;
    let mut already = 0;
    for t in tasks {
        let r = t.await.unwrap();
        assert_eq!(r.status, 200, "{:?}", r.body);
        assert_eq!(r.data()["outcome"], "granted", "{:?}", r.body);
        if r.data()["alreadyProcessed"] == Value::Bool(true) {
            already += 1;
        } else {
            fresh += 1;
        }
    }
    assert_eq!((fresh, already), (1, 24));
    assert_eq!(raw_payments(&api).await.len(), 1, "one record");
    let events = api
        .h
        .manager
        .events(&upstream_session::domain::SessionId::parse(&session).unwrap())
        .await
        .unwrap();
    assert_eq!(
        events.iter().filter(|e| e.action == "paid").count(),
        1,
        "one transition"
    );
    assert!(refunds(&api, "open").await.is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_payments_of_one_qr_at_once_grant_once_and_owe_once() {
    let api = Arc::new(api().await);
    let (trx, _) = ids(&generate(&api, "demo-user", "2").await);
    let a = {
        let (api, trx) = (api.clone(), trx.clone());
        tokio::spawn(async move { pay(&api, &trx, 1000, "PHONE-1").await })
    };
    let b = {
        let (api, trx) = (api.clone(), trx.clone());
        tokio::spawn(async move { pay(&api, &trx, 1000, "PHONE-2").await })
    };
    let (a, b) = (a.await.unwrap(), b.await.unwrap());
    let mut outcomes = vec![
        (a.data()["outcome"].clone(), a.data()["reason"].clone()),
        (b.data()["outcome"].clone(), b.data()["reason"].clone()),
    ];
    outcomes.sort_by_key(|o| o.0.to_string());
    assert_eq!(
        outcomes,
        vec![
            (json!("granted"), Value::Null),
            (json!("refund_due"), json!("second_payment"))
        ]
    );
    assert_eq!(refunds(&api, "open").await.len(), 1);
}

#[tokio::test]
async fn a_strangers_pending_session_is_never_handed_to_the_victim() {
    let api = api().await;
    // The stranger knows the victim's userId and asks first.
    let stranger = generate(&api, "victim", "2").await;
    let (stranger_trx, stranger_session) = ids(&stranger);
    // The victim's own tap gets its own session and QR.
    let victim = generate(&api, "victim", "2").await;
    let (victim_trx, victim_session) = ids(&victim);
    assert_ne!(victim_session, stranger_session);
    assert_ne!(victim_trx, stranger_trx);
    assert_eq!(victim.data()["reused"], false);
    assert_ne!(victim.data()["qrisData"], stranger.data()["qrisData"]);
    // The victim pays the QR it was shown: the victim watches, the stranger does not.
    assert_eq!(
        pay(&api, &victim_trx, 1000, "GW-V").await.data()["outcome"],
        "granted"
    );
    assert!(has_access(&api, &victim_session, "2").await);
    assert!(!has_access(&api, &stranger_session, "2").await);
    // The stranger cannot reuse the victim's session without its id, and gets 409 now.
    let again = api
        .request(
            "generate-qris",
            "POST",
            "/api/generate-qris",
            "",
            Some(json!({"streamId": "2", "userId": "victim", "sessionId": stranger_session})),
        )
        .await;
    assert_eq!((again.status, again.code()), (409, "ALREADY_HAS_ACCESS"));
}

#[tokio::test]
async fn two_pending_sessions_both_paid_give_one_access_and_one_refund() {
    let api = api().await;
    let (trx1, s1) = ids(&generate(&api, "demo-user", "4").await);
    let (trx2, s2) = ids(&generate(&api, "demo-user", "4").await);
    assert_eq!(
        pay(&api, &trx2, 1000, "GW-2").await.data()["outcome"],
        "granted"
    );
    let r = pay(&api, &trx1, 1000, "GW-1").await;
    assert_eq!(r.data()["reason"], "duplicate_access");
    assert!(has_access(&api, &s2, "4").await);
    assert!(!has_access(&api, &s1, "4").await);
    let open = refunds(&api, "open").await;
    assert_eq!(open.len(), 1);
    assert_eq!(open[0]["sessionId"], s1.as_str());
}

#[tokio::test]
async fn too_late_money_outlives_its_session_and_settling_keeps_it_listed() {
    let policy = Policy {
        pending_validity: TimeDelta::seconds(60),
        access_duration: TimeDelta::seconds(120),
        ttl_grace: TimeDelta::seconds(30),
        ..Policy::default()
    };
    let api = api_with(policy).await;
    let (trx, session) = ids(&generate(&api, "late-user", "2").await);
    let session_ttl = {
        let items = scan_all(&api.h.client, &api.h.table).await;
        let item = items
            .iter()
            .find(|i| i.get("kind") == Some(&AttributeValue::S("session".into())))
            .unwrap();
        item["ttl"].as_n().unwrap().parse::<i64>().unwrap()
    };
    // Two minutes later: past validity + grace, and past the session's TTL moment.
    api.h.clock.advance(TimeDelta::seconds(120));
    assert!(api.h.manager.now().timestamp() > session_ttl);
    let r = pay(&api, &trx, 1000, "GW-LATE").await;
    assert_eq!(r.data()["reason"], "too_late");
    let payment_id = r.data()["paymentId"].as_str().unwrap().to_owned();
    assert!(!has_access(&api, &session, "2").await);

    // A day later it is still owed and listed; its raw item has no ttl at all.
    api.h.clock.advance(TimeDelta::days(1));
    let open = refunds(&api, "open").await;
    assert_eq!(open.len(), 1);
    assert_eq!(open[0]["paymentId"], payment_id.as_str());
    let raw = raw_payments(&api).await;
    assert!(
        !raw[&payment_id].contains_key("ttl"),
        "{:?}",
        raw[&payment_id]
    );

    // Settle: gone from the open list, kept in the settled one, with a TTL ≥ 400 days from now.
    let s = api
        .admin(
            "POST",
            &format!("/admin/refunds/{payment_id}/settle"),
            "",
            Some(json!({"note": "BCA transfer 123"})),
        )
        .await;
    assert_eq!(s.status, 200, "{:?}", s.body);
    assert_eq!(s.data()["status"], "settled");
    assert_eq!(s.data()["alreadySettled"], false);
    assert_eq!(s.data()["settledBy"], upstream_tests::OPERATOR);
    let again = api
        .admin(
            "POST",
            &format!("/admin/refunds/{payment_id}/settle"),
            "",
            Some(json!({"note": "twice"})),
        )
        .await;
    assert_eq!(again.data()["alreadySettled"], true, "idempotent");
    assert_eq!(
        again.data()["note"],
        "BCA transfer 123",
        "the first settlement stands"
    );
    assert!(refunds(&api, "open").await.is_empty());
    let settled = refunds(&api, "settled").await;
    assert_eq!(settled.len(), 1);
    assert_eq!(settled[0]["note"], "BCA transfer 123");
    let raw = raw_payments(&api).await;
    let ttl: i64 = raw[&payment_id]["ttl"].as_n().unwrap().parse().unwrap();
    assert!(ttl >= (api.h.manager.now() + TimeDelta::days(400)).timestamp());
    let events = api
        .h
        .manager
        .events(&upstream_session::domain::SessionId::parse(&session).unwrap())
        .await
        .unwrap();
    let settle_event = events
        .iter()
        .find(|e| e.action == "refund_settled")
        .unwrap();
    assert_eq!(
        settle_event.actor.as_deref(),
        Some(upstream_tests::OPERATOR)
    );

    let unknown = api
        .admin(
            "POST",
            "/admin/refunds/pay_00000000000000000000000000000000/settle",
            "",
            Some(json!({})),
        )
        .await;
    assert_eq!((unknown.status, unknown.code()), (404, "PAYMENT_NOT_FOUND"));
}
