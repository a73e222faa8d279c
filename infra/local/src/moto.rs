//! moto's server as the local Secrets Manager. `infra/setup` installs it into `.venv-moto` (pinned in
//! `infra/requirements-moto.txt`); [`Moto::start`] runs it on a free loopback port with the
//! parent-death signal, and dropping it stops it. Functions read their secrets from it through the
//! AWS SDK exactly as from AWS (the emulator runs set `AWS_ENDPOINT_URL_SECRETS_MANAGER`);
//! [`Moto::put_secrets`] stores what they will read.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::Duration;

use serde_json::{Value, json};

use crate::artifacts::repo_root;
use crate::process::Served;

/// The region of local stacks (moto keeps secrets per account and region).
pub const REGION: &str = "ap-southeast-3";

/// Errors while starting or using moto's server.
#[derive(Debug, thiserror::Error)]
pub enum MotoError {
    #[error("moto's server is not installed at {0}: run infra/setup")]
    Missing(String),
    #[error("could not start moto's server: {0}")]
    Start(String),
    #[error("Secrets Manager (moto) refused {0}")]
    Refused(String),
}

/// A running moto server; stopped when dropped (and killed by the kernel if its parent dies).
#[derive(Debug)]
pub struct Moto {
    served: Served,
    agent: ureq::Agent,
}

/// `moto_server` from `.venv-moto` (override with `UPSTREAM_MOTO_SERVER`).
pub fn moto_binary() -> PathBuf {
    match std::env::var_os("UPSTREAM_MOTO_SERVER") {
        Some(path) => PathBuf::from(path),
        None => repo_root().join(".venv-moto/bin/moto_server"),
    }
}

impl Moto {
    /// Starts on a free loopback port and waits until it accepts connections.
    pub fn start() -> Result<Self, MotoError> {
        let binary = moto_binary();
        if !binary.is_file() {
            return Err(MotoError::Missing(binary.display().to_string()));
        }
        let command = |port: u16| {
            let mut cmd = Command::new(&binary);
            cmd.args(["-H", "127.0.0.1", "-p", &port.to_string()])
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::piped());
            Ok(cmd)
        };
        let served = Served::start(command, "moto_server", Duration::from_secs(30))
            .map_err(MotoError::Start)?;
        let agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_global(Some(Duration::from_secs(10)))
            .build()
            .into();
        Ok(Self { served, agent })
    }

    /// The endpoint URL for an SDK client (`AWS_ENDPOINT_URL_SECRETS_MANAGER`).
    pub fn endpoint(&self) -> String {
        format!("http://127.0.0.1:{}", self.served.port)
    }

    /// Stores each `name → value` as a secret's current value in `region` (created, or a new version
    /// of an existing one), as an operator does with `aws secretsmanager create-secret`.
    pub fn put_secrets(
        &self,
        region: &str,
        secrets: &BTreeMap<String, String>,
    ) -> Result<(), MotoError> {
        for (name, value) in secrets {
            let created = self.call(
                region,
                "CreateSecret",
                &json!({"Name": name, "SecretString": value}),
            )?;
            if created.0 == 200 {
                continue;
            }
            if created.1["__type"] != "ResourceExistsException" {
                return Err(MotoError::Refused(format!(
                    "CreateSecret {name}: {}",
                    created.1
                )));
            }
            let put = self.call(
                region,
                "PutSecretValue",
                &json!({"SecretId": name, "SecretString": value}),
            )?;
            if put.0 != 200 {
                return Err(MotoError::Refused(format!(
                    "PutSecretValue {name}: {}",
                    put.1
                )));
            }
        }
        Ok(())
    }

    /// One JSON 1.1 call. moto routes by the SigV4 credential scope (service and region) and checks no
    /// signature, so a well-formed header with a dummy signature is enough.
    fn call(&self, region: &str, action: &str, body: &Value) -> Result<(u16, Value), MotoError> {
        let auth = format!(
            "AWS4-HMAC-SHA256 Credential=local/20250101/{region}/secretsmanager/aws4_request, \
             SignedHeaders=host, Signature=0"
        );
        let mut resp = self
            .agent
            .post(&self.endpoint())
            .header("content-type", "application/x-amz-json-1.1")
            .header("x-amz-target", &format!("secretsmanager.{action}"))
            .header("authorization", &auth)
            .send(body.to_string())
            .map_err(|e| MotoError::Refused(format!("{action}: {e}")))?;
        let status = resp.status().as_u16();
        let text = resp.body_mut().read_to_string().unwrap_or_default();
        Ok((status, serde_json::from_str(&text).unwrap_or(Value::Null)))
    }

    /// The server's process id.
    pub fn pid(&self) -> u32 {
        self.served.pid()
    }

    /// Stops it and waits for the process to end.
    pub fn stop(self) {
        drop(self);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_are_created_then_replaced_per_region() {
        let moto = Moto::start().expect("moto starts (infra/setup installs it)");
        let one = |v: &str| BTreeMap::from([("s/webhook".to_owned(), v.to_owned())]);
        moto.put_secrets("ap-southeast-3", &one("first")).unwrap();
        moto.put_secrets("ap-southeast-3", &one("second")).unwrap();
        let get = |region| {
            moto.call(region, "GetSecretValue", &json!({"SecretId": "s/webhook"}))
                .unwrap()
        };
        let (status, answer) = get("ap-southeast-3");
        assert_eq!(
            (status, answer["SecretString"].as_str()),
            (200, Some("second"))
        );
        assert_ne!(get("us-east-1").0, 200, "secrets are per region");
        let pid = moto.pid();
        moto.stop();
        assert!(
            !std::path::Path::new(&format!("/proc/{pid}")).exists(),
            "stopped and reaped"
        );
    }
}
