//! `upstream dev --template T` serves T's HTTP API as API Gateway does: routes from its events,
//! preflights answered from its CorsConfiguration without a function, the functions' own CORS
//! headers replaced; and `upstream smoke` sees what a browser would.
#![allow(clippy::unwrap_used)] // test code: a panic is the failure report

mod common;

use std::path::PathBuf;
use std::process::Command;

use common::{Dev, free_port};

const PAGE: &str = "http://page.example";

fn template() -> String {
    std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../template.yaml")).unwrap()
}

/// `template` with each `(from, to)` replaced (each `from` must occur), written to a scratch file.
fn copy(name: &str, edits: &[(&str, &str)]) -> PathBuf {
    let mut text = template();
    for (from, to) in edits {
        assert!(text.contains(from), "the template has {from:?}");
        text = text.replacen(from, to, 1);
    }
    let dir = std::env::temp_dir().join(format!("upstream-http-api-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(format!("{name}.yaml"));
    std::fs::write(&path, text).unwrap();
    path
}

/// The AllowHeaders line of the template, and the same list without idempotency-key.
fn allow_headers_without_idempotency_key() -> (String, String) {
    let text = template();
    let line = text
        .lines()
        .find(|l| l.trim_start().starts_with("AllowHeaders:"))
        .unwrap()
        .to_owned();
    let without = line
        .replace("idempotency-key, ", "")
        .replace(", idempotency-key", "");
    (line, without)
}

fn start(template: &std::path::Path) -> Dev {
    let port = free_port();
    let args = ["--in-memory", "--template", template.to_str().unwrap()];
    Dev::spawn(port, &args, &[("ALLOWED_ORIGINS", PAGE)]).0
}

/// The page's preflight for a QR: POST with content-type and Idempotency-Key.
fn qris_preflight(dev: &Dev, origin: &str) -> common::Reply {
    dev.send(
        "OPTIONS",
        "/api/generate-qris",
        &[
            ("Origin", origin),
            ("Access-Control-Request-Method", "POST"),
            (
                "Access-Control-Request-Headers",
                "content-type,idempotency-key",
            ),
        ],
        "",
    )
}

fn smoke(dev: &Dev) -> (bool, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_upstream"))
        .args([
            "smoke",
            "--api",
            &dev.base(),
            "--origin",
            PAGE,
            "--stream",
            "2",
        ])
        .output()
        .unwrap();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
    )
}

/// The smoke table's row whose check starts with `check`.
fn row<'a>(table: &'a str, check: &str) -> &'a str {
    table
        .lines()
        .find(|l| l.starts_with(check))
        .unwrap_or_else(|| panic!("no row {check:?} in\n{table}"))
}

#[test]
fn with_the_real_template_the_pages_preflight_passes_and_so_does_smoke() {
    let real = copy("real", &[]);
    let dev = start(&real);
    let reply = qris_preflight(&dev, PAGE);
    assert_eq!(reply.status, 204, "{}", reply.body);
    assert_eq!(reply.header("access-control-allow-origin"), Some(PAGE));
    let allowed = reply.header("access-control-allow-headers").unwrap();
    for header in ["content-type", "idempotency-key"] {
        assert!(allowed.split(',').any(|h| h == header), "{allowed}");
    }
    assert_eq!(reply.header("access-control-max-age"), Some("600"));
    assert!(
        reply.body.is_empty(),
        "no function answered: {}",
        reply.body
    );
    // An origin outside AllowedOrigins gets no CORS header at all.
    let other = qris_preflight(&dev, "http://evil.example");
    assert_eq!(other.header("access-control-allow-origin"), None);
    assert_eq!(other.header("access-control-allow-headers"), None);

    let (ok, table) = smoke(&dev);
    assert!(ok, "{table}");
    assert!(
        !table.contains("FAIL") && !table.contains("SKIP"),
        "{table}"
    );
    assert!(row(&table, "preflight POST /api/generate-qris").contains("PASS"));
    assert!(
        row(&table, "GET /api/check-access").contains("no access until paid"),
        "{table}"
    );
    dev.stop();
    std::fs::remove_file(real).unwrap();
}

#[test]
fn without_idempotency_key_in_allow_headers_the_preflight_and_smoke_fail() {
    let (line, without) = allow_headers_without_idempotency_key();
    assert_ne!(line, without);
    let broken = copy("no-idempotency-key", &[(&line, &without)]);
    let dev = start(&broken);
    let reply = qris_preflight(&dev, PAGE);
    let allowed = reply
        .header("access-control-allow-headers")
        .unwrap_or_default();
    assert!(!allowed.contains("idempotency-key"), "{allowed}");
    assert_eq!(
        reply.header("access-control-allow-origin"),
        None,
        "the preflight is refused"
    );

    let (ok, table) = smoke(&dev);
    assert!(!ok, "{table}");
    assert!(
        row(&table, "preflight POST /api/generate-qris").contains("FAIL"),
        "{table}"
    );
    assert!(
        row(&table, "preflight GET /api/streams").contains("PASS"),
        "{table}"
    );
    dev.stop();
    std::fs::remove_file(broken).unwrap();
}

#[test]
fn routes_and_cors_headers_come_from_the_template_not_the_functions() {
    // AllowOrigins no longer the parameter the functions' own CORS reads (ALLOWED_ORIGINS), and
    // GET /api/streams gone.
    let edited = copy(
        "edited",
        &[
            (
                "AllowOrigins: !Ref AllowedOrigins",
                "AllowOrigins: [http://gateway.example]",
            ),
            (
                "        GetStreams:\n          Type: HttpApi\n",
                "        GetStreams:\n          Type: Api\n",
            ),
        ],
    );
    let dev = start(&edited);
    let check = "/api/check-access?sessionId=session_00000000000000000000000000000000&streamId=2";
    // The function would allow PAGE (its ALLOWED_ORIGINS): the gateway drops its header.
    let reply = dev.send("GET", check, &[("Origin", PAGE)], "");
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_eq!(reply.header("access-control-allow-origin"), None);
    let reply = dev.send("GET", check, &[("Origin", "http://gateway.example")], "");
    assert_eq!(
        reply.header("access-control-allow-origin"),
        Some("http://gateway.example")
    );
    for (method, path) in [
        ("GET", "/api/streams"),
        ("GET", "/api/generate-qris"),
        ("GET", "/api/nope"),
        ("OPTIONS", "/api/check-access"),
    ] {
        let reply = dev.send(method, path, &[], "");
        assert_eq!(
            (reply.status, reply.json()),
            (404, serde_json::json!({"message": "Not Found"})),
            "{method} {path}"
        );
    }
    dev.stop();
    std::fs::remove_file(edited).unwrap();
}
