//! The committed OpenAPI document (`infra/openapi.json`) is the one the code generates, and it
//! documents every route of every function with the envelope and the codes it may answer.
//! Regenerate it with `cargo run -p upstream-cli -- openapi > infra/openapi.json`.
#![allow(clippy::unwrap_used)] // test code: a panic is the failure report

use std::process::Command;

use serde_json::Value;

fn generated() -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_upstream"))
        .arg("openapi")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn committed_copy_is_current() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../openapi.json");
    let committed = std::fs::read_to_string(path).unwrap_or_default();
    assert!(
        committed == generated(),
        "infra/openapi.json is stale: run `cargo run -p upstream-cli -- openapi > infra/openapi.json`"
    );
}

#[test]
fn every_route_is_documented_with_its_refusals() {
    let doc: Value = serde_json::from_str(&generated()).unwrap();
    assert_eq!(doc["openapi"], "3.1.0");
    let routes: Value = serde_json::from_slice(
        &Command::new(env!("CARGO_BIN_EXE_upstream"))
            .arg("routes")
            .output()
            .unwrap()
            .stdout,
    )
    .unwrap();
    let routes = routes.as_array().unwrap();
    assert!(routes.len() >= 20);
    for r in routes {
        let (path, method) = (r["path"].as_str().unwrap(), r["method"].as_str().unwrap());
        let op = &doc["paths"][path][method.to_lowercase()];
        assert!(op.is_object(), "{method} {path} is not in the document");
        assert!(
            !op["summary"].as_str().unwrap().is_empty(),
            "{method} {path}"
        );
        let responses = op["responses"].as_object().unwrap();
        // Every route may refuse a wrong method and fail inside, in the envelope.
        for status in ["405", "500", "503"] {
            let codes = &responses[status]["content"]["application/json"]["schema"]["properties"]["code"]
                ["enum"];
            assert!(
                codes.as_array().is_some_and(|c| !c.is_empty()),
                "{method} {path} {status}"
            );
        }
        // Its path parameters are declared.
        for seg in path.split('/').filter(|s| s.starts_with('{')) {
            let name = seg.trim_matches(|c| c == '{' || c == '}');
            let params = op["parameters"].as_array().unwrap();
            assert!(
                params
                    .iter()
                    .any(|p| p["name"] == name && p["in"] == "path"),
                "{method} {path}: {name}"
            );
        }
    }
    // Every wire code a route documents is a real one, with the status ErrorCode gives it.
    let table = upstream_session::ErrorCode::table();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            for (status, resp) in op["responses"].as_object().unwrap() {
                let Some(codes) =
                    resp["content"]["application/json"]["schema"]["properties"]["code"]["enum"]
                        .as_array()
                else {
                    continue;
                };
                for code in codes {
                    let row = table.iter().find(|(c, _)| *c == code.as_str().unwrap());
                    let (_, statuses) = row.unwrap_or_else(|| panic!("{code} is not an ErrorCode"));
                    assert!(
                        statuses.contains(&status.parse().unwrap()),
                        "{method} {path}: {code} documented under {status}"
                    );
                }
            }
        }
    }
}
