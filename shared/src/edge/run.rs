//! The Lambda entry points the functions share: configuration once, then the thin handler (an HTTP
//! request's, or a scheduled event's).

use std::future::Future;

use lambda_http::lambda_runtime::{Diagnostic, LambdaEvent};
use lambda_http::{Body, Request, Response, service_fn};
use serde::Serialize;
use serde::de::DeserializeOwned;

use super::init_logging;
use crate::config::ConfigError;

/// Initialises JSON logging and builds the state once; a bad configuration refuses the start with
/// one clear log line and an init error reported to the Runtime API. Lives as long as the container.
async fn init<S, B>(build: B) -> Result<&'static S, lambda_http::Error>
where
    S: 'static,
    B: Future<Output = Result<S, ConfigError>>,
{
    init_logging();
    match build.await {
        Ok(state) => Ok(Box::leak(Box::new(state))),
        Err(err) => {
            tracing::error!(error = %err, "configuration is invalid; refusing to start");
            super::report_init_error(&err.to_string());
            Err(err.into())
        }
    }
}

/// Initialises JSON logging, builds the state once (see [`init`]), then serves requests with
/// `handler` until the runtime stops.
pub async fn run_lambda<S, B, H, F>(build: B, handler: H) -> Result<(), lambda_http::Error>
where
    S: Send + Sync + 'static,
    B: Future<Output = Result<S, ConfigError>>,
    H: Fn(&'static S, Request) -> F + Copy + Send + Sync + 'static,
    F: Future<Output = Response<Body>> + Send,
{
    let state = init(build).await?;
    lambda_http::run(service_fn(move |req| async move {
        Ok::<_, std::convert::Infallible>(handler(state, req).await)
    }))
    .await
}

/// [`run_lambda`] for a function an event source invokes (an EventBridge schedule): each event is
/// handed to `handler`, whose result is the invocation's answer and whose error fails it (error
/// type [`RUN_ERROR_TYPE`], message the error's text).
pub async fn run_events<S, B, E, H, F, R, X>(build: B, handler: H) -> Result<(), lambda_http::Error>
where
    S: Send + Sync + 'static,
    B: Future<Output = Result<S, ConfigError>>,
    E: DeserializeOwned + Send + 'static,
    H: Fn(&'static S, E) -> F + Copy + Send + Sync + 'static,
    F: Future<Output = Result<R, X>> + Send,
    R: Serialize,
    X: std::fmt::Display,
{
    let state = init(build).await?;
    lambda_http::lambda_runtime::run(service_fn(move |event: LambdaEvent<E>| async move {
        // Boxed: the runtime's service layers around a deep handler future pass rustc's layout depth.
        Box::pin(handler(state, event.payload))
            .await
            .map_err(|err| Diagnostic {
                error_type: RUN_ERROR_TYPE.to_owned(),
                error_message: err.to_string(),
            })
    }))
    .await
}

/// The `errorType` of a scheduled run that failed (it is retried by its event source).
pub const RUN_ERROR_TYPE: &str = "Upstream.RunFailed";
