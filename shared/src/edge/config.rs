//! Reading a function's configuration from the environment, once, at start.

use std::sync::Arc;

use crate::clock::SystemClock;
use crate::config::{ConfigError, Policy};
use crate::manager::SessionManager;
use crate::store::{Store, client_from_env};

use super::Cors;

/// A required environment variable.
pub fn env_required(name: &str) -> Result<String, ConfigError> {
    std::env::var(name)
        .ok()
        .filter(|v| !v.trim().is_empty())
        .ok_or_else(|| ConfigError::Missing(name.to_owned()))
}

/// The session manager of a deployed function: `TABLE_NAME`, the policy variables, the AWS chain,
/// the system clock.
pub async fn manager_from_env() -> Result<SessionManager, ConfigError> {
    let table = env_required("TABLE_NAME")?;
    let policy = Policy::from_env()?;
    let store = Store::new(client_from_env().await, table, policy);
    Ok(SessionManager::new(store, Arc::new(SystemClock)))
}

/// The state of a function that needs only the session manager and CORS.
pub struct ManagerState {
    /// The session manager.
    pub manager: SessionManager,
    /// The allowed browser origins.
    pub cors: Cors,
}

impl ManagerState {
    /// From the environment (`TABLE_NAME`, `ALLOWED_ORIGINS`, policy variables).
    pub async fn from_env() -> Result<Self, ConfigError> {
        Ok(Self {
            manager: manager_from_env().await?,
            cors: Cors::from_env(),
        })
    }
}
