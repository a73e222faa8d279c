//! How a payment's reference keys the ledger, through the real handlers on DynamoDB Local: a `paid`
//! report must carry its `providerRef` (else a second payment of one QR would pass for a repeat of
//! the first), and an operator's approval followed by the gateway's report of the same money is
//! reconciled, never a phantom refund.
#![allow(clippy::unwrap_used)] // test code: a panic is the failure report

use std::collections::BTreeMap;
use std::sync::Arc;

use serde_json::{Value, json};
use upstream_session::domain::SessionId;
use upstream_tests::{Api, api};

#[tokio::test]
async fn a_paid_report_without_its_reference_is_refused_and_nothing_is_recorded() {
    let api = api().await;
    let (trx, _) = api.pending("dina", "2").await;
    assert_eq!(
        api.pay(&trx, 1000, "RRN-1").await.data()["outcome"],
        "granted"
    );
    // The same QR paid a second time, reported without a reference: it used to be keyed by the
    // trxId, taken for a repeat of nothing, answered alreadyProcessed and never recorded.
    let second = api
        .webhook(
            &json!({"trxId": trx, "amount": 1000, "status": "paid"}),
            None,
        )
        .await;
    assert_eq!(
        (second.status, second.code()),
        (400, "MISSING_FIELD"),
        "{:?}",
        second.body
    );
    assert!(
        second.body["error"]
            .as_str()
            .unwrap()
            .contains("providerRef")
    );
    assert_eq!(
        api.payment_count().await,
        1,
        "nothing recorded for the refused report"
    );
    // With its reference it is the second payment it is: an open refund.
    let again = api.pay(&trx, 1000, "RRN-2").await;
    assert_eq!(again.data()["reason"], "second_payment");
    assert_eq!(again.data()["alreadyProcessed"], false);
    assert_eq!(api.refund_list("open").await.len(), 1);
    // A failure report may still come without one.
    let (trx2, _) = api.pending("eka", "2").await;
    let failed = api
        .webhook(
            &json!({"trxId": trx2, "amount": 1000, "status": "failed"}),
            None,
        )
        .await;
    assert_eq!(failed.data()["outcome"], "failed", "{:?}", failed.body);
}

async fn approve(api: &Api, trx: &str) {
    let r = api.force_approve(json!({"trxId": trx})).await;
    assert_eq!(r.status, 200, "{:?}", r.body);
}

/// Money received on the CSV for `trx`: the amounts of its `granted` and `refund_due` rows.
fn money_for(rows: &[BTreeMap<String, String>], trx: &str) -> u64 {
    rows.iter()
        .filter(|r| r["trxId"] == trx && matches!(r["outcome"].as_str(), "granted" | "refund_due"))
        .map(|r| r["amount"].parse::<u64>().unwrap())
        .sum()
}

