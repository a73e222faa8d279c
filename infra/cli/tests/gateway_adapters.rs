//! The gateway adapters (`upstream_session::provider`) against the gateway simulator (the built
//! `upstream gateway-sim`), over real HTTP on loopback: charge, signed notifications, the status API
//! as the source of truth, duplicates, timeouts and bounded retries (counted at the simulator). No
//! mocks in the adapters' path. Midtrans and the HTTP client here; Xendit in `gateway_xendit.rs`.
#![allow(clippy::unwrap_used)] // test code: a panic is the failure report

mod simulator;

use std::process::Command;
use std::time::{Duration, Instant};

use chrono::TimeDelta;
use serde_json::{Value, json};
use tokio::net::TcpListener;
use upstream_session::domain::ReportKind;
use upstream_session::provider::{
    HttpPolicy, Notification, PaymentProvider, ProviderError, Statement,
};

use simulator::{Sim, XENDIT_KEY, basic, next, qr_amount, receiver, report, request, xendit};

const MIDTRANS_KEY: &str = "SB-Mid-server-ADAPTER-TEST";

fn midtrans(base: &str, key: &str, policy: HttpPolicy) -> PaymentProvider {
    PaymentProvider::from_lookup_with(
        |n| match n {
            "PAYMENT_PROVIDER" => Some("midtrans".into()),
            "MIDTRANS_SERVER_KEY" => Some(key.into()),
            "MIDTRANS_API_BASE" => Some(base.into()),
            _ => None,
        },
        policy,
    )
    .unwrap()
}

/// A notification about `order`, as if it had verified: confirming it asks the status API.
fn claim(order: &str) -> Notification {
    Notification {
        claimed: Statement::Pending {
            trx_id: order.to_owned(),
        },
        charge_ref: None,
    }
}

