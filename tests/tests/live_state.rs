//! Live state from the media servers' publish hooks (`POST /api/playback-auth/publish`): SRS's
//! `on_publish` / `on_unpublish` and MediaMTX's `runOnReady` / `runOnNotReady` (curl with `{path,
//! live}`) mark the catalog entry on that media path live while it is published; only the holder of
//! the stack's publish key may, and the catalog shows it.
#![allow(clippy::unwrap_used)] // test code: a panic is the failure report

use serde_json::{Value, json};
use upstream_session::domain::{MediaPath, StreamId};
use upstream_session::edge::event::http_v2_event;
use upstream_tests::{Api, PUBLISH_KEY, Reply, api};

/// SRS's http_hooks body for `action` on `app/stream` (trunk/conf/full.conf's fields).
fn srs(action: &str, app: &str, stream: &str) -> Value {
    json!({"server_id": "vid-0xk989d", "action": action, "client_id": "341w361a", "ip": "127.0.0.1",
        "vhost": "__defaultVhost__", "app": app, "tcUrl": format!("rtmp://127.0.0.1:1935/{app}"),
        "stream": stream, "param": "", "stream_url": format!("/{app}/{stream}"), "stream_id": "vid-124q9y3"})
}

async fn publish(api: &Api, query: &str, headers: &[(&str, &str)], body: &Value) -> Reply {
    let mut h = vec![("content-type".to_owned(), "application/json".to_owned())];
    h.extend(
        headers
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned())),
    );
    let event = http_v2_event(
        "POST",
        "/api/playback-auth/publish",
        query,
        &h,
        Some(&body.to_string()),
    );
    api.call("playback-auth", &event).await
}

async fn is_live(api: &Api, id: &str) -> bool {
    let stream = api
        .h
        .store
        .get_stream(&StreamId::parse(id).unwrap())
        .await
        .unwrap()
        .unwrap();
    stream.live
}

/// The test API with stream 2 served from the media path `live/2`.
async fn stack() -> Api {
    let api = api().await;
    let id = StreamId::parse("2").unwrap();
    let mut stream = api.h.store.get_stream(&id).await.unwrap().unwrap();
    stream.media_path = Some(MediaPath::parse("live/2").unwrap());
    api.h.store.put_stream(&stream).await.unwrap();
    api
}

#[tokio::test]
async fn srs_publish_and_unpublish_mark_the_stream_live_and_not() {
    let api = stack().await;
    let key = format!("key={PUBLISH_KEY}");
    assert!(!is_live(&api, "2").await);

    let on = publish(&api, &key, &[], &srs("on_publish", "live", "2")).await;
    assert_eq!(
        (on.status, on.body["code"].clone()),
        (200, json!(0)),
        "SRS allows: {:?}",
        on.body
    );
    assert_eq!(on.body["streams"], json!(["2"]));
    assert!(is_live(&api, "2").await);
    let others = api.h.store.list_streams().await.unwrap();
    assert!(
        others
            .iter()
            .all(|s| s.stream_id.as_str() == "2" || !s.live),
        "only the entry on that path"
    );
    // The public catalog shows it.
    let list = api
        .request("streams", "GET", "/api/streams", "", None)
        .await;
    let two = list.data()["streams"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["id"] == "2")
        .cloned()
        .unwrap();
    assert_eq!(two["live"], true, "{two}");

    let off = publish(&api, &key, &[], &srs("on_unpublish", "live", "2")).await;
    assert_eq!(off.status, 200);
    assert!(!is_live(&api, "2").await);

    // A path no entry streams from: allowed (SRS publishes it), nothing marked.
    let other = publish(&api, &key, &[], &srs("on_publish", "test", "x")).await;
    assert_eq!(
        (other.status, other.body["streams"].clone()),
        (200, json!([]))
    );
}

#[tokio::test]
async fn mediamtx_ready_and_not_ready_with_a_bearer_key() {
    let api = stack().await;
    let bearer = format!("Bearer {PUBLISH_KEY}");
    let auth = [("authorization", bearer.as_str())];
    let ready = publish(&api, "", &auth, &json!({"path": "live/2", "live": true})).await;
    assert_eq!(ready.status, 200, "{:?}", ready.body);
    assert!(is_live(&api, "2").await);
    let gone = publish(&api, "", &auth, &json!({"path": "live/2", "live": false})).await;
    assert_eq!(gone.status, 200);
    assert!(!is_live(&api, "2").await);
    let bad = publish(&api, "", &auth, &json!({"path": "live/2"})).await;
    assert_eq!(bad.status, 400, "live is required: {:?}", bad.body);
}

#[tokio::test]
async fn without_the_stacks_key_nothing_changes() {
    let api = stack().await;
    for (query, headers) in [
        ("", vec![]),
        ("key=wrong", vec![]),
        ("", vec![("authorization", "Bearer wrong")]),
    ] {
        let r = publish(&api, query, &headers, &srs("on_publish", "live", "2")).await;
        assert_eq!(r.status, 401, "{query} {headers:?}: {:?}", r.body);
        assert_ne!(r.body["code"], 0, "SRS refuses the publish");
        assert!(!is_live(&api, "2").await);
        assert_eq!(r.calls, 0, "no DynamoDB call before the key is checked");
    }
}
