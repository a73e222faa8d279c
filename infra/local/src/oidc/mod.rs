//! The local OpenID provider (`infra/oidc/provider.mjs`: panva's `oidc-provider` on Node) as a child
//! process: started on loopback, read from its ready line, stopped when dropped (and killed by the
//! kernel if this process dies; it also exits by itself when its stdin closes).
//!
//! Its packages are installed by `infra/setup` (`npm ci --prefix infra/oidc`).

use std::io::{self, BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::{Arc, Mutex, mpsc};
use std::time::Duration;

use serde_json::Value;

mod sign_in;

pub use sign_in::Tokens;

/// How long the provider may take to print its ready line.
const READY_WITHIN: Duration = Duration::from_secs(30);
/// Bytes of the provider's stderr kept for error messages.
const LOG_KEEP: usize = 64 * 1024;

/// Errors while starting the provider or signing in on it.
#[derive(Debug, thiserror::Error)]
pub enum OidcError {
    #[error(
        "the OpenID provider is not installed ({0}): run infra/setup (npm ci --prefix infra/oidc)"
    )]
    NotInstalled(String),
    #[error("could not start the OpenID provider: {0}")]
    Start(String),
    #[error("sign-in failed: {0}")]
    SignIn(String),
    #[error(transparent)]
    Io(#[from] io::Error),
}

/// What the provider is started with (see `infra/oidc/README.md`).
#[derive(Debug, Clone)]
pub struct OidcOptions {
    /// Loopback port; 0 picks a free one.
    pub port: u16,
    /// The public client's id (code flow + PKCE, no secret).
    pub client_id: String,
    /// The `aud` of the access tokens.
    pub audience: String,
    /// Where the provider may send the browser back with a code (at least one).
    pub redirect_uris: Vec<String>,
    /// Where it may send the browser after sign-out (empty: the redirect URIs).
    pub post_logout_redirect_uris: Vec<String>,
    /// Lifetime of access and ID tokens, in seconds.
    pub access_token_ttl: u32,
}

impl OidcOptions {
    /// The defaults of `provider.mjs` with one redirect URI.
    pub fn new(redirect_uri: impl Into<String>) -> Self {
        Self {
            port: 0,
            client_id: "upstream-web".into(),
            audience: "upstream-api".into(),
            redirect_uris: vec![redirect_uri.into()],
            post_logout_redirect_uris: Vec::new(),
            access_token_ttl: 600,
        }
    }
}

/// A running provider; stopped when dropped.
#[derive(Debug)]
pub struct OidcProvider {
    child: Child,
    stdin: Option<ChildStdin>,
    logs: Arc<Mutex<Vec<u8>>>,
    issuer: String,
    client_id: String,
    audience: String,
    scope: String,
}

/// The folder holding `provider.mjs` and its `node_modules` (override with `UPSTREAM_OIDC_DIR`).
pub fn oidc_dir() -> PathBuf {
    match std::env::var_os("UPSTREAM_OIDC_DIR") {
        Some(dir) => PathBuf::from(dir),
        None => Path::new(env!("CARGO_MANIFEST_DIR")).join("../oidc"),
    }
}

/// The command line that starts the provider with `options` (stdin, stdout, stderr not set).
pub fn command(options: &OidcOptions) -> Result<Command, OidcError> {
    let dir = std::path::absolute(oidc_dir())?;
    let installed = dir.join("node_modules/oidc-provider/package.json");
    if !installed.is_file() {
        return Err(OidcError::NotInstalled(format!(
            "{} is missing",
            installed.display()
        )));
    }
    let mut cmd = Command::new("node");
    cmd.arg(dir.join("provider.mjs"))
        .args(["--port", &options.port.to_string()])
        .args(["--client-id", &options.client_id])
        .args(["--audience", &options.audience])
        .args(["--access-token-ttl", &options.access_token_ttl.to_string()]);
    for uri in &options.redirect_uris {
        cmd.args(["--redirect-uri", uri]);
    }
    let post_logout = if options.post_logout_redirect_uris.is_empty() {
        &options.redirect_uris
    } else {
        &options.post_logout_redirect_uris
    };
    // Every setting as a flag: flags win over the provider's OIDC_* environment variables.
    for uri in post_logout {
        cmd.args(["--post-logout-redirect-uri", uri]);
    }
    cmd.current_dir(&dir);
    Ok(cmd)
}

