//! Issue and verify, the refusals every verifier must make, and each media server's contract with
//! the request bodies its documentation gives.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, TimeDelta, Utc};
use hmac::{Hmac, Mac};
use serde_json::{Value, json};

use super::hooks::{self, NginxRequest};
use super::*;

/// The hooks asked once per connection (SRS, MediaMTX) and the connections they admit.
mod admission;
use crate::domain::{MediaPath, SessionId, StreamId, UserId};

const ISS: &str = "https://api.example.test";

fn now() -> DateTime<Utc> {
    DateTime::from_timestamp(1_756_577_775, 0).unwrap()
}

struct Fixture {
    issuer: Issuer,
    verifier: Verifier,
    user: UserId,
    session: SessionId,
}

fn fixture() -> Fixture {
    let key = SigningKey::generate();
    let verifier = Verifier::new(
        vec![key.verifying_key().clone()],
        DEFAULT_AUDIENCE,
        Some(ISS),
    );
    Fixture {
        issuer: Issuer::new(key, ISS, DEFAULT_AUDIENCE, DEFAULT_TTL),
        verifier,
        user: UserId::parse("demo-user").unwrap(),
        session: SessionId::generate(),
    }
}

impl Fixture {
    fn token(&self, stream: &str, path: &str, session_left: TimeDelta) -> Issued {
        let stream = StreamId::parse(stream).unwrap();
        let path = MediaPath::parse(path).unwrap();
        self.issuer
            .issue(
                &Grant {
                    user: &self.user,
                    stream: &stream,
                    session: &self.session,
                    session_expires_at: now() + session_left,
                    media_path: &path,
                },
                now(),
            )
            .unwrap()
    }
}

fn part(token: &str, i: usize) -> Value {
    let p = token.split('.').nth(i).unwrap();
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(p).unwrap()).unwrap()
}

fn forge(header: Value, payload: &Value, sig: &[u8]) -> String {
    format!(
        "{}.{}.{}",
        URL_SAFE_NO_PAD.encode(header.to_string()),
        URL_SAFE_NO_PAD.encode(payload.to_string()),
        URL_SAFE_NO_PAD.encode(sig)
    )
}

#[test]
fn claims_are_exactly_the_issued_ones() {
    let f = fixture();
    let issued = f.token("2", "live/2", TimeDelta::hours(2));
    let header = part(&issued.token, 0);
    assert_eq!(
        header,
        json!({"alg": "ES256", "typ": "JWT", "kid": f.issuer.key().kid()})
    );
    let claims = part(&issued.token, 1);
    let keys: Vec<&str> = claims
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    let mut want = vec![
        "access_exp",
        "aud",
        "exp",
        "iat",
        "iss",
        "jti",
        "mediamtx_permissions",
        "sid",
        "stream",
        "sub",
    ];
    want.sort();
    let mut got = keys.clone();
    got.sort();
    assert_eq!(got, want);
    assert_eq!(claims["iss"], ISS);
    assert_eq!(claims["aud"], "upstream-playback");
    assert_eq!(claims["sub"], "demo-user");
    assert_eq!(claims["stream"], "2");
    assert_eq!(claims["iat"], now().timestamp());
    assert_eq!(claims["exp"], now().timestamp() + 300);
    // The session's access end, past the token's life: what the connect-once hooks record.
    assert_eq!(claims["access_exp"], now().timestamp() + 7200);
    assert_eq!(
        claims["mediamtx_permissions"],
        json!([{"action": "read", "path": "live/2"}])
    );
    let sid = claims["sid"].as_str().unwrap();
    assert_eq!(sid, session_hash(&f.session));
    assert!(
        !issued.token.contains(&f.session.as_str()[8..]),
        "no sessionId"
    );
    assert_eq!(issued.expires_at.timestamp(), now().timestamp() + 300);
    let verified = f
        .verifier
        .authorize(&issued.token, "live/2", now())
        .unwrap();
    assert_eq!(verified.sid, sid);
    // A second token has another jti.
    assert_ne!(
        part(&f.token("2", "live/2", TimeDelta::hours(2)).token, 1)["jti"],
        claims["jti"]
    );
}

#[test]
fn the_token_never_outlives_the_session() {
    let f = fixture();
    let issued = f.token(
        "2",
        "2",
        TimeDelta::seconds(42) + TimeDelta::milliseconds(900),
    );
    assert_eq!(part(&issued.token, 1)["exp"], now().timestamp() + 42);
    let stream = StreamId::parse("2").unwrap();
    let path = MediaPath::of_stream(&stream);
    let over = f.issuer.issue(
        &Grant {
            user: &f.user,
            stream: &stream,
            session: &f.session,
            session_expires_at: now() + TimeDelta::milliseconds(400),
            media_path: &path,
        },
        now(),
    );
    assert_eq!(over, Err(IssueError::NoTimeLeft));
    // The largest TTL chrono allows, at the end of time: checked, capped by the session.
    let far = DateTime::<Utc>::MAX_UTC;
    let huge = Issuer::new(
        SigningKey::generate(),
        ISS,
        DEFAULT_AUDIENCE,
        TimeDelta::MAX,
    );
    let issued = huge
        .issue(
            &Grant {
                user: &f.user,
                stream: &stream,
                session: &f.session,
                session_expires_at: far,
                media_path: &path,
            },
            far - TimeDelta::seconds(10),
        )
        .unwrap();
    assert_eq!(issued.expires_at.timestamp(), far.timestamp());
}

