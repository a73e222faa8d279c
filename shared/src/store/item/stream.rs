//! Catalog entries: all in one partition, so one Query lists them.

use serde::{Deserialize, Serialize};

use super::{Item, StoreError, key, read, write};
use crate::domain::{Amount, MediaPath, Stream, StreamId};

/// The partition of every catalog entry.
pub const CATALOG_PK: &str = "CATALOG";

/// A catalog entry's data attributes.
#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Stored {
    stream_id: StreamId,
    title: String,
    price: Amount,
    /// An entry written without it is on sale.
    #[serde(default = "on_sale")]
    active: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    media_path: Option<MediaPath>,
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
    })
}
