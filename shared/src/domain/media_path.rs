//! Where a stream's media lives on the media servers: `live/2` in `/hls/live/2/index.m3u8`, the
//! MediaMTX path `live/2`, SRS `app/stream`, OvenMediaEngine `app/stream`.

use std::fmt;

use serde::{Deserialize, Serialize};

use super::{ParseError, StreamId};

/// A safe sequence of path segments: 1–8 segments of `[A-Za-z0-9_.-]{1,64}` joined by `/`, none of
/// them `.` or `..`, at most 200 characters; no leading or trailing slash, no percent sign.
#[derive(Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct MediaPath(String);

impl MediaPath {
    /// Parses and validates a raw value.
    pub fn parse(raw: impl Into<String>) -> Result<Self, ParseError> {
        let raw = raw.into();
        let field = "mediaPath";
        if raw.is_empty() {
            return Err(ParseError::Empty { field });
        }
        if raw.len() > 200 {
            return Err(ParseError::TooLong { field, max: 200 });
        }
        let segments: Vec<&str> = raw.split('/').collect();
        let ok = segments.len() <= 8
            && segments.iter().all(|s| {
                !s.is_empty()
                    && s.len() <= 64
                    && *s != "."
                    && *s != ".."
                    && s.bytes()
                        .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.'))
            });
        if ok {
            Ok(Self(raw))
        } else {
            Err(ParseError::BadFormat { field })
        }
    }

    /// The default media path of a stream: its id (always a valid single segment).
    pub fn of_stream(id: &StreamId) -> Self {
        Self(id.as_str().to_owned())
    }

    /// The validated value.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for MediaPath {
    type Error = ParseError;
    fn try_from(raw: String) -> Result<Self, Self::Error> {
        Self::parse(raw)
    }
}

impl From<MediaPath> for String {
    fn from(value: MediaPath) -> String {
        value.0
    }
}

impl fmt::Display for MediaPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for MediaPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "MediaPath({:?})", self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn safe_segments_only() {
        for ok in ["2", "live/2", "live/final_2026-a", "app/stream.v2"] {
            assert!(MediaPath::parse(ok).is_ok(), "{ok}");
        }
        for bad in [
            "",
            "/2",
            "2/",
            "live//2",
            "../2",
            "live/../4",
            "./2",
            "a b",
            "a%2F",
            "a\\b",
            "a?b",
            "a#b",
            "é",
        ] {
            assert!(MediaPath::parse(bad).is_err(), "{bad:?}");
        }
        assert!(
            MediaPath::parse("a/".repeat(8) + "a").is_err(),
            "9 segments"
        );
        assert!(MediaPath::parse("x".repeat(65)).is_err());
        let id = StreamId::parse("live_2").unwrap();
        assert_eq!(MediaPath::of_stream(&id).as_str(), "live_2");
    }
}
