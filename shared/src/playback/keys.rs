//! ES256 (P-256) keys: PKCS#8 PEM loading and generation, and the `kid` of a key, its RFC 7638 JWK
//! thumbprint. The ECDSA itself is `ring`'s (already linked for TLS: no new dependency). Private
//! keys never appear in `Debug` output or logs.

use std::fmt;
use std::sync::Arc;

use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use ring::rand::SystemRandom;
use ring::signature::{
    ECDSA_P256_SHA256_FIXED, ECDSA_P256_SHA256_FIXED_SIGNING, EcdsaKeyPair, KeyPair,
    UnparsedPublicKey,
};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

/// Why a key was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KeyError {
    #[error("not a PKCS#8 PEM P-256 private key")]
    /// The private key is not a PKCS#8 P-256 key.
    BadPrivateKey,
    #[error("not a PEM P-256 public key (SPKI) or private key (PKCS#8)")]
    /// A public key is not a P-256 key.
    BadPublicKey,
}

/// DER prefix of a P-256 SubjectPublicKeyInfo (id-ecPublicKey, prime256v1), before the 65-byte
/// uncompressed point.
const SPKI_P256_PREFIX: [u8; 26] = [
    0x30, 0x59, 0x30, 0x13, 0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01, 0x06, 0x08, 0x2a,
    0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07, 0x03, 0x42, 0x00,
];

/// A public key that verifies tokens, named by its `kid`.
#[derive(Clone, PartialEq, Eq)]
pub struct VerifyingKey {
    /// The uncompressed point `04 || x || y`.
    point: Vec<u8>,
    kid: String,
}

/// The private key that signs tokens. `Debug` shows only its `kid`.
#[derive(Clone)]
pub struct SigningKey {
    pair: Arc<EcdsaKeyPair>,
    pkcs8: Arc<Vec<u8>>,
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
        let rng = SystemRandom::new();
        let doc = EcdsaKeyPair::generate_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, &rng)
            .expect("the operating system's random source is available");
        Self::from_pkcs8_der(doc.as_ref()).expect("ring reads the PKCS#8 it writes")
    }

    /// From a PKCS#8 PEM (`-----BEGIN PRIVATE KEY-----`), as `openssl genpkey -algorithm EC
    /// -pkeyopt ec_paramgen_curve:P-256` or `upstream keys new` writes it.
    pub fn from_pkcs8_pem(pem: &str) -> Result<Self, KeyError> {
        let der = pem_body(pem, "PRIVATE KEY").ok_or(KeyError::BadPrivateKey)?;
        Self::from_pkcs8_der(&der)
    }

    fn from_pkcs8_der(der: &[u8]) -> Result<Self, KeyError> {
        let pair =
            EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, der, &SystemRandom::new())
                .map_err(|_| KeyError::BadPrivateKey)?;
        let public = VerifyingKey::from_point(pair.public_key().as_ref().to_vec())
            .ok_or(KeyError::BadPrivateKey)?;
        Ok(Self {
            pair: Arc::new(pair),
            pkcs8: Arc::new(der.to_vec()),
            public,
        })
    }

    /// The private key as PKCS#8 PEM (for the operator to store; never log it).
    pub fn to_pkcs8_pem(&self) -> String {
        to_pem("PRIVATE KEY", &self.pkcs8)
    }

    /// Its public half.
    pub fn verifying_key(&self) -> &VerifyingKey {
        &self.public
    }

    /// The `kid` of its public half.
    pub fn kid(&self) -> &str {
        &self.public.kid
    }

    /// The raw `r || s` ES256 signature of `message`.
    pub(crate) fn sign(&self, message: &[u8]) -> Vec<u8> {
        self.pair
            .sign(&SystemRandom::new(), message)
            .expect("the operating system's random source is available")
            .as_ref()
            .to_vec()
    }
}

#[cfg(test)]
impl SigningKey {
    /// The signature of `header.payload` (tests forge tokens with it).
    pub(crate) fn sign_for_tests(&self, header: &str, payload: &str) -> Vec<u8> {
        self.sign(format!("{header}.{payload}").as_bytes())
    }
}

impl VerifyingKey {
    fn from_point(point: Vec<u8>) -> Option<Self> {
        if point.len() != 65 || point[0] != 0x04 {
            return None;
        }
        let (x, y) = (&point[1..33], &point[33..]);
        let kid = thumbprint(&URL_SAFE_NO_PAD.encode(x), &URL_SAFE_NO_PAD.encode(y));
        Some(Self { point, kid })
    }

    /// From a PEM public key (`-----BEGIN PUBLIC KEY-----`) or a PKCS#8 private key (its public half).
    pub fn from_pem(pem: &str) -> Result<Self, KeyError> {
        if let Some(der) = pem_body(pem, "PUBLIC KEY") {
            return der
                .strip_prefix(&SPKI_P256_PREFIX[..])
                .and_then(|point| Self::from_point(point.to_vec()))
                .ok_or(KeyError::BadPublicKey);
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
        let mut der = SPKI_P256_PREFIX.to_vec();
        der.extend_from_slice(&self.point);
        to_pem("PUBLIC KEY", &der)
    }

    /// The key's id: its RFC 7638 JWK thumbprint (SHA-256, base64url).
    pub fn kid(&self) -> &str {
        &self.kid
    }

    /// The public JWK with `kid`, `alg: ES256` and `use: sig`.
    pub fn jwk(&self) -> Value {
        json!({
            "kty": "EC",
            "crv": "P-256",
            "x": URL_SAFE_NO_PAD.encode(&self.point[1..33]),
            "y": URL_SAFE_NO_PAD.encode(&self.point[33..]),
            "kid": self.kid,
            "alg": "ES256",
            "use": "sig",
        })
    }

    /// Whether `signature` (raw `r || s`) is this key's ES256 signature of `message`.
    pub(crate) fn verify(&self, message: &[u8], signature: &[u8]) -> bool {
        UnparsedPublicKey::new(&ECDSA_P256_SHA256_FIXED, &self.point)
            .verify(message, signature)
            .is_ok()
    }
}

/// The DER inside `-----BEGIN <label>-----` … `-----END <label>-----`.
fn pem_body(pem: &str, label: &str) -> Option<Vec<u8>> {
    let begin = format!("-----BEGIN {label}-----");
    let end = format!("-----END {label}-----");
    let start = pem.find(&begin)? + begin.len();
    let stop = start + pem[start..].find(&end)?;
    let b64: String = pem[start..stop]
        .chars()
        .filter(|c| !c.is_ascii_whitespace())
        .collect();
    STANDARD.decode(b64).ok()
}

fn to_pem(label: &str, der: &[u8]) -> String {
    let b64 = STANDARD.encode(der);
    let mut out = format!("-----BEGIN {label}-----\n");
    for chunk in b64.as_bytes().chunks(64) {
        out.push_str(std::str::from_utf8(chunk).expect("base64 is ASCII"));
        out.push('\n');
    }
    out.push_str(&format!("-----END {label}-----\n"));
    out
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
        let sig = again.sign(b"message");
        assert!(public.verify(b"message", &sig));
        assert!(!public.verify(b"messagE", &sig));
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
        assert!(
            VerifyingKey::from_pem("-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----")
                .is_err()
        );
        assert!(SigningKey::from_pkcs8_pem("nope").is_err());
        assert!(VerifyingKey::all_from_pem("").unwrap().is_empty());
    }
}
