//! CORS for the browser frontend: allowed origins from configuration.

use lambda_http::http::{HeaderValue, Method, header};
use lambda_http::{Body, Request, Response};

/// Allowed origins (`ALLOWED_ORIGINS`, comma-separated; `*` allows any).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Cors {
    origins: Vec<String>,
}

impl Cors {
    /// From a comma-separated list.
    pub fn new(list: &str) -> Self {
        Self {
            origins: list
                .split(',')
                .map(|o| o.trim().trim_end_matches('/').to_owned())
                .filter(|o| !o.is_empty())
                .collect(),
        }
    }

    /// From `ALLOWED_ORIGINS` (none allowed when unset).
    pub fn from_env() -> Self {
        Self::new(&std::env::var("ALLOWED_ORIGINS").unwrap_or_default())
    }

    fn allowed(&self, origin: &str) -> bool {
        self.origins.iter().any(|o| o == "*" || o == origin)
    }

    /// Whether `req` is a CORS preflight.
    pub fn is_preflight(req: &Request) -> bool {
        req.method() == Method::OPTIONS
    }

    /// The answer to a preflight: 204 with the allowed methods and headers when the origin is allowed.
    pub fn preflight(&self, req: &Request) -> Response<Body> {
        let mut resp = Response::builder()
            .status(204)
            .body(Body::Empty)
            .expect("static response");
        self.decorate(Self::origin(req).as_deref(), &mut resp);
        if resp
            .headers()
            .contains_key(header::ACCESS_CONTROL_ALLOW_ORIGIN)
        {
            let h = resp.headers_mut();
            h.insert(
                header::ACCESS_CONTROL_ALLOW_METHODS,
                HeaderValue::from_static("GET, POST, PUT, OPTIONS"),
            );
            h.insert(
                header::ACCESS_CONTROL_ALLOW_HEADERS,
                HeaderValue::from_static("content-type, idempotency-key, x-upstream-signature"),
            );
            h.insert(
                header::ACCESS_CONTROL_MAX_AGE,
                HeaderValue::from_static("600"),
            );
        }
        resp
    }

    /// The request's `Origin` header, if any.
    pub fn origin(req: &Request) -> Option<String> {
        req.headers()
            .get(header::ORIGIN)
            .and_then(|o| o.to_str().ok())
            .map(str::to_owned)
    }

    /// Adds `Access-Control-Allow-Origin` for an allowed `Origin`.
    pub fn decorate(&self, origin: Option<&str>, resp: &mut Response<Body>) {
        if let Some(origin) = origin
            && self.allowed(origin)
            && let Ok(value) = HeaderValue::from_str(origin)
        {
            let h = resp.headers_mut();
            h.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, value);
            h.append(header::VARY, HeaderValue::from_static("Origin"));
        }
    }
}
