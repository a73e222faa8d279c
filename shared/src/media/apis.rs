//! The media servers' own APIs, to end one connection: SRS `DELETE /api/v1/clients/{id}` and
//! MediaMTX `POST /v3/{list}/kick/{id}`. One HTTP client, short timeouts, no retry (the reaper's
//! next run is the retry). Settings: `SRS_API_URL`, `SRS_API_USER`, `SRS_API_PASS`,
//! `MEDIAMTX_API_URL`, `MEDIAMTX_API_USER`, `MEDIAMTX_API_PASS` (the passwords from Secrets Manager:
//! [`crate::secrets::SRS_API`], [`crate::secrets::MEDIAMTX_API`]).

use std::time::Duration;

use serde::Deserialize;

use crate::config::ConfigError;
use crate::domain::{ClientId, MediaServer, MediamtxList, Target};

/// Time allowed to connect to a media server's API.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(2);
/// Time allowed for one kick, connection included.
const CALL_TIMEOUT: Duration = Duration::from_secs(3);
/// SRS's answer for a client id it does not know (`ERROR_RTMP_CLIENT_NOT_FOUND`).
const SRS_CLIENT_NOT_FOUND: i64 = 2049;
/// SRS's answer for an id with no connection behind it (an HLS reader's context).
const SRS_NO_CONNECTION: i64 = 400;

/// What became of a connection the API was asked to end.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ended {
    /// The server ended it.
    Kicked,
    /// The server does not know it: the player left, or it was ended before.
    Gone,
    /// SRS has no connection behind this id (an HLS reader): nothing the API can end; its token's
    /// `exp` bounds it.
    NotAConnection,
}

/// Why a connection could not be ended now (it is tried again on the next run).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KickError {
    /// The server's API URL is not configured.
    #[error("{0} is not set: connections on that server cannot be ended")]
    NotConfigured(&'static str),
    /// The server answered something else than the documented outcomes (credentials, a bad id).
    #[error("the media server refused: {0}")]
    Refused(String),
    /// Unreachable, timed out or failing (5xx).
    #[error("the media server is unavailable: {0}")]
    Unavailable(String),
}

/// One server's API: its base URL (no trailing slash) and Basic credentials.
#[derive(Clone)]
struct ServerApi {
    base: String,
    login: Option<(String, String)>,
}

/// The media servers' APIs this deployment can end connections on.
#[derive(Clone)]
pub struct MediaApis {
    srs: Option<ServerApi>,
    mediamtx: Option<ServerApi>,
    http: reqwest::Client,
}

impl std::fmt::Debug for MediaApis {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MediaApis")
            .field("srs", &self.srs.as_ref().map(|a| &a.base))
            .field("mediamtx", &self.mediamtx.as_ref().map(|a| &a.base))
            .finish()
    }
}

#[derive(Deserialize)]
struct SrsAnswer {
    code: i64,
}

