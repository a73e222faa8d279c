//! Runs a function's release `bootstrap` under AWS's Runtime Interface Emulator (the one `sam local
//! invoke` runs inside its container, shipped in the aws-sam-cli wheel that `infra/setup` installs),
//! on a free loopback port, with the environment its `template.yaml` resource declares; its secrets
//! come from moto's server (store them with `crate::moto::Moto::put_secrets` first).
//!
//! The emulator is started in its own process group with the parent-death signal set; dropping an
//! [`Emulator`] kills the group (the emulator and the bootstrap it started), and the bootstrap itself
//! runs under `setpriv --pdeathsig KILL`, so nothing outlives the process that started it.
//!
//! [`Emulator::start_function`] puts the function's [`IamProxy`] between it and DynamoDB Local: its
//! calls are checked against its template policy as IAM checks them.

use std::collections::BTreeMap;
use std::io::Read;
use std::net::{SocketAddr, TcpStream};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::iam::IamProxy;
use crate::template::{FunctionResource, LocalValues, Template};

pub use crate::artifacts::{
    LambdaError, bootstrap, bundle_size, lambda_dir, repo_root, rie_binary,
};

/// Local values for the template: DynamoDB Local, moto's Secrets Manager, dummy credentials, the
/// demo merchant.
#[derive(Debug, Clone)]
pub struct LocalTarget {
    pub values: LocalValues,
    /// `DYNAMODB_ENDPOINT` (not in the template: the local override every function reads).
    pub dynamodb_endpoint: String,
    /// `AWS_ENDPOINT_URL_SECRETS_MANAGER`: moto's server (the SDK's standard endpoint override).
    pub secrets_endpoint: String,
}

/// The whole environment of a function's process as Lambda would give it: the template's variables
/// resolved against `target`, the platform's (`AWS_LAMBDA_*`, region, credentials), then `overrides`
/// (`None` removes a variable). Nothing is inherited from this process but `PATH`.
pub fn function_environment(
    function: &str,
    target: &LocalTarget,
    overrides: &[(&str, Option<&str>)],
) -> Result<(FunctionResource, BTreeMap<String, String>), LambdaError> {
    let template = Template::load(&repo_root().join("template.yaml"))?;
    let resource = template.function(function, &target.values)?;
    let mut env = resource.environment.clone();
    let region = target.values.region.clone();
    let platform = [
        ("AWS_LAMBDA_FUNCTION_NAME", resource.function_name.clone()),
        ("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST".into()),
        (
            "AWS_LAMBDA_FUNCTION_MEMORY_SIZE",
            resource.memory_mb.to_string(),
        ),
        (
            "AWS_LAMBDA_FUNCTION_TIMEOUT",
            resource.timeout_s.to_string(),
        ),
        ("AWS_REGION", region.clone()),
        ("AWS_DEFAULT_REGION", region),
        ("AWS_ACCESS_KEY_ID", "local".into()),
        ("AWS_SECRET_ACCESS_KEY", "local".into()),
        ("AWS_SESSION_TOKEN", "local".into()),
        ("AWS_EC2_METADATA_DISABLED", "true".into()),
        ("TZ", ":UTC".into()),
        ("DYNAMODB_ENDPOINT", target.dynamodb_endpoint.clone()),
        (
            "AWS_ENDPOINT_URL_SECRETS_MANAGER",
            target.secrets_endpoint.clone(),
        ),
    ];
    for (k, v) in platform {
        env.insert(k.to_owned(), v);
    }
    if let Some(format) = &resource.log_format {
        env.insert("AWS_LAMBDA_LOG_FORMAT".into(), format.clone());
    }
    if let Some(level) = &resource.log_level {
        env.insert("AWS_LAMBDA_LOG_LEVEL".into(), level.clone());
    }
    if let Ok(path) = std::env::var("PATH") {
        env.insert("PATH".into(), path);
    }
    for (k, v) in overrides {
        match v {
            Some(v) => env.insert((*k).to_owned(), (*v).to_owned()),
            None => env.remove(*k),
        };
    }
    Ok((resource, env))
}

/// The answer of one invocation.
#[derive(Debug, Clone)]
pub struct Invocation {
    /// The emulator's HTTP status (200 even for most function errors, as Lambda's Invoke API).
    pub status: u16,
    /// The function's answer (for an error: `{"errorType", "errorMessage"}`).
    pub body: Value,
    /// Wall time of the request to the emulator.
    pub elapsed: Duration,
}

/// A Lambda proxy response (API Gateway v2 / Function URL), decoded.
#[derive(Debug, Clone)]
pub struct HttpAnswer {
    pub status: u16,
    pub headers: BTreeMap<String, String>,
    /// The body as JSON, `Null` when empty, a string when not JSON (HTML).
    pub body: Value,
}

