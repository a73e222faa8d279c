//! The HTTP API JWT authorizer, emulated as API Gateway runs it before any function: the token from
//! the `Authorization` header (`Bearer <jwt>` or the bare JWT), an RSA signature (RS256/384/512; any
//! other `alg` is refused) by a key of the issuer's JWKS named by the token's `kid`, `iss` equal to
//! the configured issuer, `aud` (or `client_id` when there is no `aud`) one of the audiences, `exp`
//! in the future, `nbf` and `iat` not in the future, and the route's scopes if it has any.
//!
//! Clock skew: none. AWS documents no tolerance, and the local issuer shares this machine's clock;
//! a token is accepted for `max(nbf, iat) <= now < exp` (whole seconds).
//!
//! Refusals are API Gateway's own answers: `401 {"message":"Unauthorized"}` (or `403
//! {"message":"Forbidden"}` for a valid token without a route scope), with a `www-authenticate`
//! header. Only the audience text of that header is documented by AWS; the other descriptions are
//! this emulator's.

use std::collections::BTreeMap;
use std::sync::Arc;

use jsonwebtoken::{Algorithm, Validation};
use serde_json::{Map, Value, json};

mod claims;
mod keys;

/// An HTTP API authorizer's `JwtConfiguration`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JwtConfiguration {
    /// Compared with `iss` exactly (a trailing `/` matters).
    pub issuer: String,
    /// The accepted `aud` (or `client_id`) values.
    pub audience: Vec<String>,
}

/// Unix seconds now; injectable for tests.
pub type UnixClock = Arc<dyn Fn() -> i64 + Send + Sync>;

/// What a function receives when the authorizer lets a request through
/// (`requestContext.authorizer.jwt`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JwtClaims {
    /// Every non-null claim as a string: numbers and booleans as their JSON text, arrays as
    /// `[a b c]`, objects as JSON text.
    pub claims: BTreeMap<String, String>,
    /// The token's scopes on a route with authorization scopes; `None` on other routes.
    pub scopes: Option<Vec<String>>,
}

impl JwtClaims {
    /// The verified subject.
    pub fn sub(&self) -> Option<&str> {
        self.claims.get("sub").map(String::as_str)
    }

    /// The value of `requestContext.authorizer` in a payload 2.0 event: `{"jwt": {"claims", "scopes"}}`.
    pub fn authorizer_json(&self) -> Value {
        json!({ "jwt": { "claims": self.claims, "scopes": self.scopes } })
    }
}

/// Why a request was refused before any function ran.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Rejection {
    /// No valid token: 401.
    Unauthorized(String),
    /// A valid token without any of the route's scopes: 403.
    Forbidden(String),
}

impl Rejection {
    /// The HTTP status.
    pub fn status(&self) -> u16 {
        match self {
            Rejection::Unauthorized(_) => 401,
            Rejection::Forbidden(_) => 403,
        }
    }

