//! Contract tests on the gateways' documented samples (tests/fixtures/gateways/README.md says where
//! each comes from): a genuine notification is accepted; one changed character of the signature or
//! token, the amount or the order id is refused.
#![allow(clippy::unwrap_used)] // test code: a panic is the failure report

use http::{HeaderMap, HeaderValue};
use upstream_session::domain::{PaymentReport, ReportKind};
use upstream_session::provider::{
    Notification, PaymentProvider, Statement, VerifyError, XENDIT_TOKEN_HEADER,
    midtrans_signature_key,
};

const MIDTRANS_SAMPLE: &str = include_str!("fixtures/gateways/midtrans_qris_notification.json");
const XENDIT_SAMPLE: &str = include_str!("fixtures/gateways/xendit_qr_payment.json");

/// The documented sample's own signature (made with Midtrans's unpublished key).
const DOC_SIGNATURE: &str = "2496c78cac93a70ca08014bdaaff08eb7119ef79ef69c4833d4399cada077147febc1a231992eb8665a7e26d89b1dc323c13f721d21c7485f70bff06cca6eed3";
const TEST_SERVER_KEY: &str = "SB-Mid-server-CONTRACT-TEST-KEY";
/// `printf '%s' "qris-012005539.00SB-Mid-server-CONTRACT-TEST-KEY" | sha512sum` (coreutils).
const SAMPLE_SIGNED_WITH_TEST_KEY: &str = "dbc32f0518155f540af045cc0b2b133717a15e1616ace1feb78571e1c947077c9cbbff93afe7fe921a6a0465a3eeda7f82660eeaeb107e6576c0313ff99efa80";
const TEST_CALLBACK_TOKEN: &str = "xnd-callback-token-CONTRACT-TEST";

fn midtrans(server_key: &str) -> PaymentProvider {
    PaymentProvider::from_lookup(|name| match name {
        "PAYMENT_PROVIDER" => Some("midtrans".into()),
        "MIDTRANS_SERVER_KEY" => Some(server_key.into()),
        "MIDTRANS_API_BASE" => Some("http://127.0.0.1:9".into()),
        _ => None,
    })
    .unwrap()
}

fn xendit() -> PaymentProvider {
    PaymentProvider::from_lookup(|name| match name {
        "PAYMENT_PROVIDER" => Some("xendit".into()),
        "XENDIT_SECRET_KEY" => Some("xnd_development_CONTRACT".into()),
        "XENDIT_CALLBACK_TOKEN" => Some(TEST_CALLBACK_TOKEN.into()),
        "XENDIT_API_BASE" => Some("http://127.0.0.1:9".into()),
        _ => None,
    })
    .unwrap()
}

/// The documented sample, re-signed with the test key.
fn genuine_midtrans() -> String {
    MIDTRANS_SAMPLE.replace(DOC_SIGNATURE, SAMPLE_SIGNED_WITH_TEST_KEY)
}

/// The final report a notification claims.
fn claimed_report(n: Notification) -> PaymentReport {
    match n.claimed {
        Statement::Final(report) => report,
        other => panic!("not a final report: {other:?}"),
    }
}

/// Changes one character of `value` (its last) inside `body`.
fn one_char_changed(body: &str, value: &str) -> String {
    let mut changed = value.to_owned();
    let last = changed.pop().unwrap();
    changed.push(if last == '0' { '1' } else { '0' });
    assert!(body.contains(value), "{value} not in the sample");
    body.replacen(value, &changed, 1)
}

#[test]
fn midtrans_signature_formula_matches_the_documented_example() {
    // Inputs from Midtrans's documented PHP example; the digest computed independently with sha512sum.
    assert_eq!(
        midtrans_signature_key(
            "1111",
            "200",
            "100000.00",
            "askvnoibnosifnboseofinbofinfgbiufglnbfg"
        ),
        "edc076b21793ebe3e17926350f5b8ae67d902fe657b3d0aa31b932d5c127e2375d308a2bc94f3265ac2d80a1f181a79b997ac178a236fcff35af263fc4d4c231"
    );
    assert_eq!(
        midtrans_signature_key("qris-01", "200", "5539.00", TEST_SERVER_KEY),
        SAMPLE_SIGNED_WITH_TEST_KEY
    );
}

