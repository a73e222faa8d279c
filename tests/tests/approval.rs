//! An operator's approval by stream and user, through the real admin handler on DynamoDB Local: the
//! userId is the client's choice, so a stranger may open a pending session under a viewer's id; the
//! approval must then name one session, by the trxId the viewer reads off their screen.
#![allow(clippy::unwrap_used)] // test code: a panic is the failure report

use serde_json::json;
use upstream_tests::api;

#[tokio::test]
async fn a_strangers_pending_session_never_receives_carols_approval() {
    let api = api().await;
    // Carol opens her QR and pays it; a stranger then opens one under her userId.
    let (carol_trx, carol_session) = api.pending("carol", "2").await;
    api.h.clock.advance(chrono::TimeDelta::seconds(5));
    let (stranger_trx, stranger_session) = api.pending("carol", "2").await;

    // "Approve stream 2 for carol" names two sessions: refused, nothing written, both listed.
    let r = api
        .force_approve(json!({"streamId": "2", "userId": "carol"}))
        .await;
    assert_eq!(
        (r.status, r.code()),
        (409, "AMBIGUOUS_SESSION"),
        "{:?}",
        r.body
    );
    assert!(
        r.body["error"].as_str().unwrap().contains("Trx ID"),
        "Bahasa Indonesia: {}",
        r.body
    );
    let candidates = r.body["candidates"].as_array().unwrap();
    let trx: Vec<_> = candidates
        .iter()
        .map(|c| c["trxId"].as_str().unwrap())
        .collect();
    assert_eq!(
        trx,
        vec![carol_trx.as_str(), stranger_trx.as_str()],
        "oldest first"
    );
    for c in candidates {
        assert_eq!(c["amount"], 1000);
        assert_eq!(c["amountDisplay"], "Rp 1.000");
        assert!(c["createdAt"].as_str().unwrap().ends_with('Z'));
    }
    assert!(
        !r.body.to_string().contains("session_"),
        "never a sessionId: {}",
        r.body
    );
    assert!(
        !r.operations.contains(&"TransactWriteItems".to_owned()),
        "{:?}",
        r.operations
    );
    assert_eq!(api.payment_count().await, 0);
    assert!(!api.has_access(&carol_session, "2").await);
    assert!(!api.has_access(&stranger_session, "2").await);

    // A trxId of that stream but not of the viewer named beside it approves nothing.
    let (other_trx, _) = api.pending("dodi", "2").await;
    let wrong = api
        .force_approve(json!({"streamId": "2", "userId": "carol", "trxId": other_trx}))
        .await;
    assert_eq!((wrong.status, wrong.code()), (404, "SESSION_NOT_FOUND"));
    let wrong_stream = api
        .force_approve(json!({"streamId": "4", "trxId": carol_trx}))
        .await;
    assert_eq!(
        (wrong_stream.status, wrong_stream.code()),
        (404, "SESSION_NOT_FOUND")
    );
    assert_eq!(api.payment_count().await, 0);

    // The trxId Carol reads off her screen: her session, and only hers, is paid.
    let ok = api
        .force_approve(
            json!({"streamId": "2", "userId": "carol", "trxId": carol_trx, "note": "BCA mutasi"}),
        )
        .await;
    assert_eq!(ok.status, 200, "{:?}", ok.body);
    assert_eq!(ok.data()["trxId"], carol_trx.as_str());
    assert_eq!(ok.data()["complimentary"], false);
    assert!(api.has_access(&carol_session, "2").await);
    assert!(!api.has_access(&stranger_session, "2").await);
    // Asked again by stream and user, Carol now has access: nothing else is approved.
    let again = api
        .force_approve(json!({"streamId": "2", "userId": "carol"}))
        .await;
    assert_eq!((again.status, again.code()), (409, "ALREADY_HAS_ACCESS"));
    assert!(!api.has_access(&stranger_session, "2").await);
}

#[tokio::test]
async fn one_pending_session_is_approved_and_none_is_a_complimentary_grant() {
    let api = api().await;
    let (trx, session) = api.pending("eka", "2").await;
    let one = api
        .force_approve(json!({"streamId": "2", "userId": "eka"}))
        .await;
    assert_eq!(one.status, 200, "{:?}", one.body);
    assert_eq!(one.data()["trxId"], trx.as_str());
    assert!(api.has_access(&session, "2").await);
    let grant = api
        .force_approve(json!({"streamId": "4", "userId": "eka"}))
        .await;
    assert_eq!(grant.status, 200, "{:?}", grant.body);
    assert_eq!(grant.data()["complimentary"], true);
}
