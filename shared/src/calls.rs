//! Counts the DynamoDB requests a handler makes, and which operations, and its payment gateway calls:
//! the store's SDK interceptor and the gateway client add to a task-local record the edge reads.

use std::future::Future;
use std::sync::{Arc, Mutex};

use aws_sdk_dynamodb::config::interceptors::BeforeTransmitInterceptorContextRef;
use aws_sdk_dynamodb::config::{ConfigBag, Intercept, RuntimeComponents};
use aws_smithy_runtime_api::box_error::BoxError;
use aws_smithy_runtime_api::client::orchestrator::Metadata;

tokio::task_local! {
    static CALLS: Arc<Mutex<Vec<String>>>;
}

/// The interceptor: every request sent to DynamoDB (each retry attempt included) is recorded, by
/// operation name (`GetItem`, `TransactWriteItems`, …), in the task it runs in, if that task records.
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
        cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        let operation = cfg
            .load::<Metadata>()
            .map_or("unknown", |m| m.name())
            .to_owned();
        let _ = CALLS.try_with(|calls| {
            calls
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .push(operation)
        });
        Ok(())
    }
}

/// Prefix of a payment gateway call in the record (DynamoDB operations have none).
pub const PROVIDER_PREFIX: &str = "provider:";

/// Records a call to the payment gateway (`what`: `charge`, `status`, …) in the current task, if it
/// records: budgets count DynamoDB and gateway calls separately.
pub fn note_provider_call(what: &str) {
    let _ = CALLS.try_with(|calls| {
        calls
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(format!("{PROVIDER_PREFIX}{what}"))
    });
}

/// Runs `fut` and returns its output with the DynamoDB operations (and gateway calls, prefixed
/// `provider:`) it sent, in order. A record around this one gets them too.
pub async fn count_calls<F: Future>(fut: F) -> (F::Output, Vec<String>) {
    let record = Arc::new(Mutex::new(Vec::new()));
    let out = CALLS.scope(record.clone(), fut).await;
    let calls = std::mem::take(&mut *record.lock().unwrap_or_else(|e| e.into_inner()));
    let _ = CALLS.try_with(|outer| {
        outer
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .extend(calls.iter().cloned())
    });
    (out, calls)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_nested_record_also_reaches_the_one_around_it() {
        let ((_, inner), outer) = count_calls(async {
            note_provider_call("before");
            count_calls(async { note_provider_call("inside") }).await
        })
        .await;
        assert_eq!(inner, ["provider:inside"]);
        assert_eq!(outer, ["provider:before", "provider:inside"]);
        // Outside any record nothing is kept.
        note_provider_call("nowhere");
    }
}
