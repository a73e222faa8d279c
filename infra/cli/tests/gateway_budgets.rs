//! Request budgets with a payment gateway: the real generate-qris and payment-callback handlers,
//! in-process on DynamoDB Local, against each gateway simulator over loopback HTTP. DynamoDB requests
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
const XENDIT_KEY: &str = "xnd_development_budget_test";
const XENDIT_TOKEN: &str = "budget-test-callback-token";

struct Sim(Child, String);

impl Drop for Sim {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// A gateway simulator (`midtrans` or `xendit`, with the keys above); its notifications go nowhere
/// (the test replays them in-process).
fn simulator(gateway: &str) -> Sim {
    let keys: &[&str] = match gateway {
        "midtrans" => &["--server-key", SERVER_KEY],
        _ => &["--secret-key", XENDIT_KEY, "--callback-token", XENDIT_TOKEN],
    };
    let mut child = Command::new(env!("CARGO_BIN_EXE_upstream"))
        .args(["gateway-sim", gateway, "--port", "0"])
        .args(["--callback", "http://127.0.0.1:9/nowhere"])
        .args(keys)
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

fn decode(resp: Response<Body>) -> Answer {
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

/// One DynamoDB Local for this test binary (each test has its own table).
fn dynamo() -> &'static DynamoLocal {
    static INSTANCE: std::sync::OnceLock<DynamoLocal> = std::sync::OnceLock::new();
    INSTANCE.get_or_init(|| DynamoLocal::start(Storage::InMemory).expect("DynamoDB Local starts"))
}

/// The two handlers wired to a gateway simulator and a fresh table on DynamoDB Local.
struct Rig {
    sim: Sim,
    generate: generate_qris::State,
    callback: payment_callback::State,
}

impl Rig {
    async fn start(gateway: &str) -> Rig {
        let sim = simulator(gateway);
        let client = local_client(&dynamo().endpoint());
        let table = format!("budgets-{gateway}");
        TABLE.create(&client, &table).await.unwrap();
        let store = Store::new(client, &table, Policy::default());
        for s in parse_catalog(include_str!("../../streams.sample.json")).unwrap() {
            store.put_stream(&s).await.unwrap();
        }
        let manager = SessionManager::new(store, Arc::new(SystemClock));
        let base = sim.1.clone();
        let lookup = |name: &str| match name {
            "PAYMENT_PROVIDER" => Some(gateway.to_owned()),
            "MIDTRANS_SERVER_KEY" => Some(SERVER_KEY.to_owned()),
            "MIDTRANS_API_BASE" | "XENDIT_API_BASE" => Some(base.clone()),
            "XENDIT_SECRET_KEY" => Some(XENDIT_KEY.to_owned()),
            "XENDIT_CALLBACK_TOKEN" => Some(XENDIT_TOKEN.to_owned()),
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
            viewer_auth: upstream_session::edge::ViewerAuth::Anonymous,
        };
        Rig {
            sim,
            generate,
            callback,
        }
    }

    /// Bayar, through the real handler: its status, answer and calls.
    async fn bayar(&self, user: &str) -> Answer {
        let body = json!({"streamId": "2", "userId": user}).to_string();
        let ev = event::http_v2_event("POST", "/api/generate-qris", "", &headers(&[]), Some(&body));
        let req = event::request_from_event(&ev).unwrap();
        decode(generate_qris::handler(&self.generate, req).await)
    }

    /// The notification the simulator sends when `trx` is paid (not delivered anywhere).
    fn paid_notification(&self, trx: &str) -> String {
        let text = ureq::post(&format!("{}/sim/pay/{trx}", self.sim.1))
            .send_empty()
            .unwrap()
            .into_body()
            .read_to_string()
            .unwrap();
        let paid: Value = serde_json::from_str(&text).unwrap();
        paid["notification"].to_string()
    }

    /// `body` posted to the gateway's route with `headers`, through the real handler.
    async fn notify(&self, gateway: &str, headers: &[(String, String)], body: &str) -> Answer {
        let path = format!("/api/payment-callback/{gateway}");
        let ev = event::http_v2_event("POST", &path, "", headers, Some(body));
        let req = event::request_from_event(&ev).unwrap();
        decode(payment_callback::handler(&self.callback, req).await)
    }
}

/// `content-type: application/json`, and `extra` headers.
fn headers(extra: &[(&str, &str)]) -> Vec<(String, String)> {
    let json = [("content-type", "application/json")];
    json.iter()
        .chain(extra)
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}

type Answer = (u16, Value, Vec<String>, Vec<String>);

/// Bayar within its budget: the catalog read, the pending session, one `charge` call (never
/// retried), the charge attached. The trxId.
async fn bayar_within_budget(rig: &Rig, charge: &str) -> String {
    let (status, qr, dynamo_calls, gateway) = rig.bayar("budget-user").await;
    assert_eq!(status, 200, "{qr}");
    assert_eq!(
        dynamo_calls,
        vec!["GetItem", "TransactWriteItems", "TransactWriteItems"],
        "catalog + pending session + charge attached"
    );
    assert_eq!(gateway, vec![charge], "one charge");
    qr["data"]["trxId"].as_str().unwrap().to_owned()
}

/// A payment granted within its budget: the session read, one `confirm` call, one transaction.
fn granted_within_budget((status, answer, dynamo_calls, gateway): Answer, confirm: &str) {
    assert_eq!(status, 200, "{answer}");
    assert_eq!(answer["data"]["outcome"], "granted");
    assert_eq!(
        dynamo_calls,
        vec!["GetItem", "TransactWriteItems"],
        "1 read + 1 transaction"
    );
    assert_eq!(gateway, vec![confirm], "confirmed by the gateway");
}

#[tokio::test]
async fn generate_and_notification_budgets_with_midtrans() {
    let rig = Rig::start("midtrans").await;
    let trx = bayar_within_budget(&rig, "midtrans charge").await;

    // The gateway's notification (as the simulator signs it), replayed into the handler.
    let notification = rig.paid_notification(&trx);
    let answer = rig.notify("midtrans", &headers(&[]), &notification).await;
    granted_within_budget(answer, "midtrans status");

    // A forged notification: 401, nothing read, nothing stored, no gateway call.
    let forged = notification.replace(&trx, "UP-FORGED");
    let (status, _, dynamo_calls, gateway) = rig.notify("midtrans", &headers(&[]), &forged).await;
    assert_eq!(status, 401);
    assert!(dynamo_calls.is_empty() && gateway.is_empty());
}

#[tokio::test]
async fn generate_and_notification_budgets_with_xendit() {
    let rig = Rig::start("xendit").await;
    let trx = bayar_within_budget(&rig, "xendit qr_codes").await;

    // The callback with its token: the session read, its payment listed by Xendit, recorded.
    let callback = rig.paid_notification(&trx);
    let token = headers(&[("x-callback-token", XENDIT_TOKEN)]);
    granted_within_budget(
        rig.notify("xendit", &token, &callback).await,
        "xendit payments",
    );

    // A callback naming another QR code: the session read, nothing asked, nothing stored.
    let mut other: Value = serde_json::from_str(&callback).unwrap();
    other["data"]["qr_id"] = json!("qr_not_ours");
    let (status, answer, dynamo_calls, gateway) =
        rig.notify("xendit", &token, &other.to_string()).await;
    assert_eq!(
        (status, &answer["data"]["outcome"]),
        (200, &json!("ignored"))
    );
    assert_eq!(dynamo_calls, vec!["GetItem"]);
    assert!(gateway.is_empty(), "{gateway:?}");

    // A wrong token: 401, nothing read, nothing stored, no gateway call.
    let (status, _, dynamo_calls, gateway) = rig.notify("xendit", &headers(&[]), &callback).await;
    assert_eq!(status, 401);
    assert!(dynamo_calls.is_empty() && gateway.is_empty());
}
