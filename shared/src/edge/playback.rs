//! Playback tokens at the API edge: configuration from the environment, and the issuer that
//! check-access and the payment-status poll attach to a granted answer.

use chrono::{DateTime, TimeDelta, Utc};
use serde_json::{Value, json};

use super::{ApiError, iso};
use crate::ConfigError;
use crate::catalog::{CACHE_TTL, Catalog};
use crate::domain::PaymentSession;
use crate::manager::SessionManager;
use crate::playback::{
    DEFAULT_AUDIENCE, DEFAULT_TTL, Grant, Issuer, SigningKey, Verifier, VerifyingKey, jwks,
};

/// `iss` when `PLAYBACK_ISSUER` is not set.
pub const DEFAULT_ISSUER: &str = "upstream-pay";

/// The playback settings of the environment.
pub struct PlaybackEnv {
    /// `PLAYBACK_SIGNING_KEY` (PKCS#8 PEM), when set.
    pub signing_key: Option<SigningKey>,
    /// `PLAYBACK_PUBLIC_KEYS`: more PEM public keys to publish and trust (rotation).
    pub public_keys: Vec<VerifyingKey>,
    /// `PLAYBACK_ISSUER`: the API's public URL.
    pub issuer: Option<String>,
    /// `PLAYBACK_AUDIENCE`, default `upstream-playback`.
    pub audience: String,
    /// `PLAYBACK_TOKEN_TTL` seconds (1–86400), default 300.
    pub ttl: TimeDelta,
}

impl PlaybackEnv {
    /// Reads the settings through `lookup`: a function's [`Settings`](super::Settings) (the keys
    /// from Secrets Manager), or a map in tests.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let get = |name: &str| lookup(name).filter(|v| !v.trim().is_empty());
        let signing_key = get("PLAYBACK_SIGNING_KEY")
            .map(|pem| {
                SigningKey::from_pkcs8_pem(&unescape(&pem)).map_err(|e| {
                    ConfigError::invalid(
                        "PLAYBACK_SIGNING_KEY",
                        format!("is not a usable key: {e}"),
                    )
                })
            })
            .transpose()?;
        let public_keys = match get("PLAYBACK_PUBLIC_KEYS") {
            Some(text) => VerifyingKey::all_from_pem(&unescape(&text)).map_err(|e| {
                ConfigError::invalid("PLAYBACK_PUBLIC_KEYS", format!("is not usable: {e}"))
            })?,
            None => Vec::new(),
        };
        let ttl = match get("PLAYBACK_TOKEN_TTL") {
            None => DEFAULT_TTL,
            Some(v) => match v.trim().parse::<i64>() {
                Ok(s) if (1..=86_400).contains(&s) => TimeDelta::seconds(s),
                _ => {
                    return Err(ConfigError::invalid(
                        "PLAYBACK_TOKEN_TTL",
                        format!("must be 1..86400 seconds, got {v:?}"),
                    ));
                }
            },
        };
        Ok(Self {
            signing_key,
            public_keys,
            issuer: get("PLAYBACK_ISSUER").map(|i| i.trim().to_owned()),
            audience: get("PLAYBACK_AUDIENCE").unwrap_or_else(|| DEFAULT_AUDIENCE.to_owned()),
            ttl,
        })
    }

    /// The token issuer, when a signing key is configured.
    pub fn issuer(&self) -> Option<Issuer> {
        self.signing_key.clone().map(|key| {
            Issuer::new(
                key,
                self.issuer.as_deref().unwrap_or(DEFAULT_ISSUER),
                &self.audience,
                self.ttl,
            )
        })
    }

    /// Every key to publish and trust: the signing key's public half first, then the others.
    pub fn published_keys(&self) -> Vec<VerifyingKey> {
        jwks::dedup(
            self.signing_key
                .iter()
                .map(|k| k.verifying_key().clone())
                .chain(self.public_keys.iter().cloned()),
        )
    }

    /// The verifier: the published keys, this audience, and the issuer when configured.
    pub fn verifier(&self) -> Verifier {
        Verifier::new(
            self.published_keys(),
            &self.audience,
            self.issuer.as_deref(),
        )
    }
}

