//! The template's HTTP API (`AWS::Serverless::HttpApi`) as API Gateway serves it in front of the
//! functions: its routes (each function's `HttpApi` events, method + path → function; anything else
//! is API Gateway's `404 {"message":"Not Found"}`) and its `CorsConfiguration` (preflights answered
//! by the gateway, CORS headers of actual responses set by it; see [`cors`]).

use serde_yaml::Value;

use std::collections::BTreeMap;

use crate::artifacts::LambdaError;
use crate::jwt_authorizer::JwtConfiguration;
use crate::template::{LocalValues, Resolver};

mod auth;
pub mod cors;
mod routes;

pub use auth::AUTHORIZATION_HEADER;

pub use cors::{CorsConfiguration, is_cors_header};
pub use routes::Route;

/// API Gateway's answer when no route matches (status 404).
pub const NOT_FOUND_BODY: &str = r#"{"message":"Not Found"}"#;

/// One HTTP API of the template, resolved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HttpApi {
    /// The resource's logical id (`HttpApi`).
    pub logical_id: String,
    /// Every route of every function attached to it.
    pub routes: Vec<Route>,
    /// `None` without a `CorsConfiguration`: no preflight is answered and the functions' own CORS
    /// headers pass through.
    pub cors: Option<CorsConfiguration>,
    /// Its JWT authorizers by name (`Auth.Authorizers`); a route names the one it runs behind.
    pub authorizers: BTreeMap<String, JwtConfiguration>,
}

/// What the gateway does with a request, before any function runs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Front<'a> {
    /// A preflight it answers itself: 204 with these headers (none when the preflight is refused).
    Preflight(Vec<(&'static str, String)>),
    /// No route: 404 [`NOT_FOUND_BODY`].
    NotFound,
    /// The route whose function runs.
    Function(&'a Route),
}

impl HttpApi {
    /// The template's one `AWS::Serverless::HttpApi` and the routes attached to it (`ApiId: !Ref`),
    /// with intrinsics (`!Ref AllowedOrigins`) resolved from `values`.
    pub fn from_template(template: &str, values: &LocalValues) -> Result<Self, LambdaError> {
        let bad = |m: String| LambdaError::Template(m);
        let doc: Value =
            serde_yaml::from_str(template).map_err(|e| bad(format!("template: {e}")))?;
        let resolver = Resolver::new(&doc, values);
        let resources = doc
            .get("Resources")
            .and_then(Value::as_mapping)
            .ok_or_else(|| bad("the template has no Resources".into()))?;
        let apis: Vec<_> = resources
            .iter()
            .filter(|(_, r)| {
                r.get("Type").and_then(Value::as_str) == Some("AWS::Serverless::HttpApi")
            })
            .collect();
        let [(id, api)] = apis.as_slice() else {
            return Err(bad(format!(
                "the local stack serves exactly one AWS::Serverless::HttpApi; the template has {}",
                apis.len()
            )));
        };
        let logical_id = id.as_str().unwrap_or_default().to_owned();
        let cors = api
            .get("Properties")
            .and_then(|p| p.get("CorsConfiguration"))
            .or_else(|| {
                doc.get("Globals")
                    .and_then(|g| g.get("HttpApi"))
                    .and_then(|g| g.get("CorsConfiguration"))
            })
            .filter(|v| v.as_bool() != Some(false))
            .map(|v| CorsConfiguration::parse(v, &resolver))
            .transpose()?;
        let auth = auth::api_auth(api.get("Properties"), &resolver)?;
        let routes = routes::from_resources(resources, &logical_id, &resolver, &auth)?;
        Ok(Self {
            logical_id,
            routes,
            cors,
            authorizers: auth.authorizers,
        })
    }

    /// The route API Gateway picks for `method` and `path`: the most specific match (a static path
    /// before one with parameters, a named method before `ANY`, `$default` last).
    pub fn route(&self, method: &str, path: &str) -> Option<&Route> {
        self.routes
            .iter()
            .filter_map(|r| r.specificity(method, path).map(|s| (s, r)))
            .min_by_key(|(s, _)| *s)
            .map(|(_, r)| r)
    }

    /// What the gateway does with a request; `header` looks a request header up by its lowercase
    /// name. A preflight (`OPTIONS` with `Origin` and `Access-Control-Request-Method`) is answered by
    /// the gateway unless a route takes `OPTIONS` on that path.
    pub fn front<'h>(
        &self,
        method: &str,
        path: &str,
        header: impl Fn(&str) -> Option<&'h str>,
    ) -> Front<'_> {
        if let Some(route) = self.route(method, path) {
            return Front::Function(route);
        }
        match (
            &self.cors,
            header("origin"),
            header("access-control-request-method"),
        ) {
            (Some(cors), Some(origin), Some(requested)) if method == "OPTIONS" => Front::Preflight(
                cors.preflight(origin, requested, header("access-control-request-headers")),
            ),
            _ => Front::NotFound,
        }
    }

    /// The headers of a response leaving the gateway for a request from `origin`: with CORS
    /// configured, the function's (or gateway's) `access-control-*` headers are dropped and the
    /// configuration's are added.
    pub fn response_headers(
        &self,
        origin: Option<&str>,
        headers: Vec<(String, String)>,
    ) -> Vec<(String, String)> {
        let Some(cors) = &self.cors else {
            return headers;
        };
        headers
            .into_iter()
            .filter(|(name, _)| !is_cors_header(name))
            .chain(
                cors.actual(origin)
                    .into_iter()
                    .map(|(k, v)| (k.to_owned(), v)),
            )
            .collect()
    }
}

/// The functions (their `Binary`) with a `FunctionUrlConfig`: reached at their own URL, not through
/// the HTTP API.
pub fn function_urls(template: &str) -> Result<Vec<String>, LambdaError> {
    let doc: Value = serde_yaml::from_str(template)
        .map_err(|e| LambdaError::Template(format!("template: {e}")))?;
    let resources = doc.get("Resources").and_then(Value::as_mapping);
    Ok(resources
        .into_iter()
        .flatten()
        .filter(|(_, r)| {
            r.get("Properties")
                .and_then(|p| p.get("FunctionUrlConfig"))
                .is_some()
        })
        .filter_map(|(_, r)| {
            let binary = r.get("Metadata")?.get("BuildProperties")?.get("Binary")?;
            binary.as_str().map(str::to_owned)
        })
        .collect())
}

#[cfg(test)]
mod tests;
