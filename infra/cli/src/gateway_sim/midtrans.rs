//! The Midtrans side: `POST /v2/charge` (QRIS), `GET /v2/{order_id}/status`, `POST
//! /v2/{order_id}/refund`, and the HTTP notification signed with `signature_key`, shaped like
//! Midtrans's documented QRIS sample (a refund's notification and status carry the cumulative
//! `refund_amount` and the whole `refunds[]` history, as documented).

use chrono::{DateTime, FixedOffset, TimeDelta, Utc};
use hyper::Method;
use serde_json::{Value, json};
use upstream_session::provider::midtrans_signature_key;

use super::{Order, Resp, Sim, header, is_json, json_resp, qr_string, random_id};
use crate::server::Simple;

mod refund;

pub(super) use refund::{refund, sim_refund};

const MERCHANT_ID: &str = "G000000000";

pub(super) async fn route(sim: &Sim, req: &Simple) -> Option<Resp> {
    let path = req.uri().path();
    if req.method() == Method::POST && path == "/v2/charge" {
        if let Some(fault) = sim.count_and_fault("charge").await {
            return Some(fault);
        }
        return Some(authorized(sim, req).unwrap_or_else(|| charge(sim, req)));
    }
    if req.method() == Method::POST
        && let Some(id) = path
            .strip_prefix("/v2/")
            .and_then(|rest| rest.strip_suffix("/refund"))
    {
        if let Some(fault) = sim.count_and_fault("refund").await {
            return Some(fault);
        }
        if let Some(refused) = authorized(sim, req) {
            return Some(refused);
        }
        let body = serde_json::from_slice::<Value>(req.body()).unwrap_or(Value::Null);
        return Some(refund(sim, &super::percent_decode(id), &body).await);
    }
    let id = path
        .strip_prefix("/v2/")
        .and_then(|rest| rest.strip_suffix("/status"))?;
    if req.method() != Method::GET {
        return None;
    }
    if let Some(fault) = sim.count_and_fault("status").await {
        return Some(fault);
    }
    let id = super::percent_decode(id);
    Some(authorized(sim, req).unwrap_or_else(|| status(sim, &id)))
}

/// `Authorization: Basic base64(server_key + ":")`, else Midtrans's 401.
fn authorized(sim: &Sim, req: &Simple) -> Option<Resp> {
    let super::Gateway::Midtrans { server_key } = &sim.gateway else {
        return None;
    };
    use base64::Engine;
    let expected = format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(format!("{server_key}:"))
    );
    if header(req, "authorization") == Some(expected.as_str()) {
        return None;
    }
    Some(json_resp(
        401,
        &json!({
            "status_code": "401",
            "status_message": "Unknown Merchant server_key/id",
            "id": random_id(),
        }),
    ))
}

fn invalid(messages: Vec<String>) -> Resp {
    json_resp(
        400,
        &json!({
            "status_code": "400",
            "status_message": "One or more parameters in the payload is invalid.",
            "validation_messages": messages,
        }),
    )
}

pub(super) fn wib(t: DateTime<Utc>) -> String {
    let offset = FixedOffset::east_opt(7 * 3600).expect("UTC+7");
    t.with_timezone(&offset)
        .format("%Y-%m-%d %H:%M:%S")
        .to_string()
}

fn charge(sim: &Sim, req: &Simple) -> Resp {
    if !is_json(req) {
        return invalid(vec!["Content-Type must be application/json".into()]);
    }
    let Ok(v) = serde_json::from_slice::<Value>(req.body()) else {
        return invalid(vec!["The request body is not valid JSON".into()]);
    };
    let mut problems = Vec::new();
    if v["payment_type"] != "qris" {
        problems.push("payment_type must be qris".to_owned());
    }
    let order_id = v["transaction_details"]["order_id"].as_str().unwrap_or("");
    if order_id.is_empty()
        || order_id.len() > 50
        || !order_id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_~.".contains(&b))
    {
        problems.push(
            "transaction_details.order_id is required (at most 50 of A-Z a-z 0-9 - _ ~ .)".into(),
        );
    }
    // IDR has no minor unit: a whole number, not a string.
    let amount = v["transaction_details"]["gross_amount"]
        .as_u64()
        .filter(|a| *a >= 1);
    if amount.is_none() {
        problems.push("transaction_details.gross_amount must be a whole number ≥ 1".into());
    }
    if let Some(acq) = v.get("qris").map(|q| &q["acquirer"])
        && !(acq.is_null() || acq == "gopay" || acq == "airpay shopee")
    {
        problems.push("qris.acquirer must be gopay or airpay shopee".into());
    }
    let now = Utc::now();
    let mut expires_at = now + TimeDelta::minutes(15);
    if let Some(ce) = v.get("custom_expiry") {
        match custom_expiry(ce) {
            Ok(t) if t > now => expires_at = t,
            Ok(_) => problems.push("custom_expiry ends in the past".into()),
            Err(why) => problems.push(why),
        }
    }
    if !problems.is_empty() {
        return invalid(problems);
    }
    let amount = amount.expect("checked");
    let Some(qr) = qr_string(amount, order_id) else {
        return invalid(vec![
            "transaction_details.gross_amount exceeds the QRIS limit".into(),
        ]);
    };
    let transaction_id = random_id();
    let order = Order {
        order_id: order_id.to_owned(),
        provider_id: transaction_id.clone(),
        amount,
        status: "pending".into(),
        qr_string: qr.clone(),
        created: now,
        expires_at,
        payments: Vec::new(),
        paid_at: None,
    };
    if !sim.insert(order) {
        return json_resp(
            406,
            &json!({
                "status_code": "406",
                "status_message": "The request could not be processed due to duplicated order_id",
                "id": random_id(),
            }),
        );
    }
    json_resp(
        200,
        &json!({
            "status_code": "201",
            "status_message": "QRIS transaction is created",
            "transaction_id": transaction_id,
            "order_id": order_id,
            "merchant_id": MERCHANT_ID,
            "gross_amount": format!("{amount}.00"),
            "currency": "IDR",
            "payment_type": "qris",
            "transaction_time": wib(now),
            "transaction_status": "pending",
            "fraud_status": "accept",
            "actions": [{
                "name": "generate-qr-code",
                "method": "GET",
                "url": format!("/v2/qris/{transaction_id}/qr-code"),
            }],
            "qr_string": qr,
            "acquirer": "gopay",
            "expiry_time": wib(expires_at),
        }),
    )
}

