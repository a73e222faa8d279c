//! The local stack's API Gateway: a request reaches a function only through a route of the
//! template's HTTP API; preflights and unrouted paths are answered by the gateway itself, and the CORS
//! headers of every answer are the template's (`upstream_local::http_api`).

use std::collections::BTreeMap;
use std::sync::Arc;

use http_body_util::Full;
use hyper::body::Bytes;
use serde_json::Value;
use upstream_local::http_api::{Front, HttpApi, NOT_FOUND_BODY};
use upstream_local::jwt_authorizer::JwtAuthorizer;
use upstream_registry::{Function, Stack};
use upstream_session::edge::event;

use crate::server;
use crate::target::Reply;

/// Checks that every route of `api` names a function of the registry.
pub fn check_functions(api: &HttpApi) -> Result<(), String> {
    match api
        .routes
        .iter()
        .find(|r| upstream_registry::named(&r.function).is_none())
    {
        Some(r) => Err(format!(
            "route {} of the template runs {} (Binary: {}), which is not a function of this build",
            r.key(),
            r.resource,
            r.function
        )),
        None => Ok(()),
    }
}

/// The emulated JWT authorizers of `api`, by name (their keys are fetched on the first token).
pub fn authorizers(api: &HttpApi) -> BTreeMap<String, Arc<JwtAuthorizer>> {
    api.authorizers
        .iter()
        .map(|(name, config)| (name.clone(), Arc::new(JwtAuthorizer::new(config.clone()))))
        .collect()
}

/// Answers `req` as API Gateway would in front of the functions of `stack`: a route behind a JWT
/// authorizer runs its function only with a valid token (API Gateway's own 401 otherwise), and the
/// function receives the token's claims in `requestContext.authorizer.jwt`.
pub async fn handle(
    api: &HttpApi,
    authorizers: &BTreeMap<String, Arc<JwtAuthorizer>>,
    stack: &Stack,
    req: server::Simple,
) -> hyper::Response<Full<Bytes>> {
    let header = |name: &str| req.headers().get(name).and_then(|v| v.to_str().ok());
    let origin = header("origin").map(str::to_owned);
    let (status, headers, body) = match api.front(req.method().as_str(), req.uri().path(), header) {
        Front::Preflight(headers) => {
            let headers = headers
                .into_iter()
                .map(|(k, v)| (k.to_owned(), v))
                .collect();
            return respond(204, headers, Vec::new());
        }
        Front::NotFound => (
            404,
            vec![("content-type".to_owned(), "application/json".to_owned())],
            NOT_FOUND_BODY.as_bytes().to_vec(),
        ),
        Front::Function(route) => match upstream_registry::named(&route.function) {
            Some(function) => match route.authorizer.as_ref().map(|n| authorizers.get(n)) {
                None => invoke(function, stack, req, None).await,
                Some(None) => gateway_error(),
                Some(Some(authorizer)) => {
                    let authorizer = Arc::clone(authorizer);
                    let token = header("authorization").map(str::to_owned);
                    let decided = tokio::task::spawn_blocking(move || {
                        authorizer.authorize(token.as_deref(), &[])
                    })
                    .await;
                    match decided {
                        Ok(Ok(claims)) => {
                            invoke(function, stack, req, Some(claims.authorizer_json())).await
                        }
                        Ok(Err(rejection)) => {
                            eprintln!(
                                "  {} {}: {} ({})",
                                req.method(),
                                req.uri().path(),
                                rejection.status(),
                                rejection.reason()
                            );
                            (
                                rejection.status(),
                                rejection
                                    .headers()
                                    .into_iter()
                                    .map(|(k, v)| (k.to_owned(), v))
                                    .collect(),
                                rejection.body().as_bytes().to_vec(),
                            )
                        }
                        Err(_) => gateway_error(),
                    }
                }
            },
            None => gateway_error(),
        },
    };
    respond(
        status,
        api.response_headers(origin.as_deref(), headers),
        body,
    )
}

/// API Gateway's own 500 (an integration it cannot run).
fn gateway_error() -> Reply {
    (
        500,
        vec![("content-type".to_owned(), "application/json".to_owned())],
        br#"{"message":"Internal Server Error"}"#.to_vec(),
    )
}

/// Runs `function` on `req` as its payload 2.0 event (with `requestContext.authorizer` when an
/// authorizer let it through): status, headers and body of its answer.
pub async fn invoke(
    function: &Function,
    stack: &Stack,
    req: server::Simple,
    authorizer: Option<Value>,
) -> Reply {
    let path = req.uri().path().to_owned();
    let query = req.uri().query().unwrap_or_default().to_owned();
    let headers: Vec<(String, String)> = req
        .headers()
        .iter()
        .map(|(k, v)| {
            (
                k.to_string(),
                String::from_utf8_lossy(v.as_bytes()).into_owned(),
            )
        })
        .collect();
    let method = req.method().to_string();
    let body = req.into_body();
    let body = (!body.is_empty()).then(|| String::from_utf8_lossy(&body).into_owned());
    let mut ev = event::http_v2_event(&method, &path, &query, &headers, body.as_deref());
    if let Some(authorizer) = authorizer {
        ev["requestContext"]["authorizer"] = authorizer;
    }
    let request = match event::request_from_event(&ev) {
        Ok(r) => r,
        Err(e) => {
            return (
                400,
                vec![("content-type".into(), "text/plain; charset=utf-8".into())],
                e.into_bytes(),
            );
        }
    };
    let Some(answer) = function.handle(stack, request) else {
        return (
            404,
            vec![("content-type".into(), "text/plain; charset=utf-8".into())],
            b"not an HTTP function".to_vec(),
        );
    };
    let (parts, body) = answer.await.into_parts();
    let headers = parts
        .headers
        .iter()
        .map(|(k, v)| {
            (
                k.as_str().to_owned(),
                String::from_utf8_lossy(v.as_bytes()).into_owned(),
            )
        })
        .collect();
    (parts.status.as_u16(), headers, body.as_ref().to_vec())
}

/// A response from its parts.
pub fn respond(
    status: u16,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
) -> hyper::Response<Full<Bytes>> {
    let mut out = hyper::Response::builder().status(status);
    for (k, v) in &headers {
        out = out.header(k.as_str(), v.as_str());
    }
    out.body(Full::new(Bytes::from(body)))
        .unwrap_or_else(|_| server::text(500, "text/plain", b"bad response".to_vec()))
}
