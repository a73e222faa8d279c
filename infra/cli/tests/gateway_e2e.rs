//! The local stack with each gateway simulator, over real HTTP as a viewer, the gateway and an
//! operator use it: Bayar → the provider's QR → simulated payment → access within 5 s; a notification
//! the status API contradicts (or Xendit's payments list does not show) grants nothing; a duplicate
//! notification changes nothing; a payment for a closed session becomes an open refund. Xendit: a
//! token-valid callback naming another session's QR code is ignored, and Xendit's amount decides.
//! With a gateway key in the environment, the stack talks to the endpoint the environment names
//! instead of a simulator of its own.
#![allow(clippy::unwrap_used)] // test code: a panic is the failure report

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

/// Xendit through the local stack: the end-to-end flow and callbacks confirmed with the gateway.
#[path = "gateway_e2e/xendit.rs"]
mod xendit;

/// What `upstream dev` takes from the environment: the gateway it names, refunds at Midtrans.
#[path = "gateway_e2e/dev_config.rs"]
mod dev_config;

struct Stack {
    child: Child,
    base: String,
    sim: String,
}

impl Drop for Stack {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// One local stack at a time in this binary: each is a JVM, a Python server and gateway simulators,
/// and more at once on a small machine make DynamoDB Local's cold first requests time out.
static ONE_STACK: std::sync::Mutex<()> = std::sync::Mutex::new(());

fn one_stack() -> std::sync::MutexGuard<'static, ()> {
    ONE_STACK.lock().unwrap_or_else(|e| e.into_inner())
}

/// The gateway settings `upstream dev` honours: unset unless a test sets them.
const GATEWAY_ENV: [&str; 6] = [
    "MIDTRANS_SERVER_KEY",
    "MIDTRANS_API_BASE",
    "XENDIT_SECRET_KEY",
    "XENDIT_CALLBACK_TOKEN",
    "XENDIT_API_BASE",
    "PAYMENT_PROVIDER",
];

/// Starts `upstream dev` with the gateway's simulator; a port taken meanwhile (the free port is only
/// probed) is retried on another one, and a failure shows what the stack printed.
fn start(provider: &str) -> Stack {
    let mut last = String::new();
    for _ in 0..3 {
        match try_start(provider, free_port(), &[]) {
            Ok((stack, _)) if !stack.sim.is_empty() => return stack,
            Ok(_) => last = "no simulator line in the banner".into(),
            Err(why) => last = why,
        }
    }
    panic!("upstream dev --provider {provider} did not start: {last}");
}

/// Starts `upstream dev` on `port` with `env` added; with the banner it printed.
fn try_start(
    provider: &str,
    port: u16,
    env: &[(&str, &str)],
) -> Result<(Stack, Vec<String>), String> {
    let mut command = Command::new(env!("CARGO_BIN_EXE_upstream"));
    for name in GATEWAY_ENV {
        command.env_remove(name);
    }
    let mut child = command
        .args(["dev", "--in-memory", "--port", &port.to_string()])
        .args(["--provider", provider])
        .envs(env.iter().copied())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let deadline = Instant::now() + Duration::from_secs(90);
    let mut sim = None;
    let mut ready = false;
    let mut banner = Vec::new();
    for line in lines.by_ref() {
        let line = line.unwrap();
        if let Some(rest) = line.trim().strip_prefix("Gateway simulator: ") {
            sim = rest.split_whitespace().next().map(str::to_owned);
        }
        banner.push(line.clone());
        if line.starts_with("Stop with Ctrl-C") {
            ready = true;
            break;
        }
        if Instant::now() > deadline {
            break;
        }
    }
    std::thread::spawn(move || for _ in lines {});
    let stderr = child.stderr.take().unwrap();
    if !ready {
        let _ = child.kill();
        let mut err = String::new();
        let _ = std::io::Read::read_to_string(&mut BufReader::new(stderr), &mut err);
        let _ = child.wait();
        return Err(err.lines().rev().take(5).collect::<Vec<_>>().join(" | "));
    }
    std::thread::spawn(move || for _ in BufReader::new(stderr).lines() {});
    let stack = Stack {
        child,
        base: format!("http://127.0.0.1:{port}"),
        sim: sim.unwrap_or_default(),
    };
    Ok((stack, banner))
}

