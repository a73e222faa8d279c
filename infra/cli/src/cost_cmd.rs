//! `upstream cost`: what 1,000 viewers of a 2-hour stream cost, in USD and rupiah, from the measured
//! warm durations of the last `infra/bench` run (`bench/results.json`), the template's memory size, the
//! capacity units each route consumes (`upstream_session::capacity::MEASURED`, held by
//! `tests/tests/capacity.rs`) and the prices in `infra/prices.json` (each with its source and date).

use std::fmt::Write;
use std::path::PathBuf;

use serde_json::Value;
use upstream_session::capacity::{MEASURED, PAY_WAIT_SECONDS, POLL_SECONDS, RouteUnits};

/// `upstream cost [--bench FILE] [--viewers N] [--hours H] [--idr-per-usd R]`.
#[derive(clap::Args)]
pub struct CostArgs {
    /// The benchmark's results (warm p50 per function).
    #[arg(long, default_value = "bench/results.json")]
    pub bench: PathBuf,
    /// The price list.
    #[arg(long, default_value = "infra/prices.json")]
    pub prices: PathBuf,
    /// Viewers who each pay and watch.
    #[arg(long, default_value_t = 1_000)]
    pub viewers: u64,
    /// How long each watches, in hours (the access bought: 2).
    #[arg(long, default_value_t = 2.0)]
    pub hours: f64,
    /// Rupiah per US dollar.
    #[arg(long, default_value_t = 16_500.0)]
    pub idr_per_usd: f64,
    /// The functions' memory size in MB (template.yaml's Globals MemorySize).
    #[arg(long, default_value_t = 128)]
    pub memory_mb: u64,
    /// How often the player renews its playback token, in seconds (PLAYBACK_TOKEN_TTL).
    #[arg(long, default_value_t = 300.0)]
    pub token_ttl: f64,
}

/// One kind of request a viewer makes: how many times, on which function, with which units.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Call {
    pub what: &'static str,
    pub function: &'static str,
    pub per_viewer: f64,
    pub units: RouteUnits,
    /// The page's status polls (shown as a share).
    pub polling: bool,
}

/// A viewer's requests: the page loads (catalog, an access check), opens a QR, polls its status every
/// 3 s until the payment lands (on average after `PAY_WAIT_SECONDS`), the gateway's notification,
/// then the player's token renewals over `hours`.
pub fn calls(hours: f64, token_ttl: f64) -> Vec<Call> {
    let call = |what, function, per_viewer, units, polling| Call {
        what,
        function,
        per_viewer,
        units,
        polling,
    };
    vec![
        call("GET /api/streams", "streams", 1.0, MEASURED.streams, false),
        call(
            "POST /api/generate-qris",
            "generate-qris",
            1.0,
            MEASURED.generate_qris,
            false,
        ),
        call(
            "GET /api/payment-callback (poll)",
            "payment-callback",
            (PAY_WAIT_SECONDS / POLL_SECONDS).ceil(),
            MEASURED.payment_status,
            true,
        ),
        call(
            "POST /api/payment-callback (notification)",
            "payment-callback",
            1.0,
            MEASURED.payment_callback,
            false,
        ),
        call(
            "GET /api/check-access (page load, then each token renewal)",
            "check-access",
            1.0 + (hours * 3600.0 / token_ttl).ceil(),
            MEASURED.check_access,
            false,
        ),
    ]
}

/// Read and write request units of one request (table and every index).
fn request_units(u: &RouteUnits) -> (f64, f64) {
    let writes = u.table.write + u.by_user + u.by_time + u.by_stream_shard + u.by_refund;
    (u.table.read, writes)
}

/// The prices used, in USD.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Prices {
    pub gb_second_x86: f64,
    pub gb_second_arm: f64,
    pub lambda_request: f64,
    pub http_request: f64,
    pub write_unit: f64,
    pub read_unit: f64,
}

