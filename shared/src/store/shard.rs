//! The key design of the time-ordered indexes: no constant partition key. A session is listed under
//! `SESSION#<WIB day>#<shard>` in `byTime` and `<streamId>#<shard>` in `byStreamShard`, a payment
//! record under `PAYMENT#<shard>` in `byTime`, the shard a stable hash of the id, so a ticket rush
//! spreads its index writes over [`SHARDS`] partitions instead of one. (Sessions carry the day so
//! the listing of all sessions reads only the days a session can still live; the ledger is listed by
//! period with `createdAt BETWEEN`, which a day in its key would turn into a walk over every day of
//! the period.)

use chrono::{DateTime, FixedOffset, NaiveDate, Utc};

/// How many partitions each time-ordered listing is spread over (its listings issue this many Queries
/// at once). The one place this number lives; changing it needs `upstream backfill`.
pub const SHARDS: u32 = 8;

/// `timePk` prefix of sessions.
pub const SESSION_KIND: &str = "SESSION";
/// `timePk` prefix of payment records (the ledger).
pub const PAYMENT_KIND: &str = "PAYMENT";

/// The `byTime` partition of shard `shard` of the ledger.
pub fn ledger_partition(shard: u32) -> String {
    format!("{PAYMENT_KIND}#{shard}")
}

/// The `byTime` partition of payment record `id`.
pub fn ledger_pk(id: &str) -> String {
    ledger_partition(shard_of(id))
}

/// The shard of an id: FNV-1a (64 bit) of its bytes modulo [`SHARDS`], stable across processes and
/// releases (std's hasher is randomized per process).
pub fn shard_of(id: &str) -> u32 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in id.bytes() {
        hash ^= u64::from(byte);
        hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
    }
    u32::try_from(hash % u64::from(SHARDS)).unwrap_or(0)
}

/// Western Indonesia Time (UTC+7), the operator's day.
pub fn wib() -> FixedOffset {
    FixedOffset::east_opt(7 * 3600).expect("UTC+7 is a valid offset")
}

/// The WIB calendar day of an instant.
pub fn wib_day(at: DateTime<Utc>) -> NaiveDate {
    at.with_timezone(&wib()).date_naive()
}

/// The `byTime` partition of shard `shard` of `kind` on `day`.
pub fn day_partition(kind: &str, day: NaiveDate, shard: u32) -> String {
    format!("{kind}#{}#{shard}", day.format("%Y-%m-%d"))
}

/// The `byTime` partition of the item `id` of `kind` created at `at`.
pub fn day_pk(kind: &str, at: DateTime<Utc>, id: &str) -> String {
    day_partition(kind, wib_day(at), shard_of(id))
}

/// The `byStreamShard` partition of shard `shard` of a stream (stream ids contain no `#`).
pub fn stream_partition(stream: &str, shard: u32) -> String {
    format!("{stream}#{shard}")
}

/// The `byStreamShard` partition of session `id` of `stream`.
pub fn stream_shard_pk(stream: &str, id: &str) -> String {
    stream_partition(stream, shard_of(id))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shards_are_stable_and_spread() {
        // Pinned: a change of hash would strand every stored item in the wrong partition.
        assert_eq!(shard_of(""), (0xcbf2_9ce4_8422_2325_u64 % 8) as u32);
        assert_eq!(shard_of("a"), (0xaf63_dc4c_8601_ec8c_u64 % 8) as u32);
        let mut counts = [0u32; SHARDS as usize];
        for i in 0..8000 {
            counts[shard_of(&format!("session-{i}")) as usize] += 1;
        }
        assert!(
            counts.iter().all(|&c| (800..1200).contains(&c)),
            "{counts:?}"
        );
    }

    #[test]
    fn days_are_wib_days() {
        let late_utc = DateTime::parse_from_rfc3339("2026-12-05T17:30:00Z")
            .unwrap()
            .with_timezone(&Utc);
        assert_eq!(wib_day(late_utc).to_string(), "2026-12-06");
        assert_eq!(
            day_pk(SESSION_KIND, late_utc, "a"),
            format!("SESSION#2026-12-06#{}", shard_of("a"))
        );
        assert_eq!(stream_shard_pk("2", "a"), format!("2#{}", shard_of("a")));
    }
}
