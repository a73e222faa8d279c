//! `upstream gateway-sim midtrans|xendit`: a local stand-in for a payment gateway on 127.0.0.1. It
//! serves the charge and status endpoints with the gateway's documented request checks, keeps the
//! orders in memory, and sends correctly signed notifications to the callback URL on demand
//! (`POST /sim/pay/{order_id}`, `upstream gateway-sim pay`, or the Pay button on `/`).
//!
//! Test controls: `GET /sim/orders`, `GET /sim/stats` (requests per endpoint), `POST /sim/faults
//! {"endpoint": "charge"|"status", "status": 503, "times": 2}` (`"status": 0` with `"hangMs"`
//! holds the request without answering; Xendit's `status` endpoint is the payments list), and on
//! `/sim/pay`: `?status=` (what the notification says), `&statusApi=pending` (the status API keeps
//! saying pending; Xendit: `pending` or `hidden`, the payments list does not show the payment),
//! `&times=2` (a duplicate delivery), `&amount=` (Xendit: pay another amount), `&claimAmount=`
//! (Xendit: the callback claims this amount, the payments list shows the one paid).
//! `POST /sim/refund/{order_id}?amount=&key=` (Midtrans) refunds a settled order as the merchant's
//! refund call would (`POST /v2/{order_id}/refund`, also served) and sends the documented refund
//! notification, with the order's whole refund history.

mod args;
mod midtrans;
mod pay;
mod wire;
mod xendit;

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::{DateTime, Utc};
use http_body_util::Full;
use hyper::body::Bytes;
use hyper::{Method, Response, StatusCode};
use serde_json::{Value, json};

use crate::server::{self, Simple};

use args::PayArgs;
pub use args::SimCommand;
use pay::{pay, url_encode};
use wire::{
    header, html, is_json, json_resp, order_json, params, percent_decode, qr_string, random_id,
};

/// The simulator's own server key when none is given (not a secret: loopback only).
pub const DEV_MIDTRANS_SERVER_KEY: &str = "SB-Mid-server-LOCAL-SIMULATOR";
/// The simulator's Xendit secret key when none is given.
pub const DEV_XENDIT_SECRET_KEY: &str = "xnd_development_LOCAL_SIMULATOR";
/// The simulator's Xendit callback token when none is given.
pub const DEV_XENDIT_CALLBACK_TOKEN: &str = "local-simulator-callback-token";

pub fn run(command: SimCommand) -> Result<(), String> {
    let (gateway, port, callback) = match command {
        SimCommand::Pay(args) => return pay(args),
        SimCommand::Refund(args) => return pay::refund(args),
        SimCommand::Midtrans(a) => (
            Gateway::Midtrans {
                server_key: a.server_key,
            },
            a.port,
            a.callback,
        ),
        SimCommand::Xendit(a) => (
            Gateway::Xendit {
                secret_key: a.secret_key,
                callback_token: a.callback_token,
            },
            a.port,
            a.callback,
        ),
    };
    let runtime = tokio::runtime::Runtime::new().map_err(|e| e.to_string())?;
    runtime.block_on(async move {
        let listener = server::bind(port).await?;
        let addr = listener.local_addr().map_err(|e| e.to_string())?;
        // The first line of stdout is the URL (tests read it).
        println!("http://{addr}");
        eprintln!(
            "{} simulator on http://{addr} (page: http://{addr}/), notifications → {callback}",
            gateway.name()
        );
        serve(listener, gateway, callback).await;
        Ok(())
    })
}

/// Serves a simulator on `listener` until Ctrl-C or SIGTERM (usable in-process, e.g. by the local
/// stack: `tokio::spawn(gateway_sim::serve(listener, gateway, callback))`).
pub async fn serve(listener: tokio::net::TcpListener, gateway: Gateway, callback: String) {
    let sim = Arc::new(Sim::new(gateway, callback));
    server::serve(listener, move |req| {
        let sim = sim.clone();
        async move { sim.handle(req).await }
    })
    .await;
}

/// Which gateway is simulated, with its credentials.
pub enum Gateway {
    Midtrans {
        server_key: String,
    },
    Xendit {
        secret_key: String,
        callback_token: String,
    },
}

impl Gateway {
    /// `midtrans` | `xendit`.
    pub fn name(&self) -> &'static str {
        match self {
            Self::Midtrans { .. } => "midtrans",
            Self::Xendit { .. } => "xendit",
        }
    }
}

/// An order (a charge) the simulator holds.
#[derive(Clone)]
pub struct Order {
    pub order_id: String,
    /// Midtrans transaction_id / Xendit QR code id.
    pub provider_id: String,
    pub amount: u64,
    /// Midtrans transaction_status / Xendit QR code status.
    pub status: String,
    pub qr_string: String,
    pub created: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    /// Xendit payments made on this QR code.
    pub payments: Vec<Value>,
    /// When the order was settled (Midtrans).
    pub paid_at: Option<DateTime<Utc>>,
}

