//! `upstream stats`: the admin page's *Penjualan* as tables (`GET /admin/stats`).

use serde_json::Value;
use upstream_session::domain::format_idr;
use upstream_session::stats::Granularity;

use crate::admin_cmd::enc;
use crate::target::TargetArgs;

/// `upstream stats [--from F] [--to T] [--granularity hour|day] [--json]`.
#[derive(clap::Args)]
pub struct StatsArgs {
    /// First day (WIB, `2026-11-01`) or an RFC 3339 instant (default: 48 hours or 30 days back).
    #[arg(long)]
    pub from: Option<String>,
    /// Last day (WIB, inclusive) or an RFC 3339 instant (default: now).
    #[arg(long)]
    pub to: Option<String>,
    /// `hour` (at most 7 days) or `day` (at most 31 days).
    #[arg(long, default_value = "day", value_parser = clap::builder::PossibleValuesParser::new(Granularity::NAMES))]
    pub granularity: String,
    /// Print the JSON answer instead of tables.
    #[arg(long)]
    pub json: bool,
    #[command(flatten)]
    pub target: TargetArgs,
}

fn n(v: &Value) -> u64 {
    v.as_u64().unwrap_or(0)
}

/// The WIB wall time of an RFC 3339 instant (`2026-12-05 20:00`).
fn wib(raw: &str) -> String {
    chrono::DateTime::parse_from_rfc3339(raw)
        .map(|t| {
            (t.with_timezone(&chrono::Utc) + chrono::TimeDelta::hours(7))
                .format("%Y-%m-%d %H:%M")
                .to_string()
        })
        .unwrap_or_else(|_| raw.to_owned())
}

pub fn run(args: StatsArgs) -> Result<(), String> {
    let mut path = format!("/admin/stats?granularity={}", args.granularity);
    if let Some(from) = &args.from {
        path.push_str(&format!("&from={}", enc(from)));
    }
    if let Some(to) = &args.to {
        path.push_str(&format!("&to={}", enc(to)));
    }
    let data = args.target.resolve()?.call("GET", &path, None)?;
    if args.json {
        println!("{data}");
        return Ok(());
    }
    print!("{}", render(&data));
    Ok(())
}

/// The tables `upstream stats` prints.
fn render(d: &Value) -> String {
    let mut out = format!(
        "{} WIB .. {} WIB, per {}\n\n{:<16}  {:>6}  {:>16}  {:>8}  {:>8}\n",
        wib(d["from"].as_str().unwrap_or("")),
        wib(d["to"].as_str().unwrap_or("")),
        d["granularity"].as_str().unwrap_or(""),
        "START (WIB)",
        "SALES",
        "REVENUE",
        "REFUNDS",
        "SETTLED"
    );
    let row = |label: &str, s: &Value| {
        format!(
            "{:<16}  {:>6}  {:>16}  {:>8}  {:>8}\n",
            label,
            n(&s["sales"]),
            format_idr(n(&s["revenue"])),
            n(&s["refundsOpened"]),
            n(&s["refundsSettled"])
        )
    };
    for b in d["buckets"].as_array().into_iter().flatten() {
        out.push_str(&row(&wib(b["start"].as_str().unwrap_or("")), b));
    }
    out.push_str(&row("TOTAL", &d["totals"]));
    out.push_str(&format!(
        "\n{:<16}  {:>6}  {:>16}  {:>8}\n",
        "STREAM", "SALES", "REVENUE", "REFUNDS"
    ));
    for s in d["streams"].as_array().into_iter().flatten() {
        out.push_str(&format!(
            "{:<16}  {:>6}  {:>16}  {:>8}\n",
            s["streamId"].as_str().unwrap_or(""),
            n(&s["sales"]),
            format_idr(n(&s["revenue"])),
            n(&s["refundsOpened"])
        ));
    }
    if let Some(c) = d["conversion"].as_object() {
        out.push_str(&format!(
            "\nQR opened since {} WIB: {}, paid: {}\n",
            wib(c["since"].as_str().unwrap_or("")),
            n(&c["opened"]),
            n(&c["paid"])
        ));
    }
    out
}
