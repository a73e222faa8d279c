//! Playback tokens end to end, in-process on DynamoDB Local: check-access and the status poll issue
//! them (within their request budgets), the verifier function accepts them in each media server's
//! contract with no database read (an SRS or MediaMTX admission: one write), and revoked or expired
//! access issues none.
#![allow(clippy::unwrap_used)] // test code: a panic is the failure report

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::TimeDelta;
use serde_json::{Value, json};
use upstream_session::catalog::CACHE_TTL;
use upstream_session::domain::{MediaPath, SessionId, StreamId};
use upstream_session::edge::event::http_v2_event;
use upstream_session::playback::{hooks, session_hash};
use upstream_session::{Clock, Origin};
use upstream_tests::viewing::{check, paid, playback_api};
use upstream_tests::{Api, OME_SECRET, PLAYBACK_ISSUER, Reply};

async fn hook(
    api: &Api,
    method: &str,
    path: &str,
    headers: &[(&str, String)],
    body: Option<&str>,
) -> Reply {
    let headers: Vec<(String, String)> = headers
        .iter()
        .map(|(k, v)| (k.to_string(), v.clone()))
        .collect();
    let event = http_v2_event(method, path, "", &headers, body);
    let r = api.call("playback-auth", &event).await;
    // No read ever; the hooks asked once per connection (SRS, MediaMTX) record what they admit.
    let once = path.ends_with("/srs") || path.ends_with("/mediamtx");
    let admitted = r.status == 200;
    if once && admitted {
        assert_eq!(
            r.operations,
            vec!["PutItem"],
            "{path}: one write per admission"
        );
    } else {
        assert!(r.operations.is_empty(), "{path}: no database request");
    }
    r
}

async fn nginx(api: &Api, token: &str, uri: &str) -> u16 {
    hook(
        api,
        "GET",
        "/api/playback-auth/nginx",
        &[
            ("authorization", format!("Bearer {token}")),
            ("x-original-uri", uri.to_owned()),
        ],
        None,
    )
    .await
    .status
}

fn claims(token: &str) -> Value {
    let payload = token.split('.').nth(1).unwrap();
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).unwrap()).unwrap()
}

#[tokio::test]
async fn check_access_issues_a_token_the_verifier_accepts() {
    let api = playback_api().await;
    let (_, session) = paid(&api, "viewer-1", "2").await;

    // Cold container: the session and, once a minute per stream, the catalog entry.
    let cold = check(&api, &session, "2").await;
    assert_eq!(cold.operations, vec!["GetItem", "GetItem"]);
    // Warm: the budget is one GetItem.
    let c = check(&api, &session, "2").await;
    assert_eq!(
        c.operations,
        vec!["GetItem"],
        "warm check-access: one GetItem"
    );
    let playback = &c.data()["playback"];
    let token = playback["token"].as_str().unwrap();
    let now = api.h.clock.now();
    let expires =
        chrono::DateTime::parse_from_rfc3339(playback["expiresAt"].as_str().unwrap()).unwrap();
    assert_eq!(expires.timestamp(), now.timestamp() + 300);

    let cl = claims(token);
    assert_eq!(cl["iss"], PLAYBACK_ISSUER);
    assert_eq!(cl["aud"], "upstream-playback");
    assert_eq!(cl["sub"], "viewer-1");
    assert_eq!(cl["stream"], "2");
    assert_eq!(
        cl["sid"],
        session_hash(&SessionId::parse(&session).unwrap())
    );
    assert!(!token.contains(&session[8..]) && !cl.to_string().contains(&session[8..]));
    assert_eq!(
        cl["mediamtx_permissions"],
        json!([{"action": "read", "path": "2"}])
    );

    assert_eq!(nginx(&api, token, "/hls/2/index.m3u8").await, 204);
    assert_eq!(nginx(&api, token, "/hls/2/seg42.ts").await, 204);
    assert_eq!(nginx(&api, token, "/hls/4/index.m3u8").await, 403);
    assert_eq!(nginx(&api, "nope", "/hls/2/index.m3u8").await, 401);

    // Time passes past the token's exp: refused, and a fresh check issues a new one.
    api.h.clock.advance(TimeDelta::seconds(300));
    assert_eq!(nginx(&api, token, "/hls/2/index.m3u8").await, 401);
    let renewed = check(&api, &session, "2").await;
    let fresh = renewed.data()["playback"]["token"].as_str().unwrap();
    assert_ne!(fresh, token);
    assert_eq!(nginx(&api, fresh, "/hls/2/index.m3u8").await, 204);

    // No access for another stream: no token.
    let other = check(&api, &session, "4").await;
    assert_eq!(other.data()["hasAccess"], false);
    assert!(other.data().get("playback").is_none());
}

