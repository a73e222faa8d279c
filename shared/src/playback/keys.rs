//! ES256 (P-256) keys: PKCS#8 PEM loading and generation, and the `kid` of a key, its RFC 7638 JWK
//! thumbprint. Private keys never appear in `Debug` output or logs.

use std::fmt;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use p256::ecdsa;
use p256::pkcs8::{
    DecodePrivateKey, DecodePublicKey, EncodePrivateKey, EncodePublicKey, LineEnding,
};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

/// Why a key was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KeyError {
    #[error("not a PKCS#8 PEM P-256 private key")]
    BadPrivateKey,
    #[error("not a PEM P-256 public key (SPKI) or private key (PKCS#8)")]
    BadPublicKey,
}

/// A public key that verifies tokens, named by its `kid`.
#[derive(Clone, PartialEq, Eq)]
pub struct VerifyingKey {
    key: ecdsa::VerifyingKey,
    kid: String,
}

/// The private key that signs tokens. `Debug` shows only its `kid`.
#[derive(Clone)]
pub struct SigningKey {
    key: ecdsa::SigningKey,
    public: VerifyingKey,
}

impl fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "SigningKey(kid={}, private key redacted)",
            self.public.kid
        )
    }
}

impl fmt::Debug for VerifyingKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "VerifyingKey(kid={})", self.kid)
    }
}

impl SigningKey {
    /// A fresh key from the operating system's randomness.
    pub fn generate() -> Self {
        loop {
            let mut bytes = [0u8; 32];
            getrandom::fill(&mut bytes).expect("the operating system's random source is available");
            // Out of range (zero or ≥ the group order) with probability ~2^-32: draw again.
            if let Ok(key) = ecdsa::SigningKey::from_slice(&bytes) {
                bytes.fill(0);
                return Self::from_key(key);
            }
        }
    }

    /// From a PKCS#8 PEM (`-----BEGIN PRIVATE KEY-----`), as `openssl genpkey -algorithm EC
    /// -pkeyopt ec_paramgen_curve:P-256` or `upstream keys new` writes it.
    pub fn from_pkcs8_pem(pem: &str) -> Result<Self, KeyError> {
        ecdsa::SigningKey::from_pkcs8_pem(pem.trim())
            .map(Self::from_key)
            .map_err(|_| KeyError::BadPrivateKey)
    }

    fn from_key(key: ecdsa::SigningKey) -> Self {
        let public = VerifyingKey::from_key(*key.verifying_key());
        Self { key, public }
    }

    /// The private key as PKCS#8 PEM (for the operator to store; never log it).
    pub fn to_pkcs8_pem(&self) -> String {
        self.key
            .to_pkcs8_pem(LineEnding::LF)
            .map(|pem| pem.as_str().to_owned())
            .expect("a P-256 key encodes as PKCS#8")
    }

    /// Its public half.
    pub fn verifying_key(&self) -> &VerifyingKey {
        &self.public
    }

    /// The `kid` of its public half.
    pub fn kid(&self) -> &str {
        &self.public.kid
    }

    /// The raw `r || s` ES256 signature of `message` (RFC 6979 deterministic nonce).
    pub(crate) fn sign(&self, message: &[u8]) -> [u8; 64] {
        use p256::ecdsa::signature::Signer;
        let sig: ecdsa::Signature = self.key.sign(message);
        sig.to_bytes().into()
    }
}

#[cfg(test)]
impl SigningKey {
    /// The base64url signature of `header.payload` (tests forge tokens with it).
    pub(crate) fn sign_for_tests(&self, header: &str, payload: &str) -> Vec<u8> {
        self.sign(format!("{header}.{payload}").as_bytes()).to_vec()
    }
}

impl VerifyingKey {
    fn from_key(key: ecdsa::VerifyingKey) -> Self {
        let (x, y) = coordinates(&key);
        Self {
            kid: thumbprint(&x, &y),
            key,
        }
    }

    /// From a PEM public key (`-----BEGIN PUBLIC KEY-----`) or a PKCS#8 private key (its public half).
    pub fn from_pem(pem: &str) -> Result<Self, KeyError> {
        let pem = pem.trim();
        if let Ok(key) = ecdsa::VerifyingKey::from_public_key_pem(pem) {
            return Ok(Self::from_key(key));
        }
        SigningKey::from_pkcs8_pem(pem)
            .map(|k| k.public)
            .map_err(|_| KeyError::BadPublicKey)
    }

