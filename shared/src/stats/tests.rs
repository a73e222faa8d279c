use chrono::{DateTime, TimeDelta, TimeZone, Utc};

use super::{Granularity, Sums, summarize};
use crate::domain::{Outcome, PaymentId, PaymentRecord, RefundReason, Settlement, StreamId};

fn at(h: u32, m: u32) -> DateTime<Utc> {
    // 2026-12-05 in UTC; WIB is 7 hours ahead.
    Utc.with_ymd_and_hms(2026, 12, 5, h, m, 0).unwrap()
}

fn record(
    n: u32,
    received_at: DateTime<Utc>,
    stream: &str,
    amount: u64,
    outcome: Outcome,
) -> PaymentRecord {
    PaymentRecord {
        payment_id: PaymentId::derive("webhook", &format!("ref-{n}")),
        provider: "webhook".into(),
        provider_ref: format!("ref-{n}"),
        trx_id: format!("trx-{n}"),
        amount,
        received_at,
        session_id: None,
        user_id: None,
        stream_id: Some(StreamId::parse(stream).unwrap()),
        outcome,
        settlement: None,
        note: None,
        related: None,
        gateway_refund_id: None,
        refunded: 0,
    }
}

#[test]
fn wib_hours_and_days_are_the_buckets() {
    // 16:59 UTC is 23:59 WIB on the 5th; 17:00 UTC is 00:00 WIB on the 6th.
    let day = Granularity::Day;
    assert_eq!(day.bucket_start(at(16, 59)), at(17, 0) - TimeDelta::days(1));
    assert_eq!(day.bucket_start(at(17, 0)), at(17, 0));
    assert_eq!(Granularity::Hour.bucket_start(at(10, 42)), at(10, 0));
    assert!(Granularity::Hour.allows(at(0, 0), at(0, 0) + TimeDelta::hours(168)));
    assert!(!Granularity::Hour.allows(at(0, 0), at(0, 1) + TimeDelta::hours(168)));
    assert!(Granularity::Day.allows(at(0, 0), at(0, 0) + TimeDelta::days(31)));
    assert!(!Granularity::Day.allows(at(0, 0), at(0, 1) + TimeDelta::days(31)));
    assert!(
        !Granularity::Day.allows(at(1, 0), at(0, 0)),
        "to before from"
    );
    assert_eq!(Granularity::parse("hour"), Some(Granularity::Hour));
    assert_eq!(Granularity::parse("week"), None);
    for name in Granularity::NAMES {
        let g = Granularity::parse(name).unwrap();
        assert_eq!(
            serde_json::to_value(g).unwrap(),
            *name,
            "one name per variant"
        );
    }
}

#[test]
fn sales_refunds_and_streams_are_summed_once_each() {
    let mut settled = record(
        4,
        at(11, 5),
        "2",
        25_000,
        Outcome::RefundDue(RefundReason::TooLate),
    );
    settled.settlement = Some(Settlement {
        at: at(12, 0),
        by: "local".into(),
        note: None,
    });
    let records = vec![
        record(1, at(10, 0), "2", 25_000, Outcome::Granted),
        record(2, at(10, 59), "2", 25_000, Outcome::Granted),
        record(3, at(11, 0), "7", 50_000, Outcome::Granted),
        settled,
        record(
            5,
            at(11, 30),
            "7",
            50_000,
            Outcome::RefundDue(RefundReason::DuplicateAccess),
        ),
        record(6, at(11, 40), "7", 0, Outcome::Failed),
        record(7, at(11, 45), "2", 25_000, Outcome::Reconciled),
        record(8, at(11, 50), "2", 25_000, Outcome::Refunded),
        // Outside the period: not counted.
        record(9, at(13, 0), "2", 25_000, Outcome::Granted),
    ];
    let stats = summarize(&records, at(10, 0), at(12, 59), Granularity::Hour);
    assert_eq!(
        stats.totals,
        Sums {
            sales: 3,
            revenue: 100_000,
            refunds_opened: 2,
            refunds_opened_rupiah: 75_000,
            refunds_settled: 1,
        }
    );
    let hours: Vec<(DateTime<Utc>, u64, u64, u64)> = stats
        .buckets
        .iter()
        .map(|b| (b.start, b.sums.sales, b.sums.revenue, b.sums.refunds_opened))
        .collect();
    assert_eq!(
        hours,
        vec![
            (at(10, 0), 2, 50_000, 0),
            (at(11, 0), 1, 50_000, 2),
            (at(12, 0), 0, 0, 0),
        ],
        "every hour of the period, empty ones included"
    );
    let streams: Vec<(&str, u64, u64)> = stats
        .streams
        .iter()
        .map(|s| (s.stream_id.as_str(), s.sums.sales, s.sums.revenue))
        .collect();
    assert_eq!(
        streams,
        vec![("2", 2, 50_000), ("7", 1, 50_000)],
        "revenue, then count"
    );
    let sum: u64 = stats.buckets.iter().map(|b| b.sums.revenue).sum();
    assert_eq!(sum, stats.totals.revenue, "the bars add up to the total");
}

#[test]
fn the_answer_is_json_for_the_page() {
    let stats = summarize(
        &[record(1, at(10, 0), "2", 25_000, Outcome::Granted)],
        at(0, 0),
        at(23, 0),
        Granularity::Day,
    );
    let json = serde_json::to_value(&stats).unwrap();
    assert_eq!(json["granularity"], "day");
    assert_eq!(json["totals"]["revenue"], 25_000);
    assert_eq!(json["buckets"][0]["sales"], 1);
    assert_eq!(json["streams"][0]["streamId"], "2");
    assert_eq!(json["buckets"].as_array().unwrap().len(), 2, "two WIB days");
}
