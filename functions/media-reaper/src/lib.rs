//! The media reaper, invoked by an EventBridge schedule each minute: ends the connections SRS and
//! MediaMTX admitted once (at connect) whose access has ended, through the servers' own APIs. No
//! HTTP route. DynamoDB per run: 2 × `KICK_SHARDS` (8) Queries on `byKick`, then one BatchWriteItem
//! per 25 connections ended, then one Query on `byRefund` (Limit 1): the age of the oldest open refund,
//! emitted as the EMF metric `OldestOpenRefundHours` each minute (the template alarms above 24 h).

use std::time::Instant;

use aws_lambda_events::event::cloudwatch_events::CloudWatchEvent;
use serde::Serialize;
use upstream_session::calls::count_calls;
use upstream_session::edge::Init;
use upstream_session::media::{MediaApis, Reaper, Report};
use upstream_session::metrics;
use upstream_session::{ConfigError, FunctionSpec, SharedClock, Store, StoreError, secrets};

/// This function, declared once: the local stack, the tests and the template test read it.
pub const SPEC: FunctionSpec = FunctionSpec {
    name: "media-reaper",
    resource: "MediaReaperFunction",
    routes: &[],
    secrets: &[secrets::SRS_API, secrets::MEDIAMTX_API],
};

/// Its EventBridge schedule (the template's `Schedule` event): a connection ends at most a minute
/// after its access.
pub const SCHEDULE: &str = "rate(1 minute)";

/// EventBridge's `Scheduled Event` (its `detail` is `{}`; only the invocation matters).
pub type ScheduledEvent = CloudWatchEvent;

/// Built once per container.
pub struct State {
    /// Ends connections through the media servers' APIs.
    pub reaper: Reaper,
    /// Where the oldest open refund is read.
    pub store: Store,
    /// The time the refund's age is measured at.
    pub clock: SharedClock,
}

impl State {
    /// The deployed init: the process environment and Secrets Manager (see [`State::init`]).
    pub async fn from_env() -> Result<Self, ConfigError> {
        Self::init(&Init::from_env().await).await
    }

    /// From `init`: `TABLE_NAME` (and the policy variables), `SRS_API_URL`, `SRS_API_USER`,
    /// `MEDIAMTX_API_URL`, `MEDIAMTX_API_USER`; the APIs' passwords from Secrets Manager.
    pub async fn init(init: &Init) -> Result<Self, ConfigError> {
        let manager = init.manager()?;
        let settings = init.settings(SPEC.secrets).await?;
        let apis = MediaApis::from_lookup(|name| settings.get(name))?;
        Ok(Self {
            reaper: Reaper::new(manager.store().clone(), apis, manager.clock()),
            store: manager.store().clone(),
            clock: manager.clock(),
        })
    }
}

/// The answer of one run: what it did, and the DynamoDB requests it sent.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Run {
    /// What became of the due connections.
    #[serde(flatten)]
    pub report: Report,
    /// Hours the oldest open refund has waited (0 when none is open): the metric this run emitted.
    pub oldest_open_refund_hours: f64,
    /// DynamoDB requests sent (each retry included).
    pub dynamodb_calls: usize,
}

/// One scheduled run; a DynamoDB failure fails the invocation (EventBridge retries it, and the next
/// minute's run finds the same connections and reads the refunds again).
pub async fn handler(state: &State, event: ScheduledEvent) -> Result<Run, StoreError> {
    let started = Instant::now();
    let (result, calls) = count_calls(run(state)).await;
    let latency_ms = started.elapsed().as_secs_f64() * 1000.0;
    let scheduled = event.time.to_rfc3339();
    match result {
        Ok((report, oldest_open_refund_hours)) => {
            tracing::info!(
                route = SPEC.name,
                %scheduled,
                due = report.due,
                kicked = report.kicked,
                gone = report.gone,
                not_connections = report.not_connections,
                failed = report.failed,
                oldest_open_refund_hours,
                dynamodb_calls = calls.len(),
                latency_ms,
                "run"
            );
            Ok(Run {
                report,
                oldest_open_refund_hours,
                dynamodb_calls: calls.len(),
            })
        }
        Err(err) => {
            tracing::error!(route = SPEC.name, %scheduled, error = %err, dynamodb_calls = calls.len(), latency_ms, "run failed");
            Err(err)
        }
    }
}

/// Ends the due connections, then reads the oldest open refund and emits its age.
async fn run(state: &State) -> Result<(Report, f64), StoreError> {
    let report = state.reaper.reap().await?;
    let oldest = state.store.oldest_open_refund().await?;
    let now = state.clock.now();
    let age = metrics::oldest_open_refund(oldest, now);
    metrics::emit(SPEC.name, &[age], now);
    Ok((report, age.value))
}
