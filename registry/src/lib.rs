//! Every Lambda function of the product, listed once in [`FUNCTIONS`]: its spec and its handler. The
//! local stack, the tests, the bench driver and `upstream invoke` iterate it; `template.yaml` stays
//! the deploy artefact and a test keeps it equal to the list. Adding a function: its crate under
//! `functions/`, one line here (with its state in [`Stack`]), its template resource, its fixtures.

use std::future::Future;
use std::pin::Pin;

use lambda_http::{Body, Request, Response};
use serde_json::Value;
use upstream_session::FunctionSpec;

mod secrets;
mod stack;

pub use secrets::local_secrets;
pub use stack::{Inputs, Stack};

/// A handler's answer, on its way.
pub type Answer<'a> = Pin<Box<dyn Future<Output = Response<Body>> + Send + 'a>>;

/// A scheduled run's answer (JSON) or its error's message, on its way.
pub type RunAnswer<'a> = Pin<Box<dyn Future<Output = Result<Value, String>> + Send + 'a>>;

/// What invokes a function.
#[derive(Clone, Copy)]
pub enum Trigger {
    /// Its routes, through the HTTP API (or its Function URL): a request in, a response out.
    Http(for<'a> fn(&'a Stack, Request) -> Answer<'a>),
    /// An EventBridge schedule: the event in (JSON), the run's answer out.
    Schedule {
        /// The schedule expression, e.g. `rate(1 minute)`.
        expression: &'static str,
        /// Its handler.
        run: for<'a> fn(&'a Stack, Value) -> RunAnswer<'a>,
    },
}

/// One Lambda function: what it is and how a [`Stack`] runs it.
pub struct Function {
    /// Its name (its crate and binary), template resource, routes and DynamoDB access.
    pub spec: &'static FunctionSpec,
    /// What invokes it, with its handler over its state in the stack.
    pub trigger: Trigger,
}

impl Function {
    /// Runs its handler over its state in `stack` (`None`: it serves no HTTP requests).
    pub fn handle<'a>(&self, stack: &'a Stack, req: Request) -> Option<Answer<'a>> {
        match self.trigger {
            Trigger::Http(handler) => Some(handler(stack, req)),
            Trigger::Schedule { .. } => None,
        }
    }

    /// Runs its scheduled handler on `event` (`None`: it has no schedule).
    pub fn run<'a>(&self, stack: &'a Stack, event: Value) -> Option<RunAnswer<'a>> {
        match self.trigger {
            Trigger::Schedule { run, .. } => Some(run(stack, event)),
            Trigger::Http(_) => None,
        }
    }

    /// Its schedule expression, if an EventBridge schedule invokes it.
    pub fn schedule(&self) -> Option<&'static str> {
        match self.trigger {
            Trigger::Schedule { expression, .. } => Some(expression),
            Trigger::Http(_) => None,
        }
    }
}

/// The entry of the function crate `krate`: its `SPEC`, its `handler` over the stack's field of
/// the same name; `scheduled` for a crate run by its `SCHEDULE` (the event deserialized first).
macro_rules! function {
    ($krate:ident) => {
        Function {
            spec: &$krate::SPEC,
            trigger: Trigger::Http(|stack, req| Box::pin($krate::handler(&stack.$krate, req))),
        }
    };
    (scheduled $krate:ident) => {
        Function {
            spec: &$krate::SPEC,
            trigger: Trigger::Schedule {
                expression: $krate::SCHEDULE,
                run: |stack, event| {
                    Box::pin(async move {
                        let event = serde_json::from_value(event)
                            .map_err(|e| format!("not a scheduled event: {e}"))?;
                        let answer = $krate::handler(&stack.$krate, event)
                            .await
                            .map_err(|e| e.to_string())?;
                        serde_json::to_value(answer).map_err(|e| e.to_string())
                    })
                },
            },
        }
    };
}

