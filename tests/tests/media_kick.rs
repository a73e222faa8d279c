//! Access that really ends on SRS and MediaMTX, which ask the verifier once, at connect: the hooks
//! record what they admit, the scheduled reaper ends each connection at the first run at or after its
//! access end (runs are a minute apart), and a revoke ends them at once. Against loopback fakes of
//! the servers' APIs that check the documented request shape (`upstream_tests::media_fakes`).
#![allow(clippy::unwrap_used)] // test code: a panic is the failure report

use chrono::TimeDelta;
use serde_json::json;
use upstream_session::Origin;
use upstream_session::domain::{
    GatewayRefund, PaymentReport, RefundReport, ReportKind, SessionId, Status,
};
use upstream_session::media::end_soon;
use upstream_tests::kicking::{kicking, mediamtx_read, reap, revoke, run_budget, srs_play, viewer};
use upstream_tests::viewing::{check, token};

#[tokio::test]
async fn an_srs_viewer_is_kicked_by_the_first_run_once_access_has_ended() {
    let k = kicking().await;
    let api = &k.api;
    let (session, token, access_end) = viewer(api, "viewer-srs").await;
    k.srs.connect(None, "9308h583");
    let admitted = srs_play(api, &token, "9308h583").await;
    assert_eq!(
        (admitted.status, admitted.body.clone()),
        (200, json!({"code": 0}))
    );
    assert_eq!(
        admitted.operations,
        vec!["PutItem"],
        "one write per admission"
    );

    // While access lasts, runs end nothing (and cost their 8 Queries, and the refunds' one).
    let (run, ops) = reap(api).await;
    assert_eq!(
        (run["due"].clone(), run["dynamodbCalls"].clone()),
        (json!(0), json!(9))
    );
    assert_eq!(ops, run_budget(0));
    // The token has long expired (5 minutes); SRS asked once, so the player still watches.
    api.h.clock.set(access_end - TimeDelta::seconds(1));
    assert_eq!(reap(api).await.0["due"], 0);
    assert!(k.srs.connected("9308h583") && k.srs.kicks().is_empty());

    // The first run at or after the access end ends it: within a minute of it.
    api.h.clock.set(access_end + TimeDelta::seconds(59));
    let (run, ops) = reap(api).await;
    assert_eq!(run["due"], 1);
    assert_eq!(run["kicked"], 1);
    assert_eq!(ops, run_budget(1));
    assert_eq!(k.srs.kicks(), vec!["DELETE /api/v1/clients/9308h583"]);
    assert!(!k.srs.connected("9308h583"));
    // The player reconnects: check-access and the hook both say no now.
    assert_eq!(check(api, &session, "2").await.data()["hasAccess"], false);
    assert_eq!(srs_play(api, &token, "9308h583").await.status, 401);
    // Ended connections are forgotten: the next run has nothing to do.
    let (run, ops) = reap(api).await;
    assert_eq!((run["due"].clone(), ops), (json!(0), run_budget(0)));
    assert_eq!(k.srs.violations(), Vec::<String>::new());
}

#[tokio::test]
async fn a_revoke_kicks_the_sessions_connections_at_once_and_only_them() {
    let k = kicking().await;
    let api = &k.api;
    let (session, token, access_end) = viewer(api, "viewer-revoked").await;
    let (_, other, _) = viewer(api, "viewer-other").await;
    let webrtc = "0d1e2f3a-4b5c-4d6e-8f70-8192a3b4c5d6";
    k.srs.connect(None, "rev0001");
    k.srs.connect(None, "oth0001");
    k.mediamtx.connect(Some("webrtcsessions"), webrtc);
    assert_eq!(srs_play(api, &token, "rev0001").await.status, 200);
    assert_eq!(srs_play(api, &other, "oth0001").await.status, 200);
    assert_eq!(
        mediamtx_read(api, &token, "webrtc", webrtc).await.status,
        200
    );

    let r = revoke(api, &session).await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    assert_eq!(r.data()["status"], "revoked");
    // After the revoke's transaction: one Query of the session's connections, one batch forgetting them.
    assert!(
        r.operations
            .ends_with(&["Query".to_owned(), "BatchWriteItem".to_owned()]),
        "{:?}",
        r.operations
    );
    assert_eq!(k.srs.kicks(), vec!["DELETE /api/v1/clients/rev0001"]);
    assert_eq!(
        k.mediamtx.kicks(),
        vec![format!("POST /v3/webrtcsessions/kick/{webrtc}")]
    );
    assert!(
        k.srs.connected("oth0001"),
        "another session's player watches on"
    );
    // Nothing of the revoked session is left for the reaper; the other viewer's is, until its end.
    api.h.clock.set(access_end);
    let (run, _) = reap(api).await;
    assert_eq!(
        (run["due"].clone(), run["kicked"].clone()),
        (json!(1), json!(1))
    );
    assert_eq!(k.srs.kicks().len(), 2);
}

