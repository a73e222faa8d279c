//! Counts the DynamoDB requests a handler makes: an SDK interceptor adds to a task-local counter.

use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};

use aws_sdk_dynamodb::config::interceptors::BeforeTransmitInterceptorContextRef;
use aws_sdk_dynamodb::config::{ConfigBag, Intercept, RuntimeComponents};
use aws_smithy_runtime_api::box_error::BoxError;

tokio::task_local! {
    static CALLS: Arc<AtomicU32>;
}

/// The interceptor: every request sent to DynamoDB (each retry attempt included) adds one to the
/// counter of the task it runs in, if that task is counting.
#[derive(Debug, Clone, Copy, Default)]
pub struct CallCounter;

impl Intercept for CallCounter {
    fn name(&self) -> &'static str {
        "UpstreamCallCounter"
    }

    fn read_before_transmit(
        &self,
        _context: &BeforeTransmitInterceptorContextRef<'_>,
        _components: &RuntimeComponents,
        _cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        let _ = CALLS.try_with(|c| c.fetch_add(1, Ordering::Relaxed));
        Ok(())
    }
}

/// Runs `fut` and returns its output with the number of DynamoDB requests it made.
pub async fn count_calls<F: Future>(fut: F) -> (F::Output, u32) {
    let counter = Arc::new(AtomicU32::new(0));
    let out = CALLS.scope(counter.clone(), fut).await;
    (out, counter.load(Ordering::Relaxed))
}
