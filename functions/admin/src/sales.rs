//! The operator's sales at a glance (the page's *Penjualan* section and `upstream stats`):
//! `GET /admin/stats`, and the chart library the page draws with (uPlot, vendored with its licence).

use chrono::TimeDelta;
use lambda_http::{Body, Request, Response};
use upstream_session::edge::{self, ApiError, ApiResult};
use upstream_session::stats::{self, Conversion, Granularity};

use crate::State;
use crate::ledger::instant;

/// uPlot 1.6.32 (MIT, `assets/vendor/uPlot.LICENSE`), unmodified.
const UPLOT_JS: &str = include_str!("../assets/vendor/uPlot.iife.min.js");
/// uPlot's stylesheet, inlined into the page.
pub const UPLOT_CSS: &str = include_str!("../assets/vendor/uPlot.min.css");

/// The most ledger records one answer sums (a longer period is refused: ask for a shorter one).
const MAX_RECORDS: usize = 200_000;

/// `GET /admin/stats?from=&to=&granularity=hour|day`: the ledger of the period (default: the last
/// 48 hours by hour, the last 30 days by day) summed per WIB hour or day and per stream, with the
/// conversion from QR opened to paid over the sessions still stored. `from`/`to` are WIB days or
/// RFC 3339 instants, as for `/admin/payments`; at most 7 days by hour, 31 by day.
pub async fn stats(state: &State, req: &Request) -> ApiResult {
    let granularity = match edge::query(req, "granularity").filter(|s| !s.is_empty()) {
        None => Granularity::Hour,
        Some(raw) => Granularity::parse(&raw).ok_or_else(|| ApiError::invalid("granularity"))?,
    };
    let now = state.manager.now();
    let to = match edge::query(req, "to").filter(|s| !s.is_empty()) {
        None => now,
        Some(raw) => instant(&raw, true).ok_or_else(|| ApiError::invalid("to"))?,
    };
    let from = match edge::query(req, "from").filter(|s| !s.is_empty()) {
        None => {
            let back = match granularity {
                Granularity::Hour => TimeDelta::hours(48),
                Granularity::Day => TimeDelta::days(30),
            };
            granularity.bucket_start(to - back)
        }
        Some(raw) => instant(&raw, false).ok_or_else(|| ApiError::invalid("from"))?,
    };
    if to < from {
        return Err(ApiError::invalid("to"));
    }
    if !granularity.allows(from, to) {
        return Err(ApiError::invalid("from"));
    }
    let store = state.manager.store();
    let records = store
        .ledger_between(from, to, MAX_RECORDS)
        .await?
        .ok_or_else(|| ApiError::invalid("from"))?;
    let mut summary = stats::summarize(&records, from, to, granularity);
    // Unpaid sessions are deleted a TTL grace after their QR expires: count only where all remain.
    let policy = state.manager.policy();
    let kept = now - (policy.pending_validity + policy.ttl_grace);
    let since = from.max(kept);
    if since <= to {
        let opened = store.count_opened(since, to).await?;
        summary.conversion = Some(Conversion {
            since,
            opened: opened.opened,
            paid: opened.paid,
        });
    }
    edge::ok_view(&summary)
}

/// `GET /admin/vendor/uPlot.iife.min.js`: the chart library, cached for a day.
pub fn chart_library() -> ApiResult {
    Response::builder()
        .status(200)
        .header("content-type", "text/javascript; charset=utf-8")
        .header("cache-control", "private, max-age=86400")
        .header("x-content-type-options", "nosniff")
        .body(Body::Text(UPLOT_JS.to_owned()))
        .map_err(|_| ApiError::internal())
}
