//! The routes of an HTTP API: every function's `Events` of `Type: HttpApi` attached to it.

use serde_yaml::{Mapping, Value};

use super::auth::{self, ApiAuth};
use crate::artifacts::LambdaError;
use crate::template::Resolver;

/// One route: `METHOD /path` → a function.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Route {
    /// `GET`, `POST`, … or `ANY`.
    pub method: String,
    /// `/api/streams`; `{name}` matches one segment, `{name+}` the rest; `$default` matches anything.
    pub path: String,
    /// The function's `Metadata.BuildProperties.Binary` (its crate under `functions/`).
    pub function: String,
    /// The function's logical id.
    pub resource: String,
    /// The event's name (`GetStreams`).
    pub event: String,
    /// The JWT authorizer the gateway runs before the function (`Auth.Authorizer`), if any.
    pub authorizer: Option<String>,
}

/// How closely a route matches (lower is more specific): greedy, parameters, `ANY`, `$default`.
pub(super) type Specificity = (bool, usize, bool, bool);

impl Route {
    /// The route key, as API Gateway names it (`GET /api/streams`, `$default`).
    pub fn key(&self) -> String {
        if self.path == "$default" {
            self.path.clone()
        } else {
            format!("{} {}", self.method, self.path)
        }
    }

    /// `Some` when the route takes `method` on `path`, with how specific it is.
    pub(super) fn specificity(&self, method: &str, path: &str) -> Option<Specificity> {
        if self.path == "$default" {
            return Some((true, usize::MAX, true, true));
        }
        let any = self.method == "ANY";
        if !any && !self.method.eq_ignore_ascii_case(method) {
            return None;
        }
        // A trailing slash names the same resource (as the local stack always treated it).
        let path = match path.strip_suffix('/') {
            Some(p) if !p.is_empty() => p,
            _ => path,
        };
        let pattern: Vec<&str> = self.path.split('/').collect();
        let actual: Vec<&str> = path.split('/').collect();
        let mut params = 0;
        for (i, p) in pattern.iter().enumerate() {
            let greedy = p.starts_with('{') && p.ends_with("+}");
            if greedy {
                let rest = actual.get(i..).unwrap_or_default();
                let matched = i + 1 == pattern.len() && rest.iter().any(|s| !s.is_empty());
                return matched.then_some((true, params, any, false));
            }
            let a = actual.get(i)?;
            if p.starts_with('{') && p.ends_with('}') {
                if a.is_empty() {
                    return None;
                }
                params += 1;
            } else if p != a {
                return None;
            }
        }
        (pattern.len() == actual.len()).then_some((false, params, any, false))
    }
}

/// Every `HttpApi` event of the template's functions whose `ApiId` is `!Ref api`.
pub(super) fn from_resources(
    resources: &Mapping,
    api: &str,
    resolver: &Resolver<'_>,
    api_auth: &ApiAuth,
) -> Result<Vec<Route>, LambdaError> {
    let bad = |m: String| LambdaError::Template(m);
    let mut routes: Vec<Route> = Vec::new();
    for (id, resource) in resources {
        if resource.get("Type").and_then(Value::as_str) != Some("AWS::Serverless::Function") {
            continue;
        }
        let resource_id = id.as_str().unwrap_or_default();
        let events = resource
            .get("Properties")
            .and_then(|p| p.get("Events"))
            .and_then(Value::as_mapping);
        for (name, event) in events.into_iter().flatten() {
            if event.get("Type").and_then(Value::as_str) != Some("HttpApi") {
                continue;
            }
            let name = name.as_str().unwrap_or_default();
            let props = event.get("Properties");
            let prop = |key: &str| props.and_then(|p| p.get(key));
            match prop("ApiId").map(reference) {
                Some(Some(target)) if target == api => {}
                _ => {
                    return Err(bad(format!(
                        "{resource_id}.{name}: an HttpApi event must name the API with `ApiId: !Ref {api}` (the implicit API is not served locally)"
                    )));
                }
            }
            let text = |key: &str| -> Result<Option<String>, LambdaError> {
                prop(key)
                    .map(|v| {
                        v.as_str().map(str::to_owned).ok_or_else(|| {
                            bad(format!("{resource_id}.{name}: {key} must be plain text"))
                        })
                    })
                    .transpose()
            };
            let (method, path) = match (text("Method")?, text("Path")?) {
                (None, None) => ("ANY".to_owned(), "$default".to_owned()),
                (Some(m), Some(p)) => (m.to_ascii_uppercase(), p),
                _ => {
                    return Err(bad(format!(
                        "{resource_id}.{name}: give both Method and Path, or neither ($default)"
                    )));
                }
            };
            let function = resource
                .get("Metadata")
                .and_then(|m| m.get("BuildProperties"))
                .and_then(|b| b.get("Binary"))
                .and_then(Value::as_str)
                .ok_or_else(|| bad(format!("{resource_id}: no Metadata.BuildProperties.Binary")))?;
            let authorizer = auth::route_authorizer(
                &format!("{resource_id}.{name}"),
                props,
                resolver,
                api_auth,
            )?;
            let route = Route {
                method,
                path,
                function: function.to_owned(),
                resource: resource_id.to_owned(),
                event: name.to_owned(),
                authorizer,
            };
            if let Some(twin) = routes.iter().find(|r| r.key() == route.key()) {
                // API Gateway refuses a second route with the same key at deploy.
                return Err(bad(format!(
                    "route {} is declared twice ({}.{} and {resource_id}.{name})",
                    route.key(),
                    twin.resource,
                    twin.event
                )));
            }
            routes.push(route);
        }
    }
    Ok(routes)
}

/// The logical id named by `!Ref X` or `{Ref: X}`.
fn reference(v: &Value) -> Option<&str> {
    match v {
        Value::Tagged(t) if t.tag.to_string().trim_start_matches('!') == "Ref" => t.value.as_str(),
        Value::Mapping(m) if m.len() == 1 => m.get("Ref").and_then(Value::as_str),
        _ => None,
    }
}
