//! The stream catalog as functions see it: read through a short-lived, bounded per-container cache.

use std::collections::HashMap;
use std::sync::Mutex;

use chrono::{DateTime, TimeDelta, Utc};

use crate::clock::SharedClock;
use crate::domain::{Stream, StreamId};
use crate::store::{Store, StoreError};

/// Reads a catalog file (`infra/streams.sample.json`): a JSON array of catalog entries as the admin
/// routes list them (`{id, title, price, active?, description?, startsAt?, …}`), each checked as a
/// write is.
pub fn parse_catalog(json: &str) -> Result<Vec<Stream>, serde_json::Error> {
    let streams: Vec<Stream> = serde_json::from_str(json)?;
    for s in &streams {
        s.check().map_err(|field| {
            serde::de::Error::custom(format!("stream {}: {field} is not valid", s.stream_id))
        })?;
    }
    Ok(streams)
}

/// How long a warm container may serve a cached catalog entry.
pub const CACHE_TTL: TimeDelta = TimeDelta::seconds(60);
/// How long a warm container may remember that a stream does not exist (any id can be asked for).
pub const UNKNOWN_TTL: TimeDelta = TimeDelta::seconds(5);
/// Most entries the cache holds, whatever ids are asked for.
pub const MAX_ENTRIES: usize = 1_024;

/// A cached lookup: when it was read, and what (nothing when the stream does not exist).
type Cached = (DateTime<Utc>, Option<Stream>);

/// A map of lookups bounded in size ([`MAX_ENTRIES`]) and age (`ttl`, [`UNKNOWN_TTL`] for misses).
#[derive(Debug, Default)]
pub struct BoundedCache {
    entries: HashMap<StreamId, Cached>,
}

impl BoundedCache {
    /// A fresh entry for `id` at `now`: `Some(lookup)` if cached within its time to live.
    pub fn get(&self, id: &StreamId, now: DateTime<Utc>, ttl: TimeDelta) -> Option<Option<Stream>> {
        let entry = self.entries.get(id)?;
        fresh(entry, now, ttl).then(|| entry.1.clone())
    }

    /// Records a lookup; when full, drops the entries past `ttl`, then the oldest.
    pub fn insert(
        &mut self,
        id: StreamId,
        now: DateTime<Utc>,
        ttl: TimeDelta,
        value: Option<Stream>,
    ) {
        if ttl <= TimeDelta::zero() {
            return;
        }
        if !self.entries.contains_key(&id) && self.entries.len() >= MAX_ENTRIES {
            self.entries.retain(|_, entry| fresh(entry, now, ttl));
            while self.entries.len() >= MAX_ENTRIES {
                let oldest = self
                    .entries
                    .iter()
                    .min_by_key(|(_, (at, _))| *at)
                    .map(|(k, _)| k.clone());
                match oldest {
                    Some(k) => self.entries.remove(&k),
                    None => break,
                };
            }
        }
        self.entries.insert(id, (now, value));
    }

    /// How many entries are held.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether nothing is held.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

/// Whether a cached lookup may still be served at `now`: a miss lives at most [`UNKNOWN_TTL`].
fn fresh((at, cached): &Cached, now: DateTime<Utc>, ttl: TimeDelta) -> bool {
    let ttl = if cached.is_some() {
        ttl
    } else {
        ttl.min(UNKNOWN_TTL)
    };
    now.signed_duration_since(*at) < ttl
}

/// Catalog lookups with a cache of at most [`CACHE_TTL`] per entry ([`UNKNOWN_TTL`] for unknown ids)
/// and at most [`MAX_ENTRIES`] entries.
pub struct Catalog {
    store: Store,
    clock: SharedClock,
    ttl: TimeDelta,
    cache: Mutex<BoundedCache>,
}

impl Catalog {
    /// A catalog over `store` caching entries for `ttl` (zero disables the cache).
    pub fn new(store: Store, clock: SharedClock, ttl: TimeDelta) -> Self {
        Self {
            store,
            clock,
            ttl: ttl.min(CACHE_TTL),
            cache: Mutex::new(BoundedCache::default()),
        }
    }

