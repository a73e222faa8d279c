//! Catalog entries: all in one partition, so one Query lists them.

use serde::{Deserialize, Serialize};

use super::{Item, StoreError, key, read, write};
use crate::clock::from_millis;
use crate::domain::{AccessUntil, Amount, MediaPath, Stream, StreamId, ThumbnailUrl};

/// The partition of every catalog entry.
pub const CATALOG_PK: &str = "CATALOG";

/// A catalog entry's data attributes (times in epoch milliseconds). Every attribute added after
/// the first release is optional, so older entries read as unscheduled and not live.
#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Stored {
    stream_id: StreamId,
    title: String,
    price: Amount,
    /// An entry written without it is on sale.
    #[serde(default = "on_sale")]
    active: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    media_path: Option<MediaPath>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    description: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    thumbnail_url: Option<ThumbnailUrl>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    category: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    starts_at: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    ends_at: Option<i64>,
    #[serde(default, skip_serializing_if = "AccessUntil::is_two_hours")]
    access_until: AccessUntil,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    live: bool,
}

fn on_sale() -> bool {
    true
}

/// The key of a catalog entry.
pub fn stream_key(id: &StreamId) -> Item {
    key(CATALOG_PK.to_owned(), &format!("STREAM#{id}"))
}

/// A key nothing is stored under (in the catalog's partition; no entry's key has this form): the
/// connection warm-up at init reads it.
pub fn warm_key() -> Item {
    key(CATALOG_PK.to_owned(), "WARM")
}

/// The item of a catalog entry.
pub fn stream_item(stream: &Stream) -> Item {
    let stored = Stored {
        stream_id: stream.stream_id.clone(),
        title: stream.title.clone(),
        price: stream.price,
        active: stream.active,
        media_path: stream.media_path.clone(),
        description: stream.description.clone(),
        thumbnail_url: stream.thumbnail_url.clone(),
        category: stream.category.clone(),
        starts_at: stream.starts_at.map(|t| t.timestamp_millis()),
        ends_at: stream.ends_at.map(|t| t.timestamp_millis()),
        access_until: stream.access_until,
        live: stream.live,
    };
    write(stream_key(&stream.stream_id), "stream", &stored)
}

/// Reads a catalog entry back.
pub fn parse_stream(item: Item) -> Result<Stream, StoreError> {
    let s: Stored = read(item, "stream")?;
    Ok(Stream {
        stream_id: s.stream_id,
        title: s.title,
        price: s.price,
        active: s.active,
        media_path: s.media_path,
        description: s.description,
        thumbnail_url: s.thumbnail_url,
        category: s.category,
        starts_at: s.starts_at.map(from_millis),
        ends_at: s.ends_at.map(from_millis),
        access_until: s.access_until,
        live: s.live,
    })
}
