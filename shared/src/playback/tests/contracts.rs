//! Each media server's hook contract (nginx auth_request, MediaMTX, SRS, OvenMediaEngine), with the
//! request bodies its documentation gives.

use super::*;

// ---- nginx auth_request ----

#[test]
fn nginx_contract() {
    let f = fixture();
    let t2 = f.token("2", "2", TimeDelta::hours(2)).token;
    let t4 = f.token("4", "4", TimeDelta::hours(2)).token;
    let v = &f.verifier;
    let call = |auth: Option<&str>, cookie: Option<&str>, uri: &str| {
        hooks::nginx(
            v,
            hooks::DEFAULT_PATH_PREFIX,
            &NginxRequest {
                authorization: auth,
                cookie,
                original_uri: Some(uri),
            },
            now(),
        )
        .status
    };
    let bearer = format!("Bearer {t2}");
    assert_eq!(call(Some(&bearer), None, "/hls/2/index.m3u8"), 204);
    let c = format!("theme=dark; upstream_playback={t2}");
    assert_eq!(call(None, Some(&c), "/hls/2/seg42.ts"), 204);
    assert_eq!(
        call(None, None, &format!("/hls/2/seg42.ts?token={t2}")),
        204
    );
    assert_eq!(call(None, None, "/hls/2/index.m3u8"), 401, "no token");
    assert_eq!(
        call(None, None, &format!("/hls/2/index.m3u8?token={t4}")),
        403
    );
    assert_eq!(call(Some("Bearer garbage"), None, "/hls/2/index.m3u8"), 401);
    for escape in [
        "/hls/2/../4/index.m3u8",
        "/hls/2/%2e%2e/4/index.m3u8",
        "/hls//2/index.m3u8",
        "/video/2/index.m3u8",
        "/hls/index.m3u8",
        "/hls/2/",
    ] {
        assert_eq!(call(Some(&bearer), None, escape), 403, "{escape}");
    }
    let none = hooks::nginx(v, "/hls/", &NginxRequest::default(), now());
    assert_eq!(none.status, 403);
    // Nested media paths; a custom prefix.
    let deep = f.token("2", "live/2", TimeDelta::hours(2)).token;
    let deep_bearer = format!("Bearer {deep}");
    assert_eq!(
        call(Some(&deep_bearer), None, "/hls/live/2/index.m3u8"),
        204
    );
    assert_eq!(
        call(Some(&deep_bearer), None, "/hls/live/2/x/index.m3u8"),
        403
    );
    let custom = hooks::nginx(
        v,
        "/media",
        &NginxRequest {
            authorization: Some(&bearer),
            cookie: None,
            original_uri: Some("/media/2/index.m3u8"),
        },
        now(),
    );
    assert_eq!(custom.status, 204);
    assert_eq!(hooks::hls_media_path("/hls/", "/hls/a/b/c.ts"), Some("a/b"));
}

// ---- MediaMTX authMethod: http (body from its authentication docs) ----

pub(super) fn mediamtx_body(token: &str, action: &str, path: &str, query: &str) -> Vec<u8> {
    json!({
        "user": "",
        "password": "",
        "token": token,
        "ip": "127.0.0.1",
        "action": action,
        "path": path,
        "protocol": "hls",
        "id": "a4f7bd58-4fd1-4d80-92f6-6b7c5a8e5f1e",
        "query": query,
        "userAgent": "Mozilla/5.0"
    })
    .to_string()
    .into_bytes()
}

