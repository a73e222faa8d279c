//! SRS and MediaMTX ask once, at connect: an admission carries the connection to end later (its kick
//! id, the session's hash and the session's access end, not the token's `exp`), and MediaMTX's own
//! API calls pass only with the reaper's credentials.

use chrono::TimeDelta;
use serde_json::{Value, json};

use super::contracts::{mediamtx_body, srs_body};
use super::{fixture, now};
use crate::domain::{ClientId, MediamtxList, Target};
use crate::playback::hooks::{self, ApiLogin};
use crate::playback::session_hash;

const UUID: &str = "a4f7bd58-4fd1-4d80-92f6-6b7c5a8e5f1e";

#[test]
fn srs_admits_a_player_with_its_client_id_until_the_session_ends() {
    let f = fixture();
    let t = f.token("2", "live/2", TimeDelta::hours(2)).token;
    let d = hooks::srs(
        &f.verifier,
        &srs_body("on_play", "live", "2", &format!("?token={t}")),
        now(),
    );
    assert_eq!(d.status, 200);
    let c = d.connection.expect("an admitted connection");
    assert_eq!(c.target, Target::Srs(ClientId::parse("9308h583").unwrap()));
    assert_eq!(c.sid, session_hash(&f.session));
    assert_eq!((c.stream.as_str(), c.user.as_str()), ("2", "demo-user"));
    // The token lives 5 minutes; the connection lasts as long as the session's access.
    assert_eq!(c.access_end, now() + TimeDelta::hours(2));
    assert_eq!(c.admitted_at, now());
}

#[test]
fn srs_without_a_usable_client_id_is_refused() {
    let f = fixture();
    let t = f.token("2", "live/2", TimeDelta::hours(2)).token;
    for id in [
        json!(null),
        json!(""),
        json!("../../api/v1/streams"),
        json!(7),
    ] {
        let mut body: Value =
            serde_json::from_slice(&srs_body("on_play", "live", "2", &format!("?token={t}")))
                .unwrap();
        body["client_id"] = id.clone();
        let d = hooks::srs(&f.verifier, body.to_string().as_bytes(), now());
        assert_eq!(
            (d.status, d.body.clone()),
            (400, Some(json!({"code": 400}))),
            "{id}"
        );
        assert!(d.connection.is_none() && !d.allowed());
    }
}

#[test]
fn mediamtx_admits_each_protocol_under_its_kick_list() {
    let f = fixture();
    let t = f.token("2", "live/2", TimeDelta::hours(2)).token;
    let read = |protocol: &str, id: Value| {
        let mut body: Value =
            serde_json::from_slice(&mediamtx_body(&t, "read", "live/2", "")).unwrap();
        body["protocol"] = json!(protocol);
        body["id"] = id;
        hooks::mediamtx(&f.verifier, None, body.to_string().as_bytes(), now())
    };
    for (protocol, list) in [
        ("rtmp", MediamtxList::Rtmpconns),
        ("rtsp", MediamtxList::Rtspsessions),
        ("webrtc", MediamtxList::Webrtcsessions),
        ("srt", MediamtxList::Srtconns),
        ("hls", MediamtxList::Hlssessions),
    ] {
        let d = read(protocol, json!(UUID));
        assert_eq!(d.status, 200, "{protocol}");
        let c = d.connection.expect("an admitted connection");
        assert_eq!(
            c.target,
            Target::Mediamtx(list, ClientId::parse(UUID).unwrap())
        );
        assert_eq!(c.access_end, now() + TimeDelta::hours(2));
    }
    // No reader behind the request (the HLS page): allowed, nothing to end.
    let page = read("hls", json!(null));
    assert_eq!(page.status, 200);
    assert!(page.allowed() && page.connection.is_none());
    // A reader that could not be ended is not let in.
    assert_eq!(read("moq", json!(UUID)).status, 401);
    let bad = read("rtmp", json!("5b3f…"));
    assert_eq!(bad.status, 401);
    assert!(bad.connection.is_none() && !bad.allowed());
}

#[test]
fn mediamtx_api_calls_pass_only_with_the_reapers_credentials() {
    let f = fixture();
    let api = |user: &str, password: &str, login: Option<ApiLogin<'_>>| {
        let body = json!({"user": user, "password": password, "token": "", "ip": "10.0.0.9",
                          "action": "api", "path": "", "protocol": "", "id": null, "query": ""});
        hooks::mediamtx(&f.verifier, login, body.to_string().as_bytes(), now()).status
    };
    let login = ApiLogin {
        user: "reaper",
        password: "s3cret-pass",
    };
    assert_eq!(api("reaper", "s3cret-pass", Some(login)), 200);
    assert_eq!(api("reaper", "wrong", Some(login)), 401);
    assert_eq!(api("other", "s3cret-pass", Some(login)), 401);
    assert_eq!(api("", "", Some(login)), 401);
    assert_eq!(
        api("reaper", "s3cret-pass", None),
        401,
        "no login configured"
    );
    let empty = ApiLogin {
        user: "",
        password: "",
    };
    assert_eq!(
        api("", "", Some(empty)),
        401,
        "an empty password never passes"
    );
}

#[test]
fn a_token_of_an_earlier_build_ends_its_connection_at_exp() {
    let f = fixture();
    let mut claims = f
        .verifier
        .verify(&f.token("2", "live/2", TimeDelta::hours(2)).token, now())
        .unwrap();
    claims.access_exp = None;
    let old = f.issuer.sign(&claims);
    let d = hooks::srs(
        &f.verifier,
        &srs_body("on_play", "live", "2", &format!("?token={old}")),
        now(),
    );
    let c = d.connection.expect("admitted");
    assert_eq!(c.access_end.timestamp(), claims.exp);
}
