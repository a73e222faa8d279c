//! Test harness: one DynamoDB Local per test binary (started on first use, killed when the binary
//! ends) and a fresh table per test.
#![allow(clippy::unwrap_used)] // test code: a panic is the failure report

use std::sync::OnceLock;
use std::sync::atomic::{AtomicU32, Ordering};

use aws_sdk_dynamodb::Client;
use chrono::{DateTime, Utc};
use upstream_local::{DynamoLocal, Storage};
use upstream_registry::{Inputs, Stack};
use upstream_session::store::{TABLE, Timeouts, local_client_with};
use upstream_session::{Clock, ManualClock, Policy, SessionManager, Store};

pub mod events;
mod flows;
pub mod layering;

/// The DynamoDB Local of this test binary.
pub fn dynamo() -> &'static DynamoLocal {
    static INSTANCE: OnceLock<DynamoLocal> = OnceLock::new();
    INSTANCE.get_or_init(|| DynamoLocal::start(Storage::InMemory).expect("DynamoDB Local starts"))
}

/// A client for this binary's DynamoDB Local (build one per test: clients hold a runtime's connections).
/// Its timeouts are [`Timeouts::RELAXED`]: one JVM serving a whole test binary's parallel tests queues
/// requests for seconds, beyond the deployed 3 s budget.
pub fn client() -> Client {
    local_client_with(&dynamo().endpoint(), Timeouts::RELAXED)
}

/// A new, empty table with the production definition.
pub async fn fresh_table(client: &Client) -> String {
    static COUNTER: AtomicU32 = AtomicU32::new(0);
    let name = format!(
        "t{}-{}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::SeqCst)
    );
    TABLE.create(client, &name).await.expect("create table");
    name
}

/// A fixed start time for tests: 2025-08-30 18:16:15.508 UTC (seed 001's example, minus 2 h).
pub fn t0() -> DateTime<Utc> {
    DateTime::from_timestamp_millis(1_756_577_775_508).expect("valid time")
}

/// Everything a session test needs.
pub struct Harness {
    pub client: Client,
    pub table: String,
    pub store: Store,
    pub clock: ManualClock,
    pub manager: SessionManager,
}

/// A manager on a fresh table with the default policy and a manual clock at [`t0`].
pub async fn harness() -> Harness {
    harness_with(Policy::default()).await
}

/// A manager on a fresh table with `policy` and a manual clock at [`t0`].
pub async fn harness_with(policy: Policy) -> Harness {
    let client = client();
    let table = fresh_table(&client).await;
    let store = Store::new(client.clone(), table.clone(), policy);
    let clock = ManualClock::at(t0());
    let manager = SessionManager::new(store.clone(), std::sync::Arc::new(clock.clone()));
    Harness {
        client,
        table,
        store,
        clock,
        manager,
    }
}

/// Every item of a table. Tests only: production code never scans.
pub async fn scan_all(
    client: &Client,
    table: &str,
) -> Vec<std::collections::HashMap<String, aws_sdk_dynamodb::types::AttributeValue>> {
    let mut items = Vec::new();
    let mut start = None;
    loop {
        let out = client
            .scan()
            .table_name(table)
            .set_exclusive_start_key(start)
            .send()
            .await
            .expect("scan");
        items.extend(out.items().iter().cloned());
        match out.last_evaluated_key() {
            Some(k) if !k.is_empty() => start = Some(k.clone()),
            _ => return items,
        }
    }
}

/// The IAM principal of [`Api::admin`] calls.
pub const OPERATOR: &str = "arn:aws:iam::123456789012:user/operator";

/// The webhook secret of the test functions.
pub const SECRET: &str = "test-webhook-secret-0123456789";

/// OvenMediaEngine's shared secret in the test verifier.
pub const OME_SECRET: &str = "test-ome-secret";
/// The playback token issuer of the tests.
pub const PLAYBACK_ISSUER: &str = "https://api.upstream.test";

/// Playback settings signing with `key` as [`PLAYBACK_ISSUER`] (default audience and TTL).
pub fn playback_env(
    key: &upstream_session::playback::SigningKey,
) -> upstream_session::edge::playback::PlaybackEnv {
    let pem = key.to_pkcs8_pem();
    upstream_session::edge::playback::PlaybackEnv::from_lookup(|name| match name {
        "PLAYBACK_SIGNING_KEY" => Some(pem.clone()),
        "PLAYBACK_ISSUER" => Some(PLAYBACK_ISSUER.to_owned()),
        _ => None,
    })
    .expect("valid playback settings")
}

