//! The catalog as viewers see it (`GET /api/streams`, `GET /api/streams/{id}`): the entries on sale,
//! with their schedule and where each stands *now*.

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::iso;
use crate::domain::{AccessUntil, Amount, Phase, Stream, StreamId, ThumbnailUrl};

/// A stream on sale. Optional fields stay present as `null`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StreamView {
    /// The stream's id.
    pub id: StreamId,
    /// The stream's title.
    pub title: String,
    /// The price in rupiah.
    pub price: Amount,
    /// The price formatted for people.
    pub price_display: String,
    /// What it is about (line breaks allowed).
    pub description: Option<String>,
    /// Its picture: an `https://` URL, or a path under the viewer page's origin.
    pub thumbnail_url: Option<ThumbnailUrl>,
    /// Its category.
    pub category: Option<String>,
    /// When the event starts (ISO 8601 UTC).
    pub starts_at: Option<String>,
    /// When the event ends (ISO 8601 UTC).
    pub ends_at: Option<String>,
    /// How long a purchase grants access: `two_hours` (from the payment, or from the start when
    /// paid before it) or `event_end` (until the end plus a grace).
    pub access_until: AccessUntil,
    /// On air now.
    pub live: bool,
    /// Where it stands now: `live` (on air), `upcoming` (starts later), `past` (ended), or `null`
    /// (unscheduled, or started and not on air).
    pub status: Option<Phase>,
}

impl StreamView {
    /// The view of `s` at `now`.
    pub fn of(s: &Stream, now: DateTime<Utc>) -> Self {
        Self {
            id: s.stream_id.clone(),
            title: s.title.clone(),
            price: s.price,
            price_display: s.price.display_idr(),
            description: s.description.clone(),
            thumbnail_url: s.thumbnail_url.clone(),
            category: s.category.clone(),
            starts_at: s.starts_at.map(iso),
            ends_at: s.ends_at.map(iso),
            access_until: s.access_until,
            live: s.live,
            status: s.schedule().phase(s.live, now),
        }
    }
}

/// `GET /api/streams`: the active streams.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StreamsView {
    /// The streams.
    pub streams: Vec<StreamView>,
}

/// `GET /api/streams/{id}`: one active stream.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StreamEntryView {
    /// The stream.
    pub stream: StreamView,
}
