//! Business metrics as CloudWatch Embedded Metric Format (EMF) log lines: one JSON object a line on
//! stdout, which CloudWatch Logs turns into metrics of namespace [`NAMESPACE`] with the dimension
//! `Function` (no extra API call, no extra permission). The template's alarms and dashboard read them.
//!
//! What a metric says is decided here from values (pure); the functions write the line at their edge.

use std::io::Write;

use chrono::{DateTime, Utc};
use serde_json::{Map, Value, json};

use crate::domain::{Outcome, PaymentRecord};

/// The CloudWatch namespace of every metric here.
pub const NAMESPACE: &str = "UpstreamPay";
/// The one dimension of every metric here: the function that emitted it.
pub const DIMENSION: &str = "Function";
/// Payments newly recorded that granted access (count).
pub const PAYMENTS_GRANTED: &str = "PaymentsGranted";
/// Rupiah of the payments newly recorded that granted access.
pub const SALES_RUPIAH: &str = "SalesRupiah";
/// Payments newly recorded as a refund owed, and refunds opened by a revocation (count).
pub const REFUNDS_OPENED: &str = "RefundsOpened";
/// Hours the oldest open refund has waited (0 when none is open).
pub const OLDEST_OPEN_REFUND_HOURS: &str = "OldestOpenRefundHours";

/// One metric value.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Metric {
    /// Its name.
    pub name: &'static str,
    /// Its value.
    pub value: f64,
    /// Its CloudWatch unit (`Count`, `None`, …).
    pub unit: &'static str,
}

impl Metric {
    fn count(name: &'static str) -> Self {
        Self {
            name,
            value: 1.0,
            unit: "Count",
        }
    }
}

/// The EMF line (no newline) of `metrics` emitted by `function` at `at`.
pub fn emf_line(function: &str, metrics: &[Metric], at: DateTime<Utc>) -> String {
    let definitions: Vec<Value> = metrics
        .iter()
        .map(|m| json!({"Name": m.name, "Unit": m.unit}))
        .collect();
    let mut line = Map::new();
    line.insert(
        "_aws".into(),
        json!({
            "Timestamp": at.timestamp_millis(),
            "CloudWatchMetrics": [{
                "Namespace": NAMESPACE,
                "Dimensions": [[DIMENSION]],
                "Metrics": definitions,
            }],
        }),
    );
    line.insert(DIMENSION.into(), json!(function));
    for m in metrics {
        line.insert(m.name.into(), json!(m.value));
    }
    Value::Object(line).to_string()
}

/// Writes the EMF line of `metrics` to `out` (nothing when there are none).
pub fn write_to(
    out: &mut impl Write,
    function: &str,
    metrics: &[Metric],
    at: DateTime<Utc>,
) -> std::io::Result<()> {
    if metrics.is_empty() {
        return Ok(());
    }
    writeln!(out, "{}", emf_line(function, metrics, at))
}

/// Writes the EMF line of `metrics` to stdout, where Lambda hands it to CloudWatch Logs (nothing
/// when there are none). Best effort: a line that cannot be written is logged, never an error.
pub fn emit(function: &str, metrics: &[Metric], at: DateTime<Utc>) {
    if let Err(err) = write_to(&mut std::io::stdout().lock(), function, metrics, at) {
        tracing::warn!(error = %err, "metrics line not written");
    }
}

/// What a payment that granted access for `rupiah` adds: one payment, its rupiah.
pub fn granted(rupiah: u64) -> Vec<Metric> {
    vec![
        Metric::count(PAYMENTS_GRANTED),
        Metric {
            name: SALES_RUPIAH,
            // Exact below 2^53 rupiah (far above any QRIS amount).
            value: rupiah as f64,
            unit: "None",
        },
    ]
}

/// What a refund owed, newly opened, adds.
pub fn refund_opened() -> Vec<Metric> {
    vec![Metric::count(REFUNDS_OPENED)]
}

/// What a report's ledger record adds: a payment newly recorded that granted access counts as a sale,
/// one newly recorded as owed back opens a refund; a repeat delivery (`already_processed`), a
/// failure, a gateway refund or a reconciled approval (its money was counted at the approval) adds
/// nothing.
pub fn ledger(record: &PaymentRecord, already_processed: bool) -> Vec<Metric> {
    if already_processed {
        return Vec::new();
    }
    match record.outcome {
        Outcome::Granted => granted(record.amount),
        Outcome::RefundDue(_) => refund_opened(),
        Outcome::Failed | Outcome::Refunded | Outcome::Reconciled => Vec::new(),
    }
}

