//! What a function is configured from at init: its environment variables, the secrets they name
//! (read from Secrets Manager, once) and the DynamoDB client. Deployed, [`Init::from_env`]; the
//! tests build one over a map, moto's server and DynamoDB Local, and run the same init.

use std::collections::BTreeMap;
use std::sync::Arc;

use super::Cors;
use super::secrets::SecretStore;
use crate::clock::SystemClock;
use crate::config::{ConfigError, Policy};
use crate::manager::SessionManager;
use crate::secrets::{SecretRef, is_secret_setting};
use crate::store::{Store, client_from_sdk, sdk_config_from_env};

type Vars = Box<dyn Fn(&str) -> Option<String> + Send + Sync>;

/// The sources of a function's configuration.
pub struct Init {
    vars: Vars,
    secrets: SecretStore,
    dynamo: aws_sdk_dynamodb::Client,
}

impl Init {
    /// A deployed function's: the process environment, the standard AWS chain.
    pub async fn from_env() -> Self {
        let sdk = sdk_config_from_env().await;
        Self {
            vars: Box::new(|name| std::env::var(name).ok()),
            secrets: SecretStore::from_sdk(&sdk),
            dynamo: client_from_sdk(&sdk),
        }
    }

    /// Over `vars` (a map in tests), `secrets` and `dynamo`.
    pub fn new(
        vars: impl Fn(&str) -> Option<String> + Send + Sync + 'static,
        secrets: SecretStore,
        dynamo: aws_sdk_dynamodb::Client,
    ) -> Self {
        Self {
            vars: Box::new(vars),
            secrets,
            dynamo,
        }
    }

    /// An environment variable (a setting a secret holds is never read from here: see [`Init::settings`]).
    pub fn var(&self, name: &str) -> Option<String> {
        (self.vars)(name)
    }

    /// A required, non-blank environment variable.
    pub fn required(&self, name: &str) -> Result<String, ConfigError> {
        self.var(name)
            .filter(|v| !v.trim().is_empty())
            .ok_or_else(|| ConfigError::Missing(name.to_owned()))
    }

    /// Reads each of `secrets` whose name variable is set (a failure refuses the start) and returns
    /// the settings: the environment, with every setting a secret holds taken from the secrets only.
    pub async fn settings(&self, secrets: &[SecretRef]) -> Result<Settings<'_>, ConfigError> {
        let mut values = BTreeMap::new();
        for secret in secrets {
            let Some(name) = self.var(secret.name_var).filter(|n| !n.trim().is_empty()) else {
                continue;
            };
            let name = name.trim().to_owned();
            let value = self
                .secrets
                .value(&name)
                .await
                .map_err(|why| ConfigError::Secret {
                    var: secret.name_var,
                    name: name.clone(),
                    why,
                })?;
            for setting in secret.settings {
                values.insert(*setting, value.clone());
            }
        }
        Ok(Settings { init: self, values })
    }

    /// The session manager: `TABLE_NAME`, the policy variables, the DynamoDB client, the system clock.
    pub fn manager(&self) -> Result<SessionManager, ConfigError> {
        let table = self.required("TABLE_NAME")?;
        let policy = Policy::from_lookup(|name| self.var(name))?;
        let store = Store::new(self.dynamo.clone(), table, policy);
        Ok(SessionManager::new(store, Arc::new(SystemClock)))
    }

    /// How viewers are identified (`VIEWER_AUTH`: `anonymous` by default, or `oidc`).
    pub fn viewer_auth(&self) -> Result<super::ViewerAuth, ConfigError> {
        super::ViewerAuth::parse(self.var(super::ViewerAuth::VAR).as_deref())
    }

    /// The allowed browser origins (`ALLOWED_ORIGINS`; none when unset).
    pub fn cors(&self) -> Cors {
        Cors::new(&self.var("ALLOWED_ORIGINS").unwrap_or_default())
    }
}

/// A function's settings at init: its environment variables and the values of the secrets it read.
pub struct Settings<'a> {
    init: &'a Init,
    values: BTreeMap<&'static str, String>,
}

impl Settings<'_> {
    /// A setting: a secret's value for a setting a secret holds (absent when the function did not
    /// read that secret, whatever the environment says), else the environment variable.
    pub fn get(&self, name: &str) -> Option<String> {
        if is_secret_setting(name) {
            self.values.get(name).cloned()
        } else {
            self.init.var(name)
        }
    }
}