#[tokio::test]
async fn an_approval_then_the_gateways_report_of_the_same_money_is_reconciled() {
    let api = api().await;
    let (trx, session) = api.pending("fina", "2").await;
    approve(&api, &trx).await;
    assert!(api.has_access(&session, "2").await);

    // The gateway's notification of that very payment: no phantom refund.
    let r = api.pay(&trx, 1000, "RRN-FINA").await;
    assert_eq!(r.data()["outcome"], "granted", "{:?}", r.body);
    assert_eq!(r.data()["refundDue"], false);
    assert_eq!(r.data()["alreadyProcessed"], false);
    assert_eq!(r.data()["status"], "paid");
    assert!(
        r.calls <= 3,
        "1 read + the approval's record + 1 transaction: {:?}",
        r.operations
    );
    assert!(api.refund_list("open").await.is_empty());
    assert!(api.has_access(&session, "2").await, "access unchanged");

    // The CSV counts the money once and shows which record confirmed which.
    let rows = api.ledger_csv().await;
    assert_eq!(money_for(&rows, &trx), 1000, "{rows:?}");
    let manual = rows.iter().find(|r| r["provider"] == "manual").unwrap();
    let gateway = rows.iter().find(|r| r["provider"] == "webhook").unwrap();
    assert_eq!(manual["outcome"], "reconciled");
    assert_eq!(manual["relatedPaymentId"], gateway["paymentId"]);
    assert_eq!(gateway["outcome"], "granted");
    assert_eq!(gateway["relatedPaymentId"], manual["paymentId"]);
    assert_eq!(gateway["providerRef"], "RRN-FINA");

    // The session is now paid by the gateway's record; one audit event says so.
    let id = SessionId::parse(&session).unwrap();
    let paid = api
        .h
        .manager
        .get_payment_session(&id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        paid.payment_id.as_ref().map(|p| p.as_str()),
        Some(gateway["paymentId"].as_str())
    );
    let events = api.h.manager.events(&id).await.unwrap();
    let reconciled: Vec<_> = events.iter().filter(|e| e.action == "reconciled").collect();
    assert_eq!(reconciled.len(), 1, "{events:?}");
    assert_eq!(reconciled[0].provider_ref.as_deref(), Some("RRN-FINA"));

    // A repeat delivery changes nothing; another payment of the same QR is a second payment.
    let again = api.pay(&trx, 1000, "RRN-FINA").await;
    assert_eq!(
        (
            again.data()["outcome"].clone(),
            again.data()["alreadyProcessed"].clone()
        ),
        (json!("granted"), json!(true))
    );
    let second = api.pay(&trx, 1000, "RRN-OTHER").await;
    assert_eq!(second.data()["reason"], "second_payment");
    let open = api.refund_list("open").await;
    assert_eq!(open.len(), 1);
    assert_eq!(open[0]["providerRef"], "RRN-OTHER");
    assert_eq!(
        money_for(&api.ledger_csv().await, &trx),
        2000,
        "the second payment is money owed"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_gateway_payments_after_an_approval_reconcile_once_and_owe_once() {
    let api = Arc::new(api().await);
    let (trx, _) = api.pending("gita", "2").await;
    approve(&api, &trx).await;
    let tasks: Vec<_> = ["RRN-A", "RRN-B"]
        .into_iter()
        .map(|reference| {
            let (api, trx) = (api.clone(), trx.clone());
            tokio::spawn(async move { api.pay(&trx, 1000, reference).await })
        })
        .collect();
    let mut outcomes = Vec::new();
    for t in tasks {
        let r = t.await.unwrap();
        outcomes.push((r.data()["outcome"].clone(), r.data()["reason"].clone()));
    }
    outcomes.sort_by_key(|o| o.0.to_string());
    assert_eq!(
        outcomes,
        vec![
            (json!("granted"), Value::Null),
            (json!("refund_due"), json!("second_payment"))
        ]
    );
    assert_eq!(api.refund_list("open").await.len(), 1);
    let rows = api.ledger_csv().await;
    assert_eq!(
        rows.iter().filter(|r| r["outcome"] == "reconciled").count(),
        1
    );
    assert_eq!(money_for(&rows, &trx), 2000);
}

#[tokio::test]
async fn another_amount_after_an_approval_is_owed_back_whole_and_confirms_nothing() {
    let api = api().await;
    let (trx, session) = api.pending("hana", "2").await;
    approve(&api, &trx).await;
    let r = api.pay(&trx, 900, "RRN-900").await;
    assert_eq!(r.data()["reason"], "amount_mismatch");
    let open = api.refund_list("open").await;
    assert_eq!((open.len(), open[0]["amount"].clone()), (1, json!(900)));
    let rows = api.ledger_csv().await;
    let manual = rows.iter().find(|r| r["provider"] == "manual").unwrap();
    assert_eq!(
        manual["outcome"], "granted",
        "the approval stays unconfirmed"
    );
    assert!(api.has_access(&session, "2").await);
}

#[tokio::test]
async fn an_approval_revoked_with_refund_then_confirmed_owes_the_gateways_payment_once() {
    let api = api().await;
    let (trx, session) = api.pending("indra", "2").await;
    approve(&api, &trx).await;
    let revoke = api
        .admin(
            "POST",
            &format!("/admin/sessions/{session}/revoke"),
            "",
            Some(json!({"refund": true, "note": "salah stream"})),
        )
        .await;
    assert_eq!(revoke.status, 200, "{:?}", revoke.body);
    assert_eq!(api.refund_list("open").await.len(), 1);
    // The gateway's report of the money the approval stood for: still one refund owed, now the
    // gateway's payment (its reference is what the money is returned against).
    let r = api.pay(&trx, 1000, "RRN-INDRA").await;
    assert_eq!(
        (
            r.data()["reason"].clone(),
            r.data()["alreadyProcessed"].clone()
        ),
        (json!("revoked"), json!(false))
    );
    let open = api.refund_list("open").await;
    assert_eq!(open.len(), 1, "{open:?}");
    assert_eq!(open[0]["providerRef"], "RRN-INDRA");
    assert_eq!(open[0]["reason"], "revoked");
    assert_eq!(money_for(&api.ledger_csv().await, &trx), 1000);
}