fn call(method: &str, url: &str, body: Option<Value>) -> (u16, Value) {
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .into();
    let resp = match body {
        Some(b) => agent
            .post(url)
            .header("content-type", "application/json")
            .send(b.to_string()),
        None if method == "POST" => agent.post(url).send_empty(),
        None => agent.get(url).call(),
    }
    .unwrap();
    let status = resp.status().as_u16();
    let text = resp.into_body().read_to_string().unwrap_or_default();
    (status, serde_json::from_str(&text).unwrap_or(Value::Null))
}

impl Stack {
    fn bayar(&self, user: &str) -> Value {
        let (status, r) = call(
            "POST",
            &format!("{}/api/generate-qris", self.base),
            Some(json!({"streamId": "2", "userId": user})),
        );
        assert_eq!(status, 200, "{r}");
        r["data"].clone()
    }

    fn access(&self, session: &str) -> bool {
        let (_, r) = call(
            "GET",
            &format!(
                "{}/api/check-access?sessionId={session}&streamId=2",
                self.base
            ),
            None,
        );
        r["data"]["hasAccess"] == Value::Bool(true)
    }

    fn pay(&self, trx: &str, query: &str) -> Value {
        let (status, r) = call("POST", &format!("{}/sim/pay/{trx}?{query}", self.sim), None);
        assert_eq!(status, 200, "{r}");
        r
    }

    /// Refunds `trx` at the simulator (`amount=`, `key=`): its answer, with the callback's.
    fn refund(&self, trx: &str, query: &str) -> Value {
        let (status, r) = call(
            "POST",
            &format!("{}/sim/refund/{trx}?{query}", self.sim),
            None,
        );
        assert_eq!(status, 200, "{r}");
        r
    }

    /// A session of `user` revoked before its QR is paid, then paid at the simulator: its trxId.
    fn paid_after_closing(&self, user: &str) -> String {
        let qr = self.bayar(user);
        let (status, r) = call(
            "POST",
            &format!(
                "{}/admin/sessions/{}/revoke",
                self.base,
                qr["sessionId"].as_str().unwrap()
            ),
            Some(json!({"note": "closed before payment"})),
        );
        assert_eq!(status, 200, "{r}");
        let trx = qr["trxId"].as_str().unwrap().to_owned();
        self.pay(&trx, "");
        trx
    }

    /// What our callback answered the notification a simulator call sent.
    fn callback_answer(&self, sim_answer: &Value) -> Value {
        let first = &sim_answer["responses"][0];
        assert_eq!(first["status"], 200, "{sim_answer}");
        serde_json::from_str(first["body"].as_str().unwrap()).unwrap()
    }

    /// The refunds with `status` (open, settled) of `trx`.
    fn refunds(&self, status: &str, trx: &str) -> Vec<Value> {
        let (_, r) = call(
            "GET",
            &format!("{}/admin/refunds?status={status}", self.base),
            None,
        );
        r["data"]["refunds"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|p| p["trxId"] == trx)
            .cloned()
            .collect()
    }

    fn order(&self, trx: &str) -> Value {
        let (_, r) = call("GET", &format!("{}/sim/orders", self.sim), None);
        r["orders"]
            .as_array()
            .unwrap()
            .iter()
            .find(|o| o["orderId"] == trx)
            .cloned()
            .unwrap_or_else(|| panic!("the simulator has no order {trx}: {r}"))
    }