/// The age in hours of the oldest open refund, received at `oldest` (0 when none is open).
pub fn oldest_open_refund(oldest: Option<DateTime<Utc>>, now: DateTime<Utc>) -> Metric {
    let hours = oldest.map_or(0.0, |at| (now - at).num_seconds().max(0) as f64 / 3600.0);
    Metric {
        name: OLDEST_OPEN_REFUND_HOURS,
        value: hours,
        unit: "None",
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeDelta;

    use super::*;
    use crate::domain::{PaymentId, RefundReason};

    fn at(ms: i64) -> DateTime<Utc> {
        DateTime::from_timestamp_millis(ms).unwrap()
    }

    fn record(outcome: Outcome, amount: u64) -> PaymentRecord {
        PaymentRecord {
            payment_id: PaymentId::derive("midtrans", "GW-1"),
            provider: "midtrans".into(),
            provider_ref: "GW-1".into(),
            trx_id: "UP-9".into(),
            amount,
            received_at: at(1_756_577_775_508),
            session_id: None,
            user_id: None,
            stream_id: None,
            outcome,
            settlement: None,
            note: None,
            related: None,
            gateway_refund_id: None,
            refunded: 0,
        }
    }

    /// Reads `line` as CloudWatch Logs does: one JSON object whose `_aws` directive names metrics
    /// and dimensions that are top-level members (numbers and strings); returns the named metrics
    /// with their values, in the directive's order.
    fn read_as_cloudwatch(line: &str) -> (String, Vec<(String, f64)>) {
        assert!(!line.contains('\n'), "one line: {line}");
        let v: Value = serde_json::from_str(line).unwrap();
        let aws = &v["_aws"];
        assert!(aws["Timestamp"].is_i64(), "epoch ms: {line}");
        let directives = aws["CloudWatchMetrics"].as_array().unwrap();
        assert_eq!(directives.len(), 1);
        let directive = &directives[0];
        assert_eq!(directive["Namespace"], NAMESPACE);
        for set in directive["Dimensions"].as_array().unwrap() {
            for d in set.as_array().unwrap() {
                assert!(v[d.as_str().unwrap()].is_string(), "dimension {d}: {line}");
            }
        }
        let metrics = directive["Metrics"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| {
                let name = m["Name"].as_str().unwrap();
                assert!(m["Unit"].is_string(), "{line}");
                let value = v[name].as_f64();
                assert!(
                    value.is_some(),
                    "metric {name} is a top-level number: {line}"
                );
                (name.to_owned(), value.unwrap())
            })
            .collect();
        (v[DIMENSION].as_str().unwrap().to_owned(), metrics)
    }

    #[test]
    fn emf_lines_parse_as_cloudwatch_reads_them() {
        let now = at(1_756_577_775_508);
        let mut metrics = granted(15_000);
        metrics.push(oldest_open_refund(Some(now - TimeDelta::hours(30)), now));
        let line = emf_line("payment-callback", &metrics, now);
        let v: Value = serde_json::from_str(&line).unwrap();
        assert_eq!(v["_aws"]["Timestamp"], 1_756_577_775_508_i64);
        let (function, read) = read_as_cloudwatch(&line);
        assert_eq!(function, "payment-callback");
        assert_eq!(
            read,
            [
                (PAYMENTS_GRANTED.to_owned(), 1.0),
                (SALES_RUPIAH.to_owned(), 15_000.0),
                (OLDEST_OPEN_REFUND_HOURS.to_owned(), 30.0),
            ]
        );
    }

    #[test]
    fn a_line_is_written_only_when_there_is_something_to_count() {
        let now = at(1_756_577_775_508);
        let mut out = Vec::new();
        write_to(&mut out, "admin", &[], now).unwrap();
        assert!(out.is_empty());
        write_to(&mut out, "admin", &refund_opened(), now).unwrap();
        let text = String::from_utf8(out).unwrap();
        assert_eq!(text.lines().count(), 1);
        assert!(text.ends_with('\n'));
        let (function, read) = read_as_cloudwatch(text.trim_end());
        assert_eq!(function, "admin");
        assert_eq!(read, [(REFUNDS_OPENED.to_owned(), 1.0)]);
    }

    #[test]
    fn only_a_newly_recorded_payment_counts() {
        let names = |m: Vec<Metric>| m.into_iter().map(|m| (m.name, m.value)).collect::<Vec<_>>();
        let granted = record(Outcome::Granted, 25_000);
        assert_eq!(
            names(ledger(&granted, false)),
            [(PAYMENTS_GRANTED, 1.0), (SALES_RUPIAH, 25_000.0)]
        );
        assert_eq!(names(ledger(&granted, true)), []);
        let owed = record(Outcome::RefundDue(RefundReason::TooLate), 25_000);
        assert_eq!(names(ledger(&owed, false)), [(REFUNDS_OPENED, 1.0)]);
        assert_eq!(names(ledger(&owed, true)), []);
        for quiet in [Outcome::Failed, Outcome::Refunded, Outcome::Reconciled] {
            assert_eq!(
                names(ledger(&record(quiet, 25_000), false)),
                [],
                "{quiet:?}"
            );
        }
    }

    #[test]
    fn the_oldest_open_refund_is_its_age_in_hours_or_zero() {
        let now = at(1_756_577_775_508);
        assert_eq!(oldest_open_refund(None, now).value, 0.0);
        let half = oldest_open_refund(Some(now - TimeDelta::minutes(90)), now);
        assert_eq!((half.name, half.value), (OLDEST_OPEN_REFUND_HOURS, 1.5));
        // A clock behind the record's receipt never reads as a negative age.
        assert_eq!(
            oldest_open_refund(Some(now + TimeDelta::hours(1)), now).value,
            0.0
        );
    }
}