#[test]
fn midtrans_genuine_sample_is_accepted() {
    let provider = midtrans(TEST_SERVER_KEY);
    let n = provider
        .verify_notification(&HeaderMap::new(), genuine_midtrans().as_bytes())
        .expect("genuine notification");
    let r = claimed_report(n);
    assert_eq!(r.provider, "midtrans");
    assert_eq!(r.trx_id, "qris-01");
    assert_eq!(r.amount, 5539);
    assert_eq!(r.kind, ReportKind::Paid);
    assert_eq!(
        r.provider_ref.as_deref(),
        Some("513f1f01-c9da-474c-9fc9-d5c64364b709")
    );
    // The signature does not cover the status: a pending one is nothing final yet.
    let pending = genuine_midtrans().replace("\"settlement\"", "\"pending\"");
    assert_eq!(
        provider
            .verify_notification(&HeaderMap::new(), pending.as_bytes())
            .unwrap()
            .claimed,
        Statement::Pending {
            trx_id: "qris-01".into()
        }
    );
    // Upper-case hex is the same signature.
    let upper = MIDTRANS_SAMPLE.replace(
        DOC_SIGNATURE,
        &SAMPLE_SIGNED_WITH_TEST_KEY.to_ascii_uppercase(),
    );
    assert!(
        provider
            .verify_notification(&HeaderMap::new(), upper.as_bytes())
            .is_ok()
    );
}

#[test]
fn midtrans_one_changed_character_is_refused() {
    let provider = midtrans(TEST_SERVER_KEY);
    let genuine = genuine_midtrans();
    let cases = [
        (
            "signature",
            one_char_changed(&genuine, SAMPLE_SIGNED_WITH_TEST_KEY),
        ),
        ("amount", genuine.replace("\"5539.00\"", "\"5538.00\"")),
        (
            "amount format",
            genuine.replace("\"5539.00\"", "\"5539.0\""),
        ),
        ("order id", genuine.replace("\"qris-01\"", "\"qris-02\"")),
        (
            "status code",
            genuine.replace("\"status_code\": \"200\"", "\"status_code\": \"201\""),
        ),
        ("documented key", MIDTRANS_SAMPLE.to_owned()),
    ];
    for (what, body) in cases {
        assert_ne!(body, genuine, "{what}: nothing changed");
        assert_eq!(
            provider.verify_notification(&HeaderMap::new(), body.as_bytes()),
            Err(VerifyError::BadSignature),
            "{what}"
        );
    }
    // The right body under another server key.
    assert_eq!(
        midtrans("SB-Mid-server-CONTRACT-TEST-KEz")
            .verify_notification(&HeaderMap::new(), genuine.as_bytes()),
        Err(VerifyError::BadSignature)
    );
}