impl Invocation {
    /// Decodes the function's proxy response; an error answer (init or runtime error) is `Err` with
    /// the emulator's `errorType: errorMessage`.
    pub fn http(&self) -> Result<HttpAnswer, LambdaError> {
        let Some(status) = self.body.get("statusCode").and_then(Value::as_u64) else {
            return Err(LambdaError::Invoke(format!(
                "not a proxy response (emulator status {}): {}",
                self.status, self.body
            )));
        };
        let headers = self
            .body
            .get("headers")
            .and_then(Value::as_object)
            .map(|h| {
                h.iter()
                    .map(|(k, v)| (k.to_ascii_lowercase(), v.as_str().unwrap_or("").to_owned()))
                    .collect()
            })
            .unwrap_or_default();
        let raw = self.body.get("body").and_then(Value::as_str).unwrap_or("");
        let body = if raw.is_empty() {
            Value::Null
        } else {
            serde_json::from_str(raw).unwrap_or_else(|_| Value::String(raw.to_owned()))
        };
        Ok(HttpAnswer {
            status: u16::try_from(status).unwrap_or(0),
            headers,
            body,
        })
    }

    /// `errorType` of an error answer.
    pub fn error_type(&self) -> Option<&str> {
        self.body.get("errorType").and_then(Value::as_str)
    }
}

/// A bootstrap running under the emulator; stopped (with everything it started) when dropped.
pub struct Emulator {
    child: Child,
    port: u16,
    api_port: u16,
    logs: Arc<Mutex<Vec<u8>>>,
    agent: ureq::Agent,
    /// The function's IAM proxy, when started by [`Emulator::start_function`].
    iam: Option<IamProxy>,
}

/// Log bytes kept per emulator (the tail).
const LOG_KEEP: usize = 256 * 1024;

impl Emulator {
    /// Starts `bootstrap` under the emulator with exactly `env`, waits until the emulator accepts
    /// connections. The function's init runs at the first invocation, as in Lambda.
    pub fn start(bootstrap: &Path, env: &BTreeMap<String, String>) -> Result<Self, LambdaError> {
        let rie = rie_binary()?;
        let bootstrap = bootstrap
            .canonicalize()
            .map_err(|e| LambdaError::Missing(format!("{}: {e}", bootstrap.display())))?;
        let mut last = String::new();
        for _ in 0..3 {
            let port = crate::process::free_port()?;
            let api_port = crate::process::free_port()?;
            let mut cmd = Command::new(&rie);
            cmd.arg("--runtime-interface-emulator-address")
                .arg(format!("127.0.0.1:{port}"))
                // Not the default 9001: several emulators may run at once.
                .arg("--runtime-api-address")
                .arg(format!("127.0.0.1:{api_port}"))
                // The bootstrap dies with the emulator, however the emulator ends.
                .args(["setpriv", "--pdeathsig", "KILL", "--"])
                .arg(&bootstrap)
                .env_clear()
                .envs(env)
                .current_dir(bootstrap.parent().unwrap_or(Path::new(".")))
                .stdin(Stdio::null())
                .stdout(Stdio::piped())
                .stderr(Stdio::piped());
            if let Some(dir) = bootstrap.parent() {
                cmd.env("LAMBDA_TASK_ROOT", dir);
            }
            let mut child = crate::process::spawn_guarded_group(cmd)?;
            let logs = Arc::new(Mutex::new(Vec::new()));
            for pipe in [
                child
                    .stdout
                    .take()
                    .map(|p| Box::new(p) as Box<dyn Read + Send>),
                child
                    .stderr
                    .take()
                    .map(|p| Box::new(p) as Box<dyn Read + Send>),
            ]
            .into_iter()
            .flatten()
            {
                let logs = logs.clone();
                std::thread::spawn(move || collect(pipe, &logs));
            }
            let agent: ureq::Agent = ureq::Agent::config_builder()
                .http_status_as_error(false)
                .timeout_global(Some(Duration::from_secs(60)))
                .build()
                .into();
            let mut emulator = Self {
                child,
                port,
                api_port,
                logs,
                agent,
                iam: None,
            };
            match emulator.wait_ready() {
                Ok(()) => return Ok(emulator),
                Err(e) => last = e,
            }
        }
        Err(LambdaError::Start(last))
    }

    /// Starts a built function (`target/lambda/<function>/bootstrap`) with its template environment,
    /// its DynamoDB calls through an [`IamProxy`] enforcing its template policy (an override of
    /// `DYNAMODB_ENDPOINT` goes around the proxy).
    pub fn start_function(
        function: &str,
        target: &LocalTarget,
        overrides: &[(&str, Option<&str>)],
    ) -> Result<Self, LambdaError> {
        let (resource, mut env) = function_environment(function, target, overrides)?;
        let access = resource.access;
        let proxy = IamProxy::start(&target.dynamodb_endpoint, access.identity, access.policy)?;
        if !overrides.iter().any(|(k, _)| *k == "DYNAMODB_ENDPOINT") {
            env.insert("DYNAMODB_ENDPOINT".into(), proxy.endpoint());
        }
        let mut emulator = Self::start(&bootstrap(function)?, &env)?;
        emulator.iam = Some(proxy);
        Ok(emulator)
    }

