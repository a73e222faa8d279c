//! What a Midtrans notification or status answer states: a payment (settlement, capture accepted),
//! a failure, a refund with its history, or nothing final yet.

use serde_json::Value;

use super::NAME;
use crate::domain::{GatewayRefund, PaymentReport, RefundReport, ReportKind};
use crate::provider::Statement;
use crate::requests::MidtransNotification;

/// How a statement reads a refund's history (`refunds[]`).
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Refunds {
    /// The status API's answer: the history is what the ledger records; without one it is refused.
    Required,
    /// A notification's claim: whatever it holds.
    Lenient,
}

/// A notification or status answer as a statement.
pub(super) fn statement(n: MidtransNotification, history: Refunds) -> Result<Statement, String> {
    let trx_id = n.order_id.ok_or("order_id is missing")?;
    let status = n
        .transaction_status
        .ok_or("transaction_status is missing")?;
    let gross = n.gross_amount.ok_or("gross_amount is missing")?;
    let amount = crate::provider::parse_rupiah(&gross)
        .ok_or_else(|| format!("gross_amount {gross:?} is not a whole number of rupiah"))?;
    if let Some(currency) = n.currency
        && currency != "IDR"
    {
        return Err(format!("currency {currency:?} is not IDR"));
    }
    let payment = PaymentReport {
        provider: NAME.to_owned(),
        provider_ref: n.transaction_id,
        trx_id,
        amount,
        kind: ReportKind::Paid,
    };
    if matches!(status.as_str(), "refund" | "partial_refund") {
        let refunds = match (refunds(n.refunds.as_ref()), history) {
            (Ok(list), _) => list,
            (Err(_), Refunds::Lenient) => Vec::new(),
            (Err(why), Refunds::Required) => return Err(why),
        };
        return Ok(Statement::Refunded(RefundReport { payment, refunds }));
    }
    Ok(match kind(&status, n.fraud_status.as_deref()) {
        None => Statement::Pending {
            trx_id: payment.trx_id,
        },
        Some(kind) => Statement::Final(PaymentReport { kind, ..payment }),
    })
}

/// A refund history: each item's id (`refund_chargeback_id`, a number or a string, else
/// `refund_key`) and amount (`refund_amount`, a money string), oldest first, each id once.
fn refunds(raw: Option<&Value>) -> Result<Vec<GatewayRefund>, String> {
    let items = raw
        .and_then(Value::as_array)
        .filter(|a| !a.is_empty())
        .ok_or("a refund without its refunds[] history")?;
    let mut out: Vec<GatewayRefund> = Vec::with_capacity(items.len());
    for item in items {
        let id = match &item["refund_chargeback_id"] {
            Value::Number(n) => Some(n.to_string()),
            Value::String(s) if !s.is_empty() => Some(s.clone()),
            _ => item["refund_key"]
                .as_str()
                .filter(|k| !k.is_empty())
                .map(|k| format!("key:{k}")),
        }
        .filter(|id| id.len() <= 128 && !id.chars().any(char::is_control))
        .ok_or("a refund without refund_chargeback_id or refund_key")?;
        let amount = match &item["refund_amount"] {
            Value::String(s) => crate::provider::parse_rupiah(s),
            other => other
                .as_u64()
                .and_then(|a| crate::domain::Amount::new(a).ok())
                .map(|a| a.rupiah()),
        }
        .ok_or_else(|| format!("refund {id}: refund_amount is not a whole number of rupiah"))?;
        if !out.iter().any(|r| r.refund_id == id) {
            out.push(GatewayRefund {
                refund_id: id,
                amount,
            });
        }
    }
    Ok(out)
}

/// settlement, or capture accepted by fraud detection → paid; deny/cancel/expire/failure → failed;
/// anything else (pending, authorize, challenge) → nothing final. (refund/partial_refund are read
/// with their history by [`statement`].)
pub(crate) fn kind(status: &str, fraud: Option<&str>) -> Option<ReportKind> {
    match status {
        "settlement" => Some(ReportKind::Paid),
        "capture" if fraud == Some("accept") => Some(ReportKind::Paid),
        "deny" | "cancel" | "expire" | "failure" => Some(ReportKind::Failed),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn status_mapping() {
        assert_eq!(kind("settlement", None), Some(ReportKind::Paid));
        assert_eq!(kind("capture", Some("accept")), Some(ReportKind::Paid));
        assert_eq!(kind("capture", Some("challenge")), None);
        assert_eq!(kind("pending", Some("accept")), None);
        for s in ["deny", "cancel", "expire", "failure"] {
            assert_eq!(kind(s, None), Some(ReportKind::Failed), "{s}");
        }
        assert_eq!(kind("refund", None), None, "read with its history");
        assert_eq!(kind("authorize", None), None);
    }

    #[test]
    fn refund_histories() {
        let read = |v: Value| refunds(Some(&v));
        let ok = read(json!([
            {"refund_chargeback_id": 1, "refund_amount": "5000.00"},
            {"refund_chargeback_id": "2", "refund_amount": "700"},
            {"refund_key": "k-3", "refund_amount": 300},
            {"refund_chargeback_id": 1, "refund_amount": "5000.00"}
        ]))
        .unwrap();
        let pairs: Vec<_> = ok
            .iter()
            .map(|r| (r.refund_id.as_str(), r.amount))
            .collect();
        assert_eq!(pairs, vec![("1", 5000), ("2", 700), ("key:k-3", 300)]);
        assert!(refunds(None).is_err(), "no history");
        assert!(read(json!([])).is_err());
        assert!(read(json!([{"refund_amount": "1.00"}])).is_err(), "no id");
        assert!(read(json!([{"refund_chargeback_id": 1, "refund_amount": "1.50"}])).is_err());
        assert!(
            read(json!([{"refund_chargeback_id": 1}])).is_err(),
            "no amount"
        );
    }
}
