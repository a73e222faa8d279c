//! The issuer's signing keys, found as API Gateway finds them: OpenID discovery
//! (`{issuer}/.well-known/openid-configuration` → `jwks_uri`), then the JWKS. Kept for an hour,
//! fetched again when a token names an unknown `kid` (at most once a second).

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use jsonwebtoken::{Algorithm, DecodingKey};
use serde_json::Value;

/// How long fetched keys are used without asking again (the REST API JWT authorizer's documented
/// cache bound; HTTP APIs document none).
const KEYS_MAX_AGE: Duration = Duration::from_secs(3600);
/// The least time between two fetches (an unknown `kid` must not make every request fetch).
const REFETCH_AFTER: Duration = Duration::from_secs(1);

/// An RSA verification key of the JWKS, with the algorithm it is restricted to, if any.
pub(super) struct RsaKey {
    pub(super) key: DecodingKey,
    pub(super) alg: Option<Algorithm>,
}

#[derive(Default)]
struct Cache {
    jwks_uri: Option<String>,
    keys: HashMap<String, RsaKey>,
    fetched: Option<Instant>,
    attempted: Option<Instant>,
}

/// The keys of one issuer, fetched on demand.
pub(super) struct Keys {
    discovery_url: String,
    agent: ureq::Agent,
    cache: Mutex<Cache>,
}

impl Keys {
    pub(super) fn new(issuer: &str) -> Self {
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .timeout_global(Some(Duration::from_secs(5)))
            .build()
            .into();
        Self {
            // OpenID Connect Discovery 1.0 §4: the issuer without its trailing slash.
            discovery_url: format!(
                "{}/.well-known/openid-configuration",
                issuer.trim_end_matches('/')
            ),
            agent,
            cache: Mutex::new(Cache::default()),
        }
    }

    /// Runs `use_key` with the key named `kid`, fetching the keys first if they are stale or do
    /// not hold it. Blocks during a fetch.
    pub(super) fn with_key<T>(
        &self,
        kid: &str,
        use_key: impl FnOnce(&RsaKey) -> T,
    ) -> Result<T, String> {
        let mut cache = self.cache.lock().unwrap_or_else(|e| e.into_inner());
        let fresh = cache.fetched.is_some_and(|t| t.elapsed() < KEYS_MAX_AGE);
        let may_fetch = cache.attempted.is_none_or(|t| t.elapsed() >= REFETCH_AFTER);
        if (!fresh || !cache.keys.contains_key(kid)) && may_fetch {
            cache.attempted = Some(Instant::now());
            self.fetch(&mut cache)?;
        }
        cache
            .keys
            .get(kid)
            .map(use_key)
            .ok_or_else(|| format!("no RSA signing key with kid {kid:?} in the issuer's JWKS"))
    }

    fn fetch(&self, cache: &mut Cache) -> Result<(), String> {
        let jwks_uri = match &cache.jwks_uri {
            Some(uri) => uri.clone(),
            None => {
                let discovery = self.get_json(&self.discovery_url)?;
                let uri = discovery
                    .get("jwks_uri")
                    .and_then(Value::as_str)
                    .ok_or_else(|| format!("no jwks_uri in {}", self.discovery_url))?
                    .to_owned();
                cache.jwks_uri = Some(uri.clone());
                uri
            }
        };
        let jwks = self.get_json(&jwks_uri)?;
        let keys = jwks
            .get("keys")
            .and_then(Value::as_array)
            .ok_or_else(|| format!("no keys array in {jwks_uri}"))?;
        cache.keys = keys.iter().filter_map(rsa_key).collect();
        cache.fetched = Some(Instant::now());
        Ok(())
    }

    fn get_json(&self, url: &str) -> Result<Value, String> {
        let mut resp = self
            .agent
            .get(url)
            .call()
            .map_err(|e| format!("{url}: {e}"))?;
        let body = resp
            .body_mut()
            .read_to_string()
            .map_err(|e| format!("{url}: {e}"))?;
        serde_json::from_str(&body).map_err(|e| format!("{url}: {e}"))
    }
}

/// A JWK usable to verify RSA signatures: `kty` RSA, a `kid`, `use` absent or `sig`, `n` and `e`.
fn rsa_key(jwk: &Value) -> Option<(String, RsaKey)> {
    let text = |name: &str| jwk.get(name).and_then(Value::as_str);
    if text("kty") != Some("RSA") || text("use").is_some_and(|u| u != "sig") {
        return None;
    }
    let alg = match text("alg") {
        None => None,
        Some(alg) => Some(alg.parse::<Algorithm>().ok()?),
    };
    let key = DecodingKey::from_rsa_components(text("n")?, text("e")?).ok()?;
    Some((text("kid")?.to_owned(), RsaKey { key, alg }))
}
