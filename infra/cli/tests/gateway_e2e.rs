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

/// Refunds made at Midtrans, over real HTTP: the simulator refunds as the merchant's refund call
/// would and sends the documented notification; the stack confirms it with the status API.
#[test]
fn midtrans_refunds_on_the_local_stack() {
    let stack = start("midtrans");
    let qr = stack.bayar("gw-refunded");
    let trx = qr["trxId"].as_str().unwrap().to_owned();
    let session = qr["sessionId"].as_str().unwrap().to_owned();
    stack.pay(&trx, "");
    assert!(stack.access(&session));

    // A partial refund of the payment that granted access: access ends within that one request.
    let r = stack.refund(&trx, "amount=400&key=goodwill-1");
    assert_eq!(r["transaction_status"], "partial_refund", "{r}");
    let answer = stack.callback_answer(&r);
    assert_eq!(answer["data"]["outcome"], "refunded", "{answer}");
    assert_eq!(answer["data"]["status"], "revoked", "{answer}");
    assert!(!stack.access(&session), "check-access answers no at once");

    // The rest; then the same notification delivered again changes nothing.
    let rest = stack.refund(&trx, "key=rest-2");
    assert_eq!(rest["transaction_status"], "refund", "{rest}");
    assert_eq!(rest["refund_amount"], "600.00");
    let again = stack.pay(&trx, "status=refund");
    let answer: Value =
        serde_json::from_str(again["responses"][0]["body"].as_str().unwrap()).unwrap();
    assert_eq!(answer["data"]["alreadyProcessed"], true, "{answer}");
    // A refund_key is used once at the gateway.
    let (_, dup) = call(
        "POST",
        &format!("{}/sim/refund/{trx}?amount=1&key=rest-2", stack.sim),
        None,
    );
    assert_ne!(dup["status_code"], "200", "{dup}");

    let ledger = stack.ledger_for(&trx);
    let granted: Vec<_> = ledger
        .iter()
        .filter(|p| p["outcome"] == "granted")
        .collect();
    let refunds: Vec<_> = ledger
        .iter()
        .filter(|p| p["outcome"] == "refunded")
        .collect();
    assert_eq!(granted.len(), 1, "{ledger:?}");
    assert_eq!(granted[0]["refundedAtGateway"], 1000);
    let mut each: Vec<_> = refunds
        .iter()
        .map(|p| {
            (
                p["gatewayRefundId"].as_str().unwrap(),
                p["amount"].as_u64().unwrap(),
            )
        })
        .collect();
    each.sort();
    assert_eq!(each, vec![("1", 400), ("2", 600)]);
    assert!(
        refunds
            .iter()
            .all(|p| p["relatedPaymentId"] == granted[0]["paymentId"])
    );

    // Money owed back (paid after the session was closed), then refunded at the gateway: settled,
    // no longer listed as open, never paid back twice.
    let owed_trx = stack.paid_after_closing("gw-owed");
    assert_eq!(stack.refunds("open", &owed_trx).len(), 1);
    stack.refund(&owed_trx, "key=owed-1");
    assert!(stack.refunds("open", &owed_trx).is_empty());
    let settled = stack.refunds("settled", &owed_trx);
    assert_eq!(settled.len(), 1);
    assert_eq!(settled[0]["settledBy"], "gateway:midtrans");
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

#[test]
fn xendit_end_to_end_on_the_local_stack() {
    let _one = one_stack();
    let stack = start("xendit");
    flow(&stack, "xendit");
    callbacks_are_confirmed_with_xendit(&stack);
}

/// The local stack's Xendit callback token (`gateway_sim::DEV_XENDIT_CALLBACK_TOKEN`): the forger
/// below holds a valid token.
const DEV_XENDIT_CALLBACK_TOKEN: &str = "local-simulator-callback-token";

/// Xendit's callback is only a hint: the QR code it names must be the session's, and the payment
/// Xendit lists for it decides the amount.
fn callbacks_are_confirmed_with_xendit(stack: &Stack) {
    let (a, b, c) = (
        stack.bayar("gw-a"),
        stack.bayar("gw-b"),
        stack.bayar("gw-c"),
    );
    let trx = |qr: &Value| qr["trxId"].as_str().unwrap().to_owned();
    let session = |qr: &Value| qr["sessionId"].as_str().unwrap().to_owned();

    // A pays; A's genuine callback re-addressed to B (token valid) names A's QR code, not B's.
    let paid = stack.pay(&trx(&a), "");
    assert!(stack.access(&session(&a)));
    let mut forged = paid["notification"].clone();
    forged["data"]["reference_id"] = json!(trx(&b));
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .into();
    let resp = agent
        .post(&format!("{}/api/payment-callback/xendit", stack.base))
        .header("content-type", "application/json")
        .header("x-callback-token", DEV_XENDIT_CALLBACK_TOKEN)
        .send(forged.to_string())
        .unwrap();
    assert_eq!(resp.status().as_u16(), 200);
    let answer: Value = serde_json::from_str(&resp.into_body().read_to_string().unwrap()).unwrap();
    assert_eq!(answer["data"]["outcome"], "ignored", "{answer}");
    assert!(!stack.access(&session(&b)), "no access for B");
    assert!(
        stack.ledger_for(&trx(&b)).is_empty(),
        "nothing recorded for B"
    );
    assert_eq!(stack.ledger_for(&trx(&a)).len(), 1, "A's payment, once");

    // C: 500 paid, the callback claims the full 1000: Xendit's amount decides, so the payment is an
    // open refund of 500, not a grant.
    let r = stack.pay(&trx(&c), "amount=500&claimAmount=1000");
    assert_eq!(r["notification"]["data"]["amount"], 1000, "{r}");
    assert_eq!(r["responses"][0]["status"], 200, "{r}");
    assert!(!stack.access(&session(&c)));
    let ledger = stack.ledger_for(&trx(&c));
    assert_eq!(ledger.len(), 1, "{ledger:?}");
    assert_eq!(
        (
            &ledger[0]["amount"],
            &ledger[0]["outcome"],
            &ledger[0]["reason"]
        ),
        (&json!(500), &json!("refund_due"), &json!("amount_mismatch")),
        "{ledger:?}"
    );
}

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

fn separate_midtrans(server_key: &str, callback: &str) -> Sim {
    let port = free_port();
    let child = Command::new(env!("CARGO_BIN_EXE_upstream"))
        .args(["gateway-sim", "midtrans", "--port", &port.to_string()])
        .args(["--server-key", server_key, "--callback", callback])
        .env_remove("MIDTRANS_SERVER_KEY")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(30);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(Instant::now() < deadline, "the simulator did not start");
        std::thread::sleep(Duration::from_millis(50));
    }
    Sim {
        child,
        url: format!("http://127.0.0.1:{port}"),
    }
}