#[test]
fn mediamtx_contract() {
    let f = fixture();
    let t = f.token("2", "live/2", TimeDelta::hours(2)).token;
    let v = &f.verifier;
    let status = |b: Vec<u8>| hooks::mediamtx(v, None, &b, now()).status;
    assert_eq!(status(mediamtx_body(&t, "read", "live/2", "")), 200);
    assert_eq!(
        status(mediamtx_body("", "read", "live/2", &format!("token={t}"))),
        200
    );
    assert_eq!(
        status(mediamtx_body("", "read", "live/2", &format!("jwt={t}"))),
        200
    );
    assert_eq!(status(mediamtx_body(&t, "read", "live/4", "")), 401);
    assert_eq!(status(mediamtx_body(&t, "publish", "live/2", "")), 401);
    assert_eq!(status(mediamtx_body("", "read", "live/2", "")), 401);
    // Docs: empty credentials first (RTSP asks after a 401).
    assert_eq!(status(br#"{"user": "", "password": ""}"#.to_vec()), 401);
    // Token as password with an arbitrary user.
    let mut as_password: Value =
        serde_json::from_slice(&mediamtx_body("", "read", "live/2", "")).unwrap();
    as_password["user"] = json!("any");
    as_password["password"] = json!(t);
    assert_eq!(status(as_password.to_string().into_bytes()), 200);
    // A field that is not a string reads as empty: the query's token is used.
    as_password["password"] = json!(5);
    as_password["query"] = json!(format!("token={t}"));
    assert_eq!(status(as_password.to_string().into_bytes()), 200);
    assert_eq!(status(b"not json".to_vec()), 400);
    assert_eq!(status(b"[]".to_vec()), 400);
}

// ---- SRS on_play (body from trunk/conf/full.conf) ----

pub(super) fn srs_body(action: &str, app: &str, stream: &str, param: &str) -> Vec<u8> {
    json!({
        "action": action,
        "client_id": "9308h583",
        "ip": "192.168.1.10", "vhost": "video.test.com", "app": app,
        "stream": stream, "param": param,
        "pageUrl": "http://www.test.com/live.html", "server_id": "vid-werty",
        "stream_url": format!("video.test.com/{app}/{stream}"), "stream_id": "vid-124q9y3"
    })
    .to_string()
    .into_bytes()
}

#[test]
fn srs_contract() {
    let f = fixture();
    let t = f.token("2", "live/2", TimeDelta::hours(2)).token;
    let v = &f.verifier;
    let ok = hooks::srs(
        v,
        &srs_body("on_play", "live", "2", &format!("?token={t}&salt=yyy")),
        now(),
    );
    assert_eq!(
        (ok.status, ok.body.clone()),
        (200, Some(json!({"code": 0})))
    );
    let other = hooks::srs(
        v,
        &srs_body("on_play", "live", "4", &format!("?token={t}")),
        now(),
    );
    assert_eq!(other.status, 403);
    assert_ne!(other.body, Some(json!({"code": 0})));
    let none = hooks::srs(v, &srs_body("on_play", "live", "2", "?salt=yyy"), now());
    assert_eq!(none.status, 401);
    let publish = hooks::srs(
        v,
        &srs_body("on_publish", "live", "2", &format!("?token={t}")),
        now(),
    );
    assert_eq!(publish.status, 403, "a viewer token never publishes");
    let expired = hooks::srs(
        v,
        &srs_body("on_play", "live", "2", &format!("?token={t}")),
        now() + TimeDelta::minutes(6),
    );
    assert_eq!(expired.status, 401);
}

// ---- OvenMediaEngine AdmissionWebhooks (body from docs/access-control/admission-webhooks.md) ----

fn ome_body(direction: &str, status: &str, url: &str) -> Vec<u8> {
    json!({
        "client": {
            "address": "211.233.58.86",
            "port": 29291,
            "real_ip": "192.0.2.43",
            "user_agent": "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/110.0.0.0 Safari/537.36"
        },
        "request": {
            "direction": direction,
            "protocol": "webrtc",
            "status": status,
            "url": url,
            "time": "2021-05-12T13:45:00.000Z"
        }
    })
    .to_string()
    .into_bytes()
}

#[test]
fn ome_contract() {
    let f = fixture();
    let t = f.token("2", "app/2", TimeDelta::hours(2)).token;
    let v = &f.verifier;
    let secret = b"1234";
    let send = |body: &[u8], at: DateTime<Utc>| {
        let sig = hooks::ome_signature(secret, body);
        hooks::ome(v, secret, Some(&sig), body, at)
    };
    let body = ome_body(
        "outgoing",
        "opening",
        &format!("ws://host:3333/app/2?token={t}"),
    );
    let ok = send(&body, now() + TimeDelta::seconds(100));
    assert_eq!(ok.status, 200);
    assert_eq!(
        ok.body,
        Some(json!({"allowed": true, "lifetime": 200_000, "reason": "authorized"}))
    );
    let llhls = ome_body(
        "outgoing",
        "opening",
        &format!("https://host:3334/app/2/llhls.m3u8?token={t}"),
    );
    assert_eq!(send(&llhls, now()).body.unwrap()["allowed"], true);
    let other = send(
        &ome_body(
            "outgoing",
            "opening",
            &format!("ws://host:3333/app/4?token={t}"),
        ),
        now(),
    );
    assert_eq!(other.body.as_ref().unwrap()["allowed"], false);
    assert!(other.body.unwrap()["reason"].is_string());
    let publish = send(
        &ome_body(
            "incoming",
            "opening",
            &format!("rtmp://host/app/2?token={t}"),
        ),
        now(),
    );
    assert_eq!(publish.body.unwrap()["allowed"], false);
    let closing = send(
        &ome_body("outgoing", "closing", "ws://host:3333/app/2"),
        now(),
    );
    assert_eq!((closing.status, closing.body), (200, Some(json!({}))));
    // A `request` that is not an object admits nothing (never read field by field).
    let listed = json!({"request": ["closing", "outgoing", "ws://host:3333/app/2"]});
    let listed = send(listed.to_string().as_bytes(), now());
    assert_eq!(listed.body.unwrap()["allowed"], false);
    let notoken = send(
        &ome_body("outgoing", "opening", "ws://host:3333/app/2"),
        now(),
    );
    assert_eq!(notoken.body.unwrap()["allowed"], false);
    // Signature: missing, wrong secret, tampered body; padded form accepted.
    assert_eq!(hooks::ome(v, secret, None, &body, now()).status, 401);
    let wrong = hooks::ome_signature(b"4321", &body);
    assert_eq!(
        hooks::ome(v, secret, Some(&wrong), &body, now()).status,
        401
    );
    let sig = hooks::ome_signature(secret, &body);
    let mut altered = body.clone();
    altered.push(b' ');
    assert_eq!(
        hooks::ome(v, secret, Some(&sig), &altered, now()).status,
        401
    );
    assert_eq!(
        hooks::ome(v, secret, Some(&format!("{sig}=")), &body, now()).status,
        200
    );
    assert!(!sig.contains('+') && !sig.contains('/') && !sig.contains('='));
}

#[test]
fn ome_signature_matches_an_independent_hmac_sha1() {
    // HMAC-SHA1("key", "The quick brown fox jumps over the lazy dog") = de7c9b85b8b78aa6bc8a7a36f70a90701c9db4d9
    let sig = hooks::ome_signature(b"key", b"The quick brown fox jumps over the lazy dog");
    assert_eq!(
        hex::encode(URL_SAFE_NO_PAD.decode(sig).unwrap()),
        "de7c9b85b8b78aa6bc8a7a36f70a90701c9db4d9"
    );
}
