//! An HTTP API's `CorsConfiguration`, answered as API Gateway answers it: preflights by the gateway
//! itself, and the CORS headers of actual responses set by the gateway, never by the function.
//!
//! Documented by AWS (developer guide, "Configuring CORS for an HTTP API"): a preflight needs
//! `Origin` and `Access-Control-Request-Method`; each setting maps to one response header; the
//! backend's own CORS headers are ignored. Not documented, and chosen here as the strictest reading
//! that a browser treats the same way: a preflight that asks for an origin, method or header outside
//! the configuration is answered 204 without any `access-control-*` header (the browser then blocks
//! the request, as it does with any refusal), and `Access-Control-Allow-Headers` lists the
//! configured headers.

use serde_yaml::Value;

use crate::artifacts::LambdaError;
use crate::template::Resolver;

/// The keys SAM and `AWS::ApiGatewayV2::Api` accept (any other is refused at deploy).
const KEYS: [&str; 6] = [
    "AllowOrigins",
    "AllowMethods",
    "AllowHeaders",
    "ExposeHeaders",
    "MaxAge",
    "AllowCredentials",
];

/// A `CorsConfiguration`, resolved.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CorsConfiguration {
    /// Exact origins (`https://app.example`), `*`, or a scheme wildcard (`https://*`).
    pub allow_origins: Vec<String>,
    /// Methods (`GET`) or `*`.
    pub allow_methods: Vec<String>,
    /// Request header names (case-insensitive) or `*`.
    pub allow_headers: Vec<String>,
    /// Response header names a page may read.
    pub expose_headers: Vec<String>,
    /// Seconds a browser may cache a preflight answer.
    pub max_age: Option<u64>,
    /// `Access-Control-Allow-Credentials: true`.
    pub allow_credentials: bool,
}

impl CorsConfiguration {
    /// Reads a template's `CorsConfiguration` value (`true` allows every origin, as SAM reads it).
    pub(crate) fn parse(v: &Value, resolver: &Resolver<'_>) -> Result<Self, LambdaError> {
        let bad = |m: String| LambdaError::Template(format!("CorsConfiguration: {m}"));
        if v.as_bool() == Some(true) {
            return Ok(Self {
                allow_origins: vec!["*".into()],
                ..Self::default()
            });
        }
        let map = v
            .as_mapping()
            .ok_or_else(|| bad(format!("expected a mapping or true, got {v:?}")))?;
        for key in map.keys() {
            let key = key.as_str().unwrap_or_default();
            if !KEYS.contains(&key) {
                return Err(bad(format!("invalid key {key:?} (allowed: {KEYS:?})")));
            }
        }
        let list = |key: &str| -> Result<Vec<String>, LambdaError> {
            map.get(key)
                .map(|v| resolver.resolve(v))
                .transpose()
                .map(|l| {
                    l.unwrap_or_default()
                        .into_iter()
                        .map(|s| s.trim().to_owned())
                        .filter(|s| !s.is_empty())
                        .collect()
                })
        };
        let max_age = map
            .get("MaxAge")
            .map(|v| resolver.scalar(v))
            .transpose()?
            .map(|s| {
                s.parse::<u64>()
                    .map_err(|_| bad(format!("MaxAge {s:?} is not a number of seconds")))
            })
            .transpose()?;
        let allow_credentials = match map.get("AllowCredentials") {
            None => false,
            Some(v) => match resolver.scalar(v)?.as_str() {
                "true" => true,
                "false" => false,
                other => return Err(bad(format!("AllowCredentials {other:?} is not a boolean"))),
            },
        };
        let config = Self {
            allow_origins: list("AllowOrigins")?,
            allow_methods: list("AllowMethods")?,
            allow_headers: list("AllowHeaders")?,
            expose_headers: list("ExposeHeaders")?,
            max_age,
            allow_credentials,
        };
        if config.allow_credentials
            && (config.allow_origins.is_empty() || config.allow_origins.iter().any(|o| o == "*"))
        {
            // SAM refuses it at transform time, API Gateway at deploy.
            return Err(bad(
                "AllowCredentials can not be true when AllowOrigins is '*' or not set".into(),
            ));
        }
        Ok(config)
    }

    /// Whether a page of `origin` may call the API.
    pub fn allows_origin(&self, origin: &str) -> bool {
        self.allow_origins.iter().any(|allowed| {
            allowed == "*"
                || allowed == origin
                || allowed
                    .strip_suffix('*')
                    .filter(|scheme| scheme.ends_with("://"))
                    .is_some_and(|scheme| origin.len() > scheme.len() && origin.starts_with(scheme))
        })
    }

    fn allows_method(&self, method: &str) -> bool {
        self.allow_methods
            .iter()
            .any(|m| m == "*" || m.eq_ignore_ascii_case(method))
    }

    fn allows_header(&self, name: &str) -> bool {
        self.allow_headers
            .iter()
            .any(|h| h == "*" || h.eq_ignore_ascii_case(name))
    }

    /// `Access-Control-Allow-Origin` for an allowed `origin`.
    fn allow_origin(&self, origin: &str) -> String {
        if self.allow_origins.iter().any(|o| o == "*") {
            "*".into()
        } else {
            origin.into()
        }
    }