impl Prices {
    /// From `infra/prices.json`: every price must be there, with its source.
    pub fn parse(json: &Value) -> Result<Self, String> {
        let price = |name: &str| -> Result<f64, String> {
            let p = &json["prices"][name];
            if p["source"].as_str().is_none_or(str::is_empty) {
                return Err(format!("{name}: no source"));
            }
            p["usd"].as_f64().ok_or(format!("{name}: no usd price"))
        };
        Ok(Self {
            gb_second_x86: price("lambda_gb_second_x86_64")?,
            gb_second_arm: price("lambda_gb_second_arm64")?,
            lambda_request: price("lambda_request")?,
            http_request: price("http_api_request")?,
            write_unit: price("dynamodb_write_request_unit")?,
            read_unit: price("dynamodb_read_request_unit")?,
        })
    }
}

/// The cost of `viewers` in USD, per line: (label, x86_64, arm64, of which polling on x86_64).
pub fn estimate(
    calls: &[Call],
    warm_ms: impl Fn(&str) -> Option<f64>,
    memory_mb: u64,
    viewers: u64,
    p: &Prices,
) -> Result<Vec<(&'static str, f64, f64, f64)>, String> {
    let n = viewers as f64;
    let gb = memory_mb as f64 / 1024.0;
    let (mut gbs, mut gbs_poll, mut requests, mut requests_poll) = (0.0, 0.0, 0.0, 0.0);
    let (mut reads, mut writes, mut reads_poll, mut writes_poll) = (0.0, 0.0, 0.0, 0.0);
    for c in calls {
        let ms = warm_ms(c.function).ok_or(format!(
            "no warm p50 for {} in the bench results",
            c.function
        ))?;
        // Lambda bills each invocation's duration rounded up to the millisecond.
        let seconds = ms.ceil() / 1000.0 * c.per_viewer * n;
        let count = c.per_viewer * n;
        let (r, w) = request_units(&c.units);
        gbs += seconds * gb;
        requests += count;
        reads += r * count;
        writes += w * count;
        if c.polling {
            gbs_poll += seconds * gb;
            requests_poll += count;
            reads_poll += r * count;
            writes_poll += w * count;
        }
    }
    Ok(vec![
        (
            "Lambda duration (GB-seconds)",
            gbs * p.gb_second_x86,
            gbs * p.gb_second_arm,
            gbs_poll * p.gb_second_x86,
        ),
        (
            "Lambda requests",
            requests * p.lambda_request,
            requests * p.lambda_request,
            requests_poll * p.lambda_request,
        ),
        (
            "HTTP API requests",
            requests * p.http_request,
            requests * p.http_request,
            requests_poll * p.http_request,
        ),
        (
            "DynamoDB write request units",
            writes * p.write_unit,
            writes * p.write_unit,
            writes_poll * p.write_unit,
        ),
        (
            "DynamoDB read request units",
            reads * p.read_unit,
            reads * p.read_unit,
            reads_poll * p.read_unit,
        ),
    ])
}

pub fn run(args: CostArgs) -> Result<(), String> {
    let read = |path: &PathBuf| -> Result<Value, String> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| format!("{}: {e} (run infra/bench first)", path.display()))?;
        serde_json::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))
    };
    let bench = read(&args.bench)?;
    let price_list = read(&args.prices)?;
    let prices = Prices::parse(&price_list)?;
    let calls = calls(args.hours, args.token_ttl);
    let warm = |f: &str| bench["functions"][f]["warm_p50_ms"].as_f64();
    let lines = estimate(&calls, warm, args.memory_mb, args.viewers, &prices)?;
    print!("{}", table(&args, &calls, &lines, &price_list));
    Ok(())
}