#[tokio::test]
async fn the_catalog_media_path_goes_into_the_token() {
    let api = playback_api().await;
    let mut stream = api
        .h
        .store
        .get_stream(&StreamId::parse("4").unwrap())
        .await
        .unwrap()
        .unwrap();
    stream.media_path = Some(MediaPath::parse("live/final-4").unwrap());
    api.h.store.put_stream(&stream).await.unwrap();
    let (_, session) = paid(&api, "viewer-2", "4").await;
    let c = check(&api, &session, "4").await;
    let token = c.data()["playback"]["token"].as_str().unwrap();
    assert_eq!(
        claims(token)["mediamtx_permissions"],
        json!([{"action": "read", "path": "live/final-4"}])
    );
    assert_eq!(
        nginx(&api, token, "/hls/live/final-4/index.m3u8").await,
        204
    );
    assert_eq!(nginx(&api, token, "/hls/4/index.m3u8").await, 403);
    // The stored catalog entry keeps its mediaPath.
    let stored = api
        .h
        .store
        .get_stream(&StreamId::parse("4").unwrap())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(stored.media_path().as_str(), "live/final-4");
}

async fn poll(api: &Api, query: &str) -> Reply {
    api.request(
        "payment-callback",
        "GET",
        "/api/payment-callback",
        query,
        None,
    )
    .await
}

#[tokio::test]
async fn the_status_poll_carries_a_token_once_paid_and_tokens_end_with_access() {
    let api = playback_api().await;
    let r = api
        .request(
            "generate-qris",
            "POST",
            "/api/generate-qris",
            "",
            Some(json!({"streamId": "2", "userId": "viewer-3"})),
        )
        .await;
    let trx = r.data()["trxId"].as_str().unwrap().to_owned();
    let session = r.data()["sessionId"].as_str().unwrap().to_owned();
    let q = format!("trxId={trx}&sessionId={session}");
    let pending = poll(&api, &q).await;
    assert_eq!(pending.data()["status"], "pending");
    assert!(pending.data().get("playback").is_none());
    assert_eq!(pending.operations, vec!["GetItem"]);
    api.webhook(
        &json!({"trxId": trx, "amount": 1000, "status": "paid", "providerRef": format!("RRN-{}", trx)}),
        None,
    )
    .await;
    let paid = poll(&api, &q).await;
    let token = paid.data()["playback"]["token"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(nginx(&api, &token, "/hls/2/index.m3u8").await, 204);

    // Near the end of access the token ends with the session, not 300 s later.
    api.h
        .clock
        .advance(TimeDelta::hours(2) - TimeDelta::seconds(100));
    let late = poll(&api, &q).await;
    let exp = claims(late.data()["playback"]["token"].as_str().unwrap())["exp"]
        .as_i64()
        .unwrap();
    let session_end =
        chrono::DateTime::parse_from_rfc3339(late.data()["expiresAt"].as_str().unwrap())
            .unwrap()
            .timestamp();
    assert_eq!(exp, session_end);
    assert!(exp - api.h.clock.now().timestamp() <= 100);

    // Revoked: no more tokens; the last one dies at its exp (at most PLAYBACK_TOKEN_TTL).
    api.h
        .manager
        .revoke(
            &SessionId::parse(&session).unwrap(),
            false,
            &Origin::new("admin"),
        )
        .await
        .unwrap();
    let revoked = check(&api, &session, "2").await;
    assert_eq!(revoked.data()["hasAccess"], false);
    assert!(revoked.data().get("playback").is_none());
    assert!(poll(&api, &q).await.data().get("playback").is_none());
}

#[tokio::test]
async fn jwks_and_each_media_server_hook_through_the_handler() {
    let api = playback_api().await;
    let (_, session) = paid(&api, "viewer-4", "2").await;
    let token = check(&api, &session, "2").await.data()["playback"]["token"]
        .as_str()
        .unwrap()
        .to_owned();

    let jwks = hook(&api, "GET", "/api/.well-known/jwks.json", &[], None).await;
    assert_eq!(jwks.status, 200);
    assert_eq!(jwks.headers["cache-control"], "public, max-age=300");
    let key = &jwks.body["keys"][0];
    assert_eq!(key["kid"], api.playback_key.kid());
    assert_eq!(
        (key["alg"].clone(), key["use"].clone()),
        (json!("ES256"), json!("sig"))
    );
    assert!(key.get("d").is_none());

    // MediaMTX authMethod: http, its documented body (HLS read with the Bearer token).
    let body = json!({
        "user": "", "password": "", "token": token, "ip": "203.0.113.7",
        "action": "read", "path": "2", "protocol": "hls",
        "id": "5b3f0c6e-2a8d-4f1b-9c3e-7d6a5b4c3d2e", "query": "",
        "userAgent": "Mozilla/5.0"
    });
    let post = |path: &'static str, body: String, extra: Vec<(&'static str, String)>| {
        let api = &api;
        async move {
            let mut headers = vec![("content-type", "application/json".to_owned())];
            headers.extend(extra);
            hook(api, "POST", path, &headers, Some(&body)).await
        }
    };
    assert_eq!(
        post("/api/playback-auth/mediamtx", body.to_string(), vec![])
            .await
            .status,
        200
    );
    let mut publish = body.clone();
    publish["action"] = json!("publish");
    assert_eq!(
        post("/api/playback-auth/mediamtx", publish.to_string(), vec![])
            .await
            .status,
        401
    );

    // SRS on_play, its documented body; the media path is app/stream.
    let mut stream = api
        .h
        .store
        .get_stream(&StreamId::parse("2").unwrap())
        .await
        .unwrap()
        .unwrap();
    stream.media_path = Some(MediaPath::parse("live/2").unwrap());
    api.h.store.put_stream(&stream).await.unwrap();
    api.h.clock.advance(CACHE_TTL);
    let live = check(&api, &session, "2").await.data()["playback"]["token"]
        .as_str()
        .unwrap()
        .to_owned();
    let srs = json!({
        "action": "on_play", "client_id": "9308h583", "ip": "192.168.1.10",
        "vhost": "video.test.com", "app": "live", "stream": "2",
        "param": format!("?token={live}&salt=yyy"), "pageUrl": "http://www.test.com/live.html",
        "server_id": "vid-werty", "stream_url": "video.test.com/live/2", "stream_id": "vid-124q9y3"
    });
    let r = post("/api/playback-auth/srs", srs.to_string(), vec![]).await;
    assert_eq!((r.status, r.body.clone()), (200, json!({"code": 0})));

    // OvenMediaEngine AdmissionWebhooks, signed with the shared secret.
    let ome = json!({
        "client": {"address": "211.233.58.86", "port": 29291, "real_ip": "192.0.2.43"},
        "request": {"direction": "outgoing", "protocol": "llhls", "status": "opening",
                    "url": format!("https://ome.example:3334/live/2/llhls.m3u8?token={live}"),
                    "time": "2021-05-12T13:45:00.000Z"}
    })
    .to_string();
    let sig = hooks::ome_signature(OME_SECRET.as_bytes(), ome.as_bytes());
    let r = post(
        "/api/playback-auth/ome",
        ome.clone(),
        vec![("x-ome-signature", sig)],
    )
    .await;
    assert_eq!(r.status, 200);
    assert_eq!(r.body["allowed"], true);
    assert_eq!(r.body["lifetime"], 300_000);
    let forged = hooks::ome_signature(b"wrong", ome.as_bytes());
    let r = post(
        "/api/playback-auth/ome",
        ome,
        vec![("x-ome-signature", forged)],
    )
    .await;
    assert_eq!(r.status, 401);

    // Wrong method: the envelope.
    let r = hook(&api, "POST", "/api/playback-auth/nginx", &[], None).await;
    assert_eq!((r.status, r.code()), (405, "METHOD_NOT_ALLOWED"));
}

