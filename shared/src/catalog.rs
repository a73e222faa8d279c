//! The stream catalog as functions see it: read through a short-lived per-container cache.

use std::collections::HashMap;
use std::sync::Mutex;

use chrono::{DateTime, TimeDelta, Utc};

use crate::clock::SharedClock;
use crate::domain::{Stream, StreamId};
use crate::store::{Store, StoreError};

/// Reads a catalog file (`infra/streams.sample.json`): a JSON array of `{id, title, price, active}`.
pub fn parse_catalog(json: &str) -> Result<Vec<Stream>, serde_json::Error> {
    serde_json::from_str(json)
}

/// How long a warm container may serve a cached catalog entry.
pub const CACHE_TTL: TimeDelta = TimeDelta::seconds(60);

/// A cached lookup: when it was read, and what (nothing when the stream does not exist).
type Cached = (DateTime<Utc>, Option<Stream>);

/// Catalog lookups with a cache of at most [`CACHE_TTL`] per entry.
pub struct Catalog {
    store: Store,
    clock: SharedClock,
    ttl: TimeDelta,
    cache: Mutex<HashMap<StreamId, Cached>>,
}

impl Catalog {
    /// A catalog over `store` caching entries for `ttl` (zero disables the cache).
    pub fn new(store: Store, clock: SharedClock, ttl: TimeDelta) -> Self {
        Self {
            store,
            clock,
            ttl: ttl.min(CACHE_TTL),
            cache: Mutex::new(HashMap::new()),
        }
    }

    /// The stream if it exists and is active.
    pub async fn active(&self, id: &StreamId) -> Result<Option<Stream>, StoreError> {
        Ok(self.get(id).await?.filter(|s| s.active))
    }

    /// The stream whether active or not (one GetItem unless cached).
    pub async fn get(&self, id: &StreamId) -> Result<Option<Stream>, StoreError> {
        let now = self.clock.now();
        if let Some((at, cached)) = self.cache.lock().unwrap_or_else(|e| e.into_inner()).get(id)
            && now - *at < self.ttl
        {
            return Ok(cached.clone());
        }
        let fresh = self.store.get_stream(id).await?;
        self.cache
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(id.clone(), (now, fresh.clone()));
        Ok(fresh)
    }
}
