//! Identifier newtypes. Each constructor validates; once built, a value is known good.

use std::fmt;

use serde::{Deserialize, Serialize};

use super::ParseError;

macro_rules! string_newtype {
    ($(#[$meta:meta])* $name:ident, $field:literal, $check:path) => {
        $(#[$meta])*
        #[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(try_from = "String", into = "String")]
        pub struct $name(String);

        impl $name {
            /// Parses and validates a raw value.
            pub fn parse(raw: impl Into<String>) -> Result<Self, ParseError> {
                let raw = raw.into();
                $check($field, &raw)?;
                Ok(Self(raw))
            }

            /// The validated value.
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl TryFrom<String> for $name {
            type Error = ParseError;
            fn try_from(raw: String) -> Result<Self, Self::Error> {
                Self::parse(raw)
            }
        }

        impl From<$name> for String {
            fn from(value: $name) -> String {
                value.0
            }
        }

        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }
    };
}

string_newtype!(
    /// A viewer's identifier: 1–128 printable characters, no control or format (Cf) characters.
    UserId, "userId", check_user_id
);
string_newtype!(
    /// A stream's identifier: `[A-Za-z0-9_-]{1,64}`.
    StreamId, "streamId", check_token
);
string_newtype!(
    /// A session's identifier: `session_` + 32 lowercase hex digits (128 random bits).
    /// It is a bearer secret: whoever holds it may watch.
    SessionId, "sessionId", check_session_id
);
string_newtype!(
    /// A transaction identifier: 1–25 characters of `[A-Z0-9-]` (the QRIS reference label limit).
    TrxId, "trxId", check_trx_id
);

string_newtype!(
    /// A client's `Idempotency-Key`: 1–64 characters of `[A-Za-z0-9_-]`, scoped to its userId.
    IdempotencyKey, "Idempotency-Key", check_token
);
string_newtype!(
    /// The id under which a media server's API lists a viewer's connection (an SRS client id, a
    /// MediaMTX UUID): 1–64 characters of `[A-Za-z0-9_-]`, so that it is safe in a URL path.
    ClientId, "clientId", check_token
);

impl fmt::Debug for IdempotencyKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "IdempotencyKey({:?})", self.0)
    }
}

impl fmt::Debug for UserId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "UserId({:?})", self.0)
    }
}
impl fmt::Debug for ClientId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ClientId({:?})", self.0)
    }
}
impl fmt::Debug for StreamId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "StreamId({:?})", self.0)
    }
}
impl fmt::Debug for TrxId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "TrxId({:?})", self.0)
    }
}
/// Debug output never shows the whole secret.
impl fmt::Debug for SessionId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SessionId({})", self.redacted())
    }
}

pub(crate) const SESSION_PREFIX: &str = "session_";

impl SessionId {
    /// A fresh identifier from 128 bits of the operating system's randomness.
    pub fn generate() -> Self {
        let bytes: [u8; 16] = random_bytes();
        let mut id = String::with_capacity(SESSION_PREFIX.len() + 32);
        id.push_str(SESSION_PREFIX);
        for b in bytes {
            id.push_str(&format!("{b:02x}"));
        }
        Self(id)
    }

    /// A shortened form safe for logs: the prefix and the first 6 hex digits.
    pub fn redacted(&self) -> String {
        format!("{}…", &self.0[..SESSION_PREFIX.len() + 6])
    }
}

impl TrxId {
    /// A fresh identifier: `UP-` + UTC time `yyMMddHHmmss` + `-` + 8 random base32 characters
    /// (40 bits), 24 characters in all.
    pub fn generate(now: chrono::DateTime<chrono::Utc>) -> Self {
        const ALPHABET: &[u8; 32] = b"ABCDEFGHJKLMNPQRSTUVWXYZ23456789";
        let bytes: [u8; 5] = random_bytes();
        let mut bits = bytes.iter().fold(0u64, |acc, b| (acc << 8) | u64::from(*b));
        let mut tail = [0u8; 8];
        for slot in tail.iter_mut().rev() {
            *slot = ALPHABET[(bits & 31) as usize];
            bits >>= 5;
        }
        let tail = std::str::from_utf8(&tail).expect("alphabet is ASCII");
        Self(format!("UP-{}-{tail}", now.format("%y%m%d%H%M%S")))
    }
}

fn random_bytes<const N: usize>() -> [u8; N] {
    let mut buf = [0u8; N];
    getrandom::fill(&mut buf).expect("the operating system's random source is available");
    buf
}

fn check_user_id(field: &'static str, raw: &str) -> Result<(), ParseError> {
    check_len(field, raw, 128)?;
    if raw.chars().any(|c| c.is_control() || is_format(c)) || raw.trim().is_empty() {
        return Err(ParseError::BadCharacter { field });
    }
    Ok(())
}

/// Unicode format characters (category Cf): bidi overrides and isolates, zero-width characters, the
/// BOM, … They are invisible and spoof names on the admin page.
fn is_format(c: char) -> bool {
    unicode_general_category::get_general_category(c)
        == unicode_general_category::GeneralCategory::Format
}

/// 1–64 characters of `[A-Za-z0-9_-]` (stream ids, idempotency keys, media servers' client ids).
fn check_token(field: &'static str, raw: &str) -> Result<(), ParseError> {
    check_len(field, raw, 64)?;
    if !raw
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
    {
        return Err(ParseError::BadCharacter { field });
    }
    Ok(())
}

