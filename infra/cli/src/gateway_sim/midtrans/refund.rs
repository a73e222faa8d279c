//! Refunds at the simulated Midtrans: `POST /v2/{order_id}/refund` as the merchant's call, and
//! `POST /sim/refund/{order_id}?amount=&key=` (the same, from a test or the command line); each sends
//! the refund's notification, with the order's whole `refunds[]` history, to the callback.

use std::collections::HashMap;

use chrono::Utc;
use serde_json::{Value, json};

use super::{transaction_json, wib};
use crate::gateway_sim::{Gateway, Resp, Sim, json_resp, random_id};

/// `POST /sim/refund/{order_id}?amount=&key=`: a refund of the order (Midtrans only).
pub(in crate::gateway_sim) async fn sim_refund(
    sim: &Sim,
    order_id: &str,
    query: &HashMap<String, String>,
) -> Resp {
    if !matches!(sim.gateway, Gateway::Midtrans { .. }) {
        return json_resp(
            501,
            &json!({"message": "refunds are simulated for Midtrans only"}),
        );
    }
    let body = json!({
        "refund_key": query.get("key"),
        "amount": query.get("amount").and_then(|a| a.parse::<u64>().ok()),
        "reason": "refunded from the simulator",
    });
    refund(sim, order_id, &body).await
}

/// The sum of a refund history, in rupiah.
pub(super) fn refunded(refunds: &[Value]) -> u64 {
    refunds
        .iter()
        .filter_map(|r| r["refund_amount"].as_str())
        .filter_map(|a| a.trim_end_matches(".00").parse::<u64>().ok())
        .sum()
}

/// `POST /v2/{order_id}/refund {refund_key?, amount?, reason?}` as Midtrans answers it (the whole
/// remaining amount by default; a settled order only; a refund_key once), then the refund's HTTP
/// notification to the callback. Answers the refund and, beside it, what the callback answered.
pub(in crate::gateway_sim) async fn refund(sim: &Sim, id: &str, body: &Value) -> Resp {
    let Gateway::Midtrans { server_key } = &sim.gateway else {
        unreachable!("midtrans route")
    };
    let refusal = |code: &str, message: &str| {
        json_resp(
            200,
            &json!({"status_code": code, "status_message": message, "id": random_id()}),
        )
    };
    let Some(order) = sim
        .orders()
        .into_iter()
        .find(|o| o.order_id == id || o.provider_id == id)
    else {
        return refusal("404", "Transaction doesn't exist.");
    };
    if !matches!(order.status.as_str(), "settlement" | "partial_refund") {
        return refusal(
            "412",
            "Merchant cannot modify the status of the transaction",
        );
    }
    let history = sim.refunds_of(&order.order_id);
    let remaining = order.amount.saturating_sub(refunded(&history));
    let amount = body["amount"].as_u64().unwrap_or(remaining);
    if amount == 0 || amount > remaining {
        return refusal(
            "414",
            "Refund amount must be less than or equal to the remaining amount",
        );
    }
    let key = body["refund_key"]
        .as_str()
        .map_or_else(random_id, str::to_owned);
    if history.iter().any(|r| r["refund_key"] == key.as_str()) {
        return refusal("406", "Duplicate refund ID");
    }
    let status = if amount == remaining {
        "refund"
    } else {
        "partial_refund"
    };
    let item = json!({
        "refund_chargeback_id": history.len() + 1,
        "refund_amount": format!("{amount}.00"),
        "created_at": wib(Utc::now()),
        "reason": body["reason"].as_str().unwrap_or(""),
        "refund_key": key,
        "refund_method": "online",
    });
    let mut history = history;
    history.push(item.clone());
    sim.refunds
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .insert(order.order_id.clone(), history.clone());
    sim.update(&order.order_id, |o| o.status = status.to_owned());
    let notification = transaction_json(
        &order,
        status,
        server_key,
        "midtrans payment notification",
        &history,
    );
    let responses = sim.deliver(&[], &notification.to_string(), 1).await;
    json_resp(
        200,
        &json!({
            "status_code": "200",
            "status_message": "Success, refund request is approved",
            "transaction_id": order.provider_id,
            "order_id": order.order_id,
            "gross_amount": format!("{}.00", order.amount),
            "currency": "IDR",
            "payment_type": "qris",
            "transaction_time": wib(order.created),
            "transaction_status": status,
            "refund_chargeback_id": item["refund_chargeback_id"],
            "refund_amount": item["refund_amount"],
            "refund_key": item["refund_key"],
            "notification": notification,
            "responses": responses,
        }),
    )
}
