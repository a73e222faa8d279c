//! Loopback fakes of the SRS and MediaMTX HTTP APIs (neither server can be installed from this
//! machine's package registries). Each checks a request against the documented shape (method, path,
//! Basic credentials, id format) and answers as the real server does, read from its source
//! (ossrs/srs `srs_app_http_api.cpp`, bluenviron/mediamtx `internal/api`):
//!
//! - SRS `DELETE /api/v1/clients/{id}`: HTTP 200 `{"code":0,…}` for a connected client (which it then
//!   disconnects), `{"code":2049}` for an unknown one, `{"code":400}` for an HLS reader's id; HTTP
//!   401 without the configured credentials.
//! - MediaMTX `POST /v3/{list}/kick/{id}`: 200 `{"status":"ok"}`, 404 `{"status":"error",…}` for an
//!   unknown id, 400 for an id that is not a UUID, 401 without the credentials (as its
//!   `authMethod: http` hook answers for the reaper's login only).
//!
//! Anything else (another method or path) is answered 404 and recorded as a violation.

use std::collections::BTreeSet;
use std::convert::Infallible;
use std::sync::{Arc, Mutex};

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use http_body_util::Full;
use hyper::body::{Bytes, Incoming};
use hyper::service::service_fn;
use hyper::{Request, Response};
use hyper_util::rt::TokioIo;
use serde_json::json;
use tokio::net::TcpListener;
use tokio::task::JoinHandle;

/// The media server a fake stands for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// SRS's HTTP API (`http_api`, port 1985).
    Srs,
    /// MediaMTX's control API (`api: yes`, port 9997).
    Mediamtx,
}

#[derive(Default)]
struct Seen {
    /// Connected players: (MediaMTX list or `clients` for SRS, id).
    connected: BTreeSet<(String, String)>,
    /// SRS ids of HLS readers (no connection behind them).
    hls_readers: BTreeSet<String>,
    /// Every request, as `METHOD /path`.
    requests: Vec<String>,
    /// Kicks that ended a connected player, as `METHOD /path`.
    kicks: Vec<String>,
    /// Requests that broke the documented shape.
    violations: Vec<String>,
    /// Answer every request with 500 (the server is failing).
    failing: bool,
}

/// A fake media server API on a loopback port, stopped when dropped.
pub struct FakeMedia {
    /// Its base URL (`http://127.0.0.1:<port>`).
    pub url: String,
    kind: Kind,
    seen: Arc<Mutex<Seen>>,
    task: JoinHandle<()>,
}

impl Drop for FakeMedia {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// The MediaMTX lists with a kick endpoint.
const MEDIAMTX_LISTS: &[&str] = &[
    "rtspsessions",
    "rtspssessions",
    "rtmpconns",
    "rtmpsconns",
    "webrtcsessions",
    "srtconns",
    "hlssessions",
    "moqsessions",
];

impl FakeMedia {
    /// Starts a fake of `kind` accepting Basic `user:pass`.
    pub async fn start(kind: Kind, user: &str, pass: &str) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("a port");
        let url = format!("http://{}", listener.local_addr().expect("an address"));
        let seen = Arc::new(Mutex::new(Seen::default()));
        let auth = format!("Basic {}", STANDARD.encode(format!("{user}:{pass}")));
        let state = seen.clone();
        let task = tokio::spawn(async move {
            loop {
                let Ok((stream, _)) = listener.accept().await else {
                    continue;
                };
                let (state, auth) = (state.clone(), auth.clone());
                tokio::spawn(async move {
                    let service = service_fn(move |req: Request<Incoming>| {
                        let answer = answer(kind, &state, &auth, &req);
                        async move { Ok::<_, Infallible>(answer) }
                    });
                    let _ = hyper::server::conn::http1::Builder::new()
                        .serve_connection(TokioIo::new(stream), service)
                        .await;
                });
            }
        });
        Self {
            url,
            kind,
            seen,
            task,
        }
    }

