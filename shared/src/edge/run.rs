//! The Lambda entry point every function shares: configuration once, then the thin handler.

use std::future::Future;

use lambda_http::{Body, Request, Response, service_fn};

use super::init_logging;
use crate::config::ConfigError;

/// Initialises JSON logging, builds the state once (a bad configuration refuses the start with one
/// clear log line and an init error reported to the Runtime API), then serves requests with `handler` until the runtime stops.
pub async fn run_lambda<S, B, H, F>(build: B, handler: H) -> Result<(), lambda_http::Error>
where
    S: Send + Sync + 'static,
    B: Future<Output = Result<S, ConfigError>>,
    H: Fn(&'static S, Request) -> F + Copy + Send + Sync + 'static,
    F: Future<Output = Response<Body>> + Send,
{
    init_logging();
    let state = match build.await {
        Ok(state) => state,
        Err(err) => {
            tracing::error!(error = %err, "configuration is invalid; refusing to start");
            super::report_init_error(&err.to_string());
            return Err(err.into());
        }
    };
    // Lives as long as the container.
    let state: &'static S = Box::leak(Box::new(state));
    lambda_http::run(service_fn(move |req| async move {
        Ok::<_, std::convert::Infallible>(handler(state, req).await)
    }))
    .await
}