#[tokio::test]
async fn the_admin_sets_and_validates_the_media_path() {
    let api = playback_api().await;
    let admin = admin::State {
        manager: api.stack.admin.manager.clone(),
        allow_local: true,
        media: api.stack.admin.media.clone(),
    };
    let put = |body: Value| {
        let admin = &admin;
        async move {
            let headers = vec![("content-type".to_owned(), "application/json".to_owned())];
            let event = http_v2_event(
                "PUT",
                "/admin/streams/4",
                "",
                &headers,
                Some(&body.to_string()),
            );
            let req = upstream_session::edge::event::request_from_event(&event).unwrap();
            let resp = admin::handler(admin, req).await;
            let status = resp.status().as_u16();
            let body: Value = serde_json::from_slice(resp.body().as_ref()).unwrap();
            (status, body)
        }
    };
    let (status, body) = put(json!({"title": "Final", "price": 1000, "mediaPath": "../etc"})).await;
    assert_eq!(
        (status, body["code"].clone()),
        (400, json!("INVALID_FIELD"))
    );
    let (status, body) =
        put(json!({"title": "Final", "price": 1000, "mediaPath": "live/final"})).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["data"]["stream"]["mediaPath"], "live/final");
    let (_, session) = paid(&api, "viewer-5", "4").await;
    let token = check(&api, &session, "4").await.data()["playback"]["token"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(
        claims(&token)["mediamtx_permissions"][0]["path"],
        "live/final"
    );
    // Without the field the stream falls back to its id.
    put(json!({"title": "Final", "price": 1000})).await;
    api.h.clock.advance(CACHE_TTL);
    let token = check(&api, &session, "4").await.data()["playback"]["token"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(claims(&token)["mediamtx_permissions"][0]["path"], "4");
}
