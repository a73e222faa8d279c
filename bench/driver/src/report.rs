//! Statistics, the printed table, the ratios against the reference functions, the targets, the JSON.

use std::collections::BTreeMap;
use std::fmt::Write;
use std::time::Duration;

use serde_json::{Value, json};

/// What was recorded for one function.
#[derive(Debug, Default)]
pub struct Measure {
    pub cold: Vec<Duration>,
    pub warm: Vec<Duration>,
    /// VmHWM of the long-lived process after the warm run.
    pub peak_rss_kib: Option<u64>,
    /// Largest VmHWM seen right after a cold first request.
    pub cold_rss_kib: u64,
    pub zip_bytes: Option<u64>,
}

/// The run's parameters, for the JSON.
pub trait RunArgs {
    fn cold(&self) -> usize;
    fn warm(&self) -> usize;
}

/// One function's figures, in milliseconds, KiB and bytes.
#[derive(Debug, Clone, Copy, Default)]
pub struct Row {
    pub cold_ms: f64,
    pub warm_p50_ms: f64,
    pub warm_p99_ms: f64,
    pub rss_kib: u64,
    pub zip_bytes: u64,
}

/// The `p`th percentile (nearest rank) of `samples`.
pub fn percentile(samples: &mut [Duration], p: f64) -> Duration {
    if samples.is_empty() {
        return Duration::ZERO;
    }
    samples.sort();
    let rank = ((p / 100.0) * samples.len() as f64).ceil() as usize;
    samples[rank.clamp(1, samples.len()) - 1]
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// The whole result.
pub struct Report {
    pub rows: BTreeMap<String, Row>,
    pub split: BTreeMap<&'static str, Duration>,
}

/// A ratio with its target (`None`: reported only).
struct Ratio {
    name: &'static str,
    value: f64,
    target: Option<f64>,
}

impl Report {
    pub fn new(
        measures: BTreeMap<String, Measure>,
        split: BTreeMap<&'static str, Duration>,
    ) -> Self {
        let rows = measures
            .into_iter()
            .map(|(name, mut m)| {
                let row = Row {
                    cold_ms: ms(percentile(&mut m.cold, 50.0)),
                    warm_p50_ms: ms(percentile(&mut m.warm, 50.0)),
                    warm_p99_ms: ms(percentile(&mut m.warm, 99.0)),
                    rss_kib: m.peak_rss_kib.unwrap_or(0).max(m.cold_rss_kib),
                    zip_bytes: m.zip_bytes.unwrap_or(0),
                };
                (name, row)
            })
            .collect();
        Self { rows, split }
    }

    fn row(&self, name: &str) -> Row {
        self.rows.get(name).copied().unwrap_or_default()
    }

    fn ratios(&self) -> Vec<Ratio> {
        let (check, get) = (self.row("check-access"), self.row("ref-get-item"));
        let (generate, tx) = (self.row("generate-qris"), self.row("ref-transact-write"));
        let hello = self.row("ref-hello");
        let r = |name, a: f64, b: f64, target| Ratio {
            name,
            value: if b > 0.0 { a / b } else { f64::NAN },
            target,
        };
        let mut out = vec![
            r(
                "check-access / bare GetItem, warm p50",
                check.warm_p50_ms,
                get.warm_p50_ms,
                Some(1.15),
            ),
            r(
                "check-access / bare GetItem, warm p99",
                check.warm_p99_ms,
                get.warm_p99_ms,
                Some(1.3),
            ),
            r(
                "check-access / bare GetItem, cold",
                check.cold_ms,
                get.cold_ms,
                Some(1.5),
            ),
            r(
                "generate-qris (new session) / bare TransactWriteItems, warm p50",
                generate.warm_p50_ms,
                tx.warm_p50_ms,
                Some(1.2),
            ),
            r(
                "generate-qris (new session) / bare TransactWriteItems, warm p99",
                generate.warm_p99_ms,
                tx.warm_p99_ms,
                None,
            ),
            r(
                "generate-qris cold / bare GetItem cold",
                generate.cold_ms,
                get.cold_ms,
                Some(1.5),
            ),
            r(
                "playback-auth (nginx hook: ES256 verify) / hello-world, warm p50",
                self.row("playback-auth").warm_p50_ms,
                hello.warm_p50_ms,
                Some(1.1),
            ),
            r(
                "bare TransactWriteItems cold / bare GetItem cold",
                tx.cold_ms,
                get.cold_ms,
                None,
            ),
        ];
        for f in upstream_registry::http_names() {
            let name: &'static str =
                Box::leak(format!("{f} cold / hello-world cold").into_boxed_str());
            out.push(r(name, self.row(f).cold_ms, hello.cold_ms, None));
        }
        out
    }

    /// The printed report: the table, the ratios with their targets, the cost split.
    pub fn table(&self) -> String {
        let mut s = String::new();
        let _ = writeln!(
            s,
            "\n{:<20} {:>9} {:>9} {:>9} {:>10} {:>9}",
            "function", "cold ms", "p50 ms", "p99 ms", "peak RSS", "zip"
        );
        let order = upstream_registry::http_names()
            .into_iter()
            .chain(crate::REFERENCES);
        for name in order {
            let r = self.row(name);
            let _ = writeln!(
                s,
                "{:<20} {:>9.2} {:>9.2} {:>9.2} {:>7.1} MB {:>6.2} MB",
                name,
                r.cold_ms,
                r.warm_p50_ms,
                r.warm_p99_ms,
                r.rss_kib as f64 / 1024.0,
                r.zip_bytes as f64 / 1_048_576.0
            );
        }
        let _ = writeln!(
            s,
            "\nratios (same run, same emulator, same DynamoDB Local):"
        );
        for ratio in self.ratios() {
            let verdict = match ratio.target {
                Some(t) if ratio.value <= t => format!("  (target ≤ {t}: ok)"),
                Some(t) => format!("  (target ≤ {t}: MISSED)"),
                None => String::new(),
            };
            let _ = writeln!(s, "  {:<66} {:>6.2}x{verdict}", ratio.name, ratio.value);
        }
        for (name, r) in &self.rows {
            let rss_mb = r.rss_kib as f64 / 1024.0;
            let zip_mb = r.zip_bytes as f64 / 1_048_576.0;
            if rss_mb > 32.0 || zip_mb > 4.0 {
                let _ = writeln!(
                    s,
                    "  {name}: peak RSS {rss_mb:.1} MB (target ≤ 32), zip {zip_mb:.2} MB (target ≤ 4): MISSED"
                );
            }
        }
        let (generate, tx) = (self.row("generate-qris"), self.row("ref-transact-write"));
        let convert = ms(self.split["qris_conversion"]);
        let render = ms(self.split["png_data_url"]);
        let _ = writeln!(
            s,
            "\ngenerate-qris cost split (warm p50 {:.2} ms): DynamoDB floor (bare TransactWriteItems p50) {:.2} ms; \
             QRIS conversion {:.3} ms + PNG data URL {:.3} ms (in-process medians); rest (catalog cache, \
             session, JSON, logging, runtime) {:.2} ms",
            generate.warm_p50_ms,
            tx.warm_p50_ms,
            convert,
            render,
            generate.warm_p50_ms - tx.warm_p50_ms - convert - render
        );
        s
    }

    pub fn json(&self, args: &dyn RunArgs) -> Value {
        let rows: serde_json::Map<String, Value> = self
            .rows
            .iter()
            .map(|(n, r)| {
                (
                    n.clone(),
                    json!({
                        "cold_ms_median": r.cold_ms,
                        "warm_p50_ms": r.warm_p50_ms,
                        "warm_p99_ms": r.warm_p99_ms,
                        "peak_rss_kib": r.rss_kib,
                        "zip_bytes": r.zip_bytes,
                    }),
                )
            })
            .collect();
        let ratios: serde_json::Map<String, Value> = self
            .ratios()
            .into_iter()
            .map(|r| {
                (
                    r.name.to_owned(),
                    json!({"value": r.value, "target": r.target, "ok": r.target.map(|t| r.value <= t)}),
                )
            })
            .collect();
        json!({
            "machine": machine(),
            "profile": std::env::var("BENCH_PROFILE_NOTE").unwrap_or_default(),
            "cold_starts": args.cold(),
            "warm_invocations": args.warm(),
            "functions": rows,
            "ratios": ratios,
            "generate_qris_cpu_ms": {
                "qris_conversion": ms(self.split["qris_conversion"]),
                "png_data_url": ms(self.split["png_data_url"]),
            },
        })
    }
}

/// CPU model, cores and kernel.
pub fn machine() -> Value {
    let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let model = cpuinfo
        .lines()
        .find_map(|l| l.strip_prefix("model name"))
        .map(|l| l.trim_start_matches([' ', '\t', ':']).to_owned())
        .unwrap_or_default();
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    let kernel = std::fs::read_to_string("/proc/sys/kernel/osrelease").unwrap_or_default();
    json!({"cpu": model, "cores": cores, "kernel": kernel.trim()})
}
