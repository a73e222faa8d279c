//! Payment records. A refund owed carries `refundStatus` (`open` or `settled`), which puts it in the
//! sparse `byRefund` index; an open refund carries no `ttl`, so nothing that records money owed can
//! expire.

use serde::{Deserialize, Serialize};

use super::{Item, StoreError, corrupt, key, n_attr, read, s_attr, write};
use crate::clock::from_millis;
use crate::domain::{Outcome, PaymentId, PaymentRecord, SessionId, Settlement, StreamId, UserId};
use crate::rules;
use crate::store::table::{ALL_PK, CREATED_AT, REFUND_STATUS, TTL};

/// `allPk` of every payment record: one Query on `byCreated` lists the ledger by time.
pub const LEDGER_PK: &str = "PAYMENT";

/// A record's data attributes (times in epoch milliseconds).
#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Stored {
    payment_id: PaymentId,
    provider: String,
    provider_ref: String,
    trx_id: String,
    amount: u64,
    received_at: i64,
    outcome: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    reason: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    session_id: Option<SessionId>,
    #[serde(skip_serializing_if = "Option::is_none")]
    user_id: Option<UserId>,
    #[serde(skip_serializing_if = "Option::is_none")]
    stream_id: Option<StreamId>,
    #[serde(skip_serializing_if = "Option::is_none")]
    note: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    settled_at: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    settled_by: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    settle_note: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    related: Option<PaymentId>,
    #[serde(skip_serializing_if = "Option::is_none")]
    gateway_refund_id: Option<String>,
    /// Left out while nothing was paid back at the gateway.
    #[serde(skip_serializing_if = "Option::is_none")]
    refunded: Option<u64>,
}

/// The key of a payment record.
pub fn payment_key(id: &PaymentId) -> Item {
    key(format!("PAYMENT#{id}"), "PAYMENT")
}

/// The item of a payment record, with its index attributes and TTL.
pub fn payment_item(r: &PaymentRecord) -> Item {
    let settlement = r.settlement.as_ref();
    let stored = Stored {
        payment_id: r.payment_id.clone(),
        provider: r.provider.clone(),
        provider_ref: r.provider_ref.clone(),
        trx_id: r.trx_id.clone(),
        amount: r.amount,
        received_at: r.received_at.timestamp_millis(),
        outcome: r.outcome.as_str().to_owned(),
        reason: r.outcome.reason().map(|x| x.as_str().to_owned()),
        session_id: r.session_id.clone(),
        user_id: r.user_id.clone(),
        stream_id: r.stream_id.clone(),
        note: r.note.clone(),
        settled_at: settlement.map(|s| s.at.timestamp_millis()),
        settled_by: settlement.map(|s| s.by.clone()),
        settle_note: settlement.and_then(|s| s.note.clone()),
        related: r.related.clone(),
        gateway_refund_id: r.gateway_refund_id.clone(),
        refunded: (r.refunded > 0).then_some(r.refunded),
    };
    let mut item = write(payment_key(&r.payment_id), "payment", &stored);
    item.insert(CREATED_AT.into(), n_attr(stored.received_at));
    item.insert(ALL_PK.into(), s_attr(LEDGER_PK));
    if let Some(status) = r.refund_status() {
        item.insert(REFUND_STATUS.into(), s_attr(status.as_str()));
    }
    if let Some(ttl) = rules::ledger_ttl(r) {
        item.insert(TTL.into(), n_attr(ttl));
    }
    item
}

/// Reads a payment record back.
pub fn parse_payment(item: Item) -> Result<PaymentRecord, StoreError> {
    let s: Stored = read(item, "payment")?;
    let outcome = Outcome::parse(&s.outcome, s.reason.as_deref())
        .ok_or_else(|| corrupt("payment", "unknown outcome"))?;
    let settlement = match (s.settled_at, s.settled_by) {
        (None, _) => None,
        (Some(at), Some(by)) => Some(Settlement {
            at: from_millis(at),
            by,
            note: s.settle_note,
        }),
        (Some(_), None) => return Err(corrupt("payment", "a settlement without settledBy")),
    };
    Ok(PaymentRecord {
        payment_id: s.payment_id,
        provider: s.provider,
        provider_ref: s.provider_ref,
        trx_id: s.trx_id,
        amount: s.amount,
        received_at: from_millis(s.received_at),
        session_id: s.session_id,
        user_id: s.user_id,
        stream_id: s.stream_id,
        outcome,
        settlement,
        note: s.note,
        related: s.related,
        gateway_refund_id: s.gateway_refund_id,
        refunded: s.refunded.unwrap_or(0),
    })
}
