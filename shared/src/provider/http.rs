//! The one HTTP client the gateway adapters use: rustls on aws-lc-rs (the AWS SDK's provider, so no
//! OpenSSL and no second crypto library), connect timeout 2 s, a whole-call budget of 5 s, and bounded
//! retries on 5xx, timeouts and connection failures for idempotent calls only.

use std::time::{Duration, Instant};

use super::{ProviderConfigError, ProviderError};

/// Timeouts and retries. [`HttpPolicy::default`] is what production uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HttpPolicy {
    /// Time allowed to open the TCP (and TLS) connection.
    pub connect_timeout: Duration,
    /// Time allowed for one attempt (capped by what is left of `budget`).
    pub attempt_timeout: Duration,
    /// Time allowed for the whole call, every attempt and pause included.
    pub budget: Duration,
    /// Attempts for an idempotent call (a non-idempotent call gets exactly one).
    pub max_attempts: u32,
    /// Pause before the second attempt; doubled for each further one.
    pub backoff: Duration,
}

impl Default for HttpPolicy {
    fn default() -> Self {
        Self {
            connect_timeout: Duration::from_secs(2),
            attempt_timeout: Duration::from_secs(5),
            budget: Duration::from_secs(5),
            max_attempts: 3,
            backoff: Duration::from_millis(200),
        }
    }
}

/// Whether a request may be sent again after a failure that leaves its effect unknown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Idempotency {
    /// A read, or a write the server deduplicates (e.g. with an idempotency key): retried.
    Idempotent,
    /// A write that could take effect twice: sent once.
    Once,
}

/// A response read in full.
#[derive(Debug, Clone)]
pub struct HttpResponse {
    /// The HTTP status.
    pub status: u16,
    /// The response body.
    pub body: Vec<u8>,
}

/// A cheaply cloneable client (one connection pool per process).
#[derive(Clone)]
pub struct HttpClient {
    inner: reqwest::Client,
    policy: HttpPolicy,
}

impl std::fmt::Debug for HttpClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HttpClient")
            .field("policy", &self.policy)
            .finish()
    }
}

/// Largest response body read from a gateway.
const MAX_RESPONSE: usize = 1024 * 1024;

impl HttpClient {
    /// Builds the client with `policy`.
    pub fn new(policy: HttpPolicy) -> Result<Self, ProviderConfigError> {
        let inner = reqwest::Client::builder()
            .connect_timeout(policy.connect_timeout)
            .user_agent(concat!("upstream-pay/", env!("CARGO_PKG_VERSION")))
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|e| ProviderConfigError::Client(e.to_string()))?;
        Ok(Self { inner, policy })
    }

    /// The policy in force.
    pub fn policy(&self) -> HttpPolicy {
        self.policy
    }

    /// Sends `build()` (called again for each attempt) and reads the response. 5xx answers, timeouts
    /// and connection failures are retried within the policy when `idempotency` allows;
    /// the last such failure becomes [`ProviderError::Unavailable`]. `what` names the call in errors.
    pub async fn send(
        &self,
        what: &str,
        idempotency: Idempotency,
        build: impl Fn(&reqwest::Client) -> reqwest::RequestBuilder,
    ) -> Result<HttpResponse, ProviderError> {
        let started = Instant::now();
        let attempts = match idempotency {
            Idempotency::Idempotent => self.policy.max_attempts.max(1),
            Idempotency::Once => 1,
        };
        let mut pause = self.policy.backoff;
        let mut last = String::new();
        for attempt in 1..=attempts {
            let left = self.policy.budget.saturating_sub(started.elapsed());
            if left.is_zero() {
                break;
            }
            let timeout = left.min(self.policy.attempt_timeout);
            crate::calls::note_provider_call(what);
            match self.attempt(build(&self.inner).timeout(timeout)).await {
                Ok(resp) if resp.status >= 500 => {
                    last = format!("{what}: HTTP {}", resp.status);
                }
                Ok(resp) => return Ok(resp),
                Err(Failure::Transient(why)) => last = format!("{what}: {why}"),
                Err(Failure::Permanent(why)) => {
                    return Err(ProviderError::Rejected(format!("{what}: {why}")));
                }
            }
            if attempt < attempts {
                let left = self.policy.budget.saturating_sub(started.elapsed());
                if left <= pause {
                    break;
                }
                tokio::time::sleep(pause).await;
                pause = pause.saturating_mul(2);
            }
        }
        if last.is_empty() {
            last = format!("{what}: no time left");
        }
        Err(ProviderError::Unavailable(last))
    }

    async fn attempt(&self, request: reqwest::RequestBuilder) -> Result<HttpResponse, Failure> {
        let mut resp = request.send().await.map_err(classify)?;
        let status = resp.status().as_u16();
        let mut body = Vec::new();
        while let Some(chunk) = resp.chunk().await.map_err(classify)? {
            if body.len() + chunk.len() > MAX_RESPONSE {
                return Err(Failure::Permanent("response too large".into()));
            }
            body.extend_from_slice(&chunk);
        }
        Ok(HttpResponse { status, body })
    }
}

enum Failure {
    Transient(String),
    Permanent(String),
}

/// Timeouts, connection and body errors may pass; a request that cannot be built never will.
fn classify(err: reqwest::Error) -> Failure {
    if err.is_builder() {
        return Failure::Permanent(format!("bad request: {}", without_url(&err)));
    }
    let kind = if err.is_timeout() {
        "timed out"
    } else if err.is_connect() {
        "connection failed"
    } else {
        "transport error"
    };
    Failure::Transient(kind.to_owned())
}

/// The error's text without the URL (which carries nothing secret, but keeps logs short).
fn without_url(err: &reqwest::Error) -> String {
    let mut s = err.to_string();
    if let Some(url) = err.url() {
        s = s.replace(url.as_str(), "<url>");
    }
    s
}
