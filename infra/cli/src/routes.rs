//! Every function of the product, listed once: the local stack routes by their specs and
//! `upstream routes` prints them (the SAM template test compares that with `template.yaml`).

use upstream_session::FunctionSpec;
use upstream_session::function_spec;

/// Every function the stack serves. Adding a function is one line here (and its dispatch in
/// `dev_cmd`, which needs its handler's state).
pub const FUNCTIONS: [&FunctionSpec; 7] = [
    &generate_qris::SPEC,
    &payment_callback::SPEC,
    &check_access::SPEC,
    &user_sessions::SPEC,
    &streams::SPEC,
    &admin::SPEC,
    &playback_auth::SPEC,
];

/// `(function, method, path)`; the admin function is reached only through its Function URL.
pub fn all() -> Vec<(&'static str, &'static str, &'static str)> {
    FUNCTIONS
        .iter()
        .flat_map(|spec| {
            spec.routes
                .iter()
                .map(|route| (spec.name, route.method, route.path))
        })
        .collect()
}

/// The OpenAPI document of every route, as served at [`OPENAPI_PATH`] and committed as
/// `infra/openapi.json`.
pub fn openapi_json() -> String {
    let doc = upstream_session::openapi::document(&FUNCTIONS, env!("CARGO_PKG_VERSION"));
    upstream_session::openapi::to_json(&doc)
}

/// Where the local stack serves the OpenAPI document.
pub const OPENAPI_PATH: &str = "/api/openapi.json";

/// The function serving `path` (path parameters match any one segment).
pub fn function_for(path: &str) -> Option<&'static FunctionSpec> {
    function_spec::function_for(&FUNCTIONS, path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn routing() {
        let name = |p| function_for(p).map(|s| s.name);
        assert_eq!(name("/api/generate-qris"), Some("generate-qris"));
        assert_eq!(name("/admin/sessions/session_x/events"), Some("admin"));
        assert_eq!(name("/admin/streams/2"), Some("admin"));
        assert_eq!(name("/api/nope"), None);
        assert_eq!(name("/api/.well-known/jwks.json"), Some("playback-auth"));
        assert_eq!(name("/api/playback-auth/nginx"), Some("playback-auth"));
    }
}
