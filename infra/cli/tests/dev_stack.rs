//! `upstream dev` as a user runs it: the flow over HTTP, sessions surviving a restart, no orphan java.
#![allow(clippy::unwrap_used)] // test code: a panic is the failure report

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

struct Dev {
    child: Child,
    port: u16,
}

impl Dev {
    fn start(data: &std::path::Path, port: u16) -> Dev {
        Dev::spawn(port, &["--data", data.to_str().unwrap()], &[]).0
    }

    /// Starts `upstream dev` on `port` with `args` and `env` added; with what it printed to stdout
    /// (its JSON logs) before the banner.
    fn spawn(port: u16, args: &[&str], env: &[(&str, &str)]) -> (Dev, Vec<String>) {
        let mut child = Command::new(env!("CARGO_BIN_EXE_upstream"))
            .args(["dev", "--port", &port.to_string()])
            .args(args)
            .env("WEBHOOK_SECRET", "dev-stack-test-secret-123")
            .envs(env.iter().copied())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        // Wait for the banner, then for the port.
        let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
        let deadline = Instant::now() + Duration::from_secs(90);
        let mut printed = Vec::new();
        for line in lines.by_ref() {
            let line = line.unwrap();
            if line.starts_with("Stop with Ctrl-C") || Instant::now() > deadline {
                break;
            }
            printed.push(line);
        }
        std::thread::spawn(move || for _ in lines {});
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(Instant::now() < deadline, "upstream dev did not start");
            std::thread::sleep(Duration::from_millis(100));
        }
        (Dev { child, port }, printed)
    }

    #[allow(unsafe_code)] // SIGTERM to the child, as an operator's Ctrl-C would
    fn stop(mut self) {
        unsafe {
            libc_kill(self.child.id() as i32, 15);
        }
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                assert!(
                    status.success(),
                    "upstream dev exits cleanly on SIGTERM: {status}"
                );
                break;
            }
            assert!(
                Instant::now() < deadline,
                "upstream dev did not stop on SIGTERM"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    fn request(&self, method: &str, path: &str, body: Option<&str>) -> (u16, serde_json::Value) {
        let mut s = TcpStream::connect(("127.0.0.1", self.port)).unwrap();
        let body = body.unwrap_or("");
        write!(
            s,
            "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len(),
            port = self.port
        )
        .unwrap();
        let mut raw = String::new();
        s.read_to_string(&mut raw).unwrap();
        let status: u16 = raw[9..12].parse().unwrap();
        let json = raw
            .split("\r\n\r\n")
            .nth(1)
            .and_then(|b| serde_json::from_str(b).ok())
            .unwrap_or_default();
        (status, json)
    }
}

#[allow(unsafe_code)]
unsafe extern "C" {
    #[link_name = "kill"]
    fn libc_kill(pid: i32, sig: i32) -> i32;
}

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