    /// Every key in a text holding one or more PEM blocks (e.g. `PLAYBACK_PUBLIC_KEYS`).
    pub fn all_from_pem(text: &str) -> Result<Vec<Self>, KeyError> {
        let mut keys = Vec::new();
        let mut block = String::new();
        for line in text.lines().map(str::trim).filter(|l| !l.is_empty()) {
            block.push_str(line);
            block.push('\n');
            if line.starts_with("-----END ") {
                keys.push(Self::from_pem(&block)?);
                block.clear();
            }
        }
        if !block.trim().is_empty() {
            return Err(KeyError::BadPublicKey);
        }
        Ok(keys)
    }

    /// The SPKI PEM of this key.
    pub fn to_pem(&self) -> String {
        self.key
            .to_public_key_pem(LineEnding::LF)
            .expect("a P-256 key encodes as SPKI")
    }

    /// The key's id: its RFC 7638 JWK thumbprint (SHA-256, base64url).
    pub fn kid(&self) -> &str {
        &self.kid
    }

    /// The public JWK with `kid`, `alg: ES256` and `use: sig`.
    pub fn jwk(&self) -> Value {
        let (x, y) = coordinates(&self.key);
        json!({
            "kty": "EC",
            "crv": "P-256",
            "x": x,
            "y": y,
            "kid": self.kid,
            "alg": "ES256",
            "use": "sig",
        })
    }

    /// Whether `signature` (raw `r || s`) is this key's ES256 signature of `message`.
    pub(crate) fn verify(&self, message: &[u8], signature: &[u8]) -> bool {
        use p256::ecdsa::signature::Verifier;
        let Ok(sig) = ecdsa::Signature::from_slice(signature) else {
            return false;
        };
        self.key.verify(message, &sig).is_ok()
    }
}

/// The base64url `x` and `y` coordinates of a public key.
fn coordinates(key: &ecdsa::VerifyingKey) -> (String, String) {
    let point = key.to_encoded_point(false);
    let x = point.x().expect("an uncompressed point has x");
    let y = point.y().expect("an uncompressed point has y");
    (URL_SAFE_NO_PAD.encode(x), URL_SAFE_NO_PAD.encode(y))
}

/// RFC 7638: SHA-256 over the required members in lexicographic order, no whitespace.
fn thumbprint(x: &str, y: &str) -> String {
    let canonical = format!(r#"{{"crv":"P-256","kty":"EC","x":"{x}","y":"{y}"}}"#);
    URL_SAFE_NO_PAD.encode(Sha256::digest(canonical.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pem_round_trip_keeps_the_kid() {
        let key = SigningKey::generate();
        let pem = key.to_pkcs8_pem();
        assert!(pem.starts_with("-----BEGIN PRIVATE KEY-----"));
        let again = SigningKey::from_pkcs8_pem(&pem).unwrap();
        assert_eq!(again.kid(), key.kid());
        let public = VerifyingKey::from_pem(&key.verifying_key().to_pem()).unwrap();
        assert_eq!(public.kid(), key.kid());
        assert_eq!(VerifyingKey::from_pem(&pem).unwrap().kid(), key.kid());
        assert_ne!(SigningKey::generate().kid(), key.kid());
    }

    #[test]
    fn debug_never_shows_the_private_key() {
        let key = SigningKey::generate();
        let pem = key.to_pkcs8_pem();
        let body: String = pem.lines().nth(1).unwrap().chars().take(20).collect();
        let shown = format!("{key:?}");
        assert!(
            shown.contains(key.kid()) && !shown.contains(&body),
            "{shown}"
        );
    }

    #[test]
    fn several_pem_blocks_and_garbage() {
        let a = SigningKey::generate();
        let b = SigningKey::generate();
        let text = format!(
            "{}\n{}",
            a.verifying_key().to_pem(),
            b.verifying_key().to_pem()
        );
        let keys = VerifyingKey::all_from_pem(&text).unwrap();
        assert_eq!(
            keys.iter().map(|k| k.kid().to_owned()).collect::<Vec<_>>(),
            vec![a.kid().to_owned(), b.kid().to_owned()]
        );
        assert!(VerifyingKey::all_from_pem("-----BEGIN PUBLIC KEY-----\nAAAA").is_err());
        assert!(SigningKey::from_pkcs8_pem("nope").is_err());
        assert!(VerifyingKey::all_from_pem("").unwrap().is_empty());
    }
}