    /// The stream if it exists and is active.
    pub async fn active(&self, id: &StreamId) -> Result<Option<Stream>, StoreError> {
        Ok(self.get(id).await?.filter(|s| s.active))
    }

    /// The stream whether active or not (one GetItem unless cached).
    pub async fn get(&self, id: &StreamId) -> Result<Option<Stream>, StoreError> {
        let now = self.clock.now();
        let cached = self
            .cache
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(id, now, self.ttl);
        if let Some(cached) = cached {
            return Ok(cached);
        }
        let fresh = self.store.get_stream(id).await?;
        self.cache.lock().unwrap_or_else(|e| e.into_inner()).insert(
            id.clone(),
            now,
            self.ttl,
            fresh.clone(),
        );
        Ok(fresh)
    }

    /// Loads the catalog into the cache (one Query a page, at most [`MAX_ENTRIES`] entries kept), as
    /// a container's init does: its first request then reads no catalog, and finds the DynamoDB
    /// connection open. How many entries were cached.
    pub async fn preload(&self) -> Result<usize, StoreError> {
        let streams = self.store.list_streams().await?;
        let now = self.clock.now();
        let mut cache = self.cache.lock().unwrap_or_else(|e| e.into_inner());
        for stream in streams.into_iter().take(MAX_ENTRIES) {
            cache.insert(stream.stream_id.clone(), now, self.ttl, Some(stream));
        }
        Ok(cache.len())
    }

    /// How many lookups the cache holds.
    pub fn cached_entries(&self) -> usize {
        self.cache.lock().unwrap_or_else(|e| e.into_inner()).len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Amount;

    fn t(secs: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(1_756_577_775 + secs, 0).unwrap()
    }

    fn stream(id: &str) -> Stream {
        Stream::new(
            StreamId::parse(id).unwrap(),
            "x",
            Amount::new(1000).unwrap(),
        )
    }

    #[test]
    fn unknown_ids_are_remembered_at_most_five_seconds() {
        let mut cache = BoundedCache::default();
        let id = StreamId::parse("nope").unwrap();
        cache.insert(id.clone(), t(0), CACHE_TTL, None);
        assert_eq!(cache.get(&id, t(4), CACHE_TTL), Some(None));
        assert_eq!(cache.get(&id, t(5), CACHE_TTL), None);
        let known = StreamId::parse("2").unwrap();
        cache.insert(known.clone(), t(0), CACHE_TTL, Some(stream("2")));
        assert!(cache.get(&known, t(59), CACHE_TTL).is_some());
        assert_eq!(cache.get(&known, t(60), CACHE_TTL), None);
    }

    #[test]
    fn the_cache_never_holds_more_than_its_bound() {
        let mut cache = BoundedCache::default();
        let keep = StreamId::parse("2").unwrap();
        cache.insert(keep.clone(), t(0), CACHE_TTL, Some(stream("2")));
        for i in 0..5_000 {
            let id = StreamId::parse(format!("probe-{i}")).unwrap();
            cache.insert(id, t(1), CACHE_TTL, None);
            assert!(cache.len() <= MAX_ENTRIES);
        }
        assert_eq!(cache.len(), MAX_ENTRIES);
        // The oldest entry went first.
        assert_eq!(cache.get(&keep, t(2), CACHE_TTL), None);
        // Expired entries are dropped before fresh ones.
        let id = StreamId::parse("late").unwrap();
        cache.insert(id.clone(), t(120), CACHE_TTL, Some(stream("late")));
        assert_eq!(cache.len(), 1);
        assert!(cache.get(&id, t(121), CACHE_TTL).is_some());
    }

    #[test]
    fn a_zero_ttl_caches_nothing() {
        let mut cache = BoundedCache::default();
        cache.insert(StreamId::parse("2").unwrap(), t(0), TimeDelta::zero(), None);
        assert!(cache.is_empty());
    }
}
