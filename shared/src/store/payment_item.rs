//! How a payment record is laid out as a DynamoDB item.
//!
//! | item | pk | sk |
//! |---|---|---|
//! | payment record (in `byCreated` under `allPk` = `PAYMENT`; refunds also in `byRefund`) | `PAYMENT#<paymentId>` | `PAYMENT` |
//!
//! A refund owed carries `refundStatus` (`open` or `settled`), which puts it in the sparse `byRefund`
//! index; an open refund carries no `ttl`, so nothing that records money owed can expire.

use aws_sdk_dynamodb::types::AttributeValue;

use super::StoreError;
use super::item::{Item, get_n, get_s, key, n_attr, s_attr};
use super::table::{ALL_PK, CREATED_AT, REFUND_STATUS, TTL};
use crate::clock::from_millis;
use crate::domain::{Outcome, PaymentId, PaymentRecord, SessionId, Settlement, StreamId, UserId};
use crate::rules;

/// `allPk` of every payment record: one Query on `byCreated` lists the ledger by time.
pub const LEDGER_PK: &str = "PAYMENT";

/// The key of a payment record.
pub fn payment_key(id: &PaymentId) -> Item {
    key(format!("PAYMENT#{id}"), "PAYMENT")
}

/// The item of a payment record, with its index attributes and TTL.
pub fn item(r: &PaymentRecord) -> Item {
    let mut item = payment_key(&r.payment_id);
    let mut put = |k: &str, v: AttributeValue| {
        item.insert(k.to_owned(), v);
    };
    put("kind", s_attr("payment"));
    put("paymentId", s_attr(r.payment_id.as_str()));
    put("provider", s_attr(&r.provider));
    put("providerRef", s_attr(&r.provider_ref));
    put("trxId", s_attr(&r.trx_id));
    put("amount", n_attr(r.amount));
    put("receivedAt", n_attr(r.received_at.timestamp_millis()));
    put(CREATED_AT, n_attr(r.received_at.timestamp_millis()));
    put(ALL_PK, s_attr(LEDGER_PK));
    put("outcome", s_attr(r.outcome.as_str()));
    if let Some(reason) = r.outcome.reason() {
        put("reason", s_attr(reason.as_str()));
    }
    if let Some(status) = r.refund_status() {
        put(REFUND_STATUS, s_attr(status.as_str()));
    }
    if let Some(s) = &r.session_id {
        put("sessionId", s_attr(s.as_str()));
    }
    if let Some(u) = &r.user_id {
        put("userId", s_attr(u.as_str()));
    }
    if let Some(s) = &r.stream_id {
        put("streamId", s_attr(s.as_str()));
    }
    if let Some(n) = &r.note {
        put("note", s_attr(n));
    }
    if let Some(s) = &r.settlement {
        put("settledAt", n_attr(s.at.timestamp_millis()));
        put("settledBy", s_attr(&s.by));
        if let Some(n) = &s.note {
            put("settleNote", s_attr(n));
        }
    }
    if let Some(ttl) = rules::ledger_ttl(r) {
        put(TTL, n_attr(ttl));
    }
    item
}

/// Reads a payment record back.
pub fn parse(item: &Item) -> Result<PaymentRecord, StoreError> {
    let corrupt = |what: String| StoreError::Corrupt(format!("payment item: {what}"));
    let opt = |name: &str| item.get(name).and_then(|v| v.as_s().ok()).cloned();
    let outcome = Outcome::parse(get_s(item, "outcome")?, opt("reason").as_deref())
        .ok_or_else(|| corrupt("unknown outcome".into()))?;
    let settlement = match item.get("settledAt") {
        Some(_) => Some(Settlement {
            at: from_millis(get_n(item, "settledAt")?),
            by: get_s(item, "settledBy")?.to_owned(),
            note: opt("settleNote"),
        }),
        None => None,
    };
    Ok(PaymentRecord {
        payment_id: PaymentId::parse(get_s(item, "paymentId")?)
            .map_err(|e| corrupt(e.to_string()))?,
        provider: get_s(item, "provider")?.to_owned(),
        provider_ref: get_s(item, "providerRef")?.to_owned(),
        trx_id: get_s(item, "trxId")?.to_owned(),
        amount: get_n(item, "amount")?,
        received_at: from_millis(get_n(item, "receivedAt")?),
        session_id: opt("sessionId")
            .map(SessionId::parse)
            .transpose()
            .map_err(|e| corrupt(e.to_string()))?,
        user_id: opt("userId")
            .map(UserId::parse)
            .transpose()
            .map_err(|e| corrupt(e.to_string()))?,
        stream_id: opt("streamId")
            .map(StreamId::parse)
            .transpose()
            .map_err(|e| corrupt(e.to_string()))?,
        outcome,
        settlement,
        note: opt("note"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::RefundReason;
    use chrono::DateTime;

    fn record(outcome: Outcome) -> PaymentRecord {
        PaymentRecord {
            payment_id: PaymentId::derive("webhook", "GW-1"),
            provider: "webhook".into(),
            provider_ref: "GW-1".into(),
            trx_id: "UP-1".into(),
            amount: 999,
            received_at: DateTime::from_timestamp_millis(1_756_577_775_508).unwrap(),
            session_id: Some(SessionId::generate()),
            user_id: Some(UserId::parse("u#1").unwrap()),
            stream_id: Some(StreamId::parse("4").unwrap()),
            outcome,
            settlement: None,
            note: Some("received 999 expected 1000".into()),
        }
    }

    #[test]
    fn open_refunds_never_expire_and_round_trip() {
        let open = record(Outcome::RefundDue(RefundReason::AmountMismatch));
        let it = item(&open);
        assert!(!it.contains_key(TTL), "money owed must not expire");
        assert_eq!(it[REFUND_STATUS], s_attr("open"));
        assert_eq!(parse(&it).unwrap(), open);

        let settled = PaymentRecord {
            settlement: Some(Settlement {
                at: open.received_at + chrono::TimeDelta::days(3),
                by: "local".into(),
                note: Some("transferred".into()),
            }),
            ..open.clone()
        };
        let it = item(&settled);
        assert_eq!(it[REFUND_STATUS], s_attr("settled"));
        let ttl: i64 = get_n(&it, TTL).unwrap();
        assert!(
            ttl >= (settled.settlement.as_ref().unwrap().at + chrono::TimeDelta::days(400))
                .timestamp()
        );
        assert_eq!(parse(&it).unwrap(), settled);

        let granted = record(Outcome::Granted);
        let it = item(&granted);
        assert!(
            !it.contains_key(REFUND_STATUS),
            "only refunds are in byRefund"
        );
        let ttl: i64 = get_n(&it, TTL).unwrap();
        assert_eq!(
            ttl,
            (granted.received_at + chrono::TimeDelta::days(400)).timestamp()
        );
        assert_eq!(parse(&it).unwrap(), granted);
    }
}