#[test]
fn midtrans_malformed_notifications() {
    let provider = midtrans(TEST_SERVER_KEY);
    let signed = |gross: &str| {
        let sig = midtrans_signature_key("qris-01", "200", gross, TEST_SERVER_KEY);
        MIDTRANS_SAMPLE
            .replace(DOC_SIGNATURE, &sig)
            .replace("\"5539.00\"", &format!("{gross:?}"))
    };
    // Correctly signed, but a fraction of a rupiah or not a number.
    for gross in ["5539.50", "5539.", "lima ribu", "0.00"] {
        assert!(
            matches!(
                provider.verify_notification(&HeaderMap::new(), signed(gross).as_bytes()),
                Err(VerifyError::Malformed(_))
            ),
            "{gross}"
        );
    }
    assert!(
        provider
            .verify_notification(&HeaderMap::new(), signed("5539").as_bytes())
            .is_ok()
    );
    for body in [
        "not json".to_owned(),
        "{}".to_owned(),
        genuine_midtrans().replace("\"signature_key\"", "\"signature\""),
        genuine_midtrans().replace("\"gross_amount\": \"5539.00\"", "\"gross_amount\": 5539"),
    ] {
        assert!(
            matches!(
                provider.verify_notification(&HeaderMap::new(), body.as_bytes()),
                Err(VerifyError::Malformed(_))
            ),
            "{body}"
        );
    }
    // The signed fields are read before the signature, the rest only after: a body without a
    // status is refused as unsigned when its signature is wrong, as unreadable when it is right.
    let no_status = genuine_midtrans().replace("\"transaction_status\"", "\"status\"");
    assert!(matches!(
        provider.verify_notification(&HeaderMap::new(), no_status.as_bytes()),
        Err(VerifyError::Malformed(_))
    ));
    assert_eq!(
        provider.verify_notification(
            &HeaderMap::new(),
            one_char_changed(&no_status, SAMPLE_SIGNED_WITH_TEST_KEY).as_bytes()
        ),
        Err(VerifyError::BadSignature)
    );
}

fn token_headers(token: &str) -> HeaderMap {
    let mut h = HeaderMap::new();
    h.insert(XENDIT_TOKEN_HEADER, HeaderValue::from_str(token).unwrap());
    h
}

#[test]
fn xendit_genuine_sample_is_accepted() {
    let n = xendit()
        .verify_notification(
            &token_headers(TEST_CALLBACK_TOKEN),
            XENDIT_SAMPLE.as_bytes(),
        )
        .expect("genuine callback");
    assert_eq!(
        n.charge_ref.as_deref(),
        Some("qr_61cb3576-3a25-4d35-8d15-0e8e3bdba4f2"),
        "the QR code it names, to match with the session's"
    );
    let r = claimed_report(n);
    assert_eq!(r.provider, "xendit");
    assert_eq!(r.trx_id, "order-id-1666420204");
    assert_eq!(r.amount, 10000);
    assert_eq!(r.kind, ReportKind::Paid);
    assert_eq!(
        r.provider_ref.as_deref(),
        Some("qrpy_8182837te-87st-49ing-8696-1239bd4d759c")
    );
}

#[test]
fn xendit_token_must_match_exactly() {
    let provider = xendit();
    let mut wrong = TEST_CALLBACK_TOKEN.to_owned();
    wrong.pop();
    for token in [
        format!("{wrong}u"),
        wrong.clone(),
        format!("{TEST_CALLBACK_TOKEN}x"),
        String::new(),
    ] {
        assert_eq!(
            provider.verify_notification(&token_headers(&token), XENDIT_SAMPLE.as_bytes()),
            Err(VerifyError::BadSignature),
            "{token:?}"
        );
    }
    assert_eq!(
        provider.verify_notification(&HeaderMap::new(), XENDIT_SAMPLE.as_bytes()),
        Err(VerifyError::BadSignature)
    );
}

