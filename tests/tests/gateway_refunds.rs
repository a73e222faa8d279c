//! Refunds made at the gateway, on the ledger (DynamoDB Local) as the Midtrans adapter states them
//! after its status API confirmed them: the access a refunded payment bought ends at once, an open
//! refund the gateway paid back is settled, each partial refund is one record keyed by the gateway's
//! refund id, and a repeat delivery changes nothing. (The simulator over HTTP: infra/cli's
//! `gateway_e2e`.)
#![allow(clippy::unwrap_used)] // test code: a panic is the failure report

use serde_json::json;
use upstream_session::Origin;
use upstream_session::domain::{
    GatewayRefund, PaymentReport, RefundReport, ReportKind, RevokeReason, SessionId, Status,
};
use upstream_tests::{Api, api};

/// The Midtrans payment `transaction` of `trx`, for `amount`.
fn payment(trx: &str, transaction: &str, amount: u64) -> PaymentReport {
    PaymentReport {
        provider: "midtrans".into(),
        provider_ref: Some(transaction.into()),
        trx_id: trx.into(),
        amount,
        kind: ReportKind::Paid,
    }
}

/// The gateway's statement: `payment` and its refunds so far, `(id, amount)` oldest first.
fn refunds(payment: PaymentReport, history: &[(&str, u64)]) -> RefundReport {
    RefundReport {
        payment,
        refunds: history
            .iter()
            .map(|(id, amount)| GatewayRefund {
                refund_id: (*id).into(),
                amount: *amount,
            })
            .collect(),
    }
}

fn gateway() -> Origin {
    Origin {
        source: "webhook".into(),
        actor: Some("midtrans".into()),
        ..Origin::default()
    }
}

async fn pay(api: &Api, report: &PaymentReport) {
    let r = api
        .h
        .manager
        .record_report(report, &gateway())
        .await
        .unwrap();
    assert!(!r.already_processed);
}

#[tokio::test]
async fn a_refund_of_the_granting_payment_ends_access_at_once() {
    let api = api().await;
    let (trx, session) = api.pending("joko", "2").await;
    let paid = payment(&trx, "tx-joko", 1000);
    pay(&api, &paid).await;
    assert!(api.has_access(&session, "2").await);

    let statement = refunds(paid.clone(), &[("1", 1000)]);
    let r = api
        .h
        .manager
        .record_refunds(&statement, &gateway())
        .await
        .unwrap();
    assert!(!r.already_processed());
    assert!(r.payment.already_processed, "the payment was on the ledger");
    let session_now = r.session.as_ref().unwrap();
    assert_eq!(session_now.status, Status::Revoked);
    assert_eq!(
        session_now.revoke_reason,
        Some(RevokeReason::RefundedAtGateway)
    );
    // The very next request answers no; the admin page says why the session ended.
    assert!(!api.has_access(&session, "2").await);
    let page = api.admin("GET", "/admin/approve", "", None).await;
    assert!(
        page.body
            .as_str()
            .unwrap()
            .contains("(dana dikembalikan gateway)")
    );
    let id = SessionId::parse(&session).unwrap();
    let events = api.h.manager.events(&id).await.unwrap();
    assert_eq!(
        events
            .iter()
            .filter(|e| e.action == "refunded_at_gateway")
            .count(),
        1
    );

    // Recorded against the granting payment; a repeat delivery changes nothing.
    let again = api
        .h
        .manager
        .record_refunds(&statement, &gateway())
        .await
        .unwrap();
    assert!(again.already_processed());
    let rows = api.ledger_csv().await;
    let granted = rows.iter().find(|r| r["outcome"] == "granted").unwrap();
    let refund = rows.iter().find(|r| r["outcome"] == "refunded").unwrap();
    assert_eq!(refund["relatedPaymentId"], granted["paymentId"]);
    assert_eq!(refund["gatewayRefundId"], "1");
    assert_eq!(refund["amount"], "1000");
    assert_eq!(granted["refundedAtGateway"], "1000");
    assert_eq!(rows.len(), 2, "{rows:?}");
    // The viewer may buy again.
    api.pending("joko", "2").await;
}