fn check_session_id(field: &'static str, raw: &str) -> Result<(), ParseError> {
    check_len(field, raw, SESSION_PREFIX.len() + 32)?;
    let ok = raw.strip_prefix(SESSION_PREFIX).is_some_and(|hex| {
        hex.len() == 32 && hex.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
    });
    if ok {
        Ok(())
    } else {
        Err(ParseError::BadFormat { field })
    }
}

fn check_trx_id(field: &'static str, raw: &str) -> Result<(), ParseError> {
    check_len(field, raw, 25)?;
    if !raw
        .bytes()
        .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'-')
    {
        return Err(ParseError::BadCharacter { field });
    }
    Ok(())
}

fn check_len(field: &'static str, raw: &str, max: usize) -> Result<(), ParseError> {
    match raw.chars().count() {
        0 => Err(ParseError::Empty { field }),
        n if n > max => Err(ParseError::TooLong { field, max }),
        _ => Ok(()),
    }
}

/// How a session is named by a caller.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SessionKey {
    /// By session id.
    Session(SessionId),
    /// By transaction id.
    Trx(TrxId),
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn user_id_accepts_printable_unicode_and_rejects_controls() {
        assert!(UserId::parse("demo-user").is_ok());
        assert!(UserId::parse("Budi Santoso ✨").is_ok());
        assert_eq!(
            UserId::parse(""),
            Err(ParseError::Empty { field: "userId" })
        );
        assert_eq!(
            UserId::parse("a\nb"),
            Err(ParseError::BadCharacter { field: "userId" })
        );
        assert_eq!(
            UserId::parse("   "),
            Err(ParseError::BadCharacter { field: "userId" })
        );
        assert!(UserId::parse("x".repeat(128)).is_ok());
        assert!(matches!(
            UserId::parse("x".repeat(129)),
            Err(ParseError::TooLong { .. })
        ));
        // 128 multi-byte characters are still 128 characters.
        assert!(UserId::parse("é".repeat(128)).is_ok());
    }

    #[test]
    fn user_id_refuses_format_characters() {
        let listed = (0x202A..=0x202E)
            .chain(0x2066..=0x2069)
            .chain(0x200B..=0x200F)
            .chain([0x2060, 0xFEFF, 0x00AD, 0x061C, 0xE0001]);
        for code in listed {
            let c = char::from_u32(code).unwrap();
            assert_eq!(
                UserId::parse(format!("budi{c}santoso")),
                Err(ParseError::BadCharacter { field: "userId" }),
                "U+{code:04X}"
            );
            assert!(UserId::parse(format!("{c}")).is_err(), "U+{code:04X} alone");
        }
        // Visible neighbours stay allowed.
        assert!(UserId::parse("budi\u{2010}santoso").is_ok());
        assert!(UserId::parse("Budi 🇮🇩").is_ok());
    }

    #[test]
    fn stream_id_grammar() {
        assert!(StreamId::parse("2").is_ok());
        assert!(StreamId::parse("live_2026-final").is_ok());
        assert!(StreamId::parse("a#b").is_err());
        assert!(StreamId::parse("a b").is_err());
        assert!(StreamId::parse("").is_err());
        assert!(StreamId::parse("s".repeat(65)).is_err());
    }

    #[test]
    fn session_ids_are_random_and_well_formed() {
        let a = SessionId::generate();
        let b = SessionId::generate();
        assert_ne!(a, b);
        assert_eq!(a.as_str().len(), 40);
        assert_eq!(SessionId::parse(a.as_str()), Ok(a.clone()));
        assert!(SessionId::parse("session_xxx").is_err());
        assert!(SessionId::parse("session_0123456789ABCDEF0123456789abcdef").is_err());
        assert!(
            !format!("{a:?}").contains(&a.as_str()[20..]),
            "debug output leaks the secret"
        );
    }

    #[test]
    fn trx_ids_fit_the_qris_reference_label() {
        let now = chrono::DateTime::from_timestamp(1_756_584_975, 0).unwrap();
        let a = TrxId::generate(now);
        let b = TrxId::generate(now);
        assert_ne!(a, b);
        assert!(a.as_str().len() <= 25);
        assert!(a.as_str().starts_with("UP-250830201615-"), "{a}");
        assert_eq!(TrxId::parse(a.as_str()), Ok(a));
        assert!(TrxId::parse("up-lower").is_err());
        assert!(TrxId::parse("A".repeat(26)).is_err());
    }

    #[test]
    fn idempotency_keys() {
        assert!(IdempotencyKey::parse("tap-1_AZ").is_ok());
        assert!(IdempotencyKey::parse("k".repeat(64)).is_ok());
        assert!(IdempotencyKey::parse("k".repeat(65)).is_err());
        assert!(IdempotencyKey::parse("").is_err());
        assert!(IdempotencyKey::parse("a#b").is_err());
        assert!(IdempotencyKey::parse("a b").is_err());
    }

    #[test]
    fn serde_validates() {
        let ok: Result<StreamId, _> = serde_json::from_str("\"4\"");
        assert!(ok.is_ok());
        let bad: Result<StreamId, _> = serde_json::from_str("\"4 4\"");
        assert!(bad.is_err());
    }
}