/// PEMs in single-line environment values may carry `\n` escapes.
fn unescape(pem: &str) -> String {
    pem.replace("\\n", "\n")
}

/// Issues playback tokens for granted sessions; the stream's media path comes from the catalog,
/// cached per container for up to [`CACHE_TTL`] (so a warm container adds no DynamoDB request).
pub struct PlaybackIssuer {
    issuer: Issuer,
    catalog: Catalog,
}

impl PlaybackIssuer {
    /// An issuer reading media paths through `manager`'s store, cached for `cache` (≤ 60 s).
    pub fn new(issuer: Issuer, manager: &SessionManager, cache: TimeDelta) -> Self {
        Self {
            issuer,
            catalog: Catalog::new(manager.store().clone(), manager.clock(), cache),
        }
    }

    /// From the settings read through `lookup` (a function's [`Settings`](super::Settings)): `None`
    /// when `PLAYBACK_SIGNING_KEY` is not among them.
    pub fn from_lookup(
        manager: &SessionManager,
        lookup: impl Fn(&str) -> Option<String>,
    ) -> Result<Option<Self>, ConfigError> {
        Ok(PlaybackEnv::from_lookup(lookup)?
            .issuer()
            .map(|issuer| Self::new(issuer, manager, CACHE_TTL)))
    }

    /// `{token, expiresAt}` for a session that grants access now (`None` when no time is left).
    pub async fn grant(
        &self,
        session: &PaymentSession,
        now: DateTime<Utc>,
    ) -> Result<Option<Value>, ApiError> {
        let media_path = match self.catalog.get(&session.stream_id).await? {
            Some(stream) => stream.media_path(),
            None => crate::domain::MediaPath::of_stream(&session.stream_id),
        };
        let grant = Grant {
            user: &session.user_id,
            stream: &session.stream_id,
            session: &session.session_id,
            session_expires_at: session.expires_at,
            media_path: &media_path,
        };
        Ok(self
            .issuer
            .issue(&grant, now)
            .ok()
            .map(|t| json!({"token": t.token, "expiresAt": iso(t.expires_at)})))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &[(&str, String)]) -> Result<PlaybackEnv, ConfigError> {
        let pairs: Vec<(String, String)> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.clone()))
            .collect();
        PlaybackEnv::from_lookup(|name| {
            pairs
                .iter()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.clone())
        })
    }

    #[test]
    fn defaults_and_validation() {
        let none = env(&[]).unwrap();
        assert!(none.issuer().is_none(), "no key: no tokens");
        assert!(none.published_keys().is_empty());
        assert_eq!(
            (none.ttl, none.audience.as_str()),
            (DEFAULT_TTL, DEFAULT_AUDIENCE)
        );
        for bad in ["0", "86401", "abc", "-5"] {
            assert!(env(&[("PLAYBACK_TOKEN_TTL", bad.into())]).is_err(), "{bad}");
        }
        let err = env(&[("PLAYBACK_SIGNING_KEY", "not a key".into())])
            .err()
            .unwrap();
        assert!(err.to_string().starts_with("PLAYBACK_SIGNING_KEY"), "{err}");
    }

    #[test]
    fn escaped_pems_and_rotation_keys() {
        let current = SigningKey::generate();
        let next = SigningKey::generate();
        // A single-line value with \n escapes, as some secret stores hand it over.
        let escaped = current.to_pkcs8_pem().replace('\n', "\\n");
        let publics = format!(
            "{}{}",
            current.verifying_key().to_pem(),
            next.verifying_key().to_pem()
        );
        let e = env(&[
            ("PLAYBACK_SIGNING_KEY", escaped),
            ("PLAYBACK_PUBLIC_KEYS", publics),
            ("PLAYBACK_TOKEN_TTL", "60".into()),
        ])
        .unwrap();
        let kids: Vec<String> = e
            .published_keys()
            .iter()
            .map(|k| k.kid().to_owned())
            .collect();
        assert_eq!(kids, vec![current.kid().to_owned(), next.kid().to_owned()]);
        assert_eq!(e.ttl, TimeDelta::seconds(60));
        assert_eq!(e.issuer().unwrap().key().kid(), current.kid());
    }
}
