//! The media gate for real: Debian's nginx (installed by infra/setup) serves a generated HLS folder
//! behind `auth_request`, with `upstream dev --in-memory` as the verifier, configured by the repo's
//! own `infra/media/nginx/upstream-playback.conf`. Tokens are also checked by an independent
//! implementation (PyJWT + cryptography, installed into .venv by infra/setup) against the JWKS.
#![allow(clippy::unwrap_used)] // test code: a panic is the failure report

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use chrono::{TimeDelta, Utc};
use upstream_session::domain::{MediaPath, SessionId, StreamId, UserId};
use upstream_session::playback::{DEFAULT_AUDIENCE, Grant, Issuer, SigningKey};

/// The signing key `upstream dev` keeps, and keys made by openssl.
#[path = "nginx_gate/keys.rs"]
mod keys;

fn root() -> PathBuf {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../..")).to_path_buf()
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn wait_for_port(port: u16, what: &str) {
    let deadline = Instant::now() + Duration::from_secs(90);
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(Instant::now() < deadline, "{what} did not start");
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// A child process stopped (SIGTERM, then waited for) when dropped; a local stack also holds
/// [`ONE_STACK`] until then.
struct Running(
    Child,
    #[allow(dead_code)] // held, never read: released when dropped
    Option<std::sync::MutexGuard<'static, ()>>,
);

/// One local stack at a time in this binary (a JVM and a Python server each): more at once on a small
/// machine make DynamoDB Local's cold first requests time out.
static ONE_STACK: std::sync::Mutex<()> = std::sync::Mutex::new(());

impl Drop for Running {
    fn drop(&mut self) {
        #[allow(unsafe_code)] // SIGTERM to the child, as an operator's Ctrl-C would
        unsafe {
            libc_kill(self.0.id() as i32, 15);
        }
        let deadline = Instant::now() + Duration::from_secs(20);
        while self.0.try_wait().ok().flatten().is_none() && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(100));
        }
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[allow(unsafe_code)]
unsafe extern "C" {
    #[link_name = "kill"]
    fn libc_kill(pid: i32, sig: i32) -> i32;
}

fn start_dev(port: u16, args: &[&str], env: &[(&str, String)]) -> Running {
    let one = ONE_STACK.lock().unwrap_or_else(|e| e.into_inner());
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_upstream"));
    cmd.args(["dev", "--port", &port.to_string()])
        .args(args)
        .env("WEBHOOK_SECRET", "nginx-gate-test-secret-1")
        .env_remove("PLAYBACK_SIGNING_KEY")
        .stdout(Stdio::piped())
        .stderr(Stdio::null());
    for (k, v) in env {
        cmd.env(k, v);
    }
    let mut child = cmd.spawn().unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    for line in lines.by_ref() {
        if line.unwrap().starts_with("Stop with Ctrl-C") {
            break;
        }
    }
    std::thread::spawn(move || for _ in lines {});
    wait_for_port(port, "upstream dev");
    Running(child, Some(one))
}

/// One HTTP/1.1 request on loopback: (status, headers, body).
fn http(
    port: u16,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &str,
) -> (u16, String, Vec<u8>) {
    let mut s = TcpStream::connect(("127.0.0.1", port)).unwrap();
    let mut req = format!(
        "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\nContent-Length: {}\r\n",
        body.len()
    );
    for (k, v) in headers {
        req.push_str(&format!("{k}: {v}\r\n"));
    }
    req.push_str("\r\n");
    req.push_str(body);
    s.write_all(req.as_bytes()).unwrap();
    let mut raw = Vec::new();
    s.read_to_end(&mut raw).unwrap();
    let split = raw.windows(4).position(|w| w == b"\r\n\r\n").unwrap();
    let head = String::from_utf8_lossy(&raw[..split]).into_owned();
    let status = head[9..12].parse().unwrap();
    (status, head, raw[split + 4..].to_vec())
}

fn json(port: u16, method: &str, path: &str, body: &str) -> serde_json::Value {
    let (status, _, body) = http(
        port,
        method,
        path,
        &[("Content-Type", "application/json")],
        body,
    );
    let v: serde_json::Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(status, 200, "{method} {path}: {v}");
    v
}

/// A paid session for `user` on `stream` through the real API and the local approve command;
/// returns its playback token from check-access.
fn paid_token(api: u16, user: &str, stream: &str) -> String {
    let r = json(
        api,
        "POST",
        "/api/generate-qris",
        &format!(r#"{{"streamId":"{stream}","userId":"{user}"}}"#),
    );
    let session = r["data"]["sessionId"].as_str().unwrap().to_owned();
    let out = Command::new(env!("CARGO_BIN_EXE_upstream"))
        .args([
            "approve",
            stream,
            "--local",
            &format!("http://127.0.0.1:{api}"),
            "--user",
            user,
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let c = json(
        api,
        "GET",
        &format!("/api/check-access?sessionId={session}&streamId={stream}"),
        "",
    );
    assert_eq!(c["data"]["hasAccess"], true);
    c["data"]["playback"]["token"].as_str().unwrap().to_owned()
}

/// nginx with its own prefix, config, pid and logs in `dir`, serving `dir/www` on `port`.
fn start_nginx(dir: &Path, port: u16, verifier: &str) -> Running {
    let nginx = ["/usr/sbin/nginx", "/usr/bin/nginx"]
        .into_iter()
        .find(|p| Path::new(p).exists())
        .expect("nginx is installed (infra/setup installs Debian's nginx)");
    let v = Command::new(nginx).arg("-V").output().unwrap();
    assert!(
        String::from_utf8_lossy(&v.stderr).contains("--with-http_auth_request_module"),
        "nginx has auth_request"
    );
    let site = std::fs::read_to_string(root().join("infra/media/nginx/upstream-playback.conf"))
        .unwrap()
        .replace("@LISTEN@", &format!("127.0.0.1:{port}"))
        .replace("@HLS_ROOT@", dir.join("www").to_str().unwrap())
        .replace("@VERIFIER_URL@", verifier);
    std::fs::write(dir.join("site.conf"), site).unwrap();
    let d = dir.display();
    let conf = format!(
        "worker_processes 1;\npid {d}/nginx.pid;\nerror_log {d}/error.log info;\n\
         events {{ worker_connections 64; }}\n\
         http {{\n  access_log {d}/access.log;\n  client_body_temp_path {d}/tmp/body;\n\
         proxy_temp_path {d}/tmp/proxy;\n  fastcgi_temp_path {d}/tmp/fastcgi;\n\
         uwsgi_temp_path {d}/tmp/uwsgi;\n  scgi_temp_path {d}/tmp/scgi;\n\
         default_type application/octet-stream;\n  include {d}/site.conf;\n}}\n"
    );
    std::fs::create_dir_all(dir.join("tmp")).unwrap();
    std::fs::write(dir.join("nginx.conf"), conf).unwrap();
    let test = Command::new(nginx)
        .args([
            "-t",
            "-p",
            dir.to_str().unwrap(),
            "-e",
            dir.join("error.log").to_str().unwrap(),
        ])
        .args(["-c", dir.join("nginx.conf").to_str().unwrap()])
        .output()
        .unwrap();
    assert!(
        test.status.success(),
        "nginx -t: {}",
        String::from_utf8_lossy(&test.stderr)
    );
    let child = Command::new(nginx)
        .args([
            "-p",
            dir.to_str().unwrap(),
            "-e",
            dir.join("error.log").to_str().unwrap(),
        ])
        .args([
            "-c",
            dir.join("nginx.conf").to_str().unwrap(),
            "-g",
            "daemon off;",
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    wait_for_port(port, "nginx");
    Running(child, None)
}

/// A tiny HLS rendition per stream: a playlist and one MPEG-TS segment.
fn write_hls(www: &Path, media: &str) -> (String, Vec<u8>) {
    let dir = www.join("hls").join(media);
    std::fs::create_dir_all(&dir).unwrap();
    let playlist = "#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-TARGETDURATION:2\n#EXT-X-MEDIA-SEQUENCE:42\n#EXTINF:2.000,\nseg42.ts\n".to_owned();
    // One 188-byte TS null packet (sync byte 0x47, PID 0x1FFF).
    let mut segment = vec![0x47, 0x1F, 0xFF, 0x10];
    segment.resize(188, 0xFF);
    std::fs::write(dir.join("index.m3u8"), &playlist).unwrap();
    std::fs::write(dir.join("seg42.ts"), &segment).unwrap();
    (playlist, segment)
}

fn python() -> PathBuf {
    let py = root().join(".venv/bin/python");
    assert!(py.exists(), "infra/setup installs PyJWT into .venv");
    py
}

fn independent(mode: &str, jwks: &Path, token: &str, issuer: &str) -> (bool, String) {
    let out = Command::new(python())
        .arg(root().join("infra/cli/tests/verify_playback_token.py"))
        .args([
            mode,
            jwks.to_str().unwrap(),
            token,
            DEFAULT_AUDIENCE,
            issuer,
        ])
        .output()
        .unwrap();
    (
        out.status.success(),
        format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ),
    )
}

#[test]
fn nginx_serves_hls_only_to_valid_tokens_for_the_stream() {
    let dir = std::env::temp_dir().join(format!("upstream-nginx-gate-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("www")).unwrap();
    let (playlist, segment) = write_hls(&dir.join("www"), "2");
    write_hls(&dir.join("www"), "4");

    // The verifier: the dev stack, signing with a key this test also holds (to mint an expired token).
    let key = SigningKey::generate();
    let api = free_port();
    let issuer = format!("http://127.0.0.1:{api}");
    let _dev = start_dev(
        api,
        &["--in-memory"],
        &[("PLAYBACK_SIGNING_KEY", key.to_pkcs8_pem())],
    );
    let media = free_port();
    let _nginx = start_nginx(
        &dir,
        media,
        &format!("http://127.0.0.1:{api}/api/playback-auth/nginx"),
    );

    let t2 = paid_token(api, "gate-viewer", "2");
    let t4 = paid_token(api, "gate-viewer", "4");
    let get = |path: &str, headers: &[(&str, &str)]| http(media, "GET", path, headers, "");

    // No token.
    assert_eq!(get("/hls/2/index.m3u8", &[]).0, 401);
    assert_eq!(get("/hls/2/seg42.ts", &[]).0, 401);
    // A valid token, as hls.js sends it.
    let bearer = format!("Bearer {t2}");
    let (status, _, body) = get("/hls/2/index.m3u8", &[("Authorization", &bearer)]);
    assert_eq!((status, String::from_utf8(body).unwrap()), (200, playlist));
    let (status, head, body) = get("/hls/2/seg42.ts", &[("Authorization", &bearer)]);
    assert_eq!((status, body), (200, segment.clone()));
    assert!(
        head.to_ascii_lowercase()
            .contains("content-type: video/mp2t"),
        "{head}"
    );
    // As Safari's native player sends it: ?token= on the playlist (handed back as a cookie), then
    // the cookie alone for the segment.
    let (status, head, _) = get(&format!("/hls/2/index.m3u8?token={t2}"), &[]);
    assert_eq!(status, 200);
    assert!(
        head.contains(&format!("Set-Cookie: upstream_playback={t2}; Path=/hls/")),
        "{head}"
    );
    let cookie = format!("upstream_playback={t2}");
    assert_eq!(get("/hls/2/seg42.ts", &[("Cookie", &cookie)]).0, 200);
    // Another stream's token.
    assert_eq!(
        get(
            "/hls/2/index.m3u8",
            &[("Authorization", &format!("Bearer {t4}"))]
        )
        .0,
        403
    );
    assert_eq!(
        get(
            "/hls/4/index.m3u8",
            &[("Authorization", &format!("Bearer {t4}"))]
        )
        .0,
        200
    );
    assert_ne!(
        get("/hls/2/../4/index.m3u8", &[("Authorization", &bearer)]).0,
        200
    );
    // Expired: signed by the real key, its time over.
    let past = Utc::now() - TimeDelta::minutes(10);
    let expired = Issuer::new(
        key.clone(),
        &issuer,
        DEFAULT_AUDIENCE,
        TimeDelta::seconds(300),
    )
    .issue(
        &Grant {
            user: &UserId::parse("gate-viewer").unwrap(),
            stream: &StreamId::parse("2").unwrap(),
            session: &SessionId::generate(),
            session_expires_at: past + TimeDelta::hours(1),
            media_path: &MediaPath::parse("2").unwrap(),
        },
        past,
    )
    .unwrap()
    .token;
    assert_eq!(
        get(
            "/hls/2/index.m3u8",
            &[("Authorization", &format!("Bearer {expired}"))]
        )
        .0,
        401
    );
    // Tampered: one character of the claims changed.
    let dot = t2.find('.').unwrap();
    let mut tampered = t2.clone().into_bytes();
    let i = dot + 10;
    tampered[i] = if tampered[i] == b'A' { b'B' } else { b'A' };
    let tampered = String::from_utf8(tampered).unwrap();
    assert_eq!(
        get(
            "/hls/2/index.m3u8",
            &[("Authorization", &format!("Bearer {tampered}"))]
        )
        .0,
        401
    );

    // Independent verification against the published JWKS.
    let (status, head, jwks) = http(api, "GET", "/api/.well-known/jwks.json", &[], "");
    assert_eq!(status, 200);
    assert!(
        head.to_ascii_lowercase()
            .contains("cache-control: public, max-age=300"),
        "{head}"
    );
    let jwks_file = dir.join("jwks.json");
    std::fs::write(&jwks_file, &jwks).unwrap();
    let (ok, out) = independent("accept", &jwks_file, &t2, &issuer);
    assert!(ok, "PyJWT refused a good token: {out}");
    let claims: serde_json::Value = serde_json::from_str(out.trim()).unwrap();
    assert_eq!(claims["stream"], "2");
    assert_eq!(
        claims["mediamtx_permissions"],
        serde_json::json!([{"action": "read", "path": "2"}])
    );
    for bad in [&tampered, &expired] {
        let (refused, out) = independent("reject", &jwks_file, bad, &issuer);
        assert!(refused, "PyJWT accepted a bad token: {out}");
    }
    let (refused, _) = independent("reject", &jwks_file, &t2, "https://someone-else");
    assert!(refused, "wrong issuer refused independently too");

    drop(_nginx);
    let _ = std::fs::remove_dir_all(&dir);
}
