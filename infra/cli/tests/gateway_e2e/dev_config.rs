//! What `upstream dev` takes from the environment: the gateway it names, refunds at Midtrans.

use super::*;

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
