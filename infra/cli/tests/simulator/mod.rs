//! What the gateway adapter tests share: the simulator (the built `upstream gateway-sim`, a child
//! process killed on drop), a loopback receiver standing in for our callback route, and the requests
//! and reports they pass around. Each test file uses a part of it.
#![allow(dead_code)]

use std::convert::Infallible;
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use chrono::{TimeDelta, Utc};
use http_body_util::{BodyExt, Full};
use hyper::body::{Bytes, Incoming};
use hyper::service::service_fn;
use hyper::{HeaderMap, Request, Response};
use hyper_util::rt::TokioIo;
use serde_json::{Value, json};
use tokio::net::TcpListener;
use tokio::sync::mpsc;
use upstream_session::domain::{Amount, PaymentReport, TrxId};
use upstream_session::provider::{ChargeRequest, PaymentProvider, Statement};
use upstream_session::qris::Qris;

pub const XENDIT_KEY: &str = "xnd_development_ADAPTER_TEST";
pub const XENDIT_TOKEN: &str = "adapter-test-callback-token";

/// A running simulator (a child process this test started; killed on drop).
pub struct Sim {
    child: Child,
    pub base: String,
    http: reqwest::Client,
}

impl Sim {
    pub fn start(args: &[&str]) -> Sim {
        let mut child = Command::new(env!("CARGO_BIN_EXE_upstream"))
            .arg("gateway-sim")
            .args(args)
            .args(["--port", "0"])
            .env_remove("MIDTRANS_SERVER_KEY")
            .env_remove("XENDIT_SECRET_KEY")
            .env_remove("XENDIT_CALLBACK_TOKEN")
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("start the simulator");
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        assert!(line.starts_with("http://127.0.0.1:"), "{line:?}");
        Sim {
            child,
            base: line.trim().to_owned(),
            http: reqwest::Client::new(),
        }
    }

    pub async fn post(&self, path: &str, body: Value) -> Value {
        let r = self
            .http
            .post(format!("{}{path}", self.base))
            .header("content-type", "application/json")
            .body(body.to_string())
            .send()
            .await
            .unwrap();
        assert!(r.status().is_success(), "{path}: {}", r.status());
        serde_json::from_str(&r.text().await.unwrap()).unwrap()
    }

    /// The text of `GET path`.
    pub async fn text(&self, path: &str) -> String {
        let resp = self.http.get(format!("{}{path}", self.base)).send();
        resp.await.unwrap().text().await.unwrap()
    }

    /// Requests the simulator counted at `endpoint`.
    pub async fn count(&self, endpoint: &str) -> u64 {
        let v: Value = serde_json::from_str(&self.text("/sim/stats").await).unwrap();
        v[endpoint].as_u64().unwrap_or(0)
    }

    pub async fn fault(&self, endpoint: &str, status: u16, times: u32, hang_ms: u64) {
        self.post(
            "/sim/faults",
            json!({"endpoint": endpoint, "status": status, "times": times, "hangMs": hang_ms}),
        )
        .await;
    }
}

impl Drop for Sim {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A loopback server standing in for our callback route: records each request, answers 200.
pub async fn receiver() -> (String, mpsc::UnboundedReceiver<(HeaderMap, Bytes)>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (tx, rx) = mpsc::unbounded_channel();
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            let tx = tx.clone();
            tokio::spawn(async move {
                let svc = service_fn(move |req: Request<Incoming>| {
                    let tx = tx.clone();
                    async move {
                        let (parts, body) = req.into_parts();
                        let bytes = body.collect().await.map(|b| b.to_bytes()).unwrap();
                        let _ = tx.send((parts.headers, bytes));
                        Ok::<_, Infallible>(Response::new(Full::new(Bytes::from_static(b"ok"))))
                    }
                });
                let _ = hyper::server::conn::http1::Builder::new()
                    .serve_connection(TokioIo::new(stream), svc)
                    .await;
            });
        }
    });
    (format!("http://{addr}/api/payment-callback"), rx)
}

pub async fn next(rx: &mut mpsc::UnboundedReceiver<(HeaderMap, Bytes)>) -> (HeaderMap, Bytes) {
    tokio::time::timeout(Duration::from_secs(5), rx.recv())
        .await
        .expect("a notification within 5 s")
        .unwrap()
}

pub fn xendit(base: &str, key: &str) -> PaymentProvider {
    PaymentProvider::from_lookup(|n| match n {
        "PAYMENT_PROVIDER" => Some("xendit".into()),
        "XENDIT_SECRET_KEY" => Some(key.into()),
        "XENDIT_CALLBACK_TOKEN" => Some(XENDIT_TOKEN.into()),
        "XENDIT_API_BASE" => Some(base.into()),
        _ => None,
    })
    .unwrap()
}

pub fn request(amount: u64) -> ChargeRequest {
    let now = Utc::now();
    ChargeRequest {
        trx_id: TrxId::generate(now),
        amount: Amount::new(amount).unwrap(),
        expires_at: now + TimeDelta::hours(2),
        now,
    }
}

/// The final report of a statement.
pub fn report(statement: Statement) -> PaymentReport {
    match statement {
        Statement::Final(report) => report,
        other => panic!("not a final report: {other:?}"),
    }
}

pub fn qr_amount(qr: &str) -> String {
    let q = Qris::parse(qr).expect("a valid QRIS payload");
    q.get("54").expect("an amount").value.clone()
}

/// `Basic base64(key + ":")`, the gateways' key authentication.
pub fn basic(key: &str) -> String {
    use base64::Engine;
    format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(format!("{key}:"))
    )
}