/// Every function of the product, in the order of the OpenAPI document.
pub static FUNCTIONS: &[Function] = &[
    function!(generate_qris),
    function!(payment_callback),
    function!(check_access),
    function!(user_sessions),
    function!(streams),
    function!(admin),
    function!(playback_auth),
    function!(scheduled media_reaper),
];

/// Every function's spec.
pub fn specs() -> Vec<&'static FunctionSpec> {
    FUNCTIONS.iter().map(|f| f.spec).collect()
}

/// Every function's name.
pub fn names() -> Vec<&'static str> {
    FUNCTIONS.iter().map(|f| f.spec.name).collect()
}

/// The function named `name`.
pub fn named(name: &str) -> Option<&'static Function> {
    FUNCTIONS.iter().find(|f| f.spec.name == name)
}

/// Every function invoked over HTTP, by name.
pub fn http_names() -> Vec<&'static str> {
    FUNCTIONS
        .iter()
        .filter(|f| f.schedule().is_none())
        .map(|f| f.spec.name)
        .collect()
}

/// Every function an EventBridge schedule invokes.
pub fn scheduled() -> impl Iterator<Item = &'static Function> {
    FUNCTIONS.iter().filter(|f| f.schedule().is_some())
}

/// The function serving `path` (a path parameter matches any one segment).
pub fn serving(path: &str) -> Option<&'static Function> {
    FUNCTIONS.iter().find(|f| f.spec.serves(path))
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;
    use std::path::Path;

    use super::*;

    #[test]
    fn routing() {
        let name = |p| serving(p).map(|f| f.spec.name);
        assert_eq!(name("/api/generate-qris"), Some("generate-qris"));
        assert_eq!(name("/admin/sessions/session_x/events"), Some("admin"));
        assert_eq!(name("/admin/streams/2"), Some("admin"));
        assert_eq!(name("/api/nope"), None);
        assert_eq!(name("/api/.well-known/jwks.json"), Some("playback-auth"));
        assert_eq!(name("/api/playback-auth/nginx"), Some("playback-auth"));
        assert_eq!(
            named("streams").map(|f| f.spec.resource),
            Some("StreamsFunction")
        );
        assert!(named("nope").is_none());
        let reaper = named("media-reaper").unwrap();
        assert_eq!(reaper.schedule(), Some("rate(1 minute)"));
        assert!(
            reaper.spec.routes.is_empty(),
            "a scheduled function has no route"
        );
        assert_eq!(
            scheduled().map(|f| f.spec.name).collect::<Vec<_>>(),
            ["media-reaper"]
        );
        // Every other function is invoked over HTTP through at least one route.
        for f in FUNCTIONS.iter().filter(|f| f.schedule().is_none()) {
            assert!(!f.spec.routes.is_empty(), "{}", f.spec.name);
        }
    }

    /// The package name of `functions/<dir>/Cargo.toml`.
    fn package_name(manifest: &str) -> Option<String> {
        let package = manifest.split("[package]").nth(1)?;
        let line = package
            .lines()
            .find(|l| l.trim_start().starts_with("name"))?;
        Some(line.split('"').nth(1)?.to_owned())
    }

    #[test]
    fn every_function_crate_is_listed_once_by_its_package_name() {
        let functions = Path::new(env!("CARGO_MANIFEST_DIR")).join("../functions");
        let mut crates = BTreeSet::new();
        for entry in std::fs::read_dir(&functions).expect("functions/") {
            let dir = entry.expect("an entry").path();
            let Ok(manifest) = std::fs::read_to_string(dir.join("Cargo.toml")) else {
                continue;
            };
            let name = package_name(&manifest).expect("a package name");
            assert_eq!(
                Some(name.as_str()),
                dir.file_name().and_then(|n| n.to_str()),
                "a function crate is named for its folder"
            );
            crates.insert(name);
        }
        let listed: BTreeSet<String> = names().into_iter().map(str::to_owned).collect();
        assert_eq!(listed.len(), FUNCTIONS.len(), "no function listed twice");
        assert_eq!(
            listed, crates,
            "FUNCTIONS lists every crate under functions/"
        );
    }
}
