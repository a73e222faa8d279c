//! Playback tokens: short-lived ES256 JWTs that let media servers gate the media itself without a
//! database read. Pure: keys come in, time comes from the caller.
//!
//! - [`keys`]: P-256 keys (PKCS#8 PEM, generation, `kid` = RFC 7638 thumbprint)
//! - [`token`]: the claims, issuing and verifying
//! - [`jwks`]: the published JWK Set
//! - [`hooks`]: nginx, MediaMTX, SRS and OvenMediaEngine authorization contracts

pub mod hooks;
pub mod jwks;
pub mod keys;
pub mod publish;
pub mod token;

#[cfg(test)]
mod tests;

pub use keys::{KeyError, SigningKey, VerifyingKey};
pub use token::{
    Claims, DEFAULT_AUDIENCE, DEFAULT_TTL, Grant, IssueError, Issued, Issuer, Permission,
    Rejection, Verifier, session_hash,
};
