//! One simulated viewer: arrives, loads the catalog, opens a QR (with an Idempotency-Key, as the page
//! does), polls its status while its payment arrives through the signed webhook, then checks access.

use std::time::{Duration, Instant};

use reqwest::Method;
use serde_json::{Value, json};
use upstream_session::edge::signature;

use super::report::Sample;

/// The longest a viewer takes to pay after its QR appears.
pub const MAX_PAY_DELAY: Duration = Duration::from_secs(10);
/// How long a viewer keeps polling after its payment was sent.
const POLL_GRACE: Duration = Duration::from_secs(30);

/// What one viewer does, and when.
pub struct Plan {
    index: u32,
    user: String,
    stream: String,
    /// When it arrives, from the rush's start.
    arrives: Duration,
    /// How long after its QR it pays.
    pays_after: Duration,
    poll: Duration,
}

impl Plan {
    /// Viewer `index` of `viewers`: arrivals spread over the first three quarters of `window`, each
    /// paid within the last quarter's length (at most [`MAX_PAY_DELAY`]), so all pay within it.
    pub fn new(
        index: u32,
        viewers: u32,
        window: Duration,
        poll: Duration,
        run: &str,
        streams: &[String],
    ) -> Self {
        let spread = window.mul_f64(0.75);
        let arrives = spread.mul_f64(f64::from(index) / f64::from(viewers.max(1)));
        let longest = (window / 4).min(MAX_PAY_DELAY);
        // A fixed pseudo-random share per viewer (no randomness needed to spread them).
        let share = f64::from(mix(index) % 1_000) / 1_000.0;
        let stream = streams[index as usize % streams.len()].clone();
        Self {
            index,
            user: format!("load-{run}-{index}"),
            stream,
            arrives,
            pays_after: longest.mul_f64(share),
            poll,
        }
    }
}

/// What became of one viewer.
#[derive(Debug, Default)]
pub struct Journey {
    /// Its QR's transaction id and amount, once opened.
    pub trx: Option<(String, u64)>,
    /// Its poll saw `paid`.
    pub saw_paid: bool,
    /// check-access answered `hasAccess: true`.
    pub has_access: bool,
}

impl Journey {
    /// It paid, saw it, and may watch.
    pub fn watched(&self) -> bool {
        self.trx.is_some() && self.saw_paid && self.has_access
    }
}

