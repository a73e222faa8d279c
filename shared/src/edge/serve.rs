//! The frame around every handler: preflight, errors to responses, CORS, one JSON log line.

use std::future::Future;
use std::time::Instant;

use lambda_http::{Body, Request, RequestExt, Response};

use super::{ApiError, Cors};
use crate::calls::{Capacity, PROVIDER_PREFIX, count_usage};

/// Structured JSON logs to stdout, level from `LOG_LEVEL` / `RUST_LOG` (default `info`).
pub fn init_logging() {
    let filter = std::env::var("RUST_LOG")
        .or_else(|_| std::env::var("LOG_LEVEL"))
        .unwrap_or_else(|_| "info".into())
        .to_lowercase();
    let _ = tracing_subscriber::fmt()
        .json()
        .with_env_filter(tracing_subscriber::EnvFilter::new(filter))
        .with_current_span(false)
        .with_span_list(false)
        .with_target(false)
        .without_time()
        .try_init();
}

/// The DynamoDB operations sent while handling a request (in order), attached to its response.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DynamoCalls(pub Vec<String>);

/// The DynamoDB capacity units consumed while handling a request (table and each index), attached to
/// its response.
#[derive(Debug, Clone, PartialEq)]
pub struct DynamoCapacity(pub Capacity);

/// The payment gateway calls made while handling a request (each attempt), attached to its response.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProviderCalls(pub Vec<String>);

/// Runs `handle` for `req` on `route`: answers CORS preflights, turns errors into the envelope, adds
/// CORS headers and logs `request_id, route, method, status, code, latency_ms, dynamodb_calls`,
/// `provider_calls`, `read_units`, `write_units`.
pub async fn serve<F, Fut>(
    route: &'static str,
    cors: &Cors,
    req: Request,
    handle: F,
) -> Response<Body>
where
    F: FnOnce(Request) -> Fut,
    Fut: Future<Output = Result<Response<Body>, ApiError>>,
{
    if Cors::is_preflight(&req) {
        return cors.preflight(&req);
    }
    let started = Instant::now();
    let request_id = req
        .request_context_ref()
        .map(request_id)
        .unwrap_or_default();
    let method = req.method().to_string();
    let origin = Cors::origin(&req);
    let (result, calls, capacity) = count_usage(handle(req)).await;
    let (mut resp, code) = match result {
        Ok(resp) => (resp, "OK"),
        Err(err) => {
            let code = err.code;
            (err.into_response(), code)
        }
    };
    cors.decorate(origin.as_deref(), &mut resp);
    let (provider, calls): (Vec<String>, Vec<String>) = calls
        .into_iter()
        .partition(|c| c.starts_with(PROVIDER_PREFIX));
    let calls_made = calls.len();
    let units = capacity.total();
    tracing::info!(
        request_id = %request_id,
        route,
        method = %method,
        status = resp.status().as_u16(),
        code,
        latency_ms = started.elapsed().as_secs_f64() * 1000.0,
        dynamodb_calls = calls_made,
        provider_calls = provider.len(),
        read_units = units.read,
        write_units = units.write,
        "request"
    );
    resp.extensions_mut().insert(DynamoCalls(calls));
    resp.extensions_mut().insert(DynamoCapacity(capacity));
    resp.extensions_mut().insert(ProviderCalls(
        provider
            .into_iter()
            .map(|c| c[PROVIDER_PREFIX.len()..].to_owned())
            .collect(),
    ));
    resp
}

fn request_id(ctx: &lambda_http::request::RequestContext) -> String {
    match ctx {
        lambda_http::request::RequestContext::ApiGatewayV2(c) => {
            c.request_id.clone().unwrap_or_default()
        }
        #[allow(unreachable_patterns)]
        _ => String::new(),
    }
}
