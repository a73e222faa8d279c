//! The Xendit side (QR Codes API, `api-version: 2022-07-31`): `POST /qr_codes` with idempotency keys,
//! `GET /qr_codes/{qr_id}/payments`, and the `qr.payment` callback with `x-callback-token`, shaped like
//! Xendit's documented example.

use chrono::{DateTime, SecondsFormat, TimeDelta, Utc};
use hyper::Method;
use serde_json::{Value, json};
use upstream_session::provider::{XENDIT_API_VERSION, XENDIT_TOKEN_HEADER};

use super::{Order, Resp, Sim, header, is_json, json_resp, qr_string, random_id};
use crate::server::Simple;

const BUSINESS_ID: &str = "000000000000000000000000";

pub(super) async fn route(sim: &Sim, req: &Simple) -> Option<Resp> {
    let path = req.uri().path();
    if req.method() == Method::POST && path == "/qr_codes" {
        if let Some(fault) = sim.count_and_fault("charge").await {
            return Some(fault);
        }
        return Some(checked(sim, req).unwrap_or_else(|| create(sim, req)));
    }
    let qr_id = path
        .strip_prefix("/qr_codes/")
        .and_then(|rest| rest.strip_suffix("/payments"))?;
    if req.method() != Method::GET {
        return None;
    }
    if let Some(fault) = sim.count_and_fault("status").await {
        return Some(fault);
    }
    let qr_id = super::percent_decode(qr_id);
    Some(checked(sim, req).unwrap_or_else(|| payments(sim, &qr_id)))
}

fn error(status: u16, code: &str, message: &str) -> Resp {
    json_resp(status, &json!({"error_code": code, "message": message}))
}

/// Basic auth with the secret key and the API version header, else Xendit's 401 / 400.
fn checked(sim: &Sim, req: &Simple) -> Option<Resp> {
    let super::Gateway::Xendit { secret_key, .. } = &sim.gateway else {
        return None;
    };
    use base64::Engine;
    let expected = format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(format!("{secret_key}:"))
    );
    if header(req, "authorization") != Some(expected.as_str()) {
        return Some(error(
            401,
            "INVALID_API_KEY",
            "API key is not authorized for this API service",
        ));
    }
    if header(req, "api-version") != Some(XENDIT_API_VERSION) {
        return Some(error(
            400,
            "API_VALIDATION_ERROR",
            "api-version header must be 2022-07-31",
        ));
    }
    None
}

fn iso(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Millis, true)
}

