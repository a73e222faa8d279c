//! A stream in the catalog: what it is and what it costs.

use serde::{Deserialize, Serialize};

use super::{Amount, StreamId};

/// A catalog entry. Prices are set server-side: the client never chooses what it pays.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
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
}

fn default_active() -> bool {
    true
}