    /// The headers of the gateway's own 204 answer to a preflight from `origin` asking for `method`
    /// and the comma-separated `request_headers`; none when any of them is not allowed.
    pub fn preflight(
        &self,
        origin: &str,
        method: &str,
        request_headers: Option<&str>,
    ) -> Vec<(&'static str, String)> {
        let headers_allowed = request_headers
            .unwrap_or_default()
            .split(',')
            .map(str::trim)
            .filter(|h| !h.is_empty())
            .all(|h| self.allows_header(h));
        if !(self.allows_origin(origin) && self.allows_method(method) && headers_allowed) {
            return Vec::new();
        }
        let mut out = vec![("access-control-allow-origin", self.allow_origin(origin))];
        if self.allow_credentials {
            out.push(("access-control-allow-credentials", "true".into()));
        }
        if !self.allow_methods.is_empty() {
            out.push(("access-control-allow-methods", self.allow_methods.join(",")));
        }
        if !self.allow_headers.is_empty() {
            out.push(("access-control-allow-headers", self.allow_headers.join(",")));
        }
        if let Some(age) = self.max_age {
            out.push(("access-control-max-age", age.to_string()));
        }
        out
    }

    /// The CORS headers the gateway adds to an actual response for a request from `origin`.
    pub fn actual(&self, origin: Option<&str>) -> Vec<(&'static str, String)> {
        let Some(origin) = origin.filter(|o| self.allows_origin(o)) else {
            return Vec::new();
        };
        let mut out = vec![("access-control-allow-origin", self.allow_origin(origin))];
        if self.allow_credentials {
            out.push(("access-control-allow-credentials", "true".into()));
        }
        if !self.expose_headers.is_empty() {
            out.push((
                "access-control-expose-headers",
                self.expose_headers.join(","),
            ));
        }
        out
    }
}

/// Whether a response header is one of the CORS headers the gateway owns (a function's are dropped).
pub fn is_cors_header(name: &str) -> bool {
    const PREFIX: &str = "access-control-";
    name.len() > PREFIX.len()
        && name
            .get(..PREFIX.len())
            .is_some_and(|p| p.eq_ignore_ascii_case(PREFIX))
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    fn config() -> CorsConfiguration {
        CorsConfiguration {
            allow_origins: vec!["http://page.example".into(), "https://*".into()],
            allow_methods: vec!["GET".into(), "POST".into(), "OPTIONS".into()],
            allow_headers: vec!["content-type".into(), "idempotency-key".into()],
            expose_headers: vec![],
            max_age: Some(600),
            allow_credentials: false,
        }
    }

    /// The value of `name` among `headers`.
    pub(crate) fn header<'a>(headers: &'a [(&'static str, String)], name: &str) -> Option<&'a str> {
        headers
            .iter()
            .find(|(k, _)| *k == name)
            .map(|(_, v)| v.as_str())
    }

    #[test]
    fn an_allowed_preflight_names_the_configuration() {
        let c = config();
        let h = c.preflight(
            "http://page.example",
            "POST",
            Some("Content-Type, Idempotency-Key"),
        );
        assert_eq!(
            header(&h, "access-control-allow-origin"),
            Some("http://page.example")
        );
        assert_eq!(
            header(&h, "access-control-allow-headers"),
            Some("content-type,idempotency-key")
        );
        assert_eq!(
            header(&h, "access-control-allow-methods"),
            Some("GET,POST,OPTIONS")
        );
        assert_eq!(header(&h, "access-control-max-age"), Some("600"));
        assert_eq!(header(&h, "access-control-allow-credentials"), None);
        assert!(!c.preflight("https://any.example", "GET", None).is_empty());
    }

    #[test]
    fn a_preflight_outside_the_configuration_gets_no_cors_header() {
        let c = config();
        for (origin, method, headers) in [
            ("http://other.example", "POST", Some("content-type")),
            ("http://page.example/", "POST", Some("content-type")),
            ("http://page.example", "DELETE", None),
            (
                "http://page.example",
                "POST",
                Some("content-type,x-upstream-signature"),
            ),
            ("https://", "GET", None),
        ] {
            assert_eq!(
                c.preflight(origin, method, headers),
                vec![],
                "{origin} {method} {headers:?}"
            );
        }
    }

    #[test]
    fn actual_responses_get_the_origin_only_when_it_is_allowed() {
        let mut c = config();
        c.expose_headers = vec!["x-request-id".into()];
        let h = c.actual(Some("http://page.example"));
        assert_eq!(
            header(&h, "access-control-allow-origin"),
            Some("http://page.example")
        );
        assert_eq!(
            header(&h, "access-control-expose-headers"),
            Some("x-request-id")
        );
        assert!(c.actual(Some("http://evil.example")).is_empty());
        assert!(c.actual(None).is_empty());
        c.allow_origins = vec!["*".into()];
        assert_eq!(
            header(
                &c.actual(Some("http://evil.example")),
                "access-control-allow-origin"
            ),
            Some("*")
        );
    }

    #[test]
    fn only_access_control_headers_are_the_gateways() {
        assert!(is_cors_header("Access-Control-Allow-Origin"));
        assert!(is_cors_header("access-control-max-age"));
        assert!(!is_cors_header("vary"));
        assert!(!is_cors_header("access-control-"));
        assert!(!is_cors_header("content-type"));
    }
}