/// Every function on a fresh table loaded with `infra/streams.sample.json`.
pub struct Api {
    pub h: Harness,
    /// The functions' states: the catalog cached 60 s and the admin function for IAM callers only
    /// (as deployed), the static provider, the webhook secret [`SECRET`], no playback tokens in
    /// answers (a test sets an issuer), the media servers' verifier trusting [`Api::playback_key`].
    pub stack: Stack,
    /// The key playback tokens are signed with in these tests.
    pub playback_key: upstream_session::playback::SigningKey,
}

/// A handler's answer, decoded.
#[derive(Debug)]
pub struct Reply {
    pub status: u16,
    pub body: serde_json::Value,
    pub calls: u32,
    /// The DynamoDB operations sent, in order.
    pub operations: Vec<String>,
    pub headers: lambda_http::http::HeaderMap,
}

impl Reply {
    /// `data` of a success envelope.
    pub fn data(&self) -> &serde_json::Value {
        &self.body["data"]
    }

    /// `code` of an error envelope.
    pub fn code(&self) -> &str {
        self.body["code"].as_str().unwrap_or("")
    }
}

/// The public functions on a fresh table with the sample catalog (catalog cache: 60 s, as deployed).
pub async fn api() -> Api {
    api_with(Policy::default()).await
}

/// [`api`] with another policy (short windows for expiry tests).
pub async fn api_with(policy: Policy) -> Api {
    let h = harness_with(policy).await;
    let catalog = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../infra/streams.sample.json"
    ))
    .unwrap();
    for stream in upstream_session::catalog::parse_catalog(&catalog).unwrap() {
        h.store.put_stream(&stream).await.unwrap();
    }
    let playback_key = upstream_session::playback::SigningKey::generate();
    let stack = Stack::new(Inputs {
        manager: h.manager.clone(),
        cors: upstream_session::edge::Cors::new("http://127.0.0.1:3001"),
        qris: upstream_session::qris::Qris::parse(upstream_session::qris::DEMO_STATIC).unwrap(),
        catalog_cache: upstream_session::catalog::CACHE_TTL,
        provider: upstream_session::provider::PaymentProvider::Static,
        webhook_secret: SECRET.as_bytes().to_vec(),
        playback: playback_env(&playback_key),
        playback_tokens: false,
        playback_prefix: "/hls/".into(),
        ome_secret: Some(OME_SECRET.into()),
        allow_local: false,
    });
    Api {
        h,
        stack,
        playback_key,
    }
}

impl Api {
    /// Runs the named function's handler on an API Gateway v2 event.
    pub async fn call(&self, function: &str, event: &serde_json::Value) -> Reply {
        let req =
            upstream_session::edge::event::request_from_event(event).expect("a valid v2 event");
        let resp = self
            .stack
            .handle(function, req)
            .await
            .unwrap_or_else(|| panic!("unknown function {function}"));
        let operations = resp
            .extensions()
            .get::<upstream_session::edge::DynamoCalls>()
            .map(|c| c.0.clone())
            .unwrap_or_default();
        let calls = operations.len() as u32;
        assert_allowed(function, &operations);
        let status = resp.status().as_u16();
        let headers = resp.headers().clone();
        let bytes: &[u8] = resp.body().as_ref();
        let html = headers
            .get("content-type")
            .is_some_and(|c| c.to_str().unwrap_or("").starts_with("text/html"));
        let body = if bytes.is_empty() {
            serde_json::Value::Null
        } else if html {
            serde_json::Value::String(String::from_utf8_lossy(bytes).into_owned())
        } else {
            serde_json::from_slice(bytes).expect("JSON body")
        };
        Reply {
            status,
            body,
            calls,
            operations,
            headers,
        }
    }

    /// A request to a function built from parts.
    pub async fn request(
        &self,
        function: &str,
        method: &str,
        path: &str,
        query: &str,
        body: Option<serde_json::Value>,
    ) -> Reply {
        let body = body.map(|b| b.to_string());
        let headers = vec![("content-type".to_owned(), "application/json".to_owned())];
        let event = upstream_session::edge::event::http_v2_event(
            method,
            path,
            query,
            &headers,
            body.as_deref(),
        );
        self.call(function, &event).await
    }

