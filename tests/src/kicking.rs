//! A stack whose reaper ends connections on the [fakes](crate::media_fakes) of SRS and MediaMTX, and
//! the steps of the kick tests: a viewer's admission by each hook, a scheduled run, a revoke.

use chrono::{DateTime, TimeDelta, Utc};
use serde_json::{Value, json};
use upstream_session::Policy;
use upstream_session::domain::{MediaPath, StreamId};
use upstream_session::edge::event::scheduled_event;
use upstream_session::media::MediaApis;

use crate::media_fakes::{FakeMedia, Kind};
use crate::viewing::{paid, token, with_playback_tokens};
use crate::{Api, Reply, api_with_media};

/// The reaper's user on both media servers' APIs.
pub const API_USER: &str = "upstream-reaper";
/// The reaper's password on both media servers' APIs.
pub const API_PASS: &str = "kick-pass-0123456789";
/// The media path of stream 2 in these tests (SRS `app/stream`, the MediaMTX path).
pub const MEDIA_PATH: &str = "live/2";
/// The EventBridge rule of the reaper.
pub const RULE: &str = "arn:aws:events:ap-southeast-3:123456789012:rule/upstream-media-reaper";

/// The test API with playback tokens, the fakes, and the reaper pointed at them.
pub struct Kicking {
    pub api: Api,
    pub srs: FakeMedia,
    pub mediamtx: FakeMedia,
}

/// A fresh stack: the fakes started, stream 2 published at [`MEDIA_PATH`].
pub async fn kicking() -> Kicking {
    let srs = FakeMedia::start(Kind::Srs, API_USER, API_PASS).await;
    let mediamtx = FakeMedia::start(Kind::Mediamtx, API_USER, API_PASS).await;
    let media = MediaApis::from_lookup(|name| match name {
        "SRS_API_URL" => Some(srs.url.clone()),
        "MEDIAMTX_API_URL" => Some(format!("{}/", mediamtx.url)),
        "SRS_API_USER" | "MEDIAMTX_API_USER" => Some(API_USER.to_owned()),
        "SRS_API_PASS" | "MEDIAMTX_API_PASS" => Some(API_PASS.to_owned()),
        _ => None,
    })
    .expect("valid media settings");
    let api = with_playback_tokens(api_with_media(Policy::default(), media).await);
    let id = StreamId::parse("2").expect("a stream id");
    let mut stream = api
        .h
        .store
        .get_stream(&id)
        .await
        .expect("DynamoDB Local")
        .expect("the sample stream 2");
    stream.media_path = Some(MediaPath::parse(MEDIA_PATH).expect("a media path"));
    api.h
        .store
        .put_stream(&stream)
        .await
        .expect("DynamoDB Local");
    Kicking { api, srs, mediamtx }
}

/// A viewer's paid session of stream 2 and its playback token: (sessionId, token, access end).
pub async fn viewer(api: &Api, user: &str) -> (String, String, DateTime<Utc>) {
    let (_, session) = paid(api, user, "2").await;
    let token = token(api, &session, "2").await;
    (session, token, api.h.manager.now() + TimeDelta::hours(2))
}

/// SRS's `on_play` for `client_id` playing stream 2 with `token` (its documented body).
pub async fn srs_play(api: &Api, token: &str, client_id: &str) -> Reply {
    let (app, stream) = MEDIA_PATH.split_once('/').expect("app/stream");
    let body = json!({
        "server_id": "vid-0xk989d", "service_id": "fake", "action": "on_play",
        "client_id": client_id, "ip": "203.0.113.7", "vhost": "__defaultVhost__",
        "app": app, "stream": stream, "tcUrl": format!("rtmp://srs.test/{app}"),
        "param": format!("?token={token}"), "pageUrl": "", "stream_url": format!("/{MEDIA_PATH}")
    });
    hook(api, "/api/playback-auth/srs", body).await
}

/// MediaMTX's `read` of stream 2 over `protocol` by reader `id`, the token in the query.
pub async fn mediamtx_read(api: &Api, token: &str, protocol: &str, id: &str) -> Reply {
    let body = json!({
        "user": "", "password": "", "token": "", "ip": "203.0.113.7", "action": "read",
        "path": MEDIA_PATH, "protocol": protocol, "id": id, "query": format!("token={token}"),
        "userAgent": "ffplay"
    });
    hook(api, "/api/playback-auth/mediamtx", body).await
}

async fn hook(api: &Api, path: &str, body: Value) -> Reply {
    api.request_with("playback-auth", "POST", path, &[], Some(body))
        .await
}

/// One scheduled run of the reaper now: its answer and the DynamoDB operations it sent.
pub async fn reap(api: &Api) -> (Value, Vec<String>) {
    let event = scheduled_event(api.h.manager.now(), RULE);
    let (answer, operations) = api.run("media-reaper", &event).await;
    (answer.expect("the run succeeds"), operations)
}

/// The operator revokes `session` (IAM caller).
pub async fn revoke(api: &Api, session: &str) -> Reply {
    api.admin(
        "POST",
        &format!("/admin/sessions/{session}/revoke"),
        "",
        Some(json!({"note": "chargeback"})),
    )
    .await
}

/// A run's DynamoDB budget: 8 Queries (today's and yesterday's `byKick` buckets, 4 shards each),
/// then one BatchWriteItem per 25 connections ended, then one Query (the oldest open refund).
pub fn run_budget(batches: usize) -> Vec<String> {
    let mut ops = vec!["Query".to_owned(); 8];
    ops.extend(std::iter::repeat_n("BatchWriteItem".to_owned(), batches));
    ops.push("Query".to_owned());
    ops
}