    /// The function's IAM proxy (started by [`Emulator::start_function`]).
    pub fn iam(&self) -> Option<&IamProxy> {
        self.iam.as_ref()
    }

    fn wait_ready(&mut self) -> Result<(), String> {
        let addr = SocketAddr::from(([127, 0, 0, 1], self.port));
        let api = SocketAddr::from(([127, 0, 0, 1], self.api_port));
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            if let Ok(Some(status)) = self.child.try_wait() {
                return Err(format!(
                    "the emulator exited with {status}: {}",
                    self.logs()
                ));
            }
            let up =
                |a: &SocketAddr| TcpStream::connect_timeout(a, Duration::from_millis(100)).is_ok();
            if up(&addr) && up(&api) {
                return Ok(());
            }
            std::thread::sleep(Duration::from_millis(5));
        }
        Err(format!("the emulator did not listen on {addr} within 10 s"))
    }

    /// The invocation URL (`POST` an event to it).
    pub fn url(&self) -> String {
        format!(
            "http://127.0.0.1:{}/2015-03-31/functions/function/invocations",
            self.port
        )
    }

    /// Invokes the function with `event` and waits for its answer (at most 60 s).
    pub fn invoke(&self, event: &Value) -> Result<Invocation, LambdaError> {
        self.invoke_bytes(event.to_string().as_bytes())
    }

    /// Invokes with a serialized event.
    pub fn invoke_bytes(&self, event: &[u8]) -> Result<Invocation, LambdaError> {
        let (status, bytes, elapsed) = self.invoke_raw(event)?;
        let body = serde_json::from_slice(&bytes)
            .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&bytes).into_owned()));
        Ok(Invocation {
            status,
            body,
            elapsed,
        })
    }

    /// Invokes with a serialized event; the raw answer and the request's wall time (for benchmarks).
    pub fn invoke_raw(&self, event: &[u8]) -> Result<(u16, Vec<u8>, Duration), LambdaError> {
        let started = Instant::now();
        let mut resp = self
            .agent
            .post(&self.url())
            .header("content-type", "application/json")
            .send(event)
            .map_err(|e| LambdaError::Invoke(format!("{e} (logs: {})", self.logs())))?;
        let status = resp.status().as_u16();
        let bytes = resp
            .body_mut()
            .with_config()
            .limit(64 * 1024 * 1024)
            .read_to_vec()
            .map_err(|e| LambdaError::Invoke(e.to_string()))?;
        Ok((status, bytes, started.elapsed()))
    }

    /// What the emulator and the function wrote so far (the tail), as text.
    pub fn logs(&self) -> String {
        let logs = self.logs.lock().unwrap_or_else(|e| e.into_inner());
        String::from_utf8_lossy(&logs).into_owned()
    }

    /// The logs once they contain `needle`, waiting up to `timeout` for the pipe readers to catch
    /// up (a function's last lines may arrive after its answer); the logs so far otherwise.
    pub fn logs_containing(&self, needle: &str, timeout: Duration) -> Result<String, String> {
        let deadline = Instant::now() + timeout;
        loop {
            let logs = self.logs();
            if logs.contains(needle) {
                return Ok(logs);
            }
            if Instant::now() >= deadline {
                return Err(logs);
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// The emulator's process id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// The bootstrap's process id (a child of the emulator), once the function has been initialised.
    pub fn runtime_pid(&self) -> Option<u32> {
        crate::process::children(self.child.id()).into_iter().next()
    }

    /// Peak resident memory of the bootstrap (`VmHWM`, KiB).
    pub fn peak_rss_kib(&self) -> Option<u64> {
        let status =
            std::fs::read_to_string(format!("/proc/{}/status", self.runtime_pid()?)).ok()?;
        status
            .lines()
            .find_map(|l| l.strip_prefix("VmHWM:"))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
    }

    /// Stops the emulator and the bootstrap and waits for the emulator to end.
    pub fn stop(mut self) {
        self.kill();
    }

    fn kill(&mut self) {
        let pid = self.child.id() as i32;
        // SAFETY: kill(2) on our own child's process group.
        #[allow(unsafe_code)]
        unsafe {
            libc::kill(-pid, libc::SIGKILL);
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Emulator {
    fn drop(&mut self) {
        self.kill();
    }
}

fn collect(mut pipe: Box<dyn Read + Send>, logs: &Mutex<Vec<u8>>) {
    let mut buf = [0u8; 8192];
    loop {
        match pipe.read(&mut buf) {
            Ok(0) | Err(_) => return,
            Ok(n) => {
                let mut logs = logs.lock().unwrap_or_else(|e| e.into_inner());
                logs.extend_from_slice(&buf[..n]);
                if logs.len() > 2 * LOG_KEEP {
                    let cut = logs.len() - LOG_KEEP;
                    logs.drain(..cut);
                }
            }
        }
    }
}
