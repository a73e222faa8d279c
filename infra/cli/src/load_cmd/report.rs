//! The rush's requests by route: counts, latency percentiles, error classes.

use std::collections::BTreeMap;
use std::fmt::Write;
use std::time::Duration;

/// One request: its route, status (0: no answer) and time taken.
pub struct Sample {
    route: &'static str,
    status: u16,
    took: Duration,
}

impl Sample {
    pub fn new(route: &'static str, status: u16, took: Duration) -> Self {
        Self {
            route,
            status,
            took,
        }
    }
}

/// Every request of the rush, by route.
#[derive(Default)]
pub struct Samples {
    by_route: BTreeMap<&'static str, Vec<(u16, Duration)>>,
}

impl Samples {
    pub fn extend(&mut self, samples: Vec<Sample>) {
        for s in samples {
            self.by_route
                .entry(s.route)
                .or_default()
                .push((s.status, s.took));
        }
    }

    /// How many requests were made.
    pub fn count(&self) -> usize {
        self.by_route.values().map(Vec::len).sum()
    }

    /// Requests that failed on the server's side or got no answer (5xx, timeouts, resets).
    pub fn failures(&self) -> usize {
        self.by_route
            .values()
            .flatten()
            .filter(|(status, _)| *status == 0 || *status >= 500)
            .count()
    }

    /// A table: per route, count, p50, p99 and max in ms, then 4xx, 5xx and unanswered counts.
    pub fn table(&self) -> String {
        let mut out = format!(
            "{:<38} {:>6} {:>8} {:>8} {:>8} {:>5} {:>5} {:>6}\n",
            "route", "count", "p50 ms", "p99 ms", "max ms", "4xx", "5xx", "no ans"
        );
        for (route, samples) in &self.by_route {
            let mut took: Vec<Duration> = samples.iter().map(|(_, t)| *t).collect();
            took.sort_unstable();
            let class = |f: fn(u16) -> bool| samples.iter().filter(|(s, _)| f(*s)).count();
            let _ = writeln!(
                out,
                "{:<38} {:>6} {:>8.1} {:>8.1} {:>8.1} {:>5} {:>5} {:>6}",
                route,
                samples.len(),
                ms(percentile(&took, 50)),
                ms(percentile(&took, 99)),
                ms(took.last().copied().unwrap_or_default()),
                class(|s| (400..500).contains(&s)),
                class(|s| s >= 500),
                class(|s| s == 0),
            );
        }
        out
    }
}

/// The nearest-rank `p`th percentile of sorted durations (zero when empty).
fn percentile(sorted: &[Duration], p: usize) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let rank = (p * sorted.len()).div_ceil(100).clamp(1, sorted.len());
    sorted[rank - 1]
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1_000.0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearest_rank_percentiles() {
        let sorted: Vec<Duration> = (1..=100).map(Duration::from_millis).collect();
        assert_eq!(percentile(&sorted, 50), Duration::from_millis(50));
        assert_eq!(percentile(&sorted, 99), Duration::from_millis(99));
        assert_eq!(percentile(&sorted[..1], 99), Duration::from_millis(1));
        assert_eq!(percentile(&[], 50), Duration::ZERO);
    }

    #[test]
    fn failures_are_5xx_and_unanswered() {
        let mut s = Samples::default();
        s.extend(vec![
            Sample::new("a", 200, Duration::ZERO),
            Sample::new("a", 404, Duration::ZERO),
            Sample::new("b", 503, Duration::ZERO),
            Sample::new("b", 0, Duration::ZERO),
        ]);
        assert_eq!((s.count(), s.failures()), (4, 2));
        assert!(s.table().lines().count() == 3, "{}", s.table());
    }
}
