//! `upstream dev` as a user runs it: the flow over HTTP, sessions surviving a restart, no orphan java,
//! each function's IAM policy taken from the template it is given.
#![allow(clippy::unwrap_used)] // test code: a panic is the failure report

mod common;

use std::net::TcpStream;
use std::process::Command;
use std::time::Duration;

use common::{Dev, free_port};

fn java_children_of(pid: u32) -> usize {
    let out = Command::new("pgrep")
        .args(["-P", &pid.to_string(), "java"])
        .output()
        .unwrap();
    String::from_utf8_lossy(&out.stdout).lines().count()
}

#[test]
fn paid_access_survives_a_restart_and_nothing_is_left_running() {
    let data = std::env::temp_dir().join(format!("upstream-dev-test-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&data);
    let port = free_port();

    let dev = Dev::start(&data, port);
    let pid = dev.child.id();
    assert_eq!(java_children_of(pid), 1, "DynamoDB Local runs as a child");
    let (status, streams) = dev.request("GET", "/api/streams", None);
    assert_eq!(status, 200);
    assert_eq!(
        streams["data"]["streams"].as_array().unwrap().len(),
        2,
        "sample catalog loaded"
    );
    let (status, r) = dev.request(
        "POST",
        "/api/generate-qris",
        Some(r#"{"streamId":"2","userId":"restart-user"}"#),
    );
    assert_eq!(status, 200, "{r}");
    let session = r["data"]["sessionId"].as_str().unwrap().to_owned();

    let out = Command::new(env!("CARGO_BIN_EXE_upstream"))
        .args([
            "approve",
            "2",
            "--local",
            &format!("http://127.0.0.1:{port}"),
            "--user",
            "restart-user",
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let printed = String::from_utf8_lossy(&out.stdout);
    assert!(
        printed.contains(&format!(
            "localStorage.setItem('currentSessionId', '{session}')"
        )),
        "{printed}"
    );

    let check = format!("/api/check-access?sessionId={session}&streamId=2");
    assert_eq!(
        dev.request("GET", &check, None).1["data"]["hasAccess"],
        true
    );
    let (status, _) = dev.request("GET", "/admin/approve", None);
    assert_eq!(status, 200, "admin page served locally");

    // Money that cannot grant access (999 for a 1.000 QR) is an open refund…
    let (_, r) = dev.request(
        "POST",
        "/api/generate-qris",
        Some(r#"{"streamId":"4","userId":"refund-user"}"#),
    );
    let trx = r["data"]["trxId"].as_str().unwrap().to_owned();
    let out = Command::new(env!("CARGO_BIN_EXE_upstream"))
        .args(["webhook", "--api", &format!("http://127.0.0.1:{port}")])
        .args([
            "--trx",
            &trx,
            "--amount",
            "999",
            "--provider-ref",
            "RRN-999",
        ])
        .env("WEBHOOK_SECRET", "dev-stack-test-secret-123")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let refunds = || {
        let out = Command::new(env!("CARGO_BIN_EXE_upstream"))
            .args([
                "refunds",
                "--json",
                "--local",
                &format!("http://127.0.0.1:{port}"),
            ])
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        serde_json::from_slice::<serde_json::Value>(&out.stdout).unwrap()
    };
    let open = refunds();
    assert_eq!(open.as_array().unwrap().len(), 1, "{open}");
    assert_eq!(open[0]["reason"], "amount_mismatch");
    assert_eq!(open[0]["trxId"], trx.as_str());
    dev.stop();
    std::thread::sleep(Duration::from_millis(500));
    assert_eq!(java_children_of(pid), 0);
    assert!(
        TcpStream::connect(("127.0.0.1", port)).is_err(),
        "the port is free again"
    );

    let dev = Dev::start(&data, port);
    let (_, r) = dev.request("GET", &check, None);
    assert_eq!(
        r["data"]["hasAccess"], true,
        "sessions survive a restart: {r}"
    );
    let (_, r) = dev.request("GET", "/api/streams", None);
    assert_eq!(
        r["data"]["streams"].as_array().unwrap().len(),
        2,
        "the catalog is not loaded twice"
    );
    // …that survives the restart.
    let open = refunds();
    assert_eq!(
        open.as_array().unwrap().len(),
        1,
        "open refunds survive a restart: {open}"
    );
    assert_eq!(open[0]["amount"], 999);
    dev.stop();
    let _ = std::fs::remove_dir_all(&data);
}

#[test]
fn a_merchant_payload_with_warnings_only_starts_and_logs_them_once() {
    // LinkAja's NMID is fifteen zeros (shared/tests/fixtures/qris/README.md says where it is from).
    let payload = include_str!("../../../shared/tests/fixtures/qris/linkaja_gpn_dynamic.txt");
    let port = free_port();
    let (dev, printed) = Dev::spawn(port, &["--in-memory"], &[("QRIS_STATIC_PAYLOAD", payload)]);
    let warnings: Vec<serde_json::Value> = printed
        .iter()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .filter(|log| log["level"] == "WARN")
        .collect();
    assert_eq!(warnings.len(), 1, "{printed:#?}");
    let fields = &warnings[0]["fields"];
    assert_eq!(
        (&fields["variable"], &fields["tag"], &fields["section"]),
        (
            &serde_json::json!("QRIS_STATIC_PAYLOAD"),
            &serde_json::json!("51.02"),
            &serde_json::json!("Table 4.5")
        ),
        "{printed:#?}"
    );
    // The merchant's code is served, made dynamic.
    let (status, r) = dev.request(
        "POST",
        "/api/generate-qris",
        Some(r#"{"streamId":"2","userId":"warning-user"}"#),
    );
    assert_eq!(status, 200, "{r}");
    assert!(
        r["data"]["qrisData"]
            .as_str()
            .unwrap()
            .contains("ID.LINKAJA.WWW"),
        "{r}"
    );
    dev.stop();
}

#[test]
fn the_template_decides_what_each_function_may_do_in_dynamodb() {
    // A copy of the template whose GenerateQrisFunction lacks ConditionCheckItem (as on main before
    // issue 21): the new session's transaction is refused, as it would be on AWS.
    let broken =
        std::env::temp_dir().join(format!("upstream-template-{}.yaml", std::process::id()));
    std::fs::write(
        &broken,
        upstream_tests::iam::template_without(
            "GenerateQrisFunction",
            "dynamodb:ConditionCheckItem",
        ),
    )
    .unwrap();
    let order = r#"{"streamId":"2","userId":"template-user"}"#;
    let port = free_port();
    let (dev, _) = Dev::spawn(
        port,
        &["--in-memory", "--template", broken.to_str().unwrap()],
        &[],
    );
    let (status, r) = dev.request("POST", "/api/generate-qris", Some(order));
    assert_eq!(
        (status, r["code"].as_str()),
        (500, Some("INTERNAL_ERROR")),
        "{r}"
    );
    let (status, _) = dev.request("GET", "/api/streams", None);
    assert_eq!(status, 200, "what the policy allows still works");
    let logs = dev.logs.lock().unwrap().join("\n");
    assert!(
        logs.contains("AccessDeniedException")
            && logs.contains("not authorized to perform: dynamodb:ConditionCheckItem"),
        "the function's log names the denial:\n{logs}"
    );
    dev.stop();
    let _ = std::fs::remove_file(&broken);

    // The repository's template, named explicitly: the QR is made.
    let real = concat!(env!("CARGO_MANIFEST_DIR"), "/../../template.yaml");
    let port = free_port();
    let (dev, printed) = Dev::spawn(port, &["--in-memory", "--template", real], &[]);
    assert!(
        printed
            .iter()
            .any(|l| l.contains("Template:") && l.contains("template.yaml")),
        "the banner names the template: {printed:#?}"
    );
    let (status, r) = dev.request("POST", "/api/generate-qris", Some(order));
    assert_eq!(status, 200, "{r}");
    dev.stop();

    // A template that cannot be read stops the start with the reason.
    let out = Command::new(env!("CARGO_BIN_EXE_upstream"))
        .args([
            "dev",
            "--in-memory",
            "--template",
            "/nonexistent/template.yaml",
        ])
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("/nonexistent/template.yaml"), "{err}");
}
