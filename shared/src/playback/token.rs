//! The playback token: a compact ES256 JWS whose claims name the viewer, the stream and its media
//! path, issued for at most the session's remaining access and verified without any database read.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, TimeDelta, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use sha2::{Digest, Sha256};

use super::keys::{SigningKey, VerifyingKey};
use crate::domain::{MediaPath, SessionId, StreamId, UserId};

/// `aud` when `PLAYBACK_AUDIENCE` is not set.
pub const DEFAULT_AUDIENCE: &str = "upstream-playback";
/// Longest life of a token when `PLAYBACK_TOKEN_TTL` is not set: 300 s.
pub const DEFAULT_TTL: TimeDelta = TimeDelta::seconds(300);
/// Longest token accepted by the verifier (bounds the work done on hostile input).
pub const MAX_TOKEN_BYTES: usize = 4096;
/// How far in the future `iat` may be (clock skew between the signer and the verifier).
const IAT_LEEWAY_SECONDS: i64 = 60;

/// One MediaMTX permission, in the shape of its `mediamtx_permissions` claim.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Permission {
    /// Always `read`.
    pub action: String,
    /// The stream's media path.
    pub path: String,
}

/// The claims of a playback token.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Claims {
    /// The API's public URL.
    pub iss: String,
    /// `PLAYBACK_AUDIENCE`.
    pub aud: String,
    /// The viewer's userId.
    pub sub: String,
    /// The streamId.
    pub stream: String,
    /// A hash of the sessionId (never the sessionId, a bearer secret).
    pub sid: String,
    /// Issued at (epoch seconds).
    pub iat: i64,
    /// Expires at (epoch seconds).
    pub exp: i64,
    /// When the session's access ends (epoch seconds, never before `exp`): a connection the SRS or
    /// MediaMTX hook admits once is ended then. Absent from tokens of earlier builds (read: `exp`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub access_exp: Option<i64>,
    /// A unique token id.
    pub jti: String,
    /// `[{"action": "read", "path": <mediaPath>}]`: MediaMTX verifies it natively.
    pub mediamtx_permissions: Vec<Permission>,
}

impl Claims {
    /// The media path this token may read (its `read` permission).
    pub fn read_path(&self) -> Option<&str> {
        self.mediamtx_permissions
            .iter()
            .find(|p| p.action == "read")
            .map(|p| p.path.as_str())
    }

    /// When the session's access ends: `access_exp`, else (an earlier build's token) `exp`.
    pub fn access_end(&self) -> i64 {
        self.access_exp.unwrap_or(self.exp)
    }
}

/// What a token is issued for.
#[derive(Debug, Clone, Copy)]
pub struct Grant<'a> {
    /// The viewer.
    pub user: &'a UserId,
    /// The stream.
    pub stream: &'a StreamId,
    /// The session (only its hash goes into the token).
    pub session: &'a SessionId,
    /// When the session's access ends: the token never outlives it.
    pub session_expires_at: DateTime<Utc>,
    /// The stream's media path.
    pub media_path: &'a MediaPath,
}

/// A signed token and when it expires.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Issued {
    /// The compact JWS.
    pub token: String,
    /// When it expires.
    pub expires_at: DateTime<Utc>,
}

/// Why no token was issued.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IssueError {
    #[error("the session grants no more time")]
    /// The session has no time left.
    NoTimeLeft,
    #[error("time out of range")]
    /// A time outside the representable range.
    OutOfRange,
}

/// The sid claim: SHA-256 of the sessionId, base64url, first 128 bits.
pub fn session_hash(session: &SessionId) -> String {
    let digest = Sha256::digest(session.as_str().as_bytes());
    URL_SAFE_NO_PAD.encode(&digest[..16])
}

/// Signs playback tokens.
#[derive(Debug, Clone)]
pub struct Issuer {
    key: SigningKey,
    issuer: String,
    audience: String,
    ttl: TimeDelta,
}

impl Issuer {
    /// An issuer signing with `key` as `issuer` for `audience`, tokens living at most `ttl`.
    pub fn new(key: SigningKey, issuer: &str, audience: &str, ttl: TimeDelta) -> Self {
        Self {
            key,
            issuer: issuer.to_owned(),
            audience: audience.to_owned(),
            ttl,
        }
    }

    /// The signing key (its public half goes into the JWKS).
    pub fn key(&self) -> &SigningKey {
        &self.key
    }

    /// A token for `grant` at `now`: `exp = min(session expiry, now + ttl)`, in whole seconds.
    pub fn issue(&self, grant: &Grant<'_>, now: DateTime<Utc>) -> Result<Issued, IssueError> {
        let iat = now.timestamp();
        let by_ttl = iat
            .checked_add(self.ttl.num_seconds())
            .ok_or(IssueError::OutOfRange)?;
        // Floor: the token ends no later than the session.
        let exp = by_ttl.min(grant.session_expires_at.timestamp());
        if exp <= iat {
            return Err(IssueError::NoTimeLeft);
        }
        let expires_at = DateTime::from_timestamp(exp, 0).ok_or(IssueError::OutOfRange)?;
        let claims = Claims {
            iss: self.issuer.clone(),
            aud: self.audience.clone(),
            sub: grant.user.as_str().to_owned(),
            stream: grant.stream.as_str().to_owned(),
            sid: session_hash(grant.session),
            iat,
            exp,
            access_exp: Some(grant.session_expires_at.timestamp()),
            jti: random_id(),
            mediamtx_permissions: vec![Permission {
                action: "read".into(),
                path: grant.media_path.as_str().to_owned(),
            }],
        };
        Ok(Issued {
            token: self.sign(&claims),
            expires_at,
        })
    }

