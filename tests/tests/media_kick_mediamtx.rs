//! MediaMTX (`authMethod: http`) asks once per reader: each reader is ended on the API list of its
//! protocol (RTSP by its session, RTMPS/RTSPS found on their TLS lists), the reaper's own API calls
//! pass the hook only with its credentials, and an admission that cannot be recorded is refused.
#![allow(clippy::unwrap_used)] // test code: a panic is the failure report

use std::sync::Arc;

use chrono::TimeDelta;
use serde_json::json;
use upstream_session::edge::event::{http_v2_event, request_from_event};
use upstream_session::{ManualClock, Policy, Store};
use upstream_tests::kicking::{API_PASS, API_USER, kicking, mediamtx_read, reap, srs_play, viewer};
use upstream_tests::{client, playback_env, t0};

#[tokio::test]
async fn each_protocol_is_kicked_on_its_own_list() {
    let k = kicking().await;
    let api = &k.api;
    let (_, token, access_end) = viewer(api, "viewer-mtx").await;
    let id = |n: u8| format!("{n:08x}-0000-4000-8000-00000000000{}", n % 10);
    let readers = [
        ("rtmp", "rtmpconns", id(1)),
        ("webrtc", "webrtcsessions", id(2)),
        ("srt", "srtconns", id(3)),
        ("hls", "hlssessions", id(4)),
        // RTSP: PLAY/SETUP carry the session's id, which is what the API kicks.
        ("rtsp", "rtspsessions", id(5)),
        // RTMPS/RTSPS readers: the hook says `rtmp`/`rtsp`, the API lists them apart.
        ("rtmp", "rtmpsconns", id(6)),
        ("rtsp", "rtspssessions", id(7)),
    ];
    for (protocol, list, reader) in &readers {
        k.mediamtx.connect(Some(list), reader);
        let r = mediamtx_read(api, &token, protocol, reader).await;
        assert_eq!(
            (r.status, r.operations.clone()),
            (200, vec!["PutItem".to_owned()])
        );
    }
    // RTSP's DESCRIBE is authorised with the connection's id, which no kick list knows.
    let describe = id(8);
    assert_eq!(
        mediamtx_read(api, &token, "rtsp", &describe).await.status,
        200
    );
    // The HLS page itself (no reader id): allowed, nothing recorded.
    let page = mediamtx_read(api, &token, "hls", "").await;
    assert_eq!((page.status, page.operations.len()), (200, 0));
    // A protocol whose readers cannot be ended is not let in.
    assert_eq!(mediamtx_read(api, &token, "moq", &id(9)).await.status, 401);

    api.h.clock.set(access_end);
    let (run, _) = reap(api).await;
    assert_eq!(
        (
            run["due"].clone(),
            run["kicked"].clone(),
            run["gone"].clone()
        ),
        (json!(8), json!(7), json!(1))
    );
    let mut kicks = k.mediamtx.kicks();
    kicks.sort();
    let mut want: Vec<String> = readers
        .iter()
        .map(|(_, list, reader)| format!("POST /v3/{list}/kick/{reader}"))
        .collect();
    want.sort();
    assert_eq!(kicks, want);
    // The TLS lists were asked after the plain one did not know the reader.
    let requests = k.mediamtx.requests();
    for (plain, tls, reader) in [
        ("rtmpconns", "rtmpsconns", id(6)),
        ("rtspsessions", "rtspssessions", id(7)),
    ] {
        let first = requests
            .iter()
            .position(|r| *r == format!("POST /v3/{plain}/kick/{reader}"));
        let then = requests
            .iter()
            .position(|r| *r == format!("POST /v3/{tls}/kick/{reader}"));
        assert!(first.is_some() && first < then, "{requests:?}");
    }
    assert_eq!(k.mediamtx.violations(), Vec::<String>::new());
}

#[tokio::test]
async fn mediamtx_api_calls_pass_the_hook_with_the_reapers_login_only() {
    let k = kicking().await;
    let api_call = |user: &str, password: &str| {
        json!({"user": user, "password": password, "token": "", "ip": "10.0.0.9",
               "action": "api", "path": "", "protocol": "", "id": null, "query": ""})
    };
    let post = |body| {
        k.api.request_with(
            "playback-auth",
            "POST",
            "/api/playback-auth/mediamtx",
            &[],
            Some(body),
        )
    };
    let ok = post(api_call(API_USER, API_PASS)).await;
    assert_eq!((ok.status, ok.operations.len()), (200, 0));
    assert_eq!(post(api_call(API_USER, "guess")).await.status, 401);
    assert_eq!(post(api_call("", "")).await.status, 401);
}

#[tokio::test]
async fn an_admission_that_cannot_be_recorded_is_refused() {
    let k = kicking().await;
    let (_, token, _) = viewer(&k.api, "viewer-norecord").await;
    let missing = Store::new(client(), "no-such-table", Policy::default());
    let key = k.api.playback_key.clone();
    let state = playback_auth::State::new(
        &playback_env(&key),
        "/hls/",
        None,
        missing,
        Arc::new(ManualClock::at(t0() + TimeDelta::seconds(1))),
    );
    let call = |path: &str, body: serde_json::Value| {
        let headers = vec![("content-type".to_owned(), "application/json".to_owned())];
        let event = http_v2_event("POST", path, "", &headers, Some(&body.to_string()));
        playback_auth::handler(&state, request_from_event(&event).unwrap())
    };
    let srs = json!({"action": "on_play", "client_id": "nr000001", "app": "live", "stream": "2",
                     "param": format!("?token={token}")});
    // The store's failure in the envelope: not 200, so SRS and MediaMTX refuse the player.
    let refused = |r: lambda_http::Response<lambda_http::Body>| {
        let body: serde_json::Value = serde_json::from_slice(r.body().as_ref()).unwrap();
        assert!(r.status().is_server_error(), "{body}");
        assert_eq!(body["success"], false);
    };
    refused(call("/api/playback-auth/srs", srs).await);
    let mtx = json!({"action": "read", "path": "live/2", "protocol": "rtmp", "token": token,
                     "id": "22222222-3333-4444-8555-666666666666"});
    refused(call("/api/playback-auth/mediamtx", mtx).await);
    // The same admissions on the real table pass.
    assert_eq!(srs_play(&k.api, &token, "nr000001").await.status, 200);
}