    /// The JSON body API Gateway sends.
    pub fn body(&self) -> &'static str {
        match self {
            Rejection::Unauthorized(_) => r#"{"message":"Unauthorized"}"#,
            Rejection::Forbidden(_) => r#"{"message":"Forbidden"}"#,
        }
    }

    /// Why, in words (for the `www-authenticate` header and the local log).
    pub fn reason(&self) -> &str {
        match self {
            Rejection::Unauthorized(reason) | Rejection::Forbidden(reason) => reason,
        }
    }

    /// The response headers (`content-type`, `www-authenticate`).
    pub fn headers(&self) -> [(&'static str, String); 2] {
        let error = match self {
            Rejection::Unauthorized(_) => "invalid_token",
            Rejection::Forbidden(_) => "insufficient_scope",
        };
        let description = self.reason().replace(['"', '\\'], "'");
        [
            ("content-type", "application/json".to_owned()),
            (
                "www-authenticate",
                format!(r#"Bearer scope="" error="{error}" error_description="{description}""#),
            ),
        ]
    }
}

fn unauthorized(reason: impl Into<String>) -> Rejection {
    Rejection::Unauthorized(reason.into())
}

/// One authorizer (one issuer); share it between requests (the keys are cached inside).
pub struct JwtAuthorizer {
    config: JwtConfiguration,
    keys: keys::Keys,
    clock: UnixClock,
}

impl std::fmt::Debug for JwtAuthorizer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("JwtAuthorizer")
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

const RSA_ALGORITHMS: [Algorithm; 3] = [Algorithm::RS256, Algorithm::RS384, Algorithm::RS512];

impl JwtAuthorizer {
    /// An authorizer on the system clock. Nothing is fetched until the first token comes.
    pub fn new(config: JwtConfiguration) -> Self {
        Self {
            keys: keys::Keys::new(&config.issuer),
            config,
            clock: Arc::new(system_now),
        }
    }

    /// The same authorizer reading the time from `clock` (Unix seconds).
    pub fn with_clock(mut self, clock: impl Fn() -> i64 + Send + Sync + 'static) -> Self {
        self.clock = Arc::new(clock);
        self
    }

    /// Its configuration.
    pub fn config(&self) -> &JwtConfiguration {
        &self.config
    }

    /// Decides on a request from its `Authorization` header value and the route's authorization
    /// scopes (empty: none). Blocks while it fetches the issuer's keys (the first time, and when a
    /// token names a `kid` it does not know): call it from a blocking context
    /// (`tokio::task::spawn_blocking`) in async code.
    pub fn authorize(
        &self,
        authorization: Option<&str>,
        route_scopes: &[String],
    ) -> Result<JwtClaims, Rejection> {
        let token = bearer_token(authorization)?;
        let header = jsonwebtoken::decode_header(token)
            .map_err(|e| unauthorized(format!("the token is not a JWT: {e}")))?;
        if !RSA_ALGORITHMS.contains(&header.alg) {
            return Err(unauthorized(format!(
                "the token is signed with {:?}: only RSA signatures (RS256, RS384, RS512) are supported",
                header.alg
            )));
        }
        let kid = header
            .kid
            .as_deref()
            .ok_or_else(|| unauthorized("the token has no kid"))?;
        let mut validation = Validation::new(header.alg);
        // Only the signature here; the claims are checked below against the injected clock.
        validation.required_spec_claims.clear();
        validation.validate_exp = false;
        validation.validate_nbf = false;
        validation.validate_aud = false;
        validation.leeway = 0;
        let claims = self
            .keys
            .with_key(kid, |key| {
                if key.alg.is_some_and(|alg| alg != header.alg) {
                    return Err(format!("the key {kid:?} is not for {:?}", header.alg));
                }
                jsonwebtoken::decode::<Map<String, Value>>(token, &key.key, &validation)
                    .map(|data| data.claims)
                    .map_err(|e| format!("the token's signature does not verify: {e}"))
            })
            .and_then(|verified| verified)
            .map_err(unauthorized)?;
        self.check_claims(&claims)?;
        let scopes = if route_scopes.is_empty() {
            None
        } else {
            let granted = claims::scopes(&claims);
            if !granted.iter().any(|s| route_scopes.contains(s)) {
                return Err(Rejection::Forbidden(format!(
                    "the token has none of the route's scopes {route_scopes:?}"
                )));
            }
            Some(granted)
        };
        Ok(JwtClaims {
            claims: claims::render_all(&claims),
            scopes,
        })
    }

    fn check_claims(&self, claims: &Map<String, Value>) -> Result<(), Rejection> {
        if claims.get("iss").and_then(Value::as_str) != Some(self.config.issuer.as_str()) {
            return Err(unauthorized("the token does not have a valid issuer"));
        }
        // AWS: "API Gateway validates client_id only if aud is not present."
        let audiences = match claims::audiences(claims) {
            Some(aud) => aud,
            None => claims
                .get("client_id")
                .and_then(Value::as_str)
                .into_iter()
                .collect(),
        };
        if !audiences
            .iter()
            .any(|a| self.config.audience.iter().any(|c| c == a))
        {
            return Err(unauthorized("the token does not have a valid audience"));
        }
        let now = (self.clock)();
        let date = |name: &str| {
            claims::numeric_date(claims, name)
                .transpose()
                .map_err(|()| unauthorized(format!("the token's {name} is not a number")))
        };
        match date("exp")? {
            Some(exp) if now < exp => {}
            Some(_) => return Err(unauthorized("the token has expired")),
            None => return Err(unauthorized("the token has no exp")),
        }
        for name in ["nbf", "iat"] {
            if date(name)?.is_some_and(|t| t > now) {
                return Err(unauthorized(format!("the token's {name} is in the future")));
            }
        }
        Ok(())
    }
}

/// The JWT in an `Authorization` value: after `Bearer ` (any case), or the whole value.
fn bearer_token(authorization: Option<&str>) -> Result<&str, Rejection> {
    let value = authorization
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .ok_or_else(|| unauthorized("no Authorization header"))?;
    let token = match value.split_once(' ') {
        Some((scheme, rest)) if scheme.eq_ignore_ascii_case("bearer") => rest.trim(),
        _ => value,
    };
    if token.is_empty() {
        return Err(unauthorized("no token after Bearer"));
    }
    Ok(token)
}

fn system_now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
}

#[cfg(test)]
mod tests;