#[test]
fn refusals() {
    let f = fixture();
    let good = f.token("2", "2", TimeDelta::hours(2)).token;
    let v = &f.verifier;
    assert_eq!(v.verify("", now()), Err(Rejection::Missing));
    assert_eq!(v.verify("a.b", now()), Err(Rejection::Malformed));
    assert_eq!(
        v.verify(&"a".repeat(5000), now()),
        Err(Rejection::Malformed)
    );
    // Expired: at exp and after.
    assert_eq!(
        v.verify(&good, now() + TimeDelta::seconds(300)),
        Err(Rejection::Expired)
    );
    assert!(v.verify(&good, now() + TimeDelta::seconds(299)).is_ok());
    // Wrong path / stream.
    assert_eq!(v.authorize(&good, "4", now()), Err(Rejection::Forbidden));
    assert_eq!(Rejection::Forbidden.status(), 403);
    // Tampered payload (another path), signature kept.
    let claims = part(&good, 1);
    let mut evil = claims.clone();
    evil["mediamtx_permissions"] = json!([{"action": "read", "path": "4"}]);
    let parts: Vec<&str> = good.split('.').collect();
    let tampered = format!(
        "{}.{}.{}",
        parts[0],
        URL_SAFE_NO_PAD.encode(evil.to_string()),
        parts[2]
    );
    assert_eq!(v.verify(&tampered, now()), Err(Rejection::Signature));
    // alg none.
    let header = json!({"alg": "none", "typ": "JWT", "kid": f.issuer.key().kid()});
    assert_eq!(
        v.verify(&format!("{}.", &forge(header, &evil, b"")[..]), now()),
        Err(Rejection::Malformed)
    );
    let header = json!({"alg": "none", "typ": "JWT", "kid": f.issuer.key().kid()});
    assert_eq!(
        v.verify(&forge(header, &evil, b""), now()),
        Err(Rejection::Algorithm)
    );
    // HS256 keyed with the public key (the classic confusion attack).
    let header = json!({"alg": "HS256", "typ": "JWT", "kid": f.issuer.key().kid()});
    let input = format!(
        "{}.{}",
        URL_SAFE_NO_PAD.encode(header.to_string()),
        URL_SAFE_NO_PAD.encode(evil.to_string())
    );
    let public_pem = f.issuer.key().verifying_key().to_pem();
    let mut mac = Hmac::<sha2::Sha256>::new_from_slice(public_pem.as_bytes()).unwrap();
    mac.update(input.as_bytes());
    let hs = format!(
        "{input}.{}",
        URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes())
    );
    assert_eq!(v.verify(&hs, now()), Err(Rejection::Algorithm));
    // Unknown kid: another key's token.
    let other = fixture();
    let foreign = other.token("2", "2", TimeDelta::hours(2)).token;
    assert_eq!(v.verify(&foreign, now()), Err(Rejection::UnknownKey));
    // Right kid, wrong key.
    let header = part(&good, 0);
    let resigned = forge(
        header,
        &claims,
        &other.issuer.key().sign_for_tests(parts[0], parts[1]),
    );
    assert_eq!(v.verify(&resigned, now()), Err(Rejection::Signature));
    // Wrong audience and issuer.
    let aud = Verifier::new(v.keys().to_vec(), "someone-else", None);
    assert_eq!(aud.verify(&good, now()), Err(Rejection::Audience));
    let iss = Verifier::new(v.keys().to_vec(), DEFAULT_AUDIENCE, Some("https://evil"));
    assert_eq!(iss.verify(&good, now()), Err(Rejection::Issuer));
    // Issued in the future (beyond the skew allowance).
    assert_eq!(
        v.verify(&good, now() - TimeDelta::seconds(61)),
        Err(Rejection::NotYetValid)
    );
}

#[test]
fn rotation_two_published_keys_both_verify() {
    let old = fixture();
    let new = SigningKey::generate();
    let next = Issuer::new(new.clone(), ISS, DEFAULT_AUDIENCE, DEFAULT_TTL);
    let verifier = Verifier::new(
        vec![
            old.issuer.key().verifying_key().clone(),
            new.verifying_key().clone(),
        ],
        DEFAULT_AUDIENCE,
        Some(ISS),
    );
    let old_token = old.token("2", "2", TimeDelta::hours(1)).token;
    let stream = StreamId::parse("2").unwrap();
    let path = MediaPath::of_stream(&stream);
    let new_token = next
        .issue(
            &Grant {
                user: &old.user,
                stream: &stream,
                session: &old.session,
                session_expires_at: now() + TimeDelta::hours(1),
                media_path: &path,
            },
            now(),
        )
        .unwrap()
        .token;
    assert!(verifier.authorize(&old_token, "2", now()).is_ok());
    assert!(verifier.authorize(&new_token, "2", now()).is_ok());
}

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

fn mediamtx_body(token: &str, action: &str, path: &str, query: &str) -> Vec<u8> {
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

fn srs_body(action: &str, app: &str, stream: &str, param: &str) -> Vec<u8> {
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
