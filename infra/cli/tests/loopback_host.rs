//! The loopback servers (`upstream dev`, `upstream admin-proxy`) answer only requests addressed to
//! their own loopback address and port (DNS rebinding), and the proxy serves the admin page with its
//! security headers.
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

/// A child process killed when dropped.
struct Running(Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn start(args: &[&str], port: u16, banner: &str) -> Running {
    let mut child = Command::new(env!("CARGO_BIN_EXE_upstream"))
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let deadline = Instant::now() + Duration::from_secs(90);
    for line in lines.by_ref() {
        if line.unwrap().starts_with(banner) || Instant::now() > deadline {
            break;
        }
    }
    std::thread::spawn(move || for _ in lines {});
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(Instant::now() < deadline, "{args:?} did not start");
        std::thread::sleep(Duration::from_millis(100));
    }
    Running(child)
}

/// Sends a raw request with the given `Host` lines; returns status, head and body.
fn raw(port: u16, path: &str, hosts: &[String]) -> (u16, String, String) {
    let mut s = TcpStream::connect(("127.0.0.1", port)).unwrap();
    let mut req = format!("GET {path} HTTP/1.1\r\n");
    for h in hosts {
        req.push_str(&format!("Host: {h}\r\n"));
    }
    req.push_str("Connection: close\r\n\r\n");
    s.write_all(req.as_bytes()).unwrap();
    let mut out = String::new();
    s.read_to_string(&mut out).unwrap();
    let status = out[9..12].parse().unwrap();
    let (head, body) = out.split_once("\r\n\r\n").unwrap_or((&out, ""));
    (status, head.to_ascii_lowercase(), body.to_owned())
}

fn assert_misdirected(port: u16, path: &str, hosts: &[String]) {
    let (status, _, body) = raw(port, path, hosts);
    assert_eq!(status, 421, "{hosts:?} on {path}: {body}");
    let json: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(json["success"], false);
    assert_eq!(json["code"], "MISDIRECTED_REQUEST");
    assert!(json["error"].as_str().unwrap().contains("Host"));
}

#[test]
fn foreign_hosts_get_421_from_the_dev_stack_and_the_admin_proxy() {
    let dev_port = free_port();
    let _dev = start(
        &["dev", "--in-memory", "--port", &dev_port.to_string()],
        dev_port,
        "Stop with Ctrl-C",
    );
    let foreign = |p: u16| {
        vec![
            vec!["evil.example".to_owned()],
            vec![format!("evil.example:{p}")],
            vec![format!("127.0.0.1.nip.io:{p}")],
            vec![format!("localhost.:{p}")],
            vec![format!("127.0.0.1:{}", p.wrapping_add(1))],
            vec![],
            vec![format!("127.0.0.1:{p}"), "evil.example".to_owned()],
        ]
    };
    for hosts in foreign(dev_port) {
        for path in ["/", "/api/streams", "/admin/approve", "/admin/sessions"] {
            assert_misdirected(dev_port, path, &hosts);
        }
    }
    for host in [
        format!("127.0.0.1:{dev_port}"),
        format!("localhost:{dev_port}"),
        format!("[::1]:{dev_port}"),
    ] {
        let (status, _, body) = raw(dev_port, "/api/streams", std::slice::from_ref(&host));
        assert_eq!(status, 200, "{host}: {body}");
    }

    let proxy_port = free_port();
    let _proxy = start(
        &[
            "admin-proxy",
            "--port",
            &proxy_port.to_string(),
            "--local",
            &format!("http://127.0.0.1:{dev_port}"),
        ],
        proxy_port,
        "Admin page:",
    );
    for hosts in foreign(proxy_port) {
        assert_misdirected(proxy_port, "/admin/approve", &hosts);
        assert_misdirected(proxy_port, "/admin/sessions", &hosts);
    }
    let (status, head, body) = raw(
        proxy_port,
        "/admin/approve",
        &[format!("localhost:{proxy_port}")],
    );
    assert_eq!(status, 200, "{body}");
    assert!(
        body.contains("<html") || body.contains("<!doctype"),
        "{body}"
    );
    for header in [
        // Kept from the admin function's answer…
        "content-security-policy: default-src 'none'",
        "x-frame-options: deny",
        // …and added by the proxy.
        "x-content-type-options: nosniff",
        "referrer-policy: no-referrer",
    ] {
        assert!(head.contains(header), "missing {header:?} in\n{head}");
    }
    let (status, head, _) = raw(
        proxy_port,
        "/admin/sessions",
        &[format!("127.0.0.1:{proxy_port}")],
    );
    assert_eq!(status, 200);
    assert!(head.contains("x-content-type-options: nosniff"), "{head}");
}
