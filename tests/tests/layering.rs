//! The session crate and infra/local are layered: a module uses only modules of lower layers, and
//! nested modules (`store::item`, `edge::serve`, …) use one another without cycles.
#![allow(clippy::unwrap_used)] // test code: a panic is the failure report

use std::path::{Path, PathBuf};

use upstream_tests::layering::Layers;

fn src(krate: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .join(krate)
        .join("src")
}

/// `upstream-session`'s top-level modules, bottom first.
const SESSION: Layers = Layers {
    layers: &[
        // Facts that need nothing of the crate: domain values, time, error codes, settings and their
        // errors, the request record, the QRIS engine.
        &[
            "domain",
            "clock",
            "error_code",
            "config",
            "secrets",
            "calls",
            "qris",
        ],
        // A refusal (status, code, message) as a value.
        &["refusal"],
        // The JSON request bodies, checked into domain values or refused.
        &["requests"],
        // Pure rules over them, the route contract, the wire views, playback tokens, the EMF metrics.
        &["rules", "contract", "views", "playback", "metrics", "stats"],
        // What a function is, the payment gateways, the one module that talks to DynamoDB.
        &["function_spec", "provider", "store"],
        // Services over the store: the catalog cache, the session manager, ending the connections
        // media servers admitted once; the capacity model of the store's key design.
        &["catalog", "manager", "media", "capacity"],
        // The Lambda/HTTP edge and the OpenAPI document.
        &["edge", "openapi"],
    ],
    allowed: &[],
};

/// `upstream-local`'s modules, bottom first (the crate root, DynamoDB Local, uses `process`).
const LOCAL: Layers = Layers {
    layers: &[
        // Child processes and free ports; where the release artifacts are and the errors of using them;
        // IAM policies, their evaluation and the loopback proxy enforcing them.
        &["process", "artifacts", "iam"],
        // The template's function resources, resolved locally; moto's server (Secrets Manager); the
        // HTTP API JWT authorizer, emulated.
        &["template", "moto", "jwt_authorizer"],
        // The emulator running a function's bootstrap with its template environment; the template's
        // HTTP API (routes and CORS) as API Gateway serves it.
        &["lambda", "http_api"],
        // The local OpenID provider.
        &["oidc"],
    ],
    allowed: &[],
};

#[test]
fn the_session_crate_uses_only_lower_layers() {
    assert_eq!(SESSION.breaches(&src("shared")), Vec::<String>::new());
}

#[test]
fn infra_local_uses_only_lower_layers() {
    assert_eq!(LOCAL.breaches(&src("infra/local")), Vec::<String>::new());
}

/// A crate under a temporary folder: `files` as (path under `src/`, text).
fn scratch(name: &str, files: &[(&str, &str)]) -> PathBuf {
    let root = std::env::temp_dir().join(format!("layering-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&root);
    for (path, text) in files {
        let file = root.join(path);
        std::fs::create_dir_all(file.parent().unwrap()).unwrap();
        std::fs::write(file, text).unwrap();
    }
    root
}

#[test]
fn the_check_finds_upward_uses_cycles_and_stale_allowances() {
    let src = scratch(
        "breaches",
        &[
            ("lib.rs", "pub mod low;\npub mod high;\npub mod stray;\n"),
            // `low` reaches up through a re-export of `high` (the path names `high`).
            ("low.rs", "pub fn f() { crate::high::Thing::go(); }\n"),
            (
                "high/mod.rs",
                "mod a;\nmod b;\npub use a::Thing;\n// crate::stray::x in a comment\n",
            ),
            ("high/a.rs", "use super::b::helper;\npub struct Thing;\n"),
            (
                "high/b.rs",
                "pub fn helper() {}\nfn g() { let _ = \"crate::stray\"; super::Thing; }\n",
            ),
            ("stray.rs", "#[cfg(test)]\nmod tests { use super::*; }\n"),
        ],
    );
    let layers = Layers {
        layers: &[&["low"], &["high", "gone"]],
        allowed: &[("high::a", "high::gone")],
    };
    let mut breaches = layers.breaches(&src);
    breaches.sort();
    assert_eq!(
        breaches,
        [
            "cycle: high::a → high::b → high::a",
            "high::a no longer uses high::gone: remove the allowance",
            "layer module gone does not exist",
            "low uses high, which is not in a lower layer",
            "module stray is in no layer",
        ]
    );
    let fixed = Layers {
        layers: &[&["low"], &["high", "stray"]],
        allowed: &[("high::a", "high::b")],
    };
    std::fs::write(src.join("low.rs"), "pub fn f() {}\n").unwrap();
    assert_eq!(fixed.breaches(&src), Vec::<String>::new());
    std::fs::remove_dir_all(&src).unwrap();
}
