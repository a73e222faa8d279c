//! The Xendit adapter against the simulator (the built `upstream gateway-sim xendit`) over loopback
//! HTTP: the QR code (created with an idempotency key, so retried), the `qr.payment` callback
//! (authenticated by its token) and its confirmation by `GET /qr_codes/{qr_id}/payments`: the payment
//! listed there is what counts. A payment the list does not show, a callback naming another QR code
//! or another reference, grants nothing. Requests counted at the simulator.
#![allow(clippy::unwrap_used)] // test code: a panic is the failure report

mod simulator;

use hyper::HeaderMap;
use hyper::body::Bytes;
use serde_json::{Value, json};
use tokio::sync::mpsc;
use upstream_session::domain::{GatewayCharge, PaymentReport, ReportKind};
use upstream_session::provider::{Charge, Notification, PaymentProvider, ProviderError, Statement};

use simulator::{
    Sim, XENDIT_KEY, XENDIT_TOKEN, basic, next, qr_amount, receiver, report, request, xendit,
};

type Inbox = mpsc::UnboundedReceiver<(HeaderMap, Bytes)>;

/// The Xendit simulator, its callbacks sent to a loopback receiver, and our adapter with its keys.
async fn setup() -> (Sim, Inbox, PaymentProvider) {
    let (callback, rx) = receiver().await;
    let sim = Sim::start(&[
        "xendit",
        "--secret-key",
        XENDIT_KEY,
        "--callback-token",
        XENDIT_TOKEN,
        "--callback",
        &callback,
    ]);
    let provider = xendit(&sim.base, XENDIT_KEY);
    (sim, rx, provider)
}

/// The charge as generate-qris attaches it to the session.
fn attached(charge: &Charge) -> GatewayCharge {
    GatewayCharge {
        provider: "xendit".into(),
        reference: charge.provider_ref.clone(),
        qr_string: charge.qr_string.clone(),
    }
}