/// Xendit's token authenticates the sender, not the body: a changed amount or order id is carried
/// into the claim unchanged; what counts is the payment Xendit lists for the QR code it names
/// (`confirm`, tested against the simulator in infra/cli/tests/gateway_xendit.rs).
#[test]
fn xendit_changed_amount_or_order_id_is_reported_as_sent() {
    let provider = xendit();
    let headers = token_headers(TEST_CALLBACK_TOKEN);
    let amount = XENDIT_SAMPLE.replace("\"amount\": 10000", "\"amount\": 10001");
    let r = claimed_report(
        provider
            .verify_notification(&headers, amount.as_bytes())
            .unwrap(),
    );
    assert_eq!(r.amount, 10001);
    let order = XENDIT_SAMPLE.replace("order-id-1666420204", "order-id-1666420205");
    let r = claimed_report(
        provider
            .verify_notification(&headers, order.as_bytes())
            .unwrap(),
    );
    assert_eq!(r.trx_id, "order-id-1666420205");
    // A fractional or missing amount is malformed.
    for body in [
        XENDIT_SAMPLE.replace("\"amount\": 10000", "\"amount\": 10000.5"),
        XENDIT_SAMPLE.replace("\"amount\": 10000", "\"amount\": \"10000\""),
        XENDIT_SAMPLE.replace("\"reference_id\"", "\"external_id\""),
        // Without the QR code it pays, a callback cannot be matched with its session.
        XENDIT_SAMPLE.replace("\"qr_id\"", "\"qr_code_id\""),
        XENDIT_SAMPLE.replace("\"currency\": \"IDR\"", "\"currency\": \"PHP\""),
        "[]".to_owned(),
        // `data` as an array of the right values is not a payment object.
        r#"{"event": "qr.payment", "data": ["qrpy_1", "order-id-1", "SUCCEEDED", 10000]}"#
            .to_owned(),
    ] {
        assert!(
            matches!(
                provider.verify_notification(&headers, body.as_bytes()),
                Err(VerifyError::Malformed(_))
            ),
            "{body}"
        );
    }
    // Another event, verified: nothing to grant.
    let other = XENDIT_SAMPLE.replace("\"qr.payment\"", "\"qr.refund\"");
    let n = provider
        .verify_notification(&headers, other.as_bytes())
        .unwrap();
    assert_eq!(
        n.claimed,
        Statement::Pending {
            trx_id: "order-id-1666420204".into()
        }
    );
}

#[test]
fn static_provider_takes_no_gateway_notifications() {
    let provider = PaymentProvider::from_lookup(|_| None).unwrap();
    assert!(provider.is_static());
    assert!(matches!(
        provider.verify_notification(&HeaderMap::new(), genuine_midtrans().as_bytes()),
        Err(VerifyError::Malformed(_))
    ));
}

const MIDTRANS_REFUND_SAMPLE: &str =
    include_str!("fixtures/gateways/midtrans_partial_refund_notification.json");

#[test]
fn midtrans_partial_refund_sample_states_each_refund_of_the_payment() {
    let provider = midtrans(TEST_SERVER_KEY);
    let n = provider
        .verify_notification(&HeaderMap::new(), MIDTRANS_REFUND_SAMPLE.as_bytes())
        .expect("genuine refund notification");
    let Statement::Refunded(report) = n.claimed else {
        panic!("not a refund statement: {:?}", n.claimed);
    };
    assert_eq!(report.payment.trx_id, "example-1424936368");
    assert_eq!(report.payment.amount, 30000, "the original gross amount");
    assert_eq!(report.payment.kind, ReportKind::Paid);
    assert_eq!(
        report.payment.provider_ref.as_deref(),
        Some("249fc620-6017-4540-af7c-5a1c25788f46")
    );
    let refunds: Vec<_> = report
        .refunds
        .iter()
        .map(|r| (r.refund_id.as_str(), r.amount))
        .collect();
    assert_eq!(refunds, vec![("1", 5000), ("2", 7000)]);
    // A full refund reads the same; the signature still covers order, status code and gross amount.
    let full = MIDTRANS_REFUND_SAMPLE.replace("\"partial_refund\"", "\"refund\"");
    assert!(matches!(
        provider
            .verify_notification(&HeaderMap::new(), full.as_bytes())
            .unwrap()
            .claimed,
        Statement::Refunded(_)
    ));
    let forged = one_char_changed(MIDTRANS_REFUND_SAMPLE, "30000.00");
    assert_eq!(
        provider
            .verify_notification(&HeaderMap::new(), forged.as_bytes())
            .unwrap_err(),
        VerifyError::BadSignature
    );
}
