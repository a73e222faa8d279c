//! The operator's side of the ledger: revoke, force-approve by the ledger's rules, the admin page's refunds.

use super::*;

#[tokio::test]
async fn revoke_ends_access_at_once_and_can_owe_the_payment_back() {
    let api = api().await;
    let (trx, session) = ids(&generate(&api, "demo-user", "2").await);
    pay(&api, &trx, 1000, "GW-R").await;
    assert!(has_access(&api, &session, "2").await);
    let r = api
        .admin(
            "POST",
            &format!("/admin/sessions/{session}/revoke"),
            "",
            Some(json!({"note": "chargeback", "refund": true})),
        )
        .await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    assert_eq!(r.data()["status"], "revoked");
    assert_eq!(r.data()["refund"]["reason"], "revoked");
    assert_eq!(r.data()["refund"]["amount"], 1000);
    assert!(
        !has_access(&api, &session, "2").await,
        "check-access says no at once"
    );
    let open = refunds(&api, "open").await;
    assert_eq!(open.len(), 1);
    assert_eq!(
        open[0]["providerRef"], "GW-R",
        "the payment that bought the access"
    );
    let twice = api
        .admin(
            "POST",
            &format!("/admin/sessions/{session}/revoke"),
            "",
            Some(json!({"refund": true})),
        )
        .await;
    assert_eq!((twice.status, twice.code()), (409, "SESSION_CLOSED"));
    // After a revoke the viewer may buy again.
    assert_eq!(generate(&api, "demo-user", "2").await.status, 200);
    let events = api
        .h
        .manager
        .events(&upstream_session::domain::SessionId::parse(&session).unwrap())
        .await
        .unwrap();
    let e = events
        .iter()
        .find(|e| e.action == "revoked_with_refund")
        .unwrap();
    assert_eq!(e.actor.as_deref(), Some(upstream_tests::OPERATOR));
    assert_eq!(e.note.as_deref(), Some("chargeback"));
}

#[tokio::test]
async fn force_approve_follows_the_ledger_rules() {
    let api = api().await;
    // A too-late session cannot be approved, and nothing is recorded as paid.
    let (trx, _) = ids(&generate(&api, "demo-user", "2").await);
    api.h.clock.advance(TimeDelta::hours(2 + 24));
    let r = api
        .admin(
            "POST",
            "/api/force-approve",
            "",
            Some(json!({"trxId": trx})),
        )
        .await;
    assert_eq!((r.status, r.code()), (409, "SESSION_CLOSED"));
    assert!(raw_payments(&api).await.is_empty());
    // An approval is a `manual` payment on the ledger; a grant a `complimentary` one at Rp 0.
    let (trx2, _) = ids(&generate(&api, "demo-user", "2").await);
    let ok = api
        .admin(
            "POST",
            "/api/force-approve",
            "",
            Some(json!({"trxId": trx2})),
        )
        .await;
    assert_eq!(ok.status, 200, "{:?}", ok.body);
    api.h.clock.advance(TimeDelta::seconds(1));
    let g = api
        .admin(
            "POST",
            "/api/force-approve",
            "",
            Some(json!({"streamId": "4", "userId": "guest"})),
        )
        .await;
    assert_eq!(g.data()["complimentary"], true);
    let now = api.h.manager.now();
    let ledger = api
        .admin(
            "GET",
            "/admin/payments",
            &format!(
                "from={}&to={}",
                (now - TimeDelta::hours(1)).to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
                (now + TimeDelta::hours(1)).to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
            ),
            None,
        )
        .await;
    assert_eq!(ledger.status, 200, "{:?}", ledger.body);
    let payments = ledger.data()["payments"].as_array().unwrap();
    let providers: Vec<_> = payments
        .iter()
        .map(|p| {
            (
                p["provider"].as_str().unwrap(),
                p["amount"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(providers, vec![("manual", 1000), ("complimentary", 0)]);
    let csv = api
        .admin(
            "GET",
            "/admin/payments",
            &format!(
                "from={}&format=csv",
                (now - TimeDelta::hours(1)).format("%Y-%m-%d")
            ),
            None,
        )
        .await;
    assert_eq!(csv.status, 200);
    assert!(
        csv.headers["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/csv")
    );
    let text = csv.body.as_str().unwrap();
    assert!(text.starts_with("paymentId,receivedAt,provider"), "{text}");
    assert_eq!(text.lines().count(), 3, "{text}");
    let missing = api.admin("GET", "/admin/payments", "", None).await;
    assert_eq!((missing.status, missing.code()), (400, "MISSING_FIELD"));
}

#[tokio::test]
async fn the_admin_page_lists_open_refunds_and_offers_revoke() {
    let api = api().await;
    let (trx, _) = ids(&generate(&api, "rina", "2").await);
    pay(&api, &trx, 1000, "GW-OK").await;
    let (trx2, _) = ids(&generate(&api, "sari", "2").await);
    pay(&api, &trx2, 999, "GW-999").await;
    let page = api.admin("GET", "/admin/approve", "", None).await;
    assert_eq!(page.status, 200);
    let html = page.body.as_str().unwrap();
    assert!(html.contains("Refund (dana yang harus dikembalikan)"));
    assert!(
        html.contains("Nominal tidak sesuai tagihan"),
        "reason in Bahasa Indonesia"
    );
    assert!(html.contains("Rp 999"));
    assert!(html.contains("Tandai lunas"));
    assert!(
        html.contains("Cabut akses"),
        "a paid session can be revoked"
    );
    assert_eq!(page.headers["x-content-type-options"], "nosniff");
}