impl OidcProvider {
    /// Starts the provider and waits for its ready line (at most 30 s).
    pub fn start(options: &OidcOptions) -> Result<Self, OidcError> {
        let mut cmd = command(options)?;
        cmd.stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let mut child = crate::process::spawn_guarded(cmd)?;
        let stdin = child.stdin.take();
        let logs = Arc::new(Mutex::new(Vec::new()));
        if let Some(stderr) = child.stderr.take() {
            let logs = logs.clone();
            std::thread::spawn(move || keep_tail(stderr, &logs));
        }
        let (tx, rx) = mpsc::channel();
        if let Some(stdout) = child.stdout.take() {
            std::thread::spawn(move || {
                let mut lines = BufReader::new(stdout);
                let mut first = String::new();
                let _ = tx.send(lines.read_line(&mut first).map(|_| first));
                // Nothing more is expected; a full pipe must never block the provider.
                let _ = io::copy(&mut lines, &mut io::sink());
            });
        }
        let mut provider = Self {
            child,
            stdin,
            logs,
            issuer: String::new(),
            client_id: String::new(),
            audience: String::new(),
            scope: String::new(),
        };
        let line = match rx.recv_timeout(READY_WITHIN) {
            Ok(Ok(line)) if !line.is_empty() => line,
            Ok(Ok(_)) | Ok(Err(_)) | Err(mpsc::RecvTimeoutError::Disconnected) => {
                let status = provider.child.wait()?;
                // The stderr reader may still be copying the last bytes.
                std::thread::sleep(Duration::from_millis(50));
                return Err(OidcError::Start(format!(
                    "node exited with {status}: {}",
                    provider.logs().trim()
                )));
            }
            Err(mpsc::RecvTimeoutError::Timeout) => {
                return Err(OidcError::Start(format!(
                    "no ready line within {} s: {}",
                    READY_WITHIN.as_secs(),
                    provider.logs().trim()
                )));
            }
        };
        let ready: Value = serde_json::from_str(&line)
            .map_err(|e| OidcError::Start(format!("bad ready line {line:?}: {e}")))?;
        let field = |name: &str| {
            ready
                .get(name)
                .and_then(Value::as_str)
                .map(str::to_owned)
                .ok_or_else(|| OidcError::Start(format!("no {name:?} in the ready line {line:?}")))
        };
        provider.issuer = field("issuer")?;
        provider.client_id = field("clientId")?;
        provider.audience = field("audience")?;
        provider.scope = field("scope")?;
        Ok(provider)
    }

    /// The issuer, `http://127.0.0.1:<port>` (no trailing slash).
    pub fn issuer(&self) -> &str {
        &self.issuer
    }

    /// The public client's id.
    pub fn client_id(&self) -> &str {
        &self.client_id
    }

    /// The `aud` of its access tokens.
    pub fn audience(&self) -> &str {
        &self.audience
    }

    /// The scope a client asks for (`openid api`).
    pub fn scope(&self) -> &str {
        &self.scope
    }

    /// The node process id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// What the provider wrote on stderr so far (the tail).
    pub fn logs(&self) -> String {
        let logs = self.logs.lock().unwrap_or_else(|e| e.into_inner());
        String::from_utf8_lossy(&logs).into_owned()
    }

    /// Stops it and waits for the process to end.
    pub fn stop(mut self) {
        self.kill();
    }

    fn kill(&mut self) {
        // Closing stdin alone ends it; the kill makes sure.
        drop(self.stdin.take());
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for OidcProvider {
    fn drop(&mut self) {
        self.kill();
    }
}

fn keep_tail(mut pipe: impl Read, logs: &Mutex<Vec<u8>>) {
    let mut buf = [0u8; 4096];
    while let Ok(n @ 1..) = pipe.read(&mut buf) {
        let mut logs = logs.lock().unwrap_or_else(|e| e.into_inner());
        logs.extend_from_slice(&buf[..n]);
        if logs.len() > 2 * LOG_KEEP {
            let cut = logs.len() - LOG_KEEP;
            logs.drain(..cut);
        }
    }
}
