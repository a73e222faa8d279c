//! The simulator's small HTTP and text helpers (JSON answers, query strings, escaping, ids).

use std::collections::HashMap;

use serde_json::{Value, json};
use upstream_session::qris::{DEFAULT_MAX_AMOUNT, DEMO_STATIC, Qris};

use super::{Order, Resp};
use crate::server::{self, Simple};

pub(super) fn order_json(o: &Order) -> Value {
    json!({
        "orderId": o.order_id, "providerId": o.provider_id, "amount": o.amount, "status": o.status,
        "qrString": o.qr_string, "expiresAt": o.expires_at.to_rfc3339(), "payments": o.payments,
    })
}

/// A dynamic QRIS for the demo merchant with the amount (and the order id as reference when it fits).
pub(super) fn qr_string(amount: u64, order_id: &str) -> Option<String> {
    let reference = (order_id.len() <= 25 && order_id.bytes().all(|b| (0x20..=0x7e).contains(&b)))
        .then_some(order_id);
    let q = Qris::parse(DEMO_STATIC.trim()).ok()?;
    q.to_dynamic(amount, reference, DEFAULT_MAX_AMOUNT)
        .ok()
        .map(|d| d.payload())
}

/// 128 random bits as a UUID-shaped string.
pub(super) fn random_id() -> String {
    let mut b = [0u8; 16];
    getrandom::fill(&mut b).expect("randomness");
    let h = b.iter().map(|x| format!("{x:02x}")).collect::<String>();
    format!(
        "{}-{}-{}-{}-{}",
        &h[..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..]
    )
}

pub(super) fn json_resp(status: u16, v: &Value) -> Resp {
    server::text(status, "application/json", v.to_string().into_bytes())
}

pub(super) fn header<'a>(req: &'a Simple, name: &str) -> Option<&'a str> {
    req.headers().get(name).and_then(|v| v.to_str().ok())
}

pub(super) fn is_json(req: &Simple) -> bool {
    header(req, "content-type").is_some_and(|c| {
        c.split(';')
            .next()
            .is_some_and(|m| m.trim().eq_ignore_ascii_case("application/json"))
    })
}

pub(super) fn params(query: &str) -> HashMap<String, String> {
    query
        .split('&')
        .filter_map(|kv| kv.split_once('=').or(Some((kv, ""))))
        .filter(|(k, _)| !k.is_empty())
        .map(|(k, v)| (k.to_owned(), percent_decode(v)))
        .collect()
}

pub(super) fn percent_decode(s: &str) -> String {
    let hex = |b: u8| (b as char).to_digit(16).map(|d| d as u8);
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && i + 2 < bytes.len()
            && let (Some(h), Some(l)) = (hex(bytes[i + 1]), hex(bytes[i + 2]))
        {
            out.push(h * 16 + l);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

pub(super) fn html(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}
