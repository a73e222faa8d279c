//! `upstream load`: a ticket rush on a running stack, over HTTP, bounded in time. N simulated viewers
//! arrive over a window; each loads the catalog, opens a QR, polls its status as the viewer page
//! does (every 3 s), is paid through the signed generic webhook a few seconds later, then checks its
//! access. Prints throughput and p50/p99 per route, counts errors (any 5xx or transport error fails
//! the run), then checks the ledger through the admin API: every payment recorded once and granted,
//! no refund owed. `infra/load` starts a local stack for it.

use std::time::{Duration, Instant};

use chrono::Utc;

use crate::target::Target;

mod ledger;
mod report;
mod viewer;

use report::Samples;
use viewer::{Journey, Plan};

/// `upstream load --api URL --viewers N --window S`.
#[derive(clap::Args)]
pub struct LoadArgs {
    /// The API base URL (`upstream dev`'s, e.g. http://127.0.0.1:3001; its admin routes are checked
    /// afterwards, so a deployed API Gateway URL is not a target).
    #[arg(long)]
    pub api: String,
    /// Simulated viewers.
    #[arg(long, default_value_t = 500, value_parser = clap::value_parser!(u32).range(1..=20_000))]
    pub viewers: u32,
    /// The seconds over which viewers arrive and pay.
    #[arg(long, default_value_t = 60, value_parser = clap::value_parser!(u64).range(1..=3_600))]
    pub window: u64,
    /// How often a viewer polls its QR's status, in milliseconds (the page: 3000).
    #[arg(long, default_value_t = 3_000, value_parser = clap::value_parser!(u64).range(100..=60_000))]
    pub poll_ms: u64,
    /// The generic webhook's secret (default: WEBHOOK_SECRET).
    #[arg(long, env = "WEBHOOK_SECRET", hide_env_values = true)]
    pub secret: String,
}

/// The longest a request may take before it counts as a transport error.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(15);

pub fn run(args: LoadArgs) -> Result<(), String> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| e.to_string())?;
    let base = args.api.trim_end_matches('/').to_owned();
    let started_at = Utc::now();
    let (samples, journeys, elapsed) = runtime.block_on(rush(&base, &args))?;
    println!(
        "{} viewers over {} s: {} requests in {:.1} s ({:.0} requests/s)",
        args.viewers,
        args.window,
        samples.count(),
        elapsed.as_secs_f64(),
        samples.count() as f64 / elapsed.as_secs_f64().max(0.001)
    );
    print!("{}", samples.table());
    let target = Target::Local { base };
    let ledger = ledger::check(&target, started_at, &journeys)?;
    println!("{ledger}");
    let failures = samples.failures();
    let unfinished = journeys.iter().filter(|j| !j.watched()).count();
    if failures > 0 || unfinished > 0 || !ledger.consistent() {
        return Err(format!(
            "the rush failed: {failures} failed requests (5xx or transport), {unfinished} viewers without access, ledger {}",
            if ledger.consistent() {
                "consistent"
            } else {
                "INCONSISTENT"
            }
        ));
    }
    Ok(())
}

/// Runs every viewer; their samples, journeys and the wall time.
async fn rush(base: &str, args: &LoadArgs) -> Result<(Samples, Vec<Journey>, Duration), String> {
    let http = reqwest::Client::builder()
        .timeout(REQUEST_TIMEOUT)
        .pool_max_idle_per_host(256)
        .build()
        .map_err(|e| e.to_string())?;
    let streams = viewer::active_streams(&http, base).await?;
    let run = viewer::run_id();
    let window = Duration::from_secs(args.window);
    let start = Instant::now();
    let mut tasks = tokio::task::JoinSet::new();
    for i in 0..args.viewers {
        let plan = Plan::new(
            i,
            args.viewers,
            window,
            Duration::from_millis(args.poll_ms),
            &run,
            &streams,
        );
        let http = http.clone();
        let base = base.to_owned();
        let secret = args.secret.clone();
        tasks.spawn(async move { viewer::journey(&http, &base, &secret, start, plan).await });
    }
    let mut samples = Samples::default();
    let mut journeys = Vec::new();
    // Bounded: every viewer is done within the window, its payment delay and its polls' timeouts.
    let deadline = window + viewer::MAX_PAY_DELAY + REQUEST_TIMEOUT * 4 + Duration::from_secs(30);
    let all = async {
        while let Some(done) = tasks.join_next().await {
            let (journey, taken) = done.map_err(|e| e.to_string())?;
            samples.extend(taken);
            journeys.push(journey);
        }
        Ok::<_, String>(())
    };
    tokio::time::timeout(deadline, all)
        .await
        .map_err(|_| format!("the rush did not end within {} s", deadline.as_secs()))??;
    Ok((samples, journeys, start.elapsed()))
}