fn table(
    args: &CostArgs,
    calls: &[Call],
    lines: &[(&'static str, f64, f64, f64)],
    price_list: &Value,
) -> String {
    let mut out = format!(
        "What {} viewers of a {}-hour stream cost (prices of {}, {}; Rp {} per USD):\n",
        args.viewers,
        args.hours,
        price_list["date"].as_str().unwrap_or("?"),
        price_list["region"].as_str().unwrap_or("?"),
        args.idr_per_usd
    );
    out.push_str("requests per viewer:\n");
    for c in calls {
        let _ = writeln!(out, "  {:>5.0} × {} ({})", c.per_viewer, c.what, c.function);
    }
    let _ = writeln!(
        out,
        "{:<32} {:>12} {:>12} {:>14} {:>10}",
        "", "USD x86_64", "USD arm64", "Rp arm64", "polling"
    );
    let (mut x86, mut arm, mut poll) = (0.0, 0.0, 0.0);
    for (label, a, b, p) in lines {
        x86 += a;
        arm += b;
        poll += p;
        let _ = writeln!(
            out,
            "{label:<32} {a:>12.4} {b:>12.4} {:>14.0} {:>9.0}%",
            b * args.idr_per_usd,
            share(*p, *a)
        );
    }
    let _ = writeln!(
        out,
        "{:<32} {x86:>12.4} {arm:>12.4} {:>14.0} {:>9.0}%",
        "total",
        arm * args.idr_per_usd,
        share(poll, x86)
    );
    out
}

fn share(part: f64, whole: f64) -> f64 {
    if whole > 0.0 {
        part / whole * 100.0
    } else {
        0.0
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn prices() -> Prices {
        Prices {
            gb_second_x86: 1.0,
            gb_second_arm: 0.5,
            lambda_request: 0.0,
            http_request: 1.0,
            write_unit: 10.0,
            read_unit: 100.0,
        }
    }

    #[test]
    fn the_price_list_parses_and_every_price_has_a_source() {
        let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../prices.json"))
            .unwrap();
        let list: Value = serde_json::from_str(&text).unwrap();
        let p = Prices::parse(&list).unwrap();
        assert!(p.gb_second_arm < p.gb_second_x86 && p.read_unit < p.write_unit);
        assert!(list["date"].is_string());
        let mut sourceless = list.clone();
        sourceless["prices"]["lambda_request"]["source"] = json!("");
        assert!(Prices::parse(&sourceless).is_err());
    }

    #[test]
    fn each_line_adds_up_from_the_calls() {
        // One call of 1.2 ms (billed 2 ms) on 1024 MB, 1 write and 0.5 read unit, by 10 viewers.
        let units = RouteUnits {
            table: upstream_session::calls::Units {
                read: 0.5,
                write: 1.0,
            },
            by_user: 0.0,
            by_time: 0.0,
            by_stream_shard: 0.0,
            by_refund: 0.0,
        };
        let one = Call {
            what: "x",
            function: "f",
            per_viewer: 1.0,
            units,
            polling: true,
        };
        let lines = estimate(&[one], |_| Some(1.2), 1024, 10, &prices()).unwrap();
        assert_eq!(lines[0].1, 0.02, "10 × 2 ms × 1 GB at 1 USD");
        assert_eq!(lines[0].2, 0.01, "arm64 at half the price");
        assert_eq!(lines[2].1, 10.0, "10 HTTP requests");
        assert_eq!(lines[3].1, 100.0, "10 write units");
        assert_eq!(lines[4].1, 500.0, "5 read units");
        assert_eq!(lines[4].3, lines[4].1, "all of it polling");
        assert!(estimate(&[one], |_| None, 1024, 10, &prices()).is_err());
    }

    #[test]
    fn a_viewer_polls_twenty_times_and_renews_its_token_each_ttl() {
        let c = calls(2.0, 300.0);
        let polls = c.iter().find(|c| c.polling).unwrap();
        assert_eq!(polls.per_viewer, 20.0);
        let access = c.iter().find(|c| c.function == "check-access").unwrap();
        assert_eq!(access.per_viewer, 25.0);
    }
}