    fn ledger_for(&self, trx: &str) -> Vec<Value> {
        let (status, r) = call(
            "GET",
            &format!("{}/admin/payments?from=2000-01-01", self.base),
            None,
        );
        assert_eq!(status, 200, "{r}");
        r["data"]["payments"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|p| p["trxId"] == trx)
            .cloned()
            .collect()
    }
}

fn flow(stack: &Stack, provider: &str) {
    // Bayar: the QR is the provider's qr_string, rendered by us.
    let qr = stack.bayar("gw-viewer");
    let trx = qr["trxId"].as_str().unwrap().to_owned();
    let session = qr["sessionId"].as_str().unwrap().to_owned();
    let order = stack.order(&trx);
    assert_eq!(
        qr["qrisData"], order["qrString"],
        "the provider's QR string"
    );
    assert!(
        qr["qrCode"]
            .as_str()
            .unwrap()
            .starts_with("data:image/png;base64,")
    );
    assert!(!stack.access(&session));

    if provider == "midtrans" {
        // The notification says settlement but the status API says pending: nothing is granted.
        let r = stack.pay(&trx, "statusApi=pending");
        assert!(
            r["responses"][0]["body"]
                .as_str()
                .unwrap()
                .contains("pending"),
            "{r}"
        );
        assert!(!stack.access(&session));
        assert!(stack.ledger_for(&trx).is_empty(), "nothing on the ledger");
    } else {
        // A callback (token valid) whose payment Xendit's list does not show: nothing is granted
        // or recorded, and the 503 makes Xendit deliver it again.
        let r = stack.pay(&trx, "statusApi=hidden");
        assert_eq!(r["responses"][0]["status"], 503, "{r}");
        assert!(!stack.access(&session));
        assert!(stack.ledger_for(&trx).is_empty(), "nothing on the ledger");
    }

    // The payment, delivered twice by the gateway: 👑 within 5 s, and the duplicate changes nothing.
    let started = Instant::now();
    let r = stack.pay(&trx, "times=2");
    while !stack.access(&session) {
        assert!(
            started.elapsed() < Duration::from_secs(5),
            "access within 5 s of the payment"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    let answers: Vec<Value> = r["responses"]
        .as_array()
        .unwrap()
        .iter()
        .map(|resp| {
            assert_eq!(resp["status"], 200, "{resp}");
            serde_json::from_str(resp["body"].as_str().unwrap()).unwrap()
        })
        .collect();
    assert_eq!(answers[0]["data"]["outcome"], "granted", "{answers:?}");
    assert_eq!(answers[0]["data"]["alreadyProcessed"], false);
    assert_eq!(answers[1]["data"]["alreadyProcessed"], true, "{answers:?}");
    let ledger = stack.ledger_for(&trx);
    assert_eq!(ledger.len(), 1, "{ledger:?}");
    assert_eq!(ledger[0]["outcome"], "granted");
    assert_eq!(ledger[0]["provider"], provider);
    assert_eq!(ledger[0]["amount"], 1000);

    // A settlement for a closed (revoked) session becomes an open refund.
    let trx2 = stack.paid_after_closing("gw-closed");
    let open = stack.refunds("open", &trx2);
    assert_eq!(open.len(), 1, "{open:?}");
    assert_eq!(open[0]["reason"], "session_closed");
    assert_eq!(open[0]["provider"], provider);
}

#[test]
fn midtrans_end_to_end_on_the_local_stack() {
    let _one = one_stack();
    flow(&start("midtrans"), "midtrans");
}

/// The local stack's Xendit callback token (`gateway_sim::DEV_XENDIT_CALLBACK_TOKEN`): the forger
/// below holds a valid token.
const DEV_XENDIT_CALLBACK_TOKEN: &str = "local-simulator-callback-token";

/// A gateway simulator run on its own (`upstream gateway-sim`), as a sandbox stands in for the real
/// gateway; stopped when dropped.
struct Sim {
    child: Child,
    url: String,
}

impl Drop for Sim {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
