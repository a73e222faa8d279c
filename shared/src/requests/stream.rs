//! `PUT /admin/streams/{id}`: a catalog entry as an operator writes it.

use chrono::{DateTime, Utc};
use serde::Deserialize;
use serde_json::Value;

use super::Field;
use crate::domain::{
    AccessUntil, Amount, MediaPath, Stream, StreamId, ThumbnailUrl, is_category, is_description,
    is_title,
};
use crate::refusal::ApiError;

/// The earliest accepted `startsAt` / `endsAt`: 2000-01-01T00:00:00Z.
const EARLIEST: i64 = 946_684_800;
/// The end of the accepted `startsAt` / `endsAt`: 2100-01-01T00:00:00Z.
const LATEST: i64 = 4_102_444_800;

/// `PUT /admin/streams/{id}`: creates or replaces the whole entry.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StreamRequest {
    #[cfg_attr(
        feature = "openapi",
        schema(value_type = String, required = true, min_length = 1, max_length = 120)
    )]
    #[serde(default)]
    title: Field,
    #[cfg_attr(feature = "openapi", schema(value_type = Amount, required = true))]
    #[serde(default)]
    price: Field,
    /// On sale (default true).
    #[cfg_attr(feature = "openapi", schema(value_type = Option<bool>))]
    #[serde(default)]
    active: Field,
    #[cfg_attr(feature = "openapi", schema(value_type = Option<MediaPath>))]
    #[serde(default)]
    media_path: Field,
    /// What it is about (≤ 2,000 characters; line breaks allowed; empty or `null`: none).
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, max_length = 2000))]
    #[serde(default)]
    description: Field,
    /// Its picture: an `https://` URL, or a path under the viewer page's origin (`/thumbs/2.svg`).
    #[cfg_attr(feature = "openapi", schema(value_type = Option<ThumbnailUrl>))]
    #[serde(default)]
    thumbnail_url: Field,
    /// Its category (≤ 60 characters).
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, max_length = 60))]
    #[serde(default)]
    category: Field,
    /// When the event starts (RFC 3339, years 2000–2099).
    #[cfg_attr(feature = "openapi", schema(value_type = Option<DateTime<Utc>>))]
    #[serde(default)]
    starts_at: Field,
    /// When the event ends (RFC 3339, after `startsAt`).
    #[cfg_attr(feature = "openapi", schema(value_type = Option<DateTime<Utc>>))]
    #[serde(default)]
    ends_at: Field,
    /// How long a purchase grants access (default `two_hours`; `event_end` needs `endsAt`).
    #[cfg_attr(feature = "openapi", schema(value_type = Option<AccessUntil>))]
    #[serde(default)]
    access_until: Field,
    /// On air now (default false).
    #[cfg_attr(feature = "openapi", schema(value_type = Option<bool>))]
    #[serde(default)]
    live: Field,
}

impl StreamRequest {
    /// The catalog entry of `stream_id`, each field checked in the body's order: `title` (trimmed,
    /// 1–120 characters, no control characters), `price`, `active` (default true), `mediaPath`,
    /// `description`, `thumbnailUrl`, `category` (trimmed), `startsAt`, `endsAt`, `accessUntil`,
    /// `live` (default false); then the schedule as a whole (`endsAt` after `startsAt`,
    /// `event_end` with an `endsAt`).
    pub fn into_stream(self, stream_id: StreamId) -> Result<Stream, ApiError> {
        let title = match self.title.value() {
            Some(Value::String(t)) if is_title(t.trim()) => t.trim().to_owned(),
            None => return Err(ApiError::missing("title")),
            Some(_) => return Err(ApiError::invalid("title")),
        };
        let price = match self.price.value() {
            None => return Err(ApiError::missing("price")),
            Some(v) => Amount::from_json(v).map_err(|_| ApiError::invalid("price"))?,
        };
        let active = flag(&self.active, "active", true)?;
        let media_path = text(&self.media_path, "mediaPath")?
            .map(|p| MediaPath::parse(p).map_err(|_| ApiError::invalid("mediaPath")))
            .transpose()?;
        let description = match text(&self.description, "description")? {
            Some(d) if !is_description(d) => return Err(ApiError::invalid("description")),
            d => d.map(str::to_owned),
        };
        let thumbnail_url = text(&self.thumbnail_url, "thumbnailUrl")?
            .map(|u| ThumbnailUrl::parse(u).map_err(|_| ApiError::invalid("thumbnailUrl")))
            .transpose()?;
        let category = match text(&self.category, "category")?.map(str::trim) {
            Some(c) if !is_category(c) => return Err(ApiError::invalid("category")),
            c => c.map(str::to_owned),
        };
        let stream = Stream {
            media_path,
            active,
            description,
            thumbnail_url,
            category,
            starts_at: time(&self.starts_at, "startsAt")?,
            ends_at: time(&self.ends_at, "endsAt")?,
            access_until: match text(&self.access_until, "accessUntil")? {
                None => AccessUntil::TwoHours,
                Some(a) => AccessUntil::parse(a).ok_or_else(|| ApiError::invalid("accessUntil"))?,
            },
            live: flag(&self.live, "live", false)?,
            ..Stream::new(stream_id, title, price)
        };
        stream.check().map_err(ApiError::invalid)?;
        Ok(stream)
    }
}

/// An optional boolean: absent is `default`; anything but `true` or `false` is refused.
fn flag(field: &Field, name: &str, default: bool) -> Result<bool, ApiError> {
    match field.value() {
        None => Ok(default),
        Some(Value::Bool(b)) => Ok(*b),
        Some(_) => Err(ApiError::invalid(name)),
    }
}

/// An optional string: absent, `null` or `""` is none; anything but a string is refused.
fn text<'a>(field: &'a Field, name: &str) -> Result<Option<&'a str>, ApiError> {
    match field.value() {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) if s.is_empty() => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(_) => Err(ApiError::invalid(name)),
    }
}

/// An optional RFC 3339 time between [`EARLIEST`] and [`LATEST`].
fn time(field: &Field, name: &str) -> Result<Option<DateTime<Utc>>, ApiError> {
    let Some(raw) = text(field, name)? else {
        return Ok(None);
    };
    match DateTime::parse_from_rfc3339(raw) {
        Ok(t) if (EARLIEST..LATEST).contains(&t.timestamp()) => Ok(Some(t.to_utc())),
        _ => Err(ApiError::invalid(name)),
    }
}