#[test]
fn dev_talks_to_the_gateway_the_environment_names() {
    // Not the stack's own simulator key: a stack that started its own simulator, or kept its own key,
    // could not pass.
    let key = "SB-Mid-server-FROM-THE-ENVIRONMENT";
    let _one = one_stack();
    let mut last = String::new();
    let mut started = None;
    // Retried like `start`: a port taken meanwhile, a DynamoDB Local slow to answer under load.
    for _ in 0..3 {
        let port = free_port();
        let sim = separate_midtrans(
            key,
            &format!("http://127.0.0.1:{port}/api/payment-callback/midtrans"),
        );
        let env = [
            ("MIDTRANS_SERVER_KEY", key),
            ("MIDTRANS_API_BASE", sim.url.as_str()),
        ];
        match try_start("midtrans", port, &env) {
            Ok(ok) => {
                started = Some((ok, sim));
                break;
            }
            Err(why) => last = why,
        }
    }
    let Some(((mut stack, banner), sim)) = started else {
        panic!("upstream dev did not start: {last}");
    };
    let text = banner.join("\n");
    assert!(
        text.contains(&format!("Payment gateway: midtrans at {}", sim.url))
            && !text.contains("Gateway simulator:"),
        "the banner names the environment's endpoint:\n{text}"
    );
    stack.sim = sim.url.clone();
    let qr = stack.bayar("env-viewer");
    let trx = qr["trxId"].as_str().unwrap().to_owned();
    assert_eq!(
        qr["qrisData"],
        stack.order(&trx)["qrString"],
        "created there"
    );
    let session = qr["sessionId"].as_str().unwrap().to_owned();
    stack.pay(&trx, "");
    let started = Instant::now();
    while !stack.access(&session) {
        assert!(
            started.elapsed() < Duration::from_secs(5),
            "its notification, signed with the environment's key, grants access"
        );
        std::thread::sleep(Duration::from_millis(100));
    }

    // A base without a key is a mistake, not a silent fallback to the simulator.
    let only_base = [("MIDTRANS_API_BASE", sim.url.as_str())];
    let err = try_start("midtrans", free_port(), &only_base)
        .err()
        .unwrap();
    assert!(err.contains("MIDTRANS_SERVER_KEY"), "{err}");
}
