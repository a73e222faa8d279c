//! The state of the functions that need only the session manager and CORS, read once, at start.

use crate::config::ConfigError;
use crate::manager::SessionManager;

use super::{Cors, Init, ViewerAuth};

/// The session manager of a deployed function: `TABLE_NAME`, the policy variables, the AWS chain,
/// the system clock.
pub async fn manager_from_env() -> Result<SessionManager, ConfigError> {
    Init::from_env().await.manager()
}

/// The state of a function that needs only the session manager and CORS.
pub struct ManagerState {
    /// The session manager.
    pub manager: SessionManager,
    /// The allowed browser origins.
    pub cors: Cors,
    /// How viewers are identified (`VIEWER_AUTH`).
    pub viewer_auth: ViewerAuth,
}

impl ManagerState {
    /// From the environment (`TABLE_NAME`, `ALLOWED_ORIGINS`, policy variables).
    pub async fn from_env() -> Result<Self, ConfigError> {
        let init = Init::from_env().await;
        Ok(Self {
            manager: init.manager()?,
            cors: init.cors(),
            viewer_auth: init.viewer_auth()?,
        })
    }
}