/// Pays `order` at the simulator (`query`: its test controls) and returns the callback it sent.
async fn pay(sim: &Sim, rx: &mut Inbox, order: &str, query: &str) -> (HeaderMap, Bytes) {
    sim.post(&format!("/sim/pay/{order}?{query}"), json!({}))
        .await;
    next(rx).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn xendit_charge_callback_and_confirmation() {
    let (sim, mut rx, provider) = setup().await;

    // One 503, then success: the POST carries an idempotency key, so it is retried.
    sim.fault("charge", 503, 1, 0).await;
    let req = request(25000);
    let charge = provider.create_charge(&req).await.unwrap();
    assert_eq!(sim.count("charge").await, 2);
    assert!(
        charge.provider_ref.starts_with("qr_"),
        "{}",
        charge.provider_ref
    );
    assert_eq!(qr_amount(&charge.qr_string), "25000");
    let again = provider.create_charge(&req).await.unwrap();
    assert_eq!(
        again, charge,
        "the idempotency key replays the same QR code"
    );

    let order = req.trx_id.as_str();
    let (headers, body) = pay(&sim, &mut rx, order, "").await;
    let n = provider.verify_notification(&headers, &body).unwrap();
    assert_eq!(n.charge_ref.as_deref(), Some(charge.provider_ref.as_str()));
    assert!(n.is_for(Some(&attached(&charge))), "our QR code");
    assert!(!n.is_for(None), "a session without our QR code");
    let claimed = report(n.claimed.clone());

    let before = sim.count("status").await;
    let confirmed = report(provider.confirm(&n).await.unwrap());
    assert_eq!(sim.count("status").await, before + 1, "confirm is one GET");
    assert_eq!(
        (confirmed.kind, confirmed.amount, confirmed.trx_id.as_str()),
        (ReportKind::Paid, 25000, order)
    );
    assert_eq!(confirmed.provider_ref, claimed.provider_ref);
    assert!(confirmed.provider_ref.unwrap().starts_with("qrpy_"));

    // Another secret key is refused by the gateway, for the QR code and for its payments.
    let stranger = xendit(&sim.base, "xnd_development_WRONG");
    assert!(matches!(
        stranger.create_charge(&request(1000)).await,
        Err(ProviderError::Rejected(m)) if m.contains("401")
    ));
    assert!(matches!(
        stranger.confirm(&n).await,
        Err(ProviderError::Rejected(m)) if m.contains("401")
    ));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_payments_list_decides() {
    let (sim, mut rx, provider) = setup().await;
    let (a, b) = (request(25000), request(5000));
    let charge_a = provider.create_charge(&a).await.unwrap();
    let charge_b = provider.create_charge(&b).await.unwrap();
    let (order_a, order_b) = (a.trx_id.as_str(), b.trx_id.as_str());

    // 10 000 paid, the callback claims 25 000: the listed amount counts.
    let (h, body_a) = pay(&sim, &mut rx, order_a, "amount=10000&claimAmount=25000").await;
    let n = provider.verify_notification(&h, &body_a).unwrap();
    assert_eq!(report(n.claimed.clone()).amount, 25000, "what it claims");
    let confirmed = report(provider.confirm(&n).await.unwrap());
    assert_eq!(
        (confirmed.kind, confirmed.amount),
        (ReportKind::Paid, 10000)
    );

    // A callback (token valid) whose payment the list does not show: refused, not retried.
    let (h, body) = pay(&sim, &mut rx, order_b, "statusApi=hidden").await;
    let n = provider.verify_notification(&h, &body).unwrap();
    assert!(n.is_for(Some(&attached(&charge_b))));
    assert_eq!(report(n.claimed.clone()).kind, ReportKind::Paid);
    let before = sim.count("status").await;
    let err = provider.confirm(&n).await.unwrap_err();
    assert!(
        matches!(err, ProviderError::Rejected(ref m) if m.contains("not listed")),
        "{err:?}"
    );
    assert_eq!(sim.count("status").await, before + 1);

    // A's genuine payment re-addressed to B: it names A's QR code, not B's; and were it confirmed
    // anyway, the listed payment is for another reference.
    let mut forged: Value = serde_json::from_slice(&body_a).unwrap();
    forged["data"]["reference_id"] = json!(order_b);
    let forged = forged.to_string();
    let n = provider.verify_notification(&h, forged.as_bytes()).unwrap();
    assert_eq!(report(n.claimed.clone()).trx_id, order_b);
    assert!(!n.is_for(Some(&attached(&charge_b))), "not B's QR code");
    assert!(n.is_for(Some(&attached(&charge_a))));
    assert!(matches!(
        provider.confirm(&n).await,
        Err(ProviderError::Rejected(m)) if m.contains("another reference")
    ));

    // Another verified event: nothing final, so nothing to ask.
    let other = String::from_utf8(body_a.to_vec())
        .unwrap()
        .replace("\"qr.payment\"", "\"qr.other\"");
    let n = provider.verify_notification(&h, other.as_bytes()).unwrap();
    let before = sim.count("status").await;
    assert!(matches!(
        provider.confirm(&n).await.unwrap(),
        Statement::Pending { .. }
    ));
    assert_eq!(sim.count("status").await, before);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn payments_retries_are_bounded() {
    let (sim, mut rx, provider) = setup().await;
    let req = request(3000);
    provider.create_charge(&req).await.unwrap();
    let (h, body) = pay(&sim, &mut rx, req.trx_id.as_str(), "").await;
    let n = provider.verify_notification(&h, &body).unwrap();

    // Two failures, then an answer: the third attempt succeeds.
    sim.fault("status", 502, 2, 0).await;
    let before = sim.count("status").await;
    assert_eq!(
        report(provider.confirm(&n).await.unwrap()).kind,
        ReportKind::Paid
    );
    assert_eq!(sim.count("status").await - before, 3);

    // Unreachable throughout: unavailable after three attempts.
    sim.fault("status", 503, 3, 0).await;
    let before = sim.count("status").await;
    let err = provider.confirm(&n).await.unwrap_err();
    assert!(matches!(err, ProviderError::Unavailable(_)), "{err:?}");
    assert_eq!(sim.count("status").await - before, 3, "three attempts");

    // A QR code Xendit does not know: 404, not retried.
    let unknown = Notification {
        claimed: Statement::Final(PaymentReport {
            provider: "xendit".into(),
            provider_ref: Some("qrpy_unknown".into()),
            trx_id: req.trx_id.to_string(),
            amount: 3000,
            kind: ReportKind::Paid,
        }),
        charge_ref: Some("qr_unknown".into()),
    };
    let before = sim.count("status").await;
    assert!(matches!(
        provider.confirm(&unknown).await,
        Err(ProviderError::Rejected(m)) if m.contains("404")
    ));
    assert_eq!(sim.count("status").await - before, 1);
}

/// The simulator's own request checks, as Xendit documents them: Basic auth with the secret key and
/// `api-version: 2022-07-31` on every call; JSON amounts as numbers.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_simulator_checks_requests_like_xendit() {
    let x = Sim::start(&["xendit", "--secret-key", XENDIT_KEY]);
    let http = reqwest::Client::new();
    let qr = format!("{}/qr_codes", x.base);
    let body =
        json!({"reference_id": "UP-SIM-2", "type": "DYNAMIC", "currency": "IDR", "amount": 1000})
            .to_string();
    let xsend = |version: Option<&'static str>, auth: Option<String>, body: String| {
        let mut r = http
            .post(qr.clone())
            .header("content-type", "application/json")
            .body(body);
        if let Some(v) = version {
            r = r.header("api-version", v);
        }
        if let Some(a) = auth {
            r = r.header("authorization", a);
        }
        async move { r.send().await.unwrap().status().as_u16() }
    };
    let key = Some(basic(XENDIT_KEY));
    assert_eq!(xsend(Some("2022-07-31"), None, body.clone()).await, 401);
    assert_eq!(xsend(None, key.clone(), body.clone()).await, 400);
    let bad_amount =
        json!({"reference_id": "UP-SIM-2", "type": "DYNAMIC", "currency": "IDR", "amount": "1000"})
            .to_string();
    assert_eq!(
        xsend(Some("2022-07-31"), key.clone(), bad_amount).await,
        400
    );
    let created = http
        .post(qr.clone())
        .header("content-type", "application/json")
        .header("api-version", "2022-07-31")
        .header("authorization", basic(XENDIT_KEY))
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(created.status().as_u16(), 201);
    let created: Value = serde_json::from_str(&created.text().await.unwrap()).unwrap();
    let id = created["id"].as_str().unwrap();

    // The payments of a QR code: the same checks; the list envelope; 404 for an unknown QR code.
    let list = |id: String, version: Option<&'static str>, auth: Option<String>| {
        let mut r = http.get(format!("{}/qr_codes/{id}/payments", x.base));
        if let Some(v) = version {
            r = r.header("api-version", v);
        }
        if let Some(a) = auth {
            r = r.header("authorization", a);
        }
        async move {
            let resp = r.send().await.unwrap();
            let status = resp.status().as_u16();
            let text = resp.text().await.unwrap();
            (status, serde_json::from_str::<Value>(&text).unwrap())
        }
    };
    assert_eq!(list(id.into(), Some("2022-07-31"), None).await.0, 401);
    assert_eq!(list(id.into(), None, key.clone()).await.0, 400);
    let (status, none) = list("qr_unknown".into(), Some("2022-07-31"), key.clone()).await;
    assert_eq!(
        (status, &none["error_code"]),
        (404, &json!("DATA_NOT_FOUND"))
    );
    let (status, empty) = list(id.into(), Some("2022-07-31"), key).await;
    assert_eq!(status, 200);
    assert_eq!(empty, json!({"data": [], "has_more": false}));
}
