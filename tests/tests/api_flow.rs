//! The public API end to end, in-process on DynamoDB Local: the full payment flow, every webhook
//! outcome (`webhooks`), the request budgets and the bearer-secret rule.
#![allow(clippy::unwrap_used)] // test code: a panic is the failure report

use std::collections::HashSet;

use chrono::TimeDelta;
use serde_json::json;
use upstream_tests::{Api, Reply, api};

/// Every webhook outcome: refusals and records, a failed report, a late payment and a duplicate.
#[path = "api_flow/webhooks.rs"]
mod webhooks;

async fn generate(api: &Api, user: &str, stream: &str) -> Reply {
    api.request(
        "generate-qris",
        "POST",
        "/api/generate-qris",
        "",
        Some(json!({"streamId": stream, "userId": user})),
    )
    .await
}

async fn status(api: &Api, trx: &str, session: &str) -> Reply {
    api.request(
        "payment-callback",
        "GET",
        "/api/payment-callback",
        &format!("trxId={trx}&sessionId={session}"),
        None,
    )
    .await
}

async fn check(api: &Api, session: &str, stream: &str) -> Reply {
    api.request(
        "check-access",
        "GET",
        "/api/check-access",
        &format!("sessionId={session}&streamId={stream}"),
        None,
    )
    .await
}

fn ids(r: &Reply) -> (String, String) {
    (
        r.data()["trxId"].as_str().unwrap().to_owned(),
        r.data()["sessionId"].as_str().unwrap().to_owned(),
    )
}

#[tokio::test]
async fn full_flow_generate_pay_watch_expire() {
    let api = api().await;
    let r = generate(&api, "demo-user", "2").await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    assert!(
        r.calls <= 2,
        "generate-qris: 1 read + 1 transaction, got {}",
        r.calls
    );
    let (trx, session) = ids(&r);
    let payload = r.data()["qrisData"].as_str().unwrap();
    let q = upstream_session::qris::Qris::parse(payload).unwrap();
    assert_eq!(q.get("54").unwrap().value, "1000");
    assert_eq!(q.inspect().reference_label.as_deref(), Some(trx.as_str()));

    let s = status(&api, &trx, &session).await;
    assert_eq!(
        (
            s.status,
            s.data()["status"].clone(),
            s.data()["hasAccess"].clone()
        ),
        (200, json!("pending"), json!(false))
    );
    assert_eq!(s.calls, 1, "payment-callback GET: one GetItem");

    api.h.clock.advance(TimeDelta::minutes(5));
    let w = api
        .webhook(
            &json!({"trxId": trx, "amount": 1000, "status": "paid", "providerRef": "GW-123"}),
            None,
        )
        .await;
    assert_eq!(w.status, 200, "{:?}", w.body);
    assert_eq!(w.data()["outcome"], "granted");
    assert_eq!(w.data()["alreadyProcessed"], false);
    assert!(w.data()["paymentId"].as_str().unwrap().starts_with("pay_"));
    assert!(
        w.calls <= 2,
        "webhook: 1 read + 1 transaction, got {}",
        w.calls
    );

    let s = status(&api, &trx, &session).await;
    assert_eq!(s.data()["status"], "paid");
    assert_eq!(s.data()["hasAccess"], true);
    assert_eq!(s.data()["remainingTime"], 2 * 3600 * 1000);

    let c = check(&api, &session, "2").await;
    assert_eq!(c.data()["hasAccess"], true);
    assert_eq!(c.operations, vec!["GetItem"], "check-access: one GetItem");
    assert!(c.data()["expiresAt"].as_str().unwrap().ends_with('Z'));
    assert_eq!(
        check(&api, &session, "4").await.data()["hasAccess"],
        false,
        "another stream"
    );
    let wrong_user = api
        .request(
            "check-access",
            "GET",
            "/api/check-access",
            &format!("sessionId={session}&streamId=2&userId=mallory"),
            None,
        )
        .await;
    assert_eq!(wrong_user.data()["hasAccess"], false);

    // A replay of the same delivery changes nothing.
    let again = api
        .webhook(
            &json!({"trxId": trx, "amount": 1000, "status": "paid", "providerRef": "GW-123"}),
            None,
        )
        .await;
    assert_eq!(again.status, 200);
    assert_eq!(again.data()["alreadyProcessed"], true);
    assert_eq!(again.data()["outcome"], "granted");
    assert_eq!(again.data()["paymentId"], w.data()["paymentId"]);
    // Another payment of the same QR is owed back, not forgotten.
    let second = api
        .webhook(
            &json!({"trxId": trx, "amount": 1000, "status": "paid", "providerRef": "GW-999"}),
            None,
        )
        .await;
    assert_eq!(second.status, 200);
    assert_eq!(second.data()["outcome"], "refund_due");
    assert_eq!(second.data()["reason"], "second_payment");
    assert_eq!(second.data()["alreadyProcessed"], false);

    // Another Bayar while access is live: 409.
    let dup = generate(&api, "demo-user", "2").await;
    assert_eq!((dup.status, dup.code()), (409, "ALREADY_HAS_ACCESS"));
    assert_eq!(
        dup.body["error"],
        "Anda sudah memiliki akses untuk stream ini"
    );

    api.h.clock.advance(TimeDelta::hours(2));
    let c = check(&api, &session, "2").await;
    assert_eq!(c.data()["hasAccess"], false);
    assert_eq!(c.data()["remainingTime"], 0);
    assert_eq!(
        generate(&api, "demo-user", "2").await.status,
        200,
        "after expiry a new purchase works"
    );

    let events = api
        .h
        .manager
        .events(&upstream_session::domain::SessionId::parse(session).unwrap())
        .await
        .unwrap();
    let actions: Vec<_> = events.iter().map(|e| e.action.as_str()).collect();
    assert_eq!(actions, vec!["paid", "second_payment"]);
    assert_eq!(events[0].provider_ref.as_deref(), Some("GW-123"));
    assert_eq!(events[0].source, "webhook");
}

