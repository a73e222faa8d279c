//! The operator's sales at a glance: the ledger of a period summed per WIB hour or day, per stream,
//! refunds opened and settled, and how many QR codes opened were paid. Pure: the records come from
//! the store, the answer is a plain value.
//!
//! Computed from the ledger on read, not from counters: a counter written in the payment's own
//! transaction would be one hot item that every sale of the hour updates, and concurrent
//! transactions on one item cancel each other (`TransactionConflict`), so under a ticket rush the
//! counter would fail payments. The ledger is already indexed by time (`byTime`, sharded), never
//! expires, and its sums are the CSV export's by construction.

use std::collections::BTreeMap;

use chrono::{DateTime, TimeDelta, Timelike, Utc};
use serde::Serialize;

use crate::domain::{Outcome, PaymentRecord};

/// Western Indonesian Time, the zone of the operator's hours and days.
const WIB: TimeDelta = TimeDelta::hours(7);

/// The longest period one answer covers, per granularity (bounded reads: a day chart of a month,
/// an hour chart of a week).
pub const MAX_DAYS: i64 = 31;
/// The longest period an hourly answer covers.
pub const MAX_HOURS: i64 = 7 * 24;

/// The width of a chart's bar.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum Granularity {
    /// One WIB hour.
    Hour,
    /// One WIB day.
    Day,
}

impl Granularity {
    /// The wire names, in declaration order.
    pub const NAMES: &'static [&'static str] = &["hour", "day"];

    /// `hour` or `day`.
    pub fn parse(raw: &str) -> Option<Self> {
        match raw {
            "hour" => Some(Self::Hour),
            "day" => Some(Self::Day),
            _ => None,
        }
    }

    /// The start of the bucket holding `t` (a WIB hour or day, as a UTC instant).
    pub fn bucket_start(self, t: DateTime<Utc>) -> DateTime<Utc> {
        let wib = t + WIB;
        let start = match self {
            Granularity::Hour => wib.date_naive().and_hms_opt(wib.hour(), 0, 0),
            Granularity::Day => wib.date_naive().and_hms_opt(0, 0, 0),
        };
        start.map_or(t, |s| s.and_utc() - WIB)
    }

    fn step(self) -> TimeDelta {
        match self {
            Granularity::Hour => TimeDelta::hours(1),
            Granularity::Day => TimeDelta::days(1),
        }
    }

    /// Whether `from..=to` is short enough for one answer.
    pub fn allows(self, from: DateTime<Utc>, to: DateTime<Utc>) -> bool {
        let span = to - from;
        span >= TimeDelta::zero()
            && match self {
                Granularity::Hour => span <= TimeDelta::hours(MAX_HOURS),
                Granularity::Day => span <= TimeDelta::days(MAX_DAYS),
            }
    }
}

/// Sums over a set of ledger records.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Sums {
    /// Payments that granted access.
    pub sales: u64,
    /// Their rupiah.
    pub revenue: u64,
    /// Refunds owed opened (money received that is owed back).
    pub refunds_opened: u64,
    /// Their rupiah.
    pub refunds_opened_rupiah: u64,
    /// Of those, settled (paid back) by now.
    pub refunds_settled: u64,
}

impl Sums {
    fn add(&mut self, r: &PaymentRecord) {
        match r.outcome {
            Outcome::Granted => {
                self.sales = self.sales.saturating_add(1);
                self.revenue = self.revenue.saturating_add(r.amount);
            }
            Outcome::RefundDue(_) => {
                self.refunds_opened = self.refunds_opened.saturating_add(1);
                self.refunds_opened_rupiah = self.refunds_opened_rupiah.saturating_add(r.amount);
                if r.settlement.is_some() {
                    self.refunds_settled = self.refunds_settled.saturating_add(1);
                }
            }
            // A failure moved no money; a gateway refund pays back a payment counted already;
            // a reconciled approval's money is counted on the gateway's payment.
            Outcome::Failed | Outcome::Refunded | Outcome::Reconciled => {}
        }
    }
}

/// One bar of the chart: the WIB hour or day starting at `start`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Bucket {
    /// Its start (RFC 3339, UTC).
    pub start: DateTime<Utc>,
    /// Its sums.
    #[serde(flatten)]
    pub sums: Sums,
}

/// One stream's sales in the period.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StreamSales {
    /// The stream.
    pub stream_id: String,
    /// Its sums.
    #[serde(flatten)]
    pub sums: Sums,
}

/// QR codes opened (sessions created) and how many of them were paid, over the sessions still
/// stored (sessions expire from the table; the ledger does not).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Conversion {
    /// From when sessions were counted (the later of `from` and the oldest session still stored).
    pub since: DateTime<Utc>,
    /// Sessions created since then, up to `to`.
    pub opened: u64,
    /// Of those, paid.
    pub paid: u64,
}

/// The answer of `GET /admin/stats`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Stats {
    /// The period's start.
    pub from: DateTime<Utc>,
    /// The period's end (inclusive).
    pub to: DateTime<Utc>,
    /// Hour or day bars.
    pub granularity: Granularity,
    /// The period's sums (equal to the ledger export's).
    pub totals: Sums,
    /// Every bar of the period, in order, empty ones included.
    pub buckets: Vec<Bucket>,
    /// Per stream, highest revenue first.
    pub streams: Vec<StreamSales>,
    /// QR opened → paid.
    pub conversion: Option<Conversion>,
}

/// Sums `records` (the ledger between `from` and `to`) per `granularity` bucket and per stream.
pub fn summarize(
    records: &[PaymentRecord],
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    granularity: Granularity,
) -> Stats {
    let mut buckets: BTreeMap<DateTime<Utc>, Sums> = BTreeMap::new();
    let mut at = granularity.bucket_start(from);
    let last = granularity.bucket_start(to);
    while at <= last {
        buckets.insert(at, Sums::default());
        at += granularity.step();
    }
    let mut totals = Sums::default();
    let mut streams: BTreeMap<String, Sums> = BTreeMap::new();
    for r in records
        .iter()
        .filter(|r| r.received_at >= from && r.received_at <= to)
    {
        totals.add(r);
        buckets
            .entry(granularity.bucket_start(r.received_at))
            .or_default()
            .add(r);
        let stream = r.stream_id.as_ref().map_or("", |s| s.as_str());
        streams.entry(stream.to_owned()).or_default().add(r);
    }
    let mut streams: Vec<StreamSales> = streams
        .into_iter()
        .filter(|(_, s)| *s != Sums::default())
        .map(|(stream_id, sums)| StreamSales { stream_id, sums })
        .collect();
    streams.sort_by(|a, b| {
        (b.sums.revenue, b.sums.sales)
            .cmp(&(a.sums.revenue, a.sums.sales))
            .then_with(|| a.stream_id.cmp(&b.stream_id))
    });
    Stats {
        from,
        to,
        granularity,
        totals,
        buckets: buckets
            .into_iter()
            .map(|(start, sums)| Bucket { start, sums })
            .collect(),
        streams,
        conversion: None,
    }
}

#[cfg(test)]
mod tests;