    /// The compact JWS of `claims` (`{"alg":"ES256","typ":"JWT","kid":…}`).
    pub fn sign(&self, claims: &Claims) -> String {
        let header = serde_json::json!({"alg": "ES256", "typ": "JWT", "kid": self.key.kid()});
        let payload = serde_json::to_vec(claims).expect("claims serialize");
        let mut token = String::with_capacity(512);
        token.push_str(&URL_SAFE_NO_PAD.encode(header.to_string()));
        token.push('.');
        token.push_str(&URL_SAFE_NO_PAD.encode(payload));
        let signature = self.key.sign(token.as_bytes());
        token.push('.');
        token.push_str(&URL_SAFE_NO_PAD.encode(signature));
        token
    }
}

/// Why a token was refused. [`Rejection::Forbidden`] is a valid token for another path (403);
/// everything else means "no valid token" (401).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum Rejection {
    #[error("no token")]
    /// No token was presented.
    Missing,
    #[error("malformed token")]
    /// Not a compact JWS.
    Malformed,
    #[error("algorithm not allowed (only ES256)")]
    /// Another algorithm than ES256.
    Algorithm,
    #[error("unknown kid")]
    /// A `kid` that is not published.
    UnknownKey,
    #[error("bad signature")]
    /// The signature does not verify.
    Signature,
    #[error("wrong audience")]
    /// Another audience.
    Audience,
    #[error("wrong issuer")]
    /// Another issuer.
    Issuer,
    #[error("expired")]
    /// Past its `exp`.
    Expired,
    #[error("issued in the future")]
    /// Issued in the future.
    NotYetValid,
    #[error("token is for another stream or path")]
    /// Valid, but for another stream or path.
    Forbidden,
}

impl Rejection {
    /// 403 for a valid token on the wrong path, 401 otherwise.
    pub fn status(self) -> u16 {
        match self {
            Rejection::Forbidden => 403,
            _ => 401,
        }
    }
}

/// Verifies playback tokens against the published public keys.
#[derive(Debug, Clone)]
pub struct Verifier {
    keys: Vec<VerifyingKey>,
    audience: String,
    issuer: Option<String>,
}

#[derive(Deserialize)]
struct Header {
    alg: String,
    kid: Option<String>,
    crit: Option<Value>,
}

impl Verifier {
    /// A verifier trusting `keys`, requiring `aud == audience` and, when given, `iss == issuer`.
    pub fn new(keys: Vec<VerifyingKey>, audience: &str, issuer: Option<&str>) -> Self {
        Self {
            keys,
            audience: audience.to_owned(),
            issuer: issuer.filter(|i| !i.is_empty()).map(str::to_owned),
        }
    }

    /// The trusted keys.
    pub fn keys(&self) -> &[VerifyingKey] {
        &self.keys
    }

    /// The claims of a valid, unexpired token for this audience (path not checked).
    pub fn verify(&self, token: &str, now: DateTime<Utc>) -> Result<Claims, Rejection> {
        if token.is_empty() {
            return Err(Rejection::Missing);
        }
        if token.len() > MAX_TOKEN_BYTES {
            return Err(Rejection::Malformed);
        }
        let mut parts = token.split('.');
        let (Some(h), Some(p), Some(s), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(Rejection::Malformed);
        };
        let header: Header = decode_json(h)?;
        if header.alg != "ES256" {
            return Err(Rejection::Algorithm);
        }
        if header.crit.is_some() {
            return Err(Rejection::Malformed);
        }
        let kid = header.kid.ok_or(Rejection::UnknownKey)?;
        let key = self
            .keys
            .iter()
            .find(|k| k.kid() == kid)
            .ok_or(Rejection::UnknownKey)?;
        let signature = URL_SAFE_NO_PAD
            .decode(s)
            .map_err(|_| Rejection::Malformed)?;
        // The signed input is the first two parts exactly as received.
        let signed_len = h.len() + 1 + p.len();
        if signature.len() != 64 || !key.verify(&token.as_bytes()[..signed_len], &signature) {
            return Err(Rejection::Signature);
        }
        let claims: Claims = decode_json(p)?;
        if claims.aud != self.audience {
            return Err(Rejection::Audience);
        }
        if self.issuer.as_ref().is_some_and(|i| *i != claims.iss) {
            return Err(Rejection::Issuer);
        }
        let now = now.timestamp();
        if now >= claims.exp {
            return Err(Rejection::Expired);
        }
        if claims.iat > now.saturating_add(IAT_LEEWAY_SECONDS) {
            return Err(Rejection::NotYetValid);
        }
        Ok(claims)
    }

    /// [`Verifier::verify`], then: may it read `media_path`?
    pub fn authorize(
        &self,
        token: &str,
        media_path: &str,
        now: DateTime<Utc>,
    ) -> Result<Claims, Rejection> {
        let claims = self.verify(token, now)?;
        if claims.read_path() == Some(media_path) {
            Ok(claims)
        } else {
            Err(Rejection::Forbidden)
        }
    }
}

fn decode_json<T: serde::de::DeserializeOwned>(part: &str) -> Result<T, Rejection> {
    let bytes = URL_SAFE_NO_PAD
        .decode(part)
        .map_err(|_| Rejection::Malformed)?;
    serde_json::from_slice(&bytes).map_err(|_| Rejection::Malformed)
}

fn random_id() -> String {
    let mut bytes = [0u8; 16];
    getrandom::fill(&mut bytes).expect("the operating system's random source is available");
    URL_SAFE_NO_PAD.encode(bytes)
}