#[tokio::test]
async fn a_qr_is_only_ever_handed_to_whoever_asked_for_it() {
    let api = api().await;
    let first = generate(&api, "demo-user", "4").await;
    let (trx, session) = ids(&first);
    // A second tap without the sessionId (a stranger who knows the userId, or a lost response) gets
    // a new session of its own, never the first one's QR.
    let second = generate(&api, "demo-user", "4").await;
    assert_eq!(second.status, 200);
    assert_eq!(second.data()["reused"], false);
    assert_ne!(second.data()["trxId"], trx.as_str());
    assert_ne!(second.data()["qrisData"], first.data()["qrisData"]);
    assert_ne!(second.data()["sessionId"], session.as_str());
    assert!(
        second.data()["sessionId"]
            .as_str()
            .unwrap()
            .starts_with("session_")
    );
    let owner = api
        .request(
            "generate-qris",
            "POST",
            "/api/generate-qris",
            "",
            Some(json!({"streamId": "4", "userId": "demo-user", "sessionId": session})),
        )
        .await;
    assert_eq!(owner.data()["reused"], true);
    assert_eq!(owner.data()["trxId"], trx.as_str());
    assert_eq!(
        owner.data()["sessionId"],
        session.as_str(),
        "the holder of the secret gets its own session back"
    );
    assert_eq!(owner.data()["qrisData"], first.data()["qrisData"]);
}

#[tokio::test]
async fn user_sessions_never_contain_a_session_id() {
    let api = api().await;
    let (trx, _) = ids(&generate(&api, "demo-user", "2").await);
    generate(&api, "demo-user", "4").await;
    api.webhook(
        &json!({"trxId": trx, "amount": 1000, "status": "paid", "providerRef": format!("RRN-{}", trx)}),
        None,
    )
    .await;
    let list = api
        .request(
            "user-sessions",
            "GET",
            "/api/user-sessions",
            "userId=demo-user",
            None,
        )
        .await;
    assert_eq!(list.status, 200);
    assert_eq!(list.calls, 1, "user-sessions: one Query");
    assert_eq!(list.data()["totalActive"], 2);
    let post = api
        .request(
            "user-sessions",
            "POST",
            "/api/user-sessions",
            "",
            Some(json!({"userId": "demo-user", "streamId": "2"})),
        )
        .await;
    assert_eq!(post.calls, 1);
    assert_eq!(post.data()["hasAccess"], true);
    assert!(post.data()["remainingTime"].as_i64().unwrap() > 0);
    let post4 = api
        .request(
            "user-sessions",
            "POST",
            "/api/user-sessions",
            "",
            Some(json!({"userId": "demo-user", "streamId": "4"})),
        )
        .await;
    assert_eq!(post4.data()["hasAccess"], false, "pending is not access");
    for reply in [&list, &post, &post4] {
        assert!(
            !reply.body.to_string().contains("session_"),
            "{}",
            reply.body
        );
    }
}

