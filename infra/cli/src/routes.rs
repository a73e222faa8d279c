//! What `upstream routes` and `upstream openapi` print, from the registry's list of functions (the
//! SAM template test compares it with `template.yaml`).

/// `(function, method, path)`; the admin function is reached only through its Function URL.
pub fn all() -> Vec<(&'static str, &'static str, &'static str)> {
    upstream_registry::FUNCTIONS
        .iter()
        .flat_map(|f| {
            f.spec
                .routes
                .iter()
                .map(|route| (f.spec.name, route.method, route.path))
        })
        .collect()
}

/// The OpenAPI document of every route, as served at [`OPENAPI_PATH`] and committed as
/// `infra/openapi.json`.
pub fn openapi_json() -> String {
    let doc =
        upstream_session::openapi::document(&upstream_registry::specs(), env!("CARGO_PKG_VERSION"));
    upstream_session::openapi::to_json(&doc)
}

/// Where the local stack serves the OpenAPI document.
pub const OPENAPI_PATH: &str = "/api/openapi.json";