#[tokio::test]
async fn partial_refunds_are_one_record_each_and_add_up() {
    let api = api().await;
    let (trx, session) = api.pending("kiki", "2").await;
    let paid = payment(&trx, "tx-kiki", 1000);
    pay(&api, &paid).await;
    // Midtrans repeats the whole history with each notification.
    let first = refunds(paid.clone(), &[("1", 300)]);
    api.h
        .manager
        .record_refunds(&first, &gateway())
        .await
        .unwrap();
    assert!(
        !api.has_access(&session, "2").await,
        "a partial refund also ends access"
    );
    let second = refunds(paid.clone(), &[("1", 300), ("2", 450)]);
    let r = api
        .h
        .manager
        .record_refunds(&second, &gateway())
        .await
        .unwrap();
    assert_eq!(
        r.refunds
            .iter()
            .map(|(_, already)| *already)
            .collect::<Vec<_>>(),
        vec![true, false]
    );
    api.h
        .manager
        .record_refunds(&second, &gateway())
        .await
        .unwrap();
    let rows = api.ledger_csv().await;
    let refunded: Vec<_> = rows.iter().filter(|r| r["outcome"] == "refunded").collect();
    assert_eq!(refunded.len(), 2, "{rows:?}");
    let sum: u64 = refunded
        .iter()
        .map(|r| r["amount"].parse::<u64>().unwrap())
        .sum();
    assert_eq!(sum, 750);
    let granted = rows.iter().find(|r| r["outcome"] == "granted").unwrap();
    assert_eq!(granted["refundedAtGateway"], "750");
}

#[tokio::test]
async fn a_gateway_refund_settles_an_open_refund_so_it_is_never_paid_back_twice() {
    let api = api().await;
    let (trx, session) = api.pending("lina", "2").await;
    pay(&api, &payment(&trx, "tx-lina-1", 1000)).await;
    // The same QR paid again: money owed back.
    let second = payment(&trx, "tx-lina-2", 1000);
    let owed = api
        .h
        .manager
        .record_report(&second, &gateway())
        .await
        .unwrap();
    assert!(owed.record.is_open_refund());
    assert_eq!(api.refund_list("open").await.len(), 1);

    // Paid back in part at the gateway: still owed.
    api.h
        .manager
        .record_refunds(&refunds(second.clone(), &[("7", 400)]), &gateway())
        .await
        .unwrap();
    let open = api.refund_list("open").await;
    assert_eq!(open.len(), 1);
    assert_eq!(open[0]["refundedAtGateway"], 400);
    let page = api.admin("GET", "/admin/approve", "", None).await;
    assert!(
        page.body
            .as_str()
            .unwrap()
            .contains("sudah dikembalikan lewat gateway: Rp 400"),
        "the Refund section says what the gateway paid back"
    );
    // The rest: settled by the gateway, no longer open, listed as settled with its refund's id.
    api.h
        .manager
        .record_refunds(
            &refunds(second.clone(), &[("7", 400), ("8", 600)]),
            &gateway(),
        )
        .await
        .unwrap();
    assert!(api.refund_list("open").await.is_empty());
    let settled = api.refund_list("settled").await;
    assert_eq!(settled.len(), 1);
    assert_eq!(settled[0]["settledBy"], "gateway:midtrans");
    assert!(settled[0]["note"].as_str().unwrap().contains("refund 8"));
    // The access the first payment bought is untouched.
    assert!(api.has_access(&session, "2").await);
    // An operator's settlement now finds it settled.
    let s = api
        .admin(
            "POST",
            &format!("/admin/refunds/{}/settle", owed.record.payment_id),
            "",
            Some(json!({"note": "BCA"})),
        )
        .await;
    assert_eq!(s.data()["alreadySettled"], true, "{:?}", s.body);
}

#[tokio::test]
async fn a_refund_whose_payment_was_never_reported_records_the_payment_first() {
    let api = api().await;
    let (trx, session) = api.pending("mira", "2").await;
    // Only the refund's notification arrives: the money came, and went back.
    let r = api
        .h
        .manager
        .record_refunds(
            &refunds(payment(&trx, "tx-mira", 1000), &[("1", 1000)]),
            &gateway(),
        )
        .await
        .unwrap();
    assert!(!r.payment.already_processed);
    assert_eq!(r.session.as_ref().unwrap().status, Status::Revoked);
    assert!(!api.has_access(&session, "2").await);
    assert!(api.refund_list("open").await.is_empty());
    assert_eq!(api.payment_count().await, 2, "the payment and its refund");
}
