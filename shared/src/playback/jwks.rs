//! The JWK Set published at `/api/.well-known/jwks.json`: the signing key's public half plus any
//! other public keys being rotated in or out.

use serde_json::{Value, json};

use super::keys::VerifyingKey;

/// `Cache-Control` of the JWKS: media servers may cache it for 5 minutes (MediaMTX refreshes hourly
/// anyway), so a key published now is everywhere within the hour.
pub const CACHE_CONTROL: &str = "public, max-age=300";

/// The keys, deduplicated by `kid`, in order.
pub fn dedup(keys: impl IntoIterator<Item = VerifyingKey>) -> Vec<VerifyingKey> {
    let mut out: Vec<VerifyingKey> = Vec::new();
    for key in keys {
        if !out.iter().any(|k| k.kid() == key.kid()) {
            out.push(key);
        }
    }
    out
}

/// `{"keys": [<JWK with kid, alg ES256, use sig>, …]}`.
pub fn document(keys: &[VerifyingKey]) -> Value {
    json!({"keys": keys.iter().map(VerifyingKey::jwk).collect::<Vec<_>>()})
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::playback::SigningKey;

    #[test]
    fn one_entry_per_kid_with_the_required_members() {
        let a = SigningKey::generate();
        let b = SigningKey::generate();
        let keys = dedup([
            a.verifying_key().clone(),
            b.verifying_key().clone(),
            a.verifying_key().clone(),
        ]);
        let doc = document(&keys);
        let list = doc["keys"].as_array().unwrap();
        assert_eq!(list.len(), 2);
        for (jwk, key) in list.iter().zip([&a, &b]) {
            assert_eq!(jwk["kid"], key.kid());
            assert_eq!(jwk["alg"], "ES256");
            assert_eq!(jwk["use"], "sig");
            assert_eq!(jwk["kty"], "EC");
            assert_eq!(jwk["crv"], "P-256");
            assert_eq!(jwk["x"].as_str().unwrap().len(), 43);
            assert!(jwk.get("d").is_none(), "no private member");
        }
    }
}