struct Fault {
    endpoint: String,
    status: u16,
    hang: Duration,
    remaining: u32,
}

/// The simulator's state.
pub struct Sim {
    gateway: Gateway,
    callback: String,
    orders: Mutex<BTreeMap<String, Order>>,
    faults: Mutex<Vec<Fault>>,
    counts: Mutex<BTreeMap<String, u64>>,
    /// Xendit idempotency keys → (request body, answer).
    replays: Mutex<HashMap<String, (Value, Value)>>,
    /// Midtrans refunds per order id: the `refunds[]` history its notifications and status carry.
    refunds: Mutex<HashMap<String, Vec<Value>>>,
    http: reqwest::Client,
}

type Resp = Response<Full<Bytes>>;

impl Sim {
    fn new(gateway: Gateway, callback: String) -> Self {
        Self {
            gateway,
            callback,
            orders: Mutex::new(BTreeMap::new()),
            faults: Mutex::new(Vec::new()),
            counts: Mutex::new(BTreeMap::new()),
            replays: Mutex::new(HashMap::new()),
            refunds: Mutex::new(HashMap::new()),
            http: reqwest::Client::builder()
                .timeout(Duration::from_secs(10))
                .build()
                .expect("HTTP client"),
        }
    }

    async fn handle(&self, req: Simple) -> Resp {
        let path = req.uri().path().to_owned();
        let query = req.uri().query().unwrap_or("").to_owned();
        match (req.method(), path.as_str()) {
            (&Method::GET, "/") => {
                server::text(200, "text/html; charset=utf-8", self.page().into_bytes())
            }
            (&Method::GET, "/sim/orders") => {
                let orders: Vec<Value> = self.orders().iter().map(order_json).collect();
                json_resp(200, &json!({ "orders": orders }))
            }
            (&Method::GET, "/sim/stats") => json_resp(
                200,
                &json!(*self.counts.lock().unwrap_or_else(|e| e.into_inner())),
            ),
            (&Method::POST, "/sim/faults") => self.add_fault(req.body()),
            (&Method::POST, p) if p.starts_with("/sim/pay/") => {
                let order_id = percent_decode(&p["/sim/pay/".len()..]);
                self.pay(&order_id, &params(&query)).await
            }
            (&Method::POST, p) if p.starts_with("/sim/refund/") => {
                let order_id = percent_decode(&p["/sim/refund/".len()..]);
                midtrans::sim_refund(self, &order_id, &params(&query)).await
            }
            _ => {
                let routed = match &self.gateway {
                    Gateway::Midtrans { .. } => midtrans::route(self, &req).await,
                    Gateway::Xendit { .. } => xendit::route(self, &req).await,
                };
                routed.unwrap_or_else(|| json_resp(404, &json!({"message": "not found"})))
            }
        }
    }

    /// Counts a request to `endpoint`, then plays the first matching fault, if any.
    async fn count_and_fault(&self, endpoint: &str) -> Option<Resp> {
        *self
            .counts
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .entry(endpoint.to_owned())
            .or_default() += 1;
        let fault = {
            let mut faults = self.faults.lock().unwrap_or_else(|e| e.into_inner());
            let found = faults
                .iter_mut()
                .find(|f| f.endpoint == endpoint && f.remaining > 0)?;
            found.remaining -= 1;
            (found.status, found.hang)
        };
        match fault {
            (0, hang) => {
                tokio::time::sleep(hang).await;
                Some(json_resp(504, &json!({"message": "held"})))
            }
            (status, _) => Some(json_resp(
                status,
                &json!({"status_code": status.to_string(), "status_message": "simulated failure", "error_code": "SIMULATED", "message": "simulated failure"}),
            )),
        }
    }

    fn add_fault(&self, body: &[u8]) -> Resp {
        let Ok(v) = serde_json::from_slice::<Value>(body) else {
            return json_resp(400, &json!({"message": "body must be JSON"}));
        };
        let endpoint = v["endpoint"].as_str().unwrap_or("").to_owned();
        let status = v["status"].as_u64().unwrap_or(503);
        if endpoint.is_empty() || status > 599 {
            return json_resp(
                400,
                &json!({"message": "endpoint and status (0 or 100–599) are required"}),
            );
        }
        self.faults
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(Fault {
                endpoint,
                status: status as u16,
                hang: Duration::from_millis(v["hangMs"].as_u64().unwrap_or(30_000).min(120_000)),
                remaining: v["times"].as_u64().unwrap_or(1).min(1000) as u32,
            });
        json_resp(200, &json!({"ok": true}))
    }