#[tokio::test]
async fn catalog_reads_are_cached_per_container() {
    let api = api().await;
    let first = generate(&api, "u1", "2").await;
    assert_eq!(first.calls, 2, "catalog GetItem + transaction");
    let second = generate(&api, "u2", "2").await;
    assert_eq!(second.calls, 1, "cached catalog: the transaction only");
    api.h.clock.advance(TimeDelta::seconds(61));
    assert_eq!(
        generate(&api, "u3", "2").await.calls,
        2,
        "the cache lives at most 60 s"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn twenty_concurrent_taps_with_one_idempotency_key_make_one_session() {
    let api = std::sync::Arc::new(api().await);
    let body = json!({"streamId": "2", "userId": "demo-user"});
    let tasks: Vec<_> = (0..20)
        .map(|_| {
            let api = api.clone();
            let body = body.clone();
            tokio::spawn(async move {
                api.request_with(
                    "generate-qris",
                    "POST",
                    "/api/generate-qris",
                    &[("idempotency-key", "tap-20")],
                    Some(body),
                )
                .await
            })
        })
        .collect();
    let mut sessions = HashSet::new();
    let mut replayed = 0;
    for t in tasks {
        let r = t.await.unwrap();
        assert_eq!(r.status, 200, "{:?}", r.body);
        sessions.insert(r.data()["sessionId"].as_str().unwrap().to_owned());
        if r.headers.get("idempotent-replayed").is_some() {
            replayed += 1;
        }
    }
    assert_eq!(
        sessions.len(),
        1,
        "one session, and every answer carries it"
    );
    assert_eq!(replayed, 19);
    let other = api
        .request_with(
            "generate-qris",
            "POST",
            "/api/generate-qris",
            &[("idempotency-key", "tap-20")],
            Some(json!({"streamId": "4", "userId": "demo-user"})),
        )
        .await;
    assert_eq!(
        (other.status, other.code()),
        (422, "IDEMPOTENCY_KEY_REUSED")
    );
    let bad = api
        .request_with(
            "generate-qris",
            "POST",
            "/api/generate-qris",
            &[("idempotency-key", "no spaces allowed")],
            Some(body.clone()),
        )
        .await;
    assert_eq!((bad.status, bad.code()), (400, "INVALID_FIELD"));
}

#[tokio::test]
async fn unavailable_dynamodb_is_503_with_retry_after() {
    let mut api = api().await;
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let dead = upstream_session::Store::new(
        upstream_session::store::local_client(&format!("http://127.0.0.1:{port}")),
        "gone",
        Default::default(),
    );
    api.stack.check_access.manager =
        upstream_session::SessionManager::new(dead, api.h.manager.clock());
    let r = check(&api, "session_00000000000000000000000000000000", "2").await;
    assert_eq!((r.status, r.code()), (503, "SERVICE_UNAVAILABLE"));
    assert_eq!(r.headers["retry-after"], "1");
}

#[tokio::test]
async fn status_requires_both_ids_of_the_same_session() {
    let api = api().await;
    let (trx_a, session_a) = ids(&generate(&api, "alice", "2").await);
    let (trx_b, _) = ids(&generate(&api, "bob", "2").await);
    assert_eq!(status(&api, &trx_a, &session_a).await.status, 200);
    let crossed = status(&api, &trx_b, &session_a).await;
    assert_eq!((crossed.status, crossed.code()), (404, "SESSION_NOT_FOUND"));
}

#[test]
fn a_bad_static_qris_refuses_the_start() {
    assert!(generate_qris::static_qris(upstream_session::qris::DEMO_STATIC).is_ok());
    let broken = format!(
        "{}0000",
        &upstream_session::qris::DEMO_STATIC[..upstream_session::qris::DEMO_STATIC.len() - 4]
    );
    let err = generate_qris::static_qris(&broken).unwrap_err();
    assert!(
        err.to_string()
            .contains("QRIS_STATIC_PAYLOAD is invalid: CRC mismatch"),
        "{err}"
    );
}