#[tokio::test]
async fn a_revoke_while_the_server_is_down_is_ended_by_the_next_run() {
    let k = kicking().await;
    let api = &k.api;
    let (session, token, access_end) = viewer(api, "viewer-down").await;
    k.srs.connect(None, "down0001");
    assert_eq!(srs_play(api, &token, "down0001").await.status, 200);
    k.srs.set_failing(true);
    let r = revoke(api, &session).await;
    assert_eq!(r.status, 200, "the revoke stands: {:?}", r.body);
    assert!(
        r.operations
            .ends_with(&["Query".to_owned(), "PutItem".to_owned()]),
        "the connection is recorded as due now: {:?}",
        r.operations
    );
    assert!(k.srs.connected("down0001"));
    // A minute later, long before the session's own end, the scheduled run retries.
    k.srs.set_failing(false);
    api.h.clock.advance(TimeDelta::minutes(1));
    assert!(api.h.manager.now() < access_end - TimeDelta::minutes(100));
    let (run, _) = reap(api).await;
    assert_eq!(run["kicked"], 1, "{run}");
    assert!(!k.srs.connected("down0001"));
}

#[tokio::test]
async fn gone_players_hls_readers_and_failing_servers() {
    let k = kicking().await;
    let api = &k.api;
    let (_, token, access_end) = viewer(api, "viewer-mixed").await;
    // Left before their access ended (SRS knows no such client); an HLS reader (no connection).
    assert_eq!(srs_play(api, &token, "left0001").await.status, 200);
    k.srs.hls_reader("hlsctx01");
    assert_eq!(srs_play(api, &token, "hlsctx01").await.status, 200);
    let rtmp = "11111111-2222-4333-8444-555555555555";
    k.mediamtx.connect(Some("rtmpconns"), rtmp);
    assert_eq!(mediamtx_read(api, &token, "rtmp", rtmp).await.status, 200);
    k.mediamtx.set_failing(true);

    api.h.clock.set(access_end);
    let (run, ops) = reap(api).await;
    assert_eq!(
        run,
        json!({"due": 3, "kicked": 0, "gone": 1, "notConnections": 1, "failed": 1, "oldestOpenRefundHours": 0.0, "dynamodbCalls": 10})
    );
    assert_eq!(ops, run_budget(1));
    // The failed one stays due; once MediaMTX answers again the next run ends it.
    k.mediamtx.set_failing(false);
    api.h.clock.advance(TimeDelta::minutes(1));
    let (run, _) = reap(api).await;
    assert_eq!(
        (run["due"].clone(), run["kicked"].clone()),
        (json!(1), json!(1))
    );
    assert_eq!(
        k.mediamtx.kicks(),
        vec![format!("POST /v3/rtmpconns/kick/{rtmp}")]
    );
    assert_eq!(reap(api).await.0["due"], 0);
}

#[tokio::test]
async fn thirty_connections_end_in_two_batches() {
    let k = kicking().await;
    let api = &k.api;
    let (_, token, access_end) = viewer(api, "viewer-many").await;
    for i in 0..30 {
        let id = format!("many{i:04}");
        k.srs.connect(None, &id);
        assert_eq!(srs_play(api, &token, &id).await.status, 200);
    }
    api.h.clock.set(access_end);
    let (run, ops) = reap(api).await;
    assert_eq!(
        (run["due"].clone(), run["kicked"].clone()),
        (json!(30), json!(30))
    );
    assert_eq!(ops, run_budget(2));
    assert_eq!(reap(api).await.0["due"], 0);
}

/// A refund made at the gateway revokes the session in payment-callback, which holds no media
/// server credentials: it makes the session's connections due now (`media::end_soon`, what the
/// handler calls after a refund that revoked), and the reaper's next run ends them.
#[tokio::test]
async fn a_refund_at_the_gateway_ends_the_connections_by_the_next_run() {
    let k = kicking().await;
    let api = &k.api;
    let (trx, session) = api.pending("viewer-refunded", "2").await;
    let payment = PaymentReport {
        provider: "midtrans".into(),
        provider_ref: Some("tx-refunded".into()),
        trx_id: trx.clone(),
        amount: 1000,
        kind: ReportKind::Paid,
    };
    let gateway = Origin {
        source: "webhook".into(),
        actor: Some("midtrans".into()),
        ..Origin::default()
    };
    api.h
        .manager
        .record_report(&payment, &gateway)
        .await
        .unwrap();
    let token = token(api, &session, "2").await;
    k.srs.connect(None, "refund01");
    assert_eq!(srs_play(api, &token, "refund01").await.status, 200);

    let statement = RefundReport {
        payment,
        refunds: vec![GatewayRefund {
            refund_id: "1".into(),
            amount: 1000,
        }],
    };
    let recorded = api
        .h
        .manager
        .record_refunds(&statement, &gateway)
        .await
        .unwrap();
    assert_eq!(recorded.session.unwrap().status, Status::Revoked);
    // Revoked, but the connection's access end is two hours away: a run alone ends nothing.
    assert_eq!(reap(api).await.0["due"], 0);
    assert!(k.srs.connected("refund01"));

    let id = SessionId::parse(&session).unwrap();
    let store = &api.stack.payment_callback.manager;
    assert_eq!(end_soon(store.store(), &id, store.now()).await.unwrap(), 1);
    let (run, _) = reap(api).await;
    assert_eq!(
        (run["due"].clone(), run["kicked"].clone()),
        (json!(1), json!(1))
    );
    assert!(!k.srs.connected("refund01"));
    assert_eq!(reap(api).await.0["due"], 0, "ended once, then forgotten");
}
