//! The local stack's EventBridge: each scheduled function of the registry run on its `rate(…)`
//! expression, over the stack's states, as its schedule would invoke it deployed.

use std::sync::Arc;
use std::time::Duration;

use upstream_registry::{Function, Stack};
use upstream_session::edge::event;

/// Starts every scheduled function's runs over the stack `owner` holds; prints what runs when.
pub fn start<T>(owner: &Arc<T>)
where
    T: AsRef<Stack> + Send + Sync + 'static,
{
    for function in upstream_registry::scheduled() {
        tokio::spawn(run_on_schedule(owner.clone(), function));
        println!(
            "  {} runs {} (as its EventBridge schedule would)",
            function.spec.name,
            function.schedule().unwrap_or_default()
        );
    }
}

/// Runs a scheduled function every period of its `rate(N minute[s])` expression, logging failures.
async fn run_on_schedule<T: AsRef<Stack>>(owner: Arc<T>, function: &'static Function) {
    let Some(minutes) = function.schedule().and_then(rate_minutes) else {
        eprintln!("{}: schedule not understood here", function.spec.name);
        return;
    };
    let rule = format!(
        "arn:aws:events:ap-southeast-3:000000000000:rule/upstream-local-{}",
        function.spec.name
    );
    let mut every = tokio::time::interval(Duration::from_secs(minutes * 60));
    every.tick().await;
    loop {
        every.tick().await;
        let event = event::scheduled_event(chrono::Utc::now(), &rule);
        let Some(run) = function.run((*owner).as_ref(), event) else {
            return;
        };
        if let Err(err) = run.await {
            eprintln!("{}: {err}", function.spec.name);
        }
    }
}

/// `rate(N minute)` / `rate(N minutes)` → N.
fn rate_minutes(expression: &str) -> Option<u64> {
    let inner = expression.strip_prefix("rate(")?.strip_suffix(')')?;
    let (n, unit) = inner.split_once(' ')?;
    matches!(unit, "minute" | "minutes")
        .then(|| n.parse().ok())
        .flatten()
        .filter(|n| *n > 0)
}

#[cfg(test)]
mod tests {
    #[test]
    fn rate_expressions_in_minutes() {
        assert_eq!(super::rate_minutes("rate(1 minute)"), Some(1));
        assert_eq!(super::rate_minutes("rate(5 minutes)"), Some(5));
        assert_eq!(super::rate_minutes("rate(0 minutes)"), None);
        assert_eq!(super::rate_minutes("cron(* * * * ? *)"), None);
        assert_eq!(super::rate_minutes("rate(1 hour)"), None);
    }
}
