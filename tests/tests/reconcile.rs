//! How a payment's reference keys the ledger, through the real handlers on DynamoDB Local: a `paid`
//! report must carry its `providerRef` (else a second payment of one QR would pass for a repeat of
//! the first), and an operator's approval followed by the gateway's report of the same money is
//! reconciled, never a phantom refund.
#![allow(clippy::unwrap_used)] // test code: a panic is the failure report

use serde_json::json;
use upstream_tests::api;

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
