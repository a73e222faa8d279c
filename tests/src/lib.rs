//! Test harness: one DynamoDB Local and one moto server (Secrets Manager) per test binary (each
//! started on first use, killed when the binary ends), a fresh table per test.
#![allow(clippy::unwrap_used)] // test code: a panic is the failure report

use std::sync::OnceLock;
use std::sync::atomic::{AtomicU32, Ordering};

use aws_sdk_dynamodb::Client;
use chrono::{DateTime, Utc};
use upstream_local::{DynamoLocal, Storage};
use upstream_session::store::{TABLE, Timeouts, local_client_with};
use upstream_session::{ManualClock, Policy, SessionManager, Store};

mod api;
pub mod events;
mod flows;
pub mod iam;
pub mod init;
pub mod kicking;
pub mod layering;
pub mod media_fakes;
pub mod viewing;

pub use api::{Api, Reply, api, api_with, api_with_media, api_with_template};

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

/// A new table loaded with the sample catalog (`infra/streams.sample.json`).
pub async fn catalog_table(client: &Client) -> String {
    let table = fresh_table(client).await;
    let store = Store::new(client.clone(), table.clone(), Policy::default());
    load_sample_catalog(&store).await;
    table
}

/// Puts the sample catalog (`infra/streams.sample.json`) into `store`'s table.
pub async fn load_sample_catalog(store: &Store) {
    let catalog = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../infra/streams.sample.json"
    ))
    .unwrap();
    for stream in upstream_session::catalog::parse_catalog(&catalog).unwrap() {
        store.put_stream(&stream).await.unwrap();
    }
}

/// A fixed start time for tests: 2025-08-30 18:16:15.508 UTC (the original design's example session time, minus 2 h).
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
/// The publish hooks' key of the test stack.
pub const PUBLISH_KEY: &str = "test-publish-hook-key";
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
