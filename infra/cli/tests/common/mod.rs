//! `upstream dev` run as a user runs it, for the tests that drive the local stack over HTTP.
#![allow(dead_code)] // each test crate uses its part

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A running `upstream dev`.
pub struct Dev {
    pub child: Child,
    pub port: u16,
    /// What it printed to stdout (its JSON logs) after the banner.
    pub logs: std::sync::Arc<std::sync::Mutex<Vec<String>>>,
}

/// An answer: status, headers (names lowercase) and body.
pub struct Reply {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: String,
}

impl Reply {
    /// The value of the header `name` (lowercase), if any.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// The body as JSON (`null` when it is not).
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).unwrap_or_default()
    }
}

impl Dev {
    pub fn start(data: &std::path::Path, port: u16) -> Dev {
        Dev::spawn(port, &["--data", data.to_str().unwrap()], &[]).0
    }

    /// Starts `upstream dev` on `port` with `args` and `env` added; with what it printed to stdout
    /// (its JSON logs and banner) before the banner's last line.
    pub fn spawn(port: u16, args: &[&str], env: &[(&str, &str)]) -> (Dev, Vec<String>) {
        let mut child = Command::new(env!("CARGO_BIN_EXE_upstream"))
            .args(["dev", "--port", &port.to_string()])
            .args(args)
            .env("WEBHOOK_SECRET", "dev-stack-test-secret-123")
            .envs(env.iter().copied())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        // What it says on stderr (why it stopped, if it does), read as it comes.
        let said = std::sync::Arc::new(std::sync::Mutex::new(String::new()));
        let stderr = child.stderr.take().unwrap();
        let sink = said.clone();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                sink.lock().unwrap().push_str(&(line + "\n"));
            }
        });
        // Wait for the banner, then for the port (a failure stops it: see Drop).
        let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
        let logs = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        let mut dev = Dev {
            child,
            port,
            logs: logs.clone(),
        };
        let deadline = Instant::now() + Duration::from_secs(90);
        let mut printed = Vec::new();
        for line in lines.by_ref() {
            let line = line.unwrap();
            if line.starts_with("Stop with Ctrl-C") || Instant::now() > deadline {
                break;
            }
            printed.push(line);
        }
        std::thread::spawn(move || {
            for line in lines.map_while(Result::ok) {
                logs.lock().unwrap().push(line);
            }
        });
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            if dev.child.try_wait().unwrap().is_some() {
                std::thread::sleep(Duration::from_millis(200));
                panic!(
                    "upstream dev exited: {}\n{printed:#?}",
                    said.lock().unwrap()
                );
            }
            assert!(Instant::now() < deadline, "upstream dev did not start");
            std::thread::sleep(Duration::from_millis(100));
        }
        (dev, printed)
    }

    #[allow(unsafe_code)] // SIGTERM to the child, as an operator's Ctrl-C would
    fn terminate(&self) {
        unsafe {
            libc_kill(self.child.id() as i32, 15);
        }
    }

    /// Stops it as Ctrl-C would and checks that it exits cleanly.
    pub fn stop(mut self) {
        self.terminate();
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

    /// The stack's base URL.
    pub fn base(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// A JSON request: status and body.
    pub fn request(
        &self,
        method: &str,
        path: &str,
        body: Option<&str>,
    ) -> (u16, serde_json::Value) {
        let reply = self.send(
            method,
            path,
            &[("content-type", "application/json")],
            body.unwrap_or(""),
        );
        (reply.status, reply.json())
    }

    /// A request with `headers` added.
    pub fn send(&self, method: &str, path: &str, headers: &[(&str, &str)], body: &str) -> Reply {
        let mut s = TcpStream::connect(("127.0.0.1", self.port)).unwrap();
        let mut head = format!(
            "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{}\r\nContent-Length: {}\r\nConnection: close\r\n",
            self.port,
            body.len()
        );
        for (k, v) in headers {
            head.push_str(&format!("{k}: {v}\r\n"));
        }
        write!(s, "{head}\r\n{body}").unwrap();
        let mut raw = String::new();
        s.read_to_string(&mut raw).unwrap();
        let (head, body) = raw.split_once("\r\n\r\n").unwrap_or((&raw, ""));
        let mut lines = head.split("\r\n");
        let status = lines.next().unwrap()[9..12].parse().unwrap();
        let headers = lines
            .filter_map(|l| l.split_once(':'))
            .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_owned()))
            .collect();
        Reply {
            status,
            headers,
            body: body.to_owned(),
        }
    }
}

/// A test that failed before `stop` leaves no stack (nor its DynamoDB Local) running.
impl Drop for Dev {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            self.terminate();
            let deadline = Instant::now() + Duration::from_secs(30);
            while matches!(self.child.try_wait(), Ok(None)) && Instant::now() < deadline {
                std::thread::sleep(Duration::from_millis(100));
            }
        }
    }
}

#[allow(unsafe_code)]
unsafe extern "C" {
    #[link_name = "kill"]
    fn libc_kill(pid: i32, sig: i32) -> i32;
}