    /// A request with extra headers (content-type JSON is always set).
    pub async fn request_with(
        &self,
        function: &str,
        method: &str,
        path: &str,
        extra: &[(&str, &str)],
        body: Option<serde_json::Value>,
    ) -> Reply {
        let body = body.map(|b| b.to_string());
        let mut headers = vec![("content-type".to_owned(), "application/json".to_owned())];
        headers.extend(
            extra
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned())),
        );
        let event = upstream_session::edge::event::http_v2_event(
            method,
            path,
            "",
            &headers,
            body.as_deref(),
        );
        self.call(function, &event).await
    }

    /// The admin function, called by an IAM operator (`OPERATOR`); a CSV or HTML body comes back as
    /// a JSON string.
    pub async fn admin(
        &self,
        method: &str,
        path: &str,
        query: &str,
        body: Option<serde_json::Value>,
    ) -> Reply {
        let body = body.map(|b| b.to_string());
        let headers = vec![("content-type".to_owned(), "application/json".to_owned())];
        let mut event = upstream_session::edge::event::http_v2_event(
            method,
            path,
            query,
            &headers,
            body.as_deref(),
        );
        event["requestContext"]["authorizer"] = serde_json::json!({"iam": {
            "accessKey": "AKIAEXAMPLE", "accountId": "123456789012", "callerId": "AIDAEXAMPLE",
            "userArn": OPERATOR, "userId": "AIDAEXAMPLE"
        }});
        let req = upstream_session::edge::event::request_from_event(&event).expect("a valid event");
        let resp = admin::handler(&self.stack.admin, req).await;
        let operations = resp
            .extensions()
            .get::<upstream_session::edge::DynamoCalls>()
            .map(|c| c.0.clone())
            .unwrap_or_default();
        assert_allowed("admin", &operations);
        let status = resp.status().as_u16();
        let headers = resp.headers().clone();
        let bytes: &[u8] = resp.body().as_ref();
        let body = serde_json::from_slice(bytes).unwrap_or_else(|_| {
            serde_json::Value::String(String::from_utf8_lossy(bytes).into_owned())
        });
        Reply {
            status,
            body,
            calls: operations.len() as u32,
            operations,
            headers,
        }
    }

    /// A webhook delivery signed with [`SECRET`] at the clock's current time (or a given header).
    pub async fn webhook(&self, body: &serde_json::Value, signature: Option<String>) -> Reply {
        let raw = body.to_string();
        let sig = signature.unwrap_or_else(|| {
            upstream_session::edge::signature::sign(
                SECRET.as_bytes(),
                self.h.clock.now().timestamp(),
                raw.as_bytes(),
            )
        });
        let headers = vec![
            ("content-type".to_owned(), "application/json".to_owned()),
            ("x-upstream-signature".to_owned(), sig),
        ];
        let event = upstream_session::edge::event::http_v2_event(
            "POST",
            "/api/payment-callback",
            "",
            &headers,
            Some(&raw),
        );
        self.call("payment-callback", &event).await
    }
}

/// The IAM action each DynamoDB operation needs (a transaction needs the per-item action; ours only Put).
fn iam_action(operation: &str) -> &str {
    match operation {
        "TransactWriteItems" | "PutItem" => "dynamodb:PutItem",
        "GetItem" => "dynamodb:GetItem",
        "Query" => "dynamodb:Query",
        other => other,
    }
}

/// The spec of the function named `name`.
pub fn spec(name: &str) -> &'static upstream_session::FunctionSpec {
    upstream_registry::named(name)
        .unwrap_or_else(|| panic!("unknown function {name}"))
        .spec
}

/// Fails the test if a function sent an operation its declared DynamoDB access (and so its SAM
/// policy, which a test compares with it) does not allow: least privilege checked against behaviour.
pub fn assert_allowed(function: &str, operations: &[String]) {
    let spec = spec(function);
    for op in operations {
        let action = iam_action(op);
        assert!(
            spec.allows(action),
            "{function} sent {op}, which its policy does not allow ({action})"
        );
    }
}