/// `{"order_time": "YYYY-MM-DD HH:MM:SS +0700", "expiry_duration": N, "unit": "minute"}` → expiry.
fn custom_expiry(ce: &Value) -> Result<DateTime<Utc>, String> {
    let start = match ce["order_time"].as_str() {
        None => Utc::now(),
        Some(s) => DateTime::parse_from_str(s, "%Y-%m-%d %H:%M:%S %z")
            .map_err(|_| "custom_expiry.order_time must be YYYY-MM-DD HH:MM:SS +0700".to_owned())?
            .with_timezone(&Utc),
    };
    let duration = ce["expiry_duration"]
        .as_i64()
        .or_else(|| ce["expiry_duration"].as_str().and_then(|s| s.parse().ok()))
        .filter(|d| (1..=1_000_000).contains(d))
        .ok_or("custom_expiry.expiry_duration must be a positive whole number")?;
    let unit = ce["unit"].as_str().unwrap_or("minute");
    let span = match unit {
        "second" => TimeDelta::seconds(duration),
        "minute" => TimeDelta::minutes(duration),
        "hour" => TimeDelta::hours(duration),
        "day" => TimeDelta::days(duration),
        _ => return Err("custom_expiry.unit must be second, minute, hour or day".into()),
    };
    Ok(start + span)
}

/// Midtrans's status_code for a transaction_status.
fn status_code(status: &str) -> &'static str {
    match status {
        "settlement" | "capture" | "refund" | "partial_refund" => "200",
        "pending" | "authorize" => "201",
        "expire" => "407",
        _ => "202",
    }
}

pub(super) fn transaction_json(
    o: &Order,
    status: &str,
    server_key: &str,
    message: &str,
    refunds: &[Value],
) -> Value {
    let code = status_code(status);
    let gross = format!("{}.00", o.amount);
    let mut v = json!({
        "transaction_type": "on-us",
        "transaction_time": wib(o.created),
        "transaction_status": status,
        "transaction_id": o.provider_id,
        "status_message": message,
        "status_code": code,
        "signature_key": midtrans_signature_key(&o.order_id, code, &gross, server_key),
        "payment_type": "qris",
        "order_id": o.order_id,
        "merchant_id": MERCHANT_ID,
        "issuer": "gopay",
        "gross_amount": gross,
        "fraud_status": "accept",
        "currency": "IDR",
        "acquirer": "gopay",
        "expiry_time": wib(o.expires_at),
    });
    if status == "settlement" {
        v["settlement_time"] = json!(wib(o.paid_at.unwrap_or_else(Utc::now)));
    }
    if !refunds.is_empty() {
        v["refund_amount"] = json!(format!("{}.00", refund::refunded(refunds)));
        v["refunds"] = json!(refunds);
    }
    v
}

fn status(sim: &Sim, id: &str) -> Resp {
    let super::Gateway::Midtrans { server_key } = &sim.gateway else {
        unreachable!("midtrans route")
    };
    let now = Utc::now();
    let found = sim
        .orders()
        .into_iter()
        .find(|o| o.order_id == id || o.provider_id == id);
    let Some(mut order) = found else {
        return json_resp(
            404,
            &json!({"status_code": "404", "status_message": "Transaction doesn't exist.", "id": random_id()}),
        );
    };
    if order.status == "pending" && now >= order.expires_at {
        sim.update(&order.order_id, |o| o.status = "expire".into());
        order.status = "expire".into();
    }
    let status = order.status.clone();
    let refunds = sim.refunds_of(&order.order_id);
    json_resp(
        200,
        &transaction_json(
            &order,
            &status,
            server_key,
            "Success, transaction is found",
            &refunds,
        ),
    )
}

/// The notification for paying `order` (default `settlement`); the status API follows unless
/// `keep_pending`.
pub(super) fn notification(
    sim: &Sim,
    order: &Order,
    status: Option<&str>,
    keep_pending: bool,
    server_key: &str,
) -> (Vec<(String, String)>, String) {
    let status = status.unwrap_or("settlement");
    let now = Utc::now();
    if !keep_pending {
        sim.update(&order.order_id, |o| {
            o.status = status.to_owned();
            if status == "settlement" {
                o.paid_at.get_or_insert(now);
            }
        });
    }
    let refunds = sim.refunds_of(&order.order_id);
    let body = transaction_json(
        order,
        status,
        server_key,
        "midtrans payment notification",
        &refunds,
    );
    (Vec::new(), body.to_string())
}
