//! The partition-heat model of a ticket rush: from the key design ([`SHARDS`]) and the capacity units
//! each route consumes ([`MEASURED`]), the peak write and read units a second on the hottest
//! partition of the table and of each index, and whether any passes DynamoDB's per-partition limits
//! (1,000 WCU/s, 3,000 RCU/s). Pure: `upstream capacity` prints it.

use crate::calls::Units;
use crate::store::shard::SHARDS;

/// A partition's write limit (units a second).
pub const PARTITION_WCU: f64 = 1000.0;
/// A partition's read limit (units a second).
pub const PARTITION_RCU: f64 = 3000.0;
/// The busiest minute of a rush carries this many times the average minute (assumption).
pub const PEAK_FACTOR: f64 = 2.0;
/// The viewer page polls the payment status this often while its QR is open
/// (`infra/cli/assets/viewer.js`, `setInterval(…, 3000)`).
pub const POLL_SECONDS: f64 = 3.0;
/// How long a viewer's QR stays open before the payment lands, on average (assumption).
pub const PAY_WAIT_SECONDS: f64 = 60.0;
/// Share of payments that end as a refund owed (in the sparse `byRefund`; assumption).
pub const REFUND_SHARE: f64 = 0.02;

/// Units one request consumes in the table and in each index.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RouteUnits {
    /// In the table.
    pub table: Units,
    /// In `byUser`.
    pub by_user: f64,
    /// In `byTime`.
    pub by_time: f64,
    /// In `byStreamShard`.
    pub by_stream_shard: f64,
    /// In `byRefund` (when the record is a refund owed).
    pub by_refund: f64,
}

/// The units of each route of a rush.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Measured {
    /// `GET /api/streams` (one Query of the catalog's partition).
    pub streams: RouteUnits,
    /// `POST /api/generate-qris`, a new session (catalog cached).
    pub generate_qris: RouteUnits,
    /// `GET /api/check-access`.
    pub check_access: RouteUnits,
    /// `GET /api/payment-callback`, the page's status poll (one GetItem, as check-access).
    pub payment_status: RouteUnits,
    /// `POST /api/payment-callback`, paid.
    pub payment_callback: RouteUnits,
}

const fn units(read: f64, table_write: f64, indexes: [f64; 4]) -> RouteUnits {
    RouteUnits {
        table: Units {
            read,
            write: table_write,
        },
        by_user: indexes[0],
        by_time: indexes[1],
        by_stream_shard: indexes[2],
        by_refund: indexes[3],
    }
}

/// The units per request, measured on DynamoDB Local by `tests/tests/capacity.rs` (which holds every
/// route to these numbers; run it with `--nocapture` to print them).
pub const MEASURED: Measured = Measured {
    streams: units(0.5, 0.0, [0.0; 4]),
    generate_qris: units(0.0, 4.0, [2.0, 2.0, 2.0, 0.0]),
    check_access: units(1.0, 0.0, [0.0; 4]),
    payment_status: units(1.0, 0.0, [0.0; 4]),
    payment_callback: units(1.0, 4.0, [0.0, 2.0, 0.0, 2.0]),
};

/// A ticket rush.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rush {
    /// Viewers who each open a QR and pay.
    pub viewers: u64,
    /// Over this many minutes.
    pub minutes: u64,
    /// Spread evenly over this many streams.
    pub streams: u64,
}

/// The peak load on the hottest partition of one place.
#[derive(Debug, Clone, PartialEq)]
pub struct Heat {
    /// The table or an index, and its hottest partition.
    pub place: &'static str,
    /// Which partition key is hottest.
    pub partition: &'static str,
    /// Write units a second.
    pub wcu: f64,
    /// Read units a second.
    pub rcu: f64,
}

impl Heat {
    /// How many times the load fits under the partition limits (infinite when idle).
    pub fn margin(&self) -> f64 {
        (PARTITION_WCU / self.wcu).min(PARTITION_RCU / self.rcu)
    }
}

/// What the model says about a rush.
#[derive(Debug, Clone, PartialEq)]
pub struct Report {
    /// Viewers a second in the busiest minute.
    pub peak_viewers_per_second: f64,
    /// The hottest partition of the table and of each index.
    pub heat: Vec<Heat>,
    /// Read units a second of the page's status polling, all partitions together.
    pub polling_rcu: f64,
    /// Write and read units a second of the whole table with its indexes (on-demand bills these).
    pub total: Units,
}

impl Report {
    /// The smallest margin under the partition limits.
    pub fn margin(&self) -> f64 {
        self.heat
            .iter()
            .map(Heat::margin)
            .fold(f64::INFINITY, f64::min)
    }

    /// Whether any partition passes 1,000 WCU/s or 3,000 RCU/s.
    pub fn over_limit(&self) -> bool {
        self.margin() < 1.0
    }
}

