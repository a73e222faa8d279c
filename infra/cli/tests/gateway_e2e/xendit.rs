//! Xendit through the local stack: the end-to-end flow and callbacks confirmed with the gateway.

use super::*;

#[test]
fn xendit_end_to_end_on_the_local_stack() {
    let _one = one_stack();
    let stack = start("xendit");
    flow(&stack, "xendit");
    callbacks_are_confirmed_with_xendit(&stack);
}

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