    async fn pay(&self, order_id: &str, params: &HashMap<String, String>) -> Resp {
        let Some(order) = self
            .orders
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(order_id)
            .cloned()
        else {
            return json_resp(404, &json!({"message": format!("no order {order_id}")}));
        };
        let times: u32 = params
            .get("times")
            .and_then(|t| t.parse().ok())
            .unwrap_or(1)
            .clamp(1, 10);
        let keep_pending = params
            .get("statusApi")
            .is_some_and(|s| s == "pending" || s == "hidden");
        let status = params.get("status").map(String::as_str);
        let amount = params.get("amount").and_then(|a| a.parse().ok());
        let claim_amount = params.get("claimAmount").and_then(|a| a.parse().ok());
        let (headers, body) = match &self.gateway {
            Gateway::Midtrans { server_key } => {
                midtrans::notification(self, &order, status, keep_pending, server_key)
            }
            Gateway::Xendit { callback_token, .. } => xendit::callback(
                self,
                &order,
                status,
                keep_pending,
                amount,
                claim_amount,
                callback_token,
            ),
        };
        let responses = self.deliver(&headers, &body, times).await;
        if params.contains_key("redirect") {
            return Response::builder()
                .status(StatusCode::SEE_OTHER)
                .header("location", "/")
                .body(Full::new(Bytes::new()))
                .expect("valid response");
        }
        json_resp(
            200,
            &json!({"sent": times, "notification": serde_json::from_str::<Value>(&body).unwrap_or(Value::Null), "responses": responses}),
        )
    }

    /// Posts a notification to the callback `times` times: each answer's status and body.
    async fn deliver(&self, headers: &[(String, String)], body: &str, times: u32) -> Vec<Value> {
        let mut responses = Vec::new();
        for _ in 0..times {
            let mut request = self
                .http
                .post(&self.callback)
                .header("content-type", "application/json")
                .body(body.to_owned());
            for (k, v) in headers {
                request = request.header(k.as_str(), v.as_str());
            }
            responses.push(match request.send().await {
                Ok(resp) => {
                    let status = resp.status().as_u16();
                    let text = resp.text().await.unwrap_or_default();
                    json!({"status": status, "body": text})
                }
                Err(e) => json!({"error": e.to_string()}),
            });
        }
        responses
    }

    /// The refunds of an order so far (Midtrans `refunds[]`).
    fn refunds_of(&self, order_id: &str) -> Vec<Value> {
        self.refunds
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(order_id)
            .cloned()
            .unwrap_or_default()
    }

    fn orders(&self) -> Vec<Order> {
        self.orders
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .values()
            .cloned()
            .collect()
    }

    fn page(&self) -> String {
        let mut rows = String::new();
        for o in self.orders() {
            let amount = upstream_session::domain::Amount::new(o.amount)
                .map(|a| a.display_idr())
                .unwrap_or_default();
            let label =
                if o.payments.is_empty() && matches!(o.status.as_str(), "pending" | "ACTIVE") {
                    "Bayar"
                } else {
                    "Kirim ulang notifikasi"
                };
            rows.push_str(&format!(
                "<tr><td>{}</td><td>{}</td><td style=\"white-space:nowrap\">{amount}</td><td>{}</td><td><form method=\"post\" action=\"/sim/pay/{}?redirect=1\"><button>{label}</button></form></td></tr>",
                html(&o.order_id),
                html(&o.provider_id),
                html(&o.status),
                url_encode(&o.order_id),
            ));
        }
        if rows.is_empty() {
            rows.push_str("<tr><td colspan=\"5\">Belum ada pesanan.</td></tr>");
        }
        format!(
            "<!doctype html><html lang=\"id\"><meta charset=\"utf-8\"><title>Simulator {name}</title>\
             <meta http-equiv=\"refresh\" content=\"5\">\
             <style>body{{font-family:sans-serif;margin:2em}}td,th{{padding:.3em .8em;border-bottom:1px solid #ddd}}</style>\
             <h1>Simulator {name}</h1><p>Notifikasi dikirim ke <code>{cb}</code>.</p>\
             <table><tr><th>Order</th><th>Referensi</th><th>Jumlah</th><th>Status</th><th></th></tr>{rows}</table></html>",
            name = self.gateway.name(),
            cb = html(&self.callback),
        )
    }

    /// Stores a new order; false when its id is taken.
    fn insert(&self, order: Order) -> bool {
        let mut orders = self.orders.lock().unwrap_or_else(|e| e.into_inner());
        if orders.contains_key(&order.order_id) {
            return false;
        }
        orders.insert(order.order_id.clone(), order);
        true
    }

    fn update(&self, order_id: &str, f: impl FnOnce(&mut Order)) {
        if let Some(o) = self
            .orders
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get_mut(order_id)
        {
            f(o);
        }
    }
}
