//! Request budgets with a payment gateway: the real generate-qris and payment-callback handlers,
//! in-process on DynamoDB Local, against the Midtrans simulator over loopback HTTP. DynamoDB requests
//! and gateway calls are counted separately.
#![allow(clippy::unwrap_used)] // test code: a panic is the failure report

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;

use chrono::TimeDelta;
use lambda_http::{Body, Response};
use serde_json::{Value, json};
use upstream_local::{DynamoLocal, Storage};
use upstream_session::catalog::parse_catalog;
use upstream_session::edge::{Cors, DynamoCalls, ProviderCalls, event};
use upstream_session::provider::PaymentProvider;
use upstream_session::qris::{DEMO_STATIC, Qris};
use upstream_session::store::{TABLE, local_client};
use upstream_session::{Policy, SessionManager, Store, SystemClock};

const SERVER_KEY: &str = "SB-Mid-server-budget-test";

struct Sim(Child, String);

impl Drop for Sim {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// The Midtrans simulator; its notifications go nowhere (the test replays them in-process).
fn simulator() -> Sim {
    let mut child = Command::new(env!("CARGO_BIN_EXE_upstream"))
        .args(["gateway-sim", "midtrans", "--port", "0"])
        .args(["--callback", "http://127.0.0.1:9/nowhere"])
        .args(["--server-key", SERVER_KEY])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut first = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut first)
        .unwrap();
    Sim(child, first.trim().to_owned())
}

fn decode(resp: Response<Body>) -> (u16, Value, Vec<String>, Vec<String>) {
    let dynamo = resp.extensions().get::<DynamoCalls>().unwrap().0.clone();
    let provider = resp.extensions().get::<ProviderCalls>().unwrap().0.clone();
    let status = resp.status().as_u16();
    let body: &[u8] = resp.body().as_ref();
    (
        status,
        serde_json::from_slice(body).unwrap_or(Value::Null),
        dynamo,
        provider,
    )
}

#[tokio::test]
async fn generate_and_notification_budgets_with_midtrans() {
    let sim = simulator();
    let dynamo = DynamoLocal::start(Storage::InMemory).unwrap();
    let client = local_client(&dynamo.endpoint());
    TABLE.create(&client, "budgets").await.unwrap();
    let store = Store::new(client, "budgets", Policy::default());
    for s in parse_catalog(include_str!("../../streams.sample.json")).unwrap() {
        store.put_stream(&s).await.unwrap();
    }
    let manager = SessionManager::new(store, Arc::new(SystemClock));
    let lookup = |name: &str| match name {
        "PAYMENT_PROVIDER" => Some("midtrans".to_owned()),
        "MIDTRANS_SERVER_KEY" => Some(SERVER_KEY.to_owned()),
        "MIDTRANS_API_BASE" => Some(sim.1.clone()),
        _ => None,
    };
    let provider = PaymentProvider::from_lookup(lookup).unwrap();
    let generate = generate_qris::State::new(
        manager.clone(),
        Qris::parse(DEMO_STATIC).unwrap(),
        TimeDelta::seconds(60),
        Cors::default(),
    )
    .with_provider(provider.clone());
    let callback = payment_callback::State {
        manager,
        cors: Cors::default(),
        secret: None,
        provider,
        playback: None,
    };
    let json_headers = [("content-type".to_owned(), "application/json".to_owned())];

    // Bayar: catalog read, the pending session, one charge, the charge attached.
    let body = json!({"streamId": "2", "userId": "budget-user"}).to_string();
    let ev = event::http_v2_event("POST", "/api/generate-qris", "", &json_headers, Some(&body));
    let (status, qr, dynamo_calls, gateway) =
        decode(generate_qris::handler(&generate, event::request_from_event(&ev).unwrap()).await);
    assert_eq!(status, 200, "{qr}");
    assert_eq!(
        dynamo_calls,
        vec!["GetItem", "TransactWriteItems", "TransactWriteItems"],
        "catalog + pending session + charge attached"
    );
    assert_eq!(
        gateway,
        vec!["midtrans charge"],
        "one charge, never retried"
    );
    let trx = qr["data"]["trxId"].as_str().unwrap().to_owned();

    // The gateway's notification (as the simulator signs it), replayed into the handler.
    let text = ureq::post(&format!("{}/sim/pay/{trx}", sim.1))
        .send_empty()
        .unwrap()
        .into_body()
        .read_to_string()
        .unwrap();
    let paid: Value = serde_json::from_str(&text).unwrap();
    let notification = paid["notification"].to_string();
    let ev = event::http_v2_event(
        "POST",
        "/api/payment-callback/midtrans",
        "",
        &json_headers,
        Some(&notification),
    );
    let (status, answer, dynamo_calls, gateway) =
        decode(payment_callback::handler(&callback, event::request_from_event(&ev).unwrap()).await);
    assert_eq!(status, 200, "{answer}");
    assert_eq!(answer["data"]["outcome"], "granted");
    assert_eq!(
        dynamo_calls,
        vec!["GetItem", "TransactWriteItems"],
        "1 read + 1 transaction"
    );
    assert_eq!(
        gateway,
        vec!["midtrans status"],
        "confirmed by the status API"
    );

    // A forged notification: 401, nothing read, nothing stored, no gateway call.
    let forged = notification.replace(&trx, "UP-FORGED");
    let ev = event::http_v2_event(
        "POST",
        "/api/payment-callback/midtrans",
        "",
        &json_headers,
        Some(&forged),
    );
    let (status, _, dynamo_calls, gateway) =
        decode(payment_callback::handler(&callback, event::request_from_event(&ev).unwrap()).await);
    assert_eq!(status, 401);
    assert!(dynamo_calls.is_empty() && gateway.is_empty());
    drop(dynamo);
}