fn pending(order: &str) -> Statement {
    Statement::Pending {
        trx_id: order.to_owned(),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn midtrans_charge_notification_and_status() {
    let (callback, mut rx) = receiver().await;
    let sim = Sim::start(&[
        "midtrans",
        "--server-key",
        MIDTRANS_KEY,
        "--callback",
        &callback,
    ]);
    let provider = midtrans(&sim.base, MIDTRANS_KEY, HttpPolicy::default());

    let req = request(15000);
    let charge = provider.create_charge(&req).await.unwrap();
    assert_eq!(qr_amount(&charge.qr_string), "15000");
    assert!(!charge.provider_ref.is_empty());
    let expires = charge.expires_at.unwrap();
    assert!(expires <= req.expires_at && expires > req.expires_at - TimeDelta::minutes(1));

    let order = req.trx_id.as_str();
    let before = provider.confirm(&claim(order)).await.unwrap();
    assert_eq!(before, pending(order));

    // The same order again: Midtrans refuses a duplicated order_id.
    assert!(matches!(
        provider.create_charge(&req).await,
        Err(ProviderError::Rejected(_))
    ));

    let statuses = sim.count("status").await;
    sim.post(&format!("/sim/pay/{order}"), json!({})).await;
    let (headers, body) = next(&mut rx).await;
    let notification = provider.verify_notification(&headers, &body).unwrap();
    let claimed = report(notification.claimed.clone());
    assert_eq!(claimed.kind, ReportKind::Paid);
    assert_eq!(claimed.trx_id, order);
    assert_eq!(
        claimed.provider_ref.as_deref(),
        Some(charge.provider_ref.as_str())
    );
    let confirmed = report(provider.confirm(&notification).await.unwrap());
    assert_eq!(
        (confirmed.kind, confirmed.amount, confirmed.trx_id.as_str()),
        (ReportKind::Paid, 15000, order)
    );
    assert_eq!(
        sim.count("status").await,
        statuses + 1,
        "confirm is one GET"
    );

    // Another server key: refused by the gateway (401), and its notifications do not verify.
    let stranger = midtrans(&sim.base, "SB-Mid-server-WRONG", HttpPolicy::default());
    assert!(matches!(
        stranger.create_charge(&request(1000)).await,
        Err(ProviderError::Rejected(m)) if m.contains("401")
    ));
    assert!(stranger.verify_notification(&headers, &body).is_err());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn midtrans_pending_status_grants_nothing_and_duplicates_are_identical() {
    let (callback, mut rx) = receiver().await;
    let sim = Sim::start(&[
        "midtrans",
        "--server-key",
        MIDTRANS_KEY,
        "--callback",
        &callback,
    ]);
    let provider = midtrans(&sim.base, MIDTRANS_KEY, HttpPolicy::default());
    let req = request(2000);
    provider.create_charge(&req).await.unwrap();
    let order = req.trx_id.as_str();

    // The notification says settlement, the status API still says pending; delivered twice.
    // Sent with the CLI client, as an operator would.
    let (exe, sim_url, order_arg) = (
        env!("CARGO_BIN_EXE_upstream"),
        sim.base.clone(),
        order.to_owned(),
    );
    let out = tokio::task::spawn_blocking(move || {
        Command::new(exe)
            .args(["gateway-sim", "pay", &order_arg, "--sim", &sim_url])
            .args(["--status-api-pending", "--times", "2"])
            .output()
            .unwrap()
    })
    .await
    .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let sent: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(sent["sent"], 2);
    assert_eq!(sent["responses"][1]["status"], 200);
    let (h1, b1) = next(&mut rx).await;
    let (_, b2) = next(&mut rx).await;
    assert_eq!(b1, b2, "a duplicate delivery is byte-identical");
    let n = provider.verify_notification(&h1, &b1).unwrap();
    assert_eq!(report(n.claimed.clone()).kind, ReportKind::Paid);
    assert_eq!(provider.confirm(&n).await.unwrap(), pending(order));

    // An expiry notification: failed, and the status API agrees.
    sim.post(&format!("/sim/pay/{order}?status=expire"), json!({}))
        .await;
    let (h, b) = next(&mut rx).await;
    let n = provider.verify_notification(&h, &b).unwrap();
    assert_eq!(report(n.claimed.clone()).kind, ReportKind::Failed);
    assert_eq!(
        report(provider.confirm(&n).await.unwrap()).kind,
        ReportKind::Failed
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn midtrans_charge_is_sent_once_and_status_retries_are_bounded() {
    let sim = Sim::start(&["midtrans", "--server-key", MIDTRANS_KEY]);
    let provider = midtrans(&sim.base, MIDTRANS_KEY, HttpPolicy::default());

    // One 503: a retry would succeed, so an error and a count of 1 prove there was none.
    sim.fault("charge", 503, 1, 0).await;
    let err = provider.create_charge(&request(1000)).await.unwrap_err();
    assert!(matches!(err, ProviderError::Unavailable(_)), "{err:?}");
    assert_eq!(sim.count("charge").await, 1, "a charge is never retried");

    let req = request(1000);
    provider.create_charge(&req).await.unwrap();

    sim.fault("status", 503, 10, 0).await;
    let before = sim.count("status").await;
    let err = provider
        .confirm(&claim(req.trx_id.as_str()))
        .await
        .unwrap_err();
    assert!(matches!(err, ProviderError::Unavailable(_)), "{err:?}");
    assert_eq!(sim.count("status").await - before, 3, "three attempts");

    // Two failures, then an answer: the third attempt succeeds.
    let sim2 = Sim::start(&["midtrans", "--server-key", MIDTRANS_KEY]);
    let p2 = midtrans(&sim2.base, MIDTRANS_KEY, HttpPolicy::default());
    let req2 = request(3000);
    p2.create_charge(&req2).await.unwrap();
    sim2.fault("status", 502, 2, 0).await;
    let order2 = req2.trx_id.as_str();
    assert_eq!(p2.confirm(&claim(order2)).await.unwrap(), pending(order2));
    assert_eq!(sim2.count("status").await, 3);

    // A 4xx is not retried.
    let before = sim2.count("status").await;
    assert!(matches!(
        p2.confirm(&claim("UP-NO-SUCH-ORDER")).await,
        Err(ProviderError::Rejected(_))
    ));
    assert_eq!(sim2.count("status").await - before, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_held_attempt_times_out_and_is_retried() {
    let sim = Sim::start(&["midtrans", "--server-key", MIDTRANS_KEY]);
    let policy = HttpPolicy {
        attempt_timeout: Duration::from_millis(400),
        budget: Duration::from_secs(3),
        ..HttpPolicy::default()
    };
    let provider = midtrans(&sim.base, MIDTRANS_KEY, policy);
    let req = request(4000);
    provider.create_charge(&req).await.unwrap();
    sim.fault("status", 0, 1, 5000).await;
    let started = Instant::now();
    let order = req.trx_id.as_str();
    assert_eq!(
        provider.confirm(&claim(order)).await.unwrap(),
        pending(order)
    );
    assert!(started.elapsed() < Duration::from_secs(2));
    assert_eq!(sim.count("status").await, 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_socket_that_never_answers_is_unavailable_within_the_whole_call_budget() {
    // Accepted by the kernel (backlog), never read, never answered.
    let silent = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let base = format!("http://{}", silent.local_addr().unwrap());
    let m = midtrans(&base, MIDTRANS_KEY, HttpPolicy::default());
    let x = xendit(&base, XENDIT_KEY);
    let (r1, r2, any) = (request(1000), request(1000), claim("UP-ANY"));
    let started = Instant::now();
    let (charge, status, xcharge) =
        tokio::join!(m.create_charge(&r1), m.confirm(&any), x.create_charge(&r2),);
    let elapsed = started.elapsed();
    for r in [charge.map(|_| ()), status.map(|_| ()), xcharge.map(|_| ())] {
        assert!(
            matches!(r, Err(ProviderError::Unavailable(ref m)) if m.contains("timed out")),
            "{r:?}"
        );
    }
    assert!(elapsed >= Duration::from_millis(4900), "{elapsed:?}");
    assert!(elapsed < Duration::from_millis(6500), "{elapsed:?}");
    drop(silent);
}

/// The simulator's own request checks, as the gateways document them.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_simulator_checks_requests_like_the_gateway() {
    let m = Sim::start(&["midtrans", "--server-key", MIDTRANS_KEY]);
    let http = reqwest::Client::new();
    let good = json!({"payment_type": "qris", "transaction_details": {"order_id": "UP-SIM-1", "gross_amount": 1000}});
    let send = |url: String, auth: Option<String>, ctype: &'static str, body: String| {
        let mut r = http.post(url).header("content-type", ctype).body(body);
        if let Some(a) = auth {
            r = r.header("authorization", a);
        }
        async move { r.send().await.unwrap().status().as_u16() }
    };
    let charge = format!("{}/v2/charge", m.base);
    let key = Some(basic(MIDTRANS_KEY));
    assert_eq!(
        send(charge.clone(), None, "application/json", good.to_string()).await,
        401
    );
    assert_eq!(
        send(
            charge.clone(),
            Some(basic("other")),
            "application/json",
            good.to_string()
        )
        .await,
        401
    );
    assert_eq!(
        send(charge.clone(), key.clone(), "text/plain", good.to_string()).await,
        400
    );
    let as_string = json!({"payment_type": "qris", "transaction_details": {"order_id": "UP-SIM-1", "gross_amount": "1000"}});
    assert_eq!(
        send(
            charge.clone(),
            key.clone(),
            "application/json",
            as_string.to_string()
        )
        .await,
        400
    );
    let no_order = json!({"payment_type": "qris", "transaction_details": {"gross_amount": 1000}});
    assert_eq!(
        send(
            charge.clone(),
            key.clone(),
            "application/json",
            no_order.to_string()
        )
        .await,
        400
    );
    assert_eq!(
        send(
            charge.clone(),
            key.clone(),
            "application/json",
            good.to_string()
        )
        .await,
        200
    );

    // The page lists the orders with a Pay button.
    let page = m.text("/").await;
    assert!(
        page.contains("UP-SIM-1") && page.contains("Bayar"),
        "{page}"
    );
}

/// An https:// base goes through rustls (aws-lc-rs, platform verifier): a server that does not speak
/// TLS is a failed connection, retried and reported unavailable, never a panic.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn https_goes_through_rustls() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let accepted = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let counter = accepted.clone();
    tokio::spawn(async move {
        use tokio::io::AsyncWriteExt;
        while let Ok((mut stream, _)) = listener.accept().await {
            counter.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            let _ = stream
                .write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n")
                .await;
        }
    });
    let provider = midtrans(
        &format!("https://{addr}"),
        MIDTRANS_KEY,
        HttpPolicy::default(),
    );
    let err = provider.confirm(&claim("UP-ANY")).await.unwrap_err();
    assert!(
        matches!(err, ProviderError::Unavailable(ref m) if m.contains("connection failed")),
        "{err:?}"
    );
    assert_eq!(accepted.load(std::sync::atomic::Ordering::SeqCst), 3);
}