fn create(sim: &Sim, req: &Simple) -> Resp {
    if !is_json(req) {
        return error(
            400,
            "API_VALIDATION_ERROR",
            "Content-Type must be application/json",
        );
    }
    let Ok(v) = serde_json::from_slice::<Value>(req.body()) else {
        return error(
            400,
            "API_VALIDATION_ERROR",
            "The request body is not valid JSON",
        );
    };
    let key = header(req, "idempotency-key").map(str::to_owned);
    if let Some(k) = &key
        && let Some((body, answer)) = sim
            .replays
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(k)
            .cloned()
    {
        return if body == v {
            json_resp(201, &answer)
        } else {
            error(
                409,
                "IDEMPOTENCY_ERROR",
                "idempotency-key was used with another request",
            )
        };
    }
    let reference = v["reference_id"].as_str().unwrap_or("");
    let now = Utc::now();
    let mut problems = Vec::new();
    if reference.is_empty() || reference.len() > 255 {
        problems.push("reference_id is required (1–255 characters)");
    }
    if v["type"] != "DYNAMIC" {
        problems.push("type must be DYNAMIC");
    }
    if v["currency"] != "IDR" {
        problems.push("currency must be IDR");
    }
    let amount = v["amount"]
        .as_u64()
        .filter(|a| (1..=10_000_000).contains(a));
    if amount.is_none() {
        problems.push("amount must be a whole number between 1 and 10000000");
    }
    let expires_at = match v.get("expires_at") {
        None => Some(now + TimeDelta::hours(48)),
        Some(e) => e
            .as_str()
            .and_then(|s| DateTime::parse_from_rfc3339(s).ok())
            .map(|t| t.with_timezone(&Utc))
            .filter(|t| *t > now),
    };
    if expires_at.is_none() {
        problems.push("expires_at must be an ISO 8601 time in the future");
    }
    if !problems.is_empty() {
        return error(400, "API_VALIDATION_ERROR", &problems.join("; "));
    }
    let (amount, expires_at) = (amount.expect("checked"), expires_at.expect("checked"));
    let Some(qr) = qr_string(amount, reference) else {
        return error(400, "API_VALIDATION_ERROR", "amount exceeds the QRIS limit");
    };
    let id = format!("qr_{}", random_id());
    let order = Order {
        order_id: reference.to_owned(),
        provider_id: id.clone(),
        amount,
        status: "ACTIVE".into(),
        qr_string: qr.clone(),
        created: now,
        expires_at,
        payments: Vec::new(),
        paid_at: None,
    };
    if !sim.insert(order) {
        return error(409, "DUPLICATE_ERROR", "reference_id is already in use");
    }
    let answer = json!({
        "id": id,
        "reference_id": reference,
        "business_id": BUSINESS_ID,
        "type": "DYNAMIC",
        "currency": "IDR",
        "amount": amount,
        "channel_code": "ID_DANA",
        "status": "ACTIVE",
        "qr_string": qr,
        "expires_at": iso(expires_at),
        "created": iso(now),
        "updated": iso(now),
        "metadata": null,
    });
    if let Some(k) = key {
        sim.replays
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(k, (v, answer.clone()));
    }
    json_resp(201, &answer)
}

/// The payments of one QR code, as the list endpoint answers: `{"data": [...], "has_more": false}`
/// (a hidden payment is not among them).
fn payments(sim: &Sim, qr_id: &str) -> Resp {
    match sim.orders().into_iter().find(|o| o.provider_id == qr_id) {
        None => error(404, "DATA_NOT_FOUND", "QR code not found"),
        Some(o) => json_resp(200, &json!({"data": o.payments, "has_more": false})),
    }
}

/// The `qr.payment` callback for paying `order` (default `SUCCEEDED`, the order's amount, or
/// `amount`); the payments list shows the payment unless `hidden`, and the callback claims
/// `claim_amount` when given (a callback that lies about the amount).
pub(super) fn callback(
    sim: &Sim,
    order: &Order,
    status: Option<&str>,
    hidden: bool,
    amount: Option<u64>,
    claim_amount: Option<u64>,
    token: &str,
) -> (Vec<(String, String)>, String) {
    let status = status.unwrap_or("SUCCEEDED");
    let now = iso(Utc::now());
    let amount = amount.unwrap_or(order.amount);
    let payment = json!({
        "id": format!("qrpy_{}", random_id()),
        "business_id": BUSINESS_ID,
        "currency": "IDR",
        "amount": amount,
        "status": status,
        "created": now,
        "qr_id": order.provider_id,
        "qr_string": order.qr_string,
        "reference_id": order.order_id,
        "type": "DYNAMIC",
        "channel_code": "ID_DANA",
        "expires_at": iso(order.expires_at),
        "description": "",
        "basket": null,
        "metadata": null,
        "payment_detail": {"receipt_id": random_id()[..9].to_owned(), "source": "GOPAY", "name": null, "account_details": null},
    });
    if !hidden {
        let p = payment.clone();
        sim.update(&order.order_id, move |o| {
            if status == "SUCCEEDED" {
                o.status = "INACTIVE".into();
            }
            o.payments.push(p);
        });
    }
    let mut claimed = payment;
    if let Some(claim) = claim_amount {
        claimed["amount"] = json!(claim);
    }
    let body = json!({
        "event": "qr.payment",
        "api_version": XENDIT_API_VERSION,
        "business_id": BUSINESS_ID,
        "created": now,
        "data": claimed,
    });
    (
        vec![(XENDIT_TOKEN_HEADER.to_owned(), token.to_owned())],
        body.to_string(),
    )
}
