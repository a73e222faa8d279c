//! A stream in the catalog: what it is, when it takes place and what it costs.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::{AccessUntil, Amount, MediaPath, Schedule, StreamId, ThumbnailUrl};

/// Longest title, in characters.
pub const MAX_TITLE_CHARS: usize = 120;
/// Longest description, in characters.
pub const MAX_DESCRIPTION_CHARS: usize = 2_000;
/// Longest category, in characters.
pub const MAX_CATEGORY_CHARS: usize = 60;

/// A catalog entry. Prices are set server-side: the client never chooses what it pays.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Stream {
    #[serde(rename = "id", alias = "streamId")]
    /// The stream.
    pub stream_id: StreamId,
    /// The stream's title.
    pub title: String,
    /// The price in rupiah.
    pub price: Amount,
    #[serde(default = "default_active")]
    /// Whether it is on sale.
    pub active: bool,
    /// Where the media servers publish it (`/hls/<mediaPath>/…`); absent means the stream id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub media_path: Option<MediaPath>,
    /// What it is about (≤ 2,000 characters; line breaks allowed).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Its picture.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub thumbnail_url: Option<ThumbnailUrl>,
    /// Its category (≤ 60 characters), e.g. `Musik`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub category: Option<String>,
    /// When the event starts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub starts_at: Option<DateTime<Utc>>,
    /// When the event ends (after `startsAt`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ends_at: Option<DateTime<Utc>>,
    /// How long a purchase grants access.
    #[serde(default)]
    pub access_until: AccessUntil,
    /// On air now (set by the operator, or the media server's publish hook).
    #[serde(default)]
    pub live: bool,
}

impl Stream {
    /// An active, unscheduled entry with nothing but a title and a price.
    pub fn new(stream_id: StreamId, title: impl Into<String>, price: Amount) -> Self {
        Self {
            stream_id,
            title: title.into(),
            price,
            active: true,
            media_path: None,
            description: None,
            thumbnail_url: None,
            category: None,
            starts_at: None,
            ends_at: None,
            access_until: AccessUntil::TwoHours,
            live: false,
        }
    }

    /// The media path in force: the configured one, or the stream id.
    pub fn media_path(&self) -> MediaPath {
        self.media_path
            .clone()
            .unwrap_or_else(|| MediaPath::of_stream(&self.stream_id))
    }

    /// Its schedule, as its sessions carry it.
    pub fn schedule(&self) -> Schedule {
        Schedule {
            starts_at: self.starts_at,
            ends_at: self.ends_at,
            access_until: self.access_until,
        }
    }

    /// Checked as a write must be: the texts within their rules, the schedule consistent. The
    /// error is the first field at fault (its wire name).
    pub fn check(&self) -> Result<(), &'static str> {
        if !is_title(&self.title) {
            return Err("title");
        }
        if self
            .description
            .as_deref()
            .is_some_and(|d| !is_description(d))
        {
            return Err("description");
        }
        if self.category.as_deref().is_some_and(|c| !is_category(c)) {
            return Err("category");
        }
        self.schedule().check().map_err(|e| e.0)
    }
}

/// A title: 1–120 characters, no control characters, no leading or trailing space.
pub fn is_title(t: &str) -> bool {
    line(t, MAX_TITLE_CHARS)
}

/// A category: 1–60 characters, no control characters, no leading or trailing space.
pub fn is_category(c: &str) -> bool {
    line(c, MAX_CATEGORY_CHARS)
}

/// A description: 1–2,000 characters, not only spaces; control characters only as line breaks and tabs.
pub fn is_description(d: &str) -> bool {
    !d.trim().is_empty()
        && d.chars().count() <= MAX_DESCRIPTION_CHARS
        && !d
            .chars()
            .any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t'))
}

fn line(s: &str, max: usize) -> bool {
    !s.is_empty() && s.trim() == s && s.chars().count() <= max && !s.chars().any(char::is_control)
}

fn default_active() -> bool {
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry() -> Stream {
        Stream::new(
            StreamId::parse("2").unwrap(),
            "Konser",
            Amount::new(1000).unwrap(),
        )
    }

    #[test]
    fn texts_are_bounded_and_printable() {
        assert_eq!(entry().check(), Ok(()));
        let check = |f: fn(&mut Stream)| {
            let mut s = entry();
            f(&mut s);
            s.check()
        };
        assert_eq!(check(|s| s.title = " x".into()), Err("title"));
        assert_eq!(check(|s| s.title = "x".repeat(121)), Err("title"));
        assert_eq!(check(|s| s.title = "é".repeat(120)), Ok(()));
        assert_eq!(
            check(|s| s.description = Some("Baris satu\nbaris dua".into())),
            Ok(())
        );
        assert_eq!(check(|s| s.description = Some("ä".repeat(2_000))), Ok(()));
        assert_eq!(
            check(|s| s.description = Some("a".repeat(2_001))),
            Err("description")
        );
        assert_eq!(
            check(|s| s.description = Some("bel\u{7}".into())),
            Err("description")
        );
        assert_eq!(
            check(|s| s.description = Some("  ".into())),
            Err("description")
        );
        assert_eq!(check(|s| s.category = Some("Musik".into())), Ok(()));
        assert_eq!(check(|s| s.category = Some(String::new())), Err("category"));
        assert_eq!(
            check(|s| s.category = Some("x".repeat(61))),
            Err("category")
        );
    }

    #[test]
    fn old_catalog_files_read_as_unscheduled_entries() {
        let s: Stream =
            serde_json::from_str(r#"{"id": "2", "title": "Konser", "price": 1000}"#).unwrap();
        assert_eq!(s, entry());
        let json = serde_json::to_value(&s).unwrap();
        assert_eq!(json["accessUntil"], "two_hours");
        assert_eq!(json["live"], false);
        assert!(json.get("startsAt").is_none());
    }
}
