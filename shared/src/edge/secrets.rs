//! Secrets Manager at init: `GetSecretValue` of a secret by name, with bounded waiting. A deployed
//! function reaches AWS's endpoint (or the one `AWS_ENDPOINT_URL_SECRETS_MANAGER` names, as the
//! emulator runs set for moto's server); the local stack and the tests build the client for moto.

use aws_sdk_secretsmanager::Client;
use aws_sdk_secretsmanager::config::{BehaviorVersion, Credentials, Region};
use aws_sdk_secretsmanager::error::DisplayErrorContext;

use crate::store::Timeouts;

/// A Secrets Manager client; each value is read once, at init, and kept in the function's state for
/// the container's life.
#[derive(Debug, Clone)]
pub struct SecretStore {
    client: Client,
}

impl SecretStore {
    /// Over the deployed AWS configuration ([`crate::store::sdk_config_from_env`]).
    pub fn from_sdk(sdk: &aws_config::SdkConfig) -> Self {
        let t = Timeouts::DEPLOYED;
        let config = aws_sdk_secretsmanager::config::Builder::from(sdk)
            .timeout_config(t.timeout_config())
            .retry_config(t.retry_config())
            .build();
        Self {
            client: Client::from_conf(config),
        }
    }

    /// A client for a local Secrets Manager (moto's server) at `endpoint`, in `region`, with fixed
    /// dummy credentials: it never consults the environment, profiles or the instance metadata.
    pub fn local(endpoint: &str, region: &str) -> Self {
        let t = Timeouts::RELAXED;
        let config = aws_sdk_secretsmanager::Config::builder()
            .behavior_version(BehaviorVersion::latest())
            .region(Region::new(region.to_owned()))
            .credentials_provider(Credentials::new(
                "local",
                "local",
                None,
                None,
                "upstream-local",
            ))
            .endpoint_url(endpoint)
            .timeout_config(t.timeout_config())
            .retry_config(t.retry_config())
            .build();
        Self {
            client: Client::from_conf(config),
        }
    }

    /// The text of the secret `name` (its current version); the error says why in one line
    /// (never the value).
    pub async fn value(&self, name: &str) -> Result<String, String> {
        let out = self
            .client
            .get_secret_value()
            .secret_id(name)
            .send()
            .await
            .map_err(|e| DisplayErrorContext(e).to_string())?;
        out.secret_string()
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
            .ok_or_else(|| "it holds no text (SecretString)".to_owned())
    }
}
