//! Connections a media server admitted once: under their session's hash, so that a revoke finds
//! them with one Query, and in the sparse `byKick` index under the UTC day their access ends and a
//! shard, so that the reaper finds the due ones without a Scan and without one hot partition.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::{Item, StoreError, corrupt, key, n_attr, read, s_attr, write};
use crate::config::Policy;
use crate::domain::{ClientId, Connection, MediaServer, MediamtxList, Target};
use crate::store::table::{KICK_AT, KICK_PK, TTL};

/// How many `byKick` partitions one day's connections are spread over (the reaper queries each).
pub const KICK_SHARDS: u8 = 4;

/// A connection's data attributes (times in epoch milliseconds).
#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Stored {
    server: MediaServer,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    list: Option<MediamtxList>,
    client_id: ClientId,
    sid: String,
    stream_id: String,
    user_id: String,
    access_end: i64,
    admitted_at: i64,
}

/// The partition of a session's connections: `CONN#<sid>`.
pub fn connections_pk(sid: &str) -> String {
    format!("CONN#{sid}")
}

/// The key of a connection: `CONN#<sid>`, `CONN#srs#<id>` or `CONN#mediamtx#<list>#<id>`.
pub fn connection_key(c: &Connection) -> Item {
    let sk = match &c.target {
        Target::Srs(id) => format!("CONN#srs#{id}"),
        Target::Mediamtx(list, id) => format!("CONN#mediamtx#{}#{id}", list.as_str()),
    };
    key(connections_pk(&c.sid), &sk)
}

/// The `byKick` partition of one day's connections in `shard`: `KICK#<yyyymmdd>#<shard>`.
pub fn kick_bucket(day: NaiveDate, shard: u8) -> String {
    format!("KICK#{}#{shard}", day.format("%Y%m%d"))
}

/// The shard of a connection: from a hash of its client id.
fn shard_of(target: &Target) -> u8 {
    let digest = Sha256::digest(target.client().as_str().as_bytes());
    digest[0] % KICK_SHARDS
}

/// The item of a connection: in `byKick` under the day its access ends; TTL its access end plus
/// the grace (the reaper compares `kickAt` with now and never waits for TTL).
pub fn connection_item(c: &Connection, policy: &Policy) -> Item {
    let stored = Stored {
        server: c.target.server(),
        list: c.target.list(),
        client_id: c.target.client().clone(),
        sid: c.sid.clone(),
        stream_id: c.stream.clone(),
        user_id: c.user.clone(),
        access_end: c.access_end.timestamp_millis(),
        admitted_at: c.admitted_at.timestamp_millis(),
    };
    let mut item = write(connection_key(c), "connection", &stored);
    let bucket = kick_bucket(c.access_end.date_naive(), shard_of(&c.target));
    item.insert(KICK_PK.into(), s_attr(&bucket));
    item.insert(KICK_AT.into(), n_attr(c.access_end.timestamp_millis()));
    item.insert(
        TTL.into(),
        n_attr((c.access_end + policy.ttl_grace).timestamp()),
    );
    item
}

/// Reads a connection back (from the table or the `byKick` index).
pub fn parse_connection(item: Item) -> Result<Connection, StoreError> {
    let s: Stored = read(item, "connection")?;
    let target = match (s.server, s.list) {
        (MediaServer::Srs, None) => Target::Srs(s.client_id),
        (MediaServer::Mediamtx, Some(list)) => Target::Mediamtx(list, s.client_id),
        _ => return Err(corrupt("connection", "a server without its list")),
    };
    let at = |ms: i64| {
        DateTime::<Utc>::from_timestamp_millis(ms).ok_or_else(|| corrupt("connection", "a time"))
    };
    Ok(Connection {
        target,
        sid: s.sid,
        stream: s.stream_id,
        user: s.user_id,
        access_end: at(s.access_end)?,
        admitted_at: at(s.admitted_at)?,
    })
}

#[cfg(test)]
mod tests {
    use aws_sdk_dynamodb::types::AttributeValue;
    use chrono::TimeDelta;

    use super::*;

    fn s(v: &str) -> AttributeValue {
        AttributeValue::S(v.to_owned())
    }

    fn n(v: i64) -> AttributeValue {
        AttributeValue::N(v.to_string())
    }

    fn connection(target: Target) -> Connection {
        let admitted = DateTime::from_timestamp_millis(1_756_577_775_000).unwrap();
        Connection {
            target,
            sid: "c2lkLWhhc2gtMTIzNDU2".into(),
            stream: "2".into(),
            user: "user#1".into(),
            access_end: admitted + TimeDelta::hours(2),
            admitted_at: admitted,
        }
    }

    #[test]
    fn a_mediamtx_connection_is_stored_attribute_by_attribute() {
        let id = ClientId::parse("3f6c1d2e-9a4b-4c3d-8e7f-0a1b2c3d4e5f").unwrap();
        let c = connection(Target::Mediamtx(MediamtxList::Webrtcsessions, id.clone()));
        let item = connection_item(&c, &Policy::default());
        let shard = shard_of(&c.target);
        assert!(shard < KICK_SHARDS);
        let want: Item = [
            ("pk", s("CONN#c2lkLWhhc2gtMTIzNDU2")),
            ("sk", s(&format!("CONN#mediamtx#webrtcsessions#{id}"))),
            ("kind", s("connection")),
            ("server", s("mediamtx")),
            ("list", s("webrtcsessions")),
            ("clientId", s(id.as_str())),
            ("sid", s("c2lkLWhhc2gtMTIzNDU2")),
            ("streamId", s("2")),
            ("userId", s("user#1")),
            ("accessEnd", n(1_756_584_975_000)),
            ("admittedAt", n(1_756_577_775_000)),
            ("kickPk", s(&format!("KICK#20250830#{shard}"))),
            ("kickAt", n(1_756_584_975_000)),
            ("ttl", n(1_756_584_975 + 86_400)),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v))
        .collect();
        assert_eq!(item, want);
        assert_eq!(parse_connection(item).unwrap(), c);
    }

    #[test]
    fn an_srs_connection_has_no_list_and_a_mismatch_is_corrupt() {
        let c = connection(Target::Srs(ClientId::parse("9308h583").unwrap()));
        let item = connection_item(&c, &Policy::default());
        assert_eq!(item["sk"], s("CONN#srs#9308h583"));
        assert!(!item.contains_key("list"), "an absent list is left out");
        assert_eq!(parse_connection(item.clone()).unwrap(), c);
        let mut broken = item;
        broken.insert("server".into(), s("mediamtx"));
        assert!(matches!(
            parse_connection(broken),
            Err(StoreError::Corrupt(_))
        ));
    }

    #[test]
    fn shards_spread_client_ids() {
        let mut seen = [0u32; KICK_SHARDS as usize];
        for i in 0..400 {
            let id = ClientId::parse(format!("client{i}")).unwrap();
            seen[usize::from(shard_of(&Target::Srs(id)))] += 1;
        }
        assert!(seen.iter().all(|&k| k > 60), "{seen:?}");
    }
}