/// A short random id for this run's user ids and references.
pub fn run_id() -> String {
    let mut bytes = [0u8; 4];
    getrandom::fill(&mut bytes).unwrap_or_default();
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// SplitMix32-style scrambling of an index.
fn mix(i: u32) -> u32 {
    let mut x = i.wrapping_add(0x9e37_79b9);
    x = (x ^ (x >> 16)).wrapping_mul(0x85eb_ca6b);
    x = (x ^ (x >> 13)).wrapping_mul(0xc2b2_ae35);
    x ^ (x >> 16)
}

/// The ids of the active streams of the catalog.
pub async fn active_streams(http: &reqwest::Client, base: &str) -> Result<Vec<String>, String> {
    let (status, body, _) =
        call(http, Method::GET, &format!("{base}/api/streams"), &[], None).await;
    if status != 200 {
        return Err(format!(
            "GET /api/streams answered {status}: is the stack up?"
        ));
    }
    let ids: Vec<String> = body["data"]["streams"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|s| s["active"] != Value::Bool(false))
        .filter_map(|s| s["id"].as_str().map(str::to_owned))
        .collect();
    if ids.is_empty() {
        return Err("the catalog has no active stream".into());
    }
    Ok(ids)
}

/// Runs `plan` from `start`; what became of it and every request it made.
pub async fn journey(
    http: &reqwest::Client,
    base: &str,
    secret: &str,
    start: Instant,
    plan: Plan,
) -> (Journey, Vec<Sample>) {
    let mut samples = Vec::new();
    let mut journey = Journey::default();
    tokio::time::sleep_until((start + plan.arrives).into()).await;

    let (status, _, took) =
        call(http, Method::GET, &format!("{base}/api/streams"), &[], None).await;
    samples.push(Sample::new("GET /api/streams", status, took));

    let key = format!("load-{}-{}", plan.user, plan.index);
    let (status, qr, took) = call(
        http,
        Method::POST,
        &format!("{base}/api/generate-qris"),
        &[("idempotency-key", &key)],
        Some(json!({"streamId": plan.stream, "userId": plan.user})),
    )
    .await;
    samples.push(Sample::new("POST /api/generate-qris", status, took));
    let data = &qr["data"];
    let (Some(trx), Some(session), Some(amount)) = (
        data["trxId"].as_str(),
        data["sessionId"].as_str(),
        data["amount"].as_u64(),
    ) else {
        return (journey, samples);
    };
    journey.trx = Some((trx.to_owned(), amount));
    let qr_at = Instant::now();

    let pay = async {
        tokio::time::sleep_until((qr_at + plan.pays_after).into()).await;
        let body = json!({"trxId": trx, "amount": amount, "status": "paid",
            "providerRef": format!("LOAD-{}-{}", plan.user, plan.index)})
        .to_string();
        let sig = signature::sign(
            secret.as_bytes(),
            chrono::Utc::now().timestamp(),
            body.as_bytes(),
        );
        let (status, _, took) = call_raw(
            http,
            Method::POST,
            &format!("{base}/api/payment-callback"),
            &[(signature::HEADER, &sig)],
            Some(body),
        )
        .await;
        Sample::new("POST /api/payment-callback (webhook)", status, took)
    };
    let poll = async {
        let mut polls = Vec::new();
        let give_up = qr_at + plan.pays_after + POLL_GRACE;
        let url = format!("{base}/api/payment-callback?trxId={trx}&sessionId={session}");
        while Instant::now() < give_up {
            tokio::time::sleep(plan.poll).await;
            let (status, body, took) = call(http, Method::GET, &url, &[], None).await;
            polls.push(Sample::new(
                "GET /api/payment-callback (poll)",
                status,
                took,
            ));
            if body["data"]["status"] == "paid" {
                return (true, polls);
            }
        }
        (false, polls)
    };
    let (paid, (saw_paid, polls)) = tokio::join!(pay, poll);
    samples.push(paid);
    samples.extend(polls);
    journey.saw_paid = saw_paid;
    if !saw_paid {
        return (journey, samples);
    }

    let url = format!(
        "{base}/api/check-access?sessionId={session}&streamId={}&userId={}",
        plan.stream, plan.user
    );
    let (status, body, took) = call(http, Method::GET, &url, &[], None).await;
    samples.push(Sample::new("GET /api/check-access", status, took));
    journey.has_access = body["data"]["hasAccess"] == Value::Bool(true);
    (journey, samples)
}

/// A JSON call: status (0 for a transport error), body (`null` unless JSON), time taken.
async fn call(
    http: &reqwest::Client,
    method: Method,
    url: &str,
    headers: &[(&str, &str)],
    body: Option<Value>,
) -> (u16, Value, Duration) {
    call_raw(http, method, url, headers, body.map(|b| b.to_string())).await
}

async fn call_raw(
    http: &reqwest::Client,
    method: Method,
    url: &str,
    headers: &[(&str, &str)],
    body: Option<String>,
) -> (u16, Value, Duration) {
    let mut req = http.request(method, url);
    for (k, v) in headers {
        req = req.header(*k, *v);
    }
    if let Some(body) = body {
        req = req.header("content-type", "application/json").body(body);
    }
    let started = Instant::now();
    let answer = match req.send().await {
        Ok(resp) => {
            let status = resp.status().as_u16();
            let bytes = resp.bytes().await.unwrap_or_default();
            (
                status,
                serde_json::from_slice(&bytes).unwrap_or(Value::Null),
            )
        }
        Err(_) => (0, Value::Null),
    };
    (answer.0, answer.1, started.elapsed())
}
