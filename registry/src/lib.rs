//! Every Lambda function of the product, listed once in [`FUNCTIONS`]: its spec and its handler. The
//! local stack, the tests, the bench driver and `upstream invoke` iterate it; `template.yaml` stays
//! the deploy artefact and a test keeps it equal to the list. Adding a function: its crate under
//! `functions/`, one line here (with its state in [`Stack`]), its template resource, its fixtures.

use std::future::Future;
use std::pin::Pin;

use lambda_http::{Body, Request, Response};
use upstream_session::FunctionSpec;

mod secrets;
mod stack;

pub use secrets::local_secrets;
pub use stack::{Inputs, Stack};

/// A handler's answer, on its way.
pub type Answer<'a> = Pin<Box<dyn Future<Output = Response<Body>> + Send + 'a>>;

/// One Lambda function: what it is and how a [`Stack`] runs it.
pub struct Function {
    /// Its name (its crate and binary), template resource, routes and DynamoDB access.
    pub spec: &'static FunctionSpec,
    /// Its handler, over its state in the stack.
    handler: for<'a> fn(&'a Stack, Request) -> Answer<'a>,
}

impl Function {
    /// Runs its handler over its state in `stack`.
    pub fn handle<'a>(&self, stack: &'a Stack, req: Request) -> Answer<'a> {
        (self.handler)(stack, req)
    }
}

/// The entry of the function crate `krate`: its `SPEC`, its `handler` over the stack's field of
/// the same name.
macro_rules! function {
    ($krate:ident) => {
        Function {
            spec: &$krate::SPEC,
            handler: |stack, req| Box::pin($krate::handler(&stack.$krate, req)),
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