    fn seen(&self) -> std::sync::MutexGuard<'_, Seen> {
        self.seen.lock().expect("not poisoned")
    }

    /// A player connects: the server now knows `id` (SRS: a client; MediaMTX: in `list`).
    pub fn connect(&self, list: Option<&str>, id: &str) {
        let list = match self.kind {
            Kind::Srs => "clients",
            Kind::Mediamtx => list.expect("a MediaMTX list"),
        };
        self.seen()
            .connected
            .insert((list.to_owned(), id.to_owned()));
    }

    /// An SRS HLS reader: its id names no connection.
    pub fn hls_reader(&self, id: &str) {
        self.seen().hls_readers.insert(id.to_owned());
    }

    /// Whether the player `id` is still connected.
    pub fn connected(&self, id: &str) -> bool {
        self.seen().connected.iter().any(|(_, i)| i == id)
    }

    /// The kicks that ended a player, as `METHOD /path`.
    pub fn kicks(&self) -> Vec<String> {
        self.seen().kicks.clone()
    }

    /// Every request received, as `METHOD /path`.
    pub fn requests(&self) -> Vec<String> {
        self.seen().requests.clone()
    }

    /// Requests that broke the documented shape (none expected).
    pub fn violations(&self) -> Vec<String> {
        self.seen().violations.clone()
    }

    /// Makes the server answer 500 to everything (or recover).
    pub fn set_failing(&self, failing: bool) {
        self.seen().failing = failing;
    }
}

fn answer(
    kind: Kind,
    state: &Mutex<Seen>,
    auth: &str,
    req: &Request<Incoming>,
) -> Response<Full<Bytes>> {
    let mut seen = state.lock().expect("not poisoned");
    let line = format!("{} {}", req.method(), req.uri().path());
    seen.requests.push(line.clone());
    if seen.failing {
        return reply(500, json!({"code": 500}));
    }
    let authorized = req
        .headers()
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        == Some(auth);
    let segments: Vec<&str> = req.uri().path().split('/').skip(1).collect();
    match (kind, req.method().as_str(), segments.as_slice()) {
        (Kind::Srs, "DELETE", ["api", "v1", "clients", id]) => {
            if !authorized {
                return reply(401, json!({"code": 401}));
            }
            let key = ("clients".to_owned(), (*id).to_owned());
            if seen.connected.remove(&key) {
                seen.kicks.push(line);
                reply(
                    200,
                    json!({"code": 0, "server": "vid-fake", "service": "fake", "pid": "1"}),
                )
            } else if seen.hls_readers.contains(*id) {
                reply(200, json!({"code": 400}))
            } else {
                reply(200, json!({"code": 2049}))
            }
        }
        (Kind::Mediamtx, "POST", ["v3", list, "kick", id]) if MEDIAMTX_LISTS.contains(list) => {
            if !authorized {
                return reply(
                    401,
                    json!({"status": "error", "error": "authentication error"}),
                );
            }
            if !is_uuid(id) {
                return reply(
                    400,
                    json!({"status": "error", "error": "invalid UUID length"}),
                );
            }
            if seen
                .connected
                .remove(&((*list).to_owned(), (*id).to_owned()))
            {
                seen.kicks.push(line);
                reply(200, json!({"status": "ok"}))
            } else {
                reply(
                    404,
                    json!({"status": "error", "error": "connection not found"}),
                )
            }
        }
        _ => {
            seen.violations.push(line);
            reply(
                404,
                json!({"status": "error", "error": "404 page not found"}),
            )
        }
    }
}

/// 8-4-4-4-12 hexadecimal digits.
fn is_uuid(id: &str) -> bool {
    let parts: Vec<&str> = id.split('-').collect();
    parts.iter().map(|p| p.len()).eq([8, 4, 4, 4, 12])
        && parts
            .iter()
            .all(|p| p.bytes().all(|b| b.is_ascii_hexdigit()))
}

fn reply(status: u16, body: serde_json::Value) -> Response<Full<Bytes>> {
    Response::builder()
        .status(status)
        .header("content-type", "application/json")
        .body(Full::new(Bytes::from(body.to_string())))
        .expect("a valid response")
}
