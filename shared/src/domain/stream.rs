//! A stream in the catalog: what it is and what it costs.

use serde::{Deserialize, Serialize};

use super::{Amount, MediaPath, StreamId};

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
}

impl Stream {
    /// The media path in force: the configured one, or the stream id.
    pub fn media_path(&self) -> MediaPath {
        self.media_path
            .clone()
            .unwrap_or_else(|| MediaPath::of_stream(&self.stream_id))
    }
}

fn default_active() -> bool {
    true
}
