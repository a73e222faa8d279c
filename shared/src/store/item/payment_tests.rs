//! The stored format of payment records, pinned attribute by attribute (see `tests.rs`).

use aws_sdk_dynamodb::types::AttributeValue;

use super::tests::{PID, SID, at, corrupt, item, n, s};
use super::*;
use crate::domain::{
    Outcome, PaymentId, PaymentRecord, RefundReason, SessionId, Settlement, StreamId, UserId,
};

fn record(outcome: Outcome) -> PaymentRecord {
    PaymentRecord {
        payment_id: PaymentId::parse(PID).unwrap(),
        provider: "midtrans".into(),
        provider_ref: "GW-1".into(),
        trx_id: "UP-9".into(),
        amount: 999,
        received_at: at(1_756_577_775_508),
        session_id: Some(SessionId::parse(SID).unwrap()),
        user_id: Some(UserId::parse("user#1").unwrap()),
        stream_id: Some(StreamId::parse("4").unwrap()),
        outcome,
        settlement: None,
        note: Some("received 999 expected 1000".into()),
        related: None,
        gateway_refund_id: None,
        refunded: 0,
    }
}

fn payment_attrs(outcome: &str) -> Vec<(&'static str, AttributeValue)> {
    vec![
        ("pk", s(&format!("PAYMENT#{PID}"))),
        ("sk", s("PAYMENT")),
        ("kind", s("payment")),
        ("paymentId", s(PID)),
        ("provider", s("midtrans")),
        ("providerRef", s("GW-1")),
        ("trxId", s("UP-9")),
        ("amount", n(999)),
        ("receivedAt", n(1_756_577_775_508)),
        ("createdAt", n(1_756_577_775_508)),
        ("allPk", s("PAYMENT")),
        ("outcome", s(outcome)),
    ]
}

#[test]
fn payment_records() {
    let settled = PaymentRecord {
        settlement: Some(Settlement {
            at: at(1_756_837_000_000),
            by: "local".into(),
            note: Some("transferred".into()),
        }),
        ..record(Outcome::RefundDue(RefundReason::AmountMismatch))
    };
    let mut settled_attrs = payment_attrs("refund_due");
    settled_attrs.extend([
        ("reason", s("amount_mismatch")),
        ("refundStatus", s("settled")),
        ("sessionId", s(SID)),
        ("userId", s("user#1")),
        ("streamId", s("4")),
        ("note", s("received 999 expected 1000")),
        ("settledAt", n(1_756_837_000_000)),
        ("settledBy", s("local")),
        ("settleNote", s("transferred")),
        // 400 days after the settlement.
        ("ttl", n(1_791_397_000)),
    ]);
    let open = PaymentRecord {
        session_id: None,
        user_id: None,
        stream_id: None,
        note: None,
        ..record(Outcome::RefundDue(RefundReason::UnknownTrx))
    };
    let mut open_attrs = payment_attrs("refund_due");
    // Money owed: no `ttl`.
    open_attrs.extend([("reason", s("unknown_trx")), ("refundStatus", s("open"))]);
    let failed = PaymentRecord {
        note: None,
        ..record(Outcome::Failed)
    };
    let mut failed_attrs = payment_attrs("failed");
    failed_attrs.extend([
        ("sessionId", s(SID)),
        ("userId", s("user#1")),
        ("streamId", s("4")),
        // 400 days after the report.
        ("ttl", n(1_791_137_775)),
    ]);
    // A refund made at the gateway: the payment it returned, the gateway's id of it.
    let refund = PaymentRecord {
        note: None,
        related: Some(PaymentId::parse(PID).unwrap()),
        gateway_refund_id: Some("1".into()),
        ..record(Outcome::Refunded)
    };
    let mut refund_attrs = payment_attrs("refunded");
    refund_attrs.extend([
        ("sessionId", s(SID)),
        ("userId", s("user#1")),
        ("streamId", s("4")),
        ("related", s(PID)),
        ("gatewayRefundId", s("1")),
        ("ttl", n(1_791_137_775)),
    ]);
    // A payment partly paid back at the gateway; an approval the gateway's payment confirmed.
    let partly = PaymentRecord {
        note: None,
        refunded: 400,
        ..record(Outcome::Granted)
    };
    let mut partly_attrs = payment_attrs("granted");
    partly_attrs.extend([
        ("sessionId", s(SID)),
        ("userId", s("user#1")),
        ("streamId", s("4")),
        ("refunded", n(400)),
        ("ttl", n(1_791_137_775)),
    ]);
    let reconciled = PaymentRecord {
        note: None,
        session_id: None,
        user_id: None,
        stream_id: None,
        related: Some(PaymentId::parse(PID).unwrap()),
        ..record(Outcome::Reconciled)
    };
    let mut reconciled_attrs = payment_attrs("reconciled");
    reconciled_attrs.extend([("related", s(PID)), ("ttl", n(1_791_137_775))]);
    for (record, attrs) in [
        (settled, settled_attrs),
        (open, open_attrs),
        (failed, failed_attrs),
        (refund, refund_attrs),
        (partly, partly_attrs),
        (reconciled, reconciled_attrs),
    ] {
        let stored = item(&attrs);
        assert_eq!(payment_item(&record), stored, "{:?}", record.outcome);
        assert_eq!(parse_payment(stored).unwrap(), record);
    }
}

#[test]
fn corrupt_payment_records_are_store_errors() {
    let mut payment = payment_item(&record(Outcome::RefundDue(RefundReason::TooLate)));
    payment.remove("reason");
    corrupt(parse_payment(payment.clone()));
    payment.insert("reason".into(), s("because"));
    corrupt(parse_payment(payment));
}
