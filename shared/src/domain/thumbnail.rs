//! A stream's picture: an `https://` URL, or a path under the viewer page's own origin.

use std::fmt;

use serde::{Deserialize, Serialize};

use super::ParseError;

/// Longest accepted thumbnail reference.
pub const MAX_THUMBNAIL_LEN: usize = 2_048;

/// `https://<host>[/…]` or `/<path>` (not `//`, no `.` or `..` segment), at most
/// [`MAX_THUMBNAIL_LEN`] characters of printable ASCII without spaces, quotes, `<`, `>`, `\` or
/// backticks: safe in an HTML attribute and never a `javascript:` or `data:` URL.
#[derive(Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct ThumbnailUrl(String);

impl ThumbnailUrl {
    /// Parses and validates a raw value.
    pub fn parse(raw: impl Into<String>) -> Result<Self, ParseError> {
        let raw = raw.into();
        let field = "thumbnailUrl";
        if raw.is_empty() {
            return Err(ParseError::Empty { field });
        }
        if raw.len() > MAX_THUMBNAIL_LEN {
            return Err(ParseError::TooLong {
                field,
                max: MAX_THUMBNAIL_LEN,
            });
        }
        if !raw.bytes().all(|b| {
            b.is_ascii_graphic() && !matches!(b, b'"' | b'\'' | b'<' | b'>' | b'\\' | b'`')
        }) {
            return Err(ParseError::BadCharacter { field });
        }
        let path = match raw.strip_prefix("https://") {
            Some(rest) => {
                let host_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
                let host = &rest[..host_end];
                if host.is_empty() || host.contains('@') {
                    return Err(ParseError::BadFormat { field });
                }
                &rest[host_end..]
            }
            None if raw.starts_with('/') && !raw.starts_with("//") => raw.as_str(),
            None => return Err(ParseError::BadFormat { field }),
        };
        let path = path.split(['?', '#']).next().unwrap_or("");
        if path.split('/').any(|s| s == "." || s == "..") {
            return Err(ParseError::BadFormat { field });
        }
        Ok(Self(raw))
    }

    /// The validated value.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for ThumbnailUrl {
    type Error = ParseError;
    fn try_from(raw: String) -> Result<Self, Self::Error> {
        Self::parse(raw)
    }
}

impl From<ThumbnailUrl> for String {
    fn from(value: ThumbnailUrl) -> String {
        value.0
    }
}

impl fmt::Display for ThumbnailUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for ThumbnailUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ThumbnailUrl({:?})", self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn https_urls_and_paths_under_the_origin() {
        for ok in [
            "https://cdn.example.id/t/2.jpg",
            "https://cdn.example.id",
            "https://cdn.example.id:8443/a?w=320#x",
            "/thumbs/2.svg",
            "/a.png?v=2",
        ] {
            assert!(ThumbnailUrl::parse(ok).is_ok(), "{ok}");
        }
        for bad in [
            "",
            "http://cdn.example.id/2.jpg",
            "javascript:alert(1)",
            "data:image/png;base64,AAAA",
            "//evil.example/x.png",
            "thumbs/2.svg",
            "https:///x.png",
            "https://user@evil.example/x.png",
            "/a b.png",
            "/a\".png",
            "/a<b>.png",
            "/thumbs/../admin",
            "/gambar/ikan.png\n",
            "/gambär.png",
        ] {
            assert!(ThumbnailUrl::parse(bad).is_err(), "{bad:?}");
        }
        let long = format!("/{}", "a".repeat(MAX_THUMBNAIL_LEN));
        assert_eq!(
            ThumbnailUrl::parse(long),
            Err(ParseError::TooLong {
                field: "thumbnailUrl",
                max: MAX_THUMBNAIL_LEN
            })
        );
    }
}