/// The model of `rush` with the units `m`.
pub fn model(rush: Rush, m: &Measured) -> Report {
    let streams = rush.streams.max(1) as f64;
    let rate = PEAK_FACTOR * rush.viewers as f64 / (rush.minutes.max(1) as f64 * 60.0);
    let shards = f64::from(SHARDS);
    let (open, pay) = (m.generate_qris, m.payment_callback);
    let polls = PAY_WAIT_SECONDS / POLL_SECONDS;
    // One viewer's items (session, mirror, guard, claim, payment record) are keyed by its own ids:
    // the hottest table key is one viewer's session, written twice and polled.
    let per_key = Heat {
        place: "table",
        partition: "SESSION#<id> (one viewer's items)",
        wcu: (open.table.write + pay.table.write) / PAY_WAIT_SECONDS,
        rcu: m.payment_status.table.read / POLL_SECONDS,
    };
    let heat = vec![
        per_key,
        Heat {
            place: "table",
            partition: "CATALOG (every page load lists it)",
            wcu: 0.0,
            rcu: rate * m.streams.table.read,
        },
        Heat {
            place: "byUser",
            partition: "<userId>",
            wcu: (open.by_user + pay.by_user) / PAY_WAIT_SECONDS,
            rcu: 0.0,
        },
        Heat {
            place: "byTime",
            partition: "SESSION#<day>#<shard> / PAYMENT#<shard>",
            wcu: rate * (open.by_time + pay.by_time) / shards,
            rcu: 0.0,
        },
        Heat {
            place: "byStreamShard",
            partition: "<streamId>#<shard>",
            wcu: rate / streams * (open.by_stream_shard + pay.by_stream_shard) / shards,
            rcu: 0.0,
        },
        Heat {
            place: "byRefund",
            partition: "open",
            wcu: rate * REFUND_SHARE * pay.by_refund,
            rcu: 0.0,
        },
    ];
    let polling_rcu = rate * polls * m.payment_status.table.read;
    let all = |r: &RouteUnits| r.by_user + r.by_time + r.by_stream_shard;
    let total = Units {
        read: rate * (m.streams.table.read + m.check_access.table.read + pay.table.read)
            + polling_rcu,
        write: rate
            * (open.table.write
                + all(&open)
                + pay.table.write
                + all(&pay)
                + REFUND_SHARE * pay.by_refund),
    };
    Report {
        peak_viewers_per_second: rate,
        heat,
        polling_rcu,
        total,
    }
}

/// The report as `upstream capacity` prints it.
pub fn render(rush: Rush, report: &Report) -> String {
    let mut out = format!(
        "{} viewers in {} min on {} stream(s): peak {:.1} viewers/s (busiest minute {PEAK_FACTOR}x the average)\n",
        rush.viewers,
        rush.minutes,
        rush.streams.max(1),
        report.peak_viewers_per_second
    );
    out.push_str(&format!(
        "{:<14} {:<42} {:>9} {:>9} {:>8}\n",
        "place", "hottest partition", "WCU/s", "RCU/s", "margin"
    ));
    for h in &report.heat {
        let margin = h.margin();
        let margin = if margin.is_finite() {
            format!("{margin:.1}x")
        } else {
            "idle".to_owned()
        };
        out.push_str(&format!(
            "{:<14} {:<42} {:>9.1} {:>9.1} {:>8}\n",
            h.place, h.partition, h.wcu, h.rcu, margin
        ));
    }
    out.push_str(&format!(
        "status polling (every {POLL_SECONDS} s for {PAY_WAIT_SECONDS} s a viewer): {:.0} RCU/s over every viewer's keys\n",
        report.polling_rcu
    ));
    out.push_str(&format!(
        "whole table with indexes: {:.0} WCU/s, {:.0} RCU/s (on-demand bills these)\n",
        report.total.write, report.total.read
    ));
    out.push_str(&format!(
        "limits: {PARTITION_WCU} WCU/s and {PARTITION_RCU} RCU/s a partition: {} (smallest margin {:.1}x)\n",
        if report.over_limit() {
            "PASSED by at least one partition"
        } else {
            "every partition stays under"
        },
        report.margin()
    ));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const LAUNCH: Rush = Rush {
        viewers: 100_000,
        minutes: 10,
        streams: 1,
    };

    #[test]
    fn a_hundred_thousand_viewers_in_ten_minutes_stay_under_the_limits_with_margin() {
        let report = model(LAUNCH, &MEASURED);
        assert!(report.margin() >= 2.0, "{}", render(LAUNCH, &report));
        assert!(!report.over_limit());
        let expected = "\
100000 viewers in 10 min on 1 stream(s): peak 333.3 viewers/s (busiest minute 2x the average)
place          hottest partition                              WCU/s     RCU/s   margin
table          SESSION#<id> (one viewer's items)                0.1       0.3  7500.0x
table          CATALOG (every page load lists it)               0.0     166.7    18.0x
byUser         <userId>                                         0.0       0.0 30000.0x
byTime         SESSION#<day>#<shard> / PAYMENT#<shard>        166.7       0.0     6.0x
byStreamShard  <streamId>#<shard>                              83.3       0.0    12.0x
byRefund       open                                            13.3       0.0    75.0x
status polling (every 3 s for 60 s a viewer): 6667 RCU/s over every viewer's keys
whole table with indexes: 5347 WCU/s, 7500 RCU/s (on-demand bills these)
limits: 1000 WCU/s and 3000 RCU/s a partition: every partition stays under (smallest margin 6.0x)
";
        assert_eq!(render(LAUNCH, &report), expected);
    }

    #[test]
    fn one_constant_key_would_not_hold() {
        // The same rush with every session in one partition (the layout before sharding).
        let one_shard = Heat {
            place: "byCreated",
            partition: "SESSION",
            wcu: model(LAUNCH, &MEASURED).heat[3].wcu * f64::from(SHARDS),
            rcu: 0.0,
        };
        assert!(one_shard.margin() < 1.0, "{one_shard:?}");
        // Ten times the rush passes a limit somewhere and says so.
        let huge = Rush {
            viewers: 1_000_000,
            ..LAUNCH
        };
        let report = model(huge, &MEASURED);
        assert!(report.over_limit());
        assert!(render(huge, &report).contains("PASSED"));
    }
}