impl MediaApis {
    /// Reads the process environment.
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// Reads the settings through `lookup` (unset or blank URL: that server is not configured).
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let get = |name: &str| {
            lookup(name)
                .map(|v| v.trim().to_owned())
                .filter(|v| !v.is_empty())
        };
        let server = |url: &'static str, user: &str, pass: &str| -> Result<_, ConfigError> {
            let Some(base) = get(url) else {
                return Ok(None);
            };
            let parsed = url::Url::parse(&base)
                .map_err(|e| ConfigError::invalid(url, format!("is not a URL: {e}")))?;
            if !matches!(parsed.scheme(), "http" | "https") || parsed.query().is_some() {
                return Err(ConfigError::invalid(
                    url,
                    "must be an http(s) URL without a query",
                ));
            }
            let login = get(pass).map(|p| (get(user).unwrap_or_default(), p));
            Ok(Some(ServerApi {
                base: base.trim_end_matches('/').to_owned(),
                login,
            }))
        };
        let http = reqwest::Client::builder()
            .connect_timeout(CONNECT_TIMEOUT)
            .timeout(CALL_TIMEOUT)
            .user_agent(concat!("upstream-pay/", env!("CARGO_PKG_VERSION")))
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|e| {
                ConfigError::invalid(
                    "the media servers' API client",
                    format!("cannot be built: {e}"),
                )
            })?;
        Ok(Self {
            srs: server("SRS_API_URL", "SRS_API_USER", "SRS_API_PASS")?,
            mediamtx: server("MEDIAMTX_API_URL", "MEDIAMTX_API_USER", "MEDIAMTX_API_PASS")?,
            http,
        })
    }

    /// No media server configured.
    pub fn none() -> Self {
        Self::from_lookup(|_| None).expect("no setting is always valid")
    }

    /// The user and password of MediaMTX's API, when a password is set (the MediaMTX hook lets
    /// API calls with them through).
    pub fn mediamtx_login(&self) -> Option<(&str, &str)> {
        let api = self.mediamtx.as_ref()?;
        api.login.as_ref().map(|(u, p)| (u.as_str(), p.as_str()))
    }

    /// Whether connections on `server` can be ended here.
    pub fn configured(&self, server: MediaServer) -> bool {
        match server {
            MediaServer::Srs => self.srs.is_some(),
            MediaServer::Mediamtx => self.mediamtx.is_some(),
        }
    }

    /// Asks the connection's server to end it.
    pub async fn end(&self, target: &Target) -> Result<Ended, KickError> {
        match target {
            Target::Srs(id) => self.end_on_srs(id).await,
            Target::Mediamtx(list, id) => {
                match self.end_on_mediamtx(*list, id).await? {
                    // The hook names RTMPS/RTSPS readers like the plain ones: look there too.
                    Ended::Gone => match list.over_tls() {
                        Some(tls) => self.end_on_mediamtx(tls, id).await,
                        None => Ok(Ended::Gone),
                    },
                    ended => Ok(ended),
                }
            }
        }
    }

    /// `DELETE /api/v1/clients/{id}`: SRS answers HTTP 200 with `{"code": …}`; 0 ended it, 2049
    /// knows no such client, 400 has no connection behind the id (HLS).
    async fn end_on_srs(&self, id: &ClientId) -> Result<Ended, KickError> {
        let api = self
            .srs
            .as_ref()
            .ok_or(KickError::NotConfigured("SRS_API_URL"))?;
        let url = format!("{}/api/v1/clients/{id}", api.base);
        let (status, body) = self.send(self.http.delete(url), api).await?;
        if status != 200 {
            return Err(KickError::Refused(format!("SRS answered HTTP {status}")));
        }
        match serde_json::from_slice::<SrsAnswer>(&body).map(|a| a.code) {
            Ok(0) => Ok(Ended::Kicked),
            Ok(SRS_CLIENT_NOT_FOUND) => Ok(Ended::Gone),
            Ok(SRS_NO_CONNECTION) => Ok(Ended::NotAConnection),
            Ok(code) => Err(KickError::Refused(format!("SRS answered code {code}"))),
            Err(_) => Err(KickError::Refused("SRS answered without a code".into())),
        }
    }

    /// `POST /v3/{list}/kick/{id}`: 200 ended it, 404 knows no such reader.
    async fn end_on_mediamtx(&self, list: MediamtxList, id: &ClientId) -> Result<Ended, KickError> {
        let api = self
            .mediamtx
            .as_ref()
            .ok_or(KickError::NotConfigured("MEDIAMTX_API_URL"))?;
        let url = format!("{}/v3/{}/kick/{id}", api.base, list.as_str());
        match self.send(self.http.post(url), api).await? {
            (200, _) => Ok(Ended::Kicked),
            (404, _) => Ok(Ended::Gone),
            (status, _) => Err(KickError::Refused(format!(
                "MediaMTX answered HTTP {status}"
            ))),
        }
    }

    /// Sends `req` with the server's credentials; 5xx and transport failures are unavailability.
    async fn send(
        &self,
        mut req: reqwest::RequestBuilder,
        api: &ServerApi,
    ) -> Result<(u16, Vec<u8>), KickError> {
        if let Some((user, pass)) = &api.login {
            req = req.basic_auth(user, Some(pass));
        }
        let resp = req
            .send()
            .await
            .map_err(|e| KickError::Unavailable(e.without_url().to_string()))?;
        let status = resp.status().as_u16();
        let body = resp
            .bytes()
            .await
            .map_err(|e| KickError::Unavailable(e.without_url().to_string()))?;
        if status >= 500 {
            return Err(KickError::Unavailable(format!("HTTP {status}")));
        }
        Ok((status, body.to_vec()))
    }
}
