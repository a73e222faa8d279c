//! Every webhook outcome: refusals and records, a failed report, a late payment and a duplicate.

use upstream_session::Clock;
use upstream_session::edge::signature;
use upstream_tests::SECRET;

use super::*;

#[tokio::test]
async fn webhook_refusals_and_records() {
    let api = api().await;
    let (trx, session) = ids(&generate(&api, "demo-user", "2").await);
    let body = json!({"trxId": trx, "amount": 1000, "status": "paid", "providerRef": format!("RRN-{}", trx)});

    let forged = api
        .webhook(
            &body,
            Some(signature::sign(
                b"not-the-secret-at-all",
                api.h.clock.now().timestamp(),
                body.to_string().as_bytes(),
            )),
        )
        .await;
    assert_eq!((forged.status, forged.code()), (401, "INVALID_SIGNATURE"));
    let stale = api
        .webhook(
            &body,
            Some(signature::sign(
                SECRET.as_bytes(),
                api.h.clock.now().timestamp() - 301,
                body.to_string().as_bytes(),
            )),
        )
        .await;
    assert_eq!((stale.status, stale.code()), (401, "INVALID_SIGNATURE"));
    let tampered_sig = signature::sign(
        SECRET.as_bytes(),
        api.h.clock.now().timestamp(),
        body.to_string().as_bytes(),
    );
    let tampered = api
        .webhook(
            &json!({"trxId": trx, "amount": 1, "status": "paid", "providerRef": format!("RRN-{}", trx)}),
            Some(tampered_sig),
        )
        .await;
    assert_eq!(tampered.status, 401, "the signature covers the raw body");

    let wrong = api
        .webhook(
            &json!({"trxId": trx, "amount": 999, "status": "paid", "providerRef": format!("RRN-{}", trx)}),
            None,
        )
        .await;
    assert_eq!(wrong.status, 200, "signed money is recorded, never refused");
    assert_eq!(wrong.data()["outcome"], "refund_due");
    assert_eq!(wrong.data()["reason"], "amount_mismatch");
    assert_eq!(
        status(&api, &trx, &session).await.data()["status"],
        "pending",
        "nothing changed"
    );

    let unknown = api
        .webhook(
            &json!({"trxId": "UP-NOPE", "amount": 1000, "status": "paid", "providerRef": format!("RRN-{}", "UP-NOPE")}),
            None,
        )
        .await;
    assert_eq!(unknown.status, 200);
    assert_eq!(unknown.data()["reason"], "unknown_trx");
    let bad = api
        .webhook(
            &json!({"trxId": trx, "amount": 1000, "status": "maybe"}),
            None,
        )
        .await;
    assert_eq!((bad.status, bad.code()), (400, "INVALID_FIELD"));
    let bad_amount = api
        .webhook(
            &json!({"trxId": trx, "amount": "1000", "status": "paid", "providerRef": format!("RRN-{}", trx)}),
            None,
        )
        .await;
    assert_eq!(
        (bad_amount.status, bad_amount.code()),
        (400, "INVALID_FIELD")
    );

    let events = api
        .h
        .manager
        .events(&upstream_session::domain::SessionId::parse(&session).unwrap())
        .await
        .unwrap();
    let mismatch = events
        .iter()
        .find(|e| e.action == "amount_mismatch")
        .expect("the mismatch is recorded");
    assert!(mismatch.note.as_deref().unwrap().contains("1000"));
    assert_eq!(mismatch.amount.map(|a| a.rupiah()), Some(1000));
}

#[tokio::test]
async fn failed_report_closes_the_session_and_frees_the_pair() {
    let api = api().await;
    let (trx, session) = ids(&generate(&api, "demo-user", "2").await);
    let f = api
        .webhook(
            &json!({"trxId": trx, "amount": 1000, "status": "failed"}),
            None,
        )
        .await;
    assert_eq!(
        (f.status, f.data()["outcome"].clone()),
        (200, json!("failed"))
    );
    assert_eq!(
        status(&api, &trx, &session).await.data()["status"],
        "failed"
    );
    let again = generate(&api, "demo-user", "2").await;
    assert_eq!(again.data()["reused"], false);
    assert_ne!(again.data()["trxId"], trx.as_str());
    let paid_after = api
        .webhook(
            &json!({"trxId": trx, "amount": 1000, "status": "paid", "providerRef": format!("RRN-{}", trx)}),
            None,
        )
        .await;
    assert_eq!(paid_after.status, 200);
    assert_eq!(paid_after.data()["reason"], "session_closed");
}

#[tokio::test]
async fn late_payment_is_honoured_and_a_duplicate_is_recorded_for_refund() {
    let api = api().await;
    let (old_trx, old_session) = ids(&generate(&api, "demo-user", "2").await);
    api.h.clock.advance(TimeDelta::hours(3));
    let s = status(&api, &old_trx, &old_session).await;
    assert_eq!(s.data()["status"], "expired");
    let new = generate(&api, "demo-user", "2").await;
    assert_eq!(new.data()["reused"], false);
    let (new_trx, new_session) = ids(&new);

    let late = api
        .webhook(
            &json!({"trxId": old_trx, "amount": 1000, "status": "paid", "providerRef": format!("RRN-{}", old_trx)}),
            None,
        )
        .await;
    assert_eq!(late.data()["outcome"], "granted");
    assert_eq!(
        check(&api, &old_session, "2").await.data()["hasAccess"],
        true,
        "fresh window from payment"
    );

    let dup = api
        .webhook(
            &json!({"trxId": new_trx, "amount": 1000, "status": "paid", "providerRef": format!("RRN-{}", new_trx)}),
            None,
        )
        .await;
    assert_eq!(
        dup.status, 200,
        "the gateway must not retry: the money is recorded"
    );
    assert_eq!(dup.data()["outcome"], "refund_due");
    assert_eq!(dup.data()["reason"], "duplicate_access");
    assert_eq!(dup.data()["refundDue"], true);
    let st = status(&api, &new_trx, &new_session).await;
    assert_eq!(st.data()["hasAccess"], false);
    let replay = api
        .webhook(
            &json!({"trxId": new_trx, "amount": 1000, "status": "paid", "providerRef": format!("RRN-{}", new_trx)}),
            None,
        )
        .await;
    assert_eq!(replay.data()["alreadyProcessed"], true);
    let events = api
        .h
        .manager
        .events(&upstream_session::domain::SessionId::parse(&new_session).unwrap())
        .await
        .unwrap();
    assert_eq!(
        events
            .iter()
            .filter(|e| e.action == "duplicate_access")
            .count(),
        1
    );

    // Beyond the TTL grace it is too late to grant access automatically: recorded for refund.
    let (trx3, s3) = ids(&generate(&api, "demo-user", "4").await);
    api.h.clock.advance(TimeDelta::hours(2 + 24));
    let too_late = api
        .webhook(
            &json!({"trxId": trx3, "amount": 1000, "status": "paid", "providerRef": format!("RRN-{}", trx3)}),
            None,
        )
        .await;
    assert_eq!(too_late.data()["reason"], "too_late");
    assert_eq!(status(&api, &trx3, &s3).await.data()["hasAccess"], false);
}
