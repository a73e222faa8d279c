//! Where operator commands send their requests: the admin Function URL (SigV4-signed with the caller's
//! AWS identity) or the local stack (unsigned).

use std::time::SystemTime;

use aws_credential_types::Credentials;
use aws_credential_types::provider::ProvideCredentials;
use serde_json::Value;

/// Status, headers and body of an answer.
pub type Reply = (u16, Vec<(String, String)>, Vec<u8>);

/// The admin endpoint.
pub enum Target {
    Signed {
        base: String,
        region: String,
        creds: Credentials,
    },
    Local {
        base: String,
    },
}

/// Options shared by the commands that talk to the admin function.
#[derive(clap::Args, Clone, Debug)]
pub struct TargetArgs {
    /// The admin Function URL (requests are signed with SigV4). Default: UPSTREAM_ADMIN_URL.
    #[arg(long, env = "UPSTREAM_ADMIN_URL", conflicts_with = "local")]
    pub url: Option<String>,
    /// The local stack's base URL, e.g. http://127.0.0.1:3001 (unsigned).
    #[arg(long)]
    pub local: Option<String>,
    /// AWS region of the Function URL (default: taken from the URL, then AWS_REGION).
    #[arg(long)]
    pub region: Option<String>,
}

impl TargetArgs {
    /// Resolves the target, loading AWS credentials for a signed one.
    pub fn resolve(&self) -> Result<Target, String> {
        if let Some(base) = &self.local {
            return Ok(Target::Local {
                base: base.trim_end_matches('/').to_owned(),
            });
        }
        let Some(base) = &self.url else {
            return Err("no target: pass --url URL (or set UPSTREAM_ADMIN_URL) for the admin Function URL, or --local URL for the local stack".into());
        };
        let region = self
            .region
            .clone()
            .or_else(|| crate::sigv4::region_of(base))
            .or_else(|| std::env::var("AWS_REGION").ok())
            .ok_or("cannot tell the region of the URL: pass --region")?;
        let creds = load_credentials()?;
        Ok(Target::Signed {
            base: base.trim_end_matches('/').to_owned(),
            region,
            creds,
        })
    }
}

fn load_credentials() -> Result<Credentials, String> {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| e.to_string())?;
    rt.block_on(async {
        let config = aws_config::load_defaults(aws_config::BehaviorVersion::latest()).await;
        let provider = config
            .credentials_provider()
            .ok_or("no AWS credentials found (configure a profile, AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, or SSO)")?;
        provider
            .provide_credentials()
            .await
            .map_err(|e| format!("no AWS credentials found: {e}"))
    })
}

impl Target {
    /// The base URL.
    pub fn base(&self) -> &str {
        match self {
            Target::Signed { base, .. } | Target::Local { base } => base,
        }
    }

    /// Sends a request and returns `(status, headers, body)` whatever the status.
    pub fn send(
        &self,
        method: &str,
        path_and_query: &str,
        headers: &[(String, String)],
        body: &[u8],
    ) -> Result<Reply, String> {
        let url = format!("{}{}", self.base(), path_and_query);
        let mut all: Vec<(String, String)> = headers
            .iter()
            .filter(|(k, _)| {
                !matches!(
                    k.to_ascii_lowercase().as_str(),
                    "host"
                        | "authorization"
                        | "content-length"
                        | "connection"
                        | "x-amz-date"
                        | "x-amz-security-token"
                )
            })
            .cloned()
            .collect();
        if let Target::Signed { region, creds, .. } = self {
            let host = url
                .split("://")
                .nth(1)
                .and_then(|r| r.split('/').next())
                .unwrap_or_default()
                .to_owned();
            let mut to_sign = all.clone();
            to_sign.push(("host".into(), host));
            let signer = crate::sigv4::Signer {
                creds,
                region,
                service: "lambda",
            };
            all.extend(crate::sigv4::signed_headers(
                &signer,
                method,
                &url,
                &to_sign,
                body,
                SystemTime::now(),
            )?);
        }
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .build()
            .into();
        let mut req = ureq::http::Request::builder().method(method).uri(&url);
        for (k, v) in &all {
            req = req.header(k, v);
        }
        let req = req.body(body.to_vec()).map_err(|e| e.to_string())?;
        let mut resp = agent
            .run(req)
            .map_err(|e| format!("cannot reach {}: {e}", self.base()))?;
        let status = resp.status().as_u16();
        let headers = resp
            .headers()
            .iter()
            .map(|(k, v)| {
                (
                    k.as_str().to_owned(),
                    v.to_str().unwrap_or_default().to_owned(),
                )
            })
            .collect();
        let body = resp.body_mut().read_to_vec().map_err(|e| e.to_string())?;
        Ok((status, headers, body))
    }

    /// A JSON call: the `data` of a success envelope, or a one-line error.
    pub fn call(
        &self,
        method: &str,
        path_and_query: &str,
        body: Option<&Value>,
    ) -> Result<Value, String> {
        let raw = body.map(|b| b.to_string()).unwrap_or_default();
        let headers = if body.is_some() {
            vec![("content-type".to_owned(), "application/json".to_owned())]
        } else {
            vec![]
        };
        let (status, _, bytes) = self.send(method, path_and_query, &headers, raw.as_bytes())?;
        self.envelope(status, &bytes)
    }

    /// Reads an answer: the `data` of a success envelope, or a one-line error.
    pub fn envelope(&self, status: u16, bytes: &[u8]) -> Result<Value, String> {
        if status == 403
            && matches!(self, Target::Signed { .. })
            && serde_json::from_slice::<Value>(bytes).map_or(true, |v| v.get("success").is_none())
        {
            return Err(format!(
                "403 from {}: your AWS identity may not invoke this function URL (lambda:InvokeFunctionUrl)",
                self.base()
            ));
        }
        let json: Value = serde_json::from_slice(bytes)
            .map_err(|_| format!("HTTP {status} from {}: not a JSON answer", self.base()))?;
        if json["success"] == Value::Bool(true) {
            Ok(json["data"].clone())
        } else {
            Err(format!(
                "HTTP {status}: {} ({})",
                json["error"].as_str().unwrap_or("unknown error"),
                json["code"].as_str().unwrap_or("?")
            ))
        }
    }
}
