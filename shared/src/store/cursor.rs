//! Paging cursors: a DynamoDB `LastEvaluatedKey` as URL-safe base64 JSON, read back strictly.

use std::collections::HashMap;

use aws_sdk_dynamodb::types::AttributeValue;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

use super::item::Item;
use super::table::{IndexDef, TABLE};

/// Encodes a key (string and number attributes only, as every key of the table is).
pub fn encode(key: &Item) -> String {
    let map: HashMap<&str, (char, &str)> = key
        .iter()
        .filter_map(|(k, v)| match v {
            AttributeValue::S(s) => Some((k.as_str(), ('S', s.as_str()))),
            AttributeValue::N(n) => Some((k.as_str(), ('N', n.as_str()))),
            _ => None,
        })
        .collect();
    URL_SAFE_NO_PAD.encode(serde_json::to_vec(&map).expect("a map of strings serialises"))
}

/// Decodes a cursor; anything but the table's own key attributes is refused.
pub fn decode(cursor: &str) -> Option<Item> {
    if cursor.len() > 2048 {
        return None;
    }
    let bytes = URL_SAFE_NO_PAD.decode(cursor).ok()?;
    let map: HashMap<String, (char, String)> = serde_json::from_slice(&bytes).ok()?;
    let allowed: Vec<_> = TABLE
        .attribute_definitions()
        .into_iter()
        .map(|a| (a.name, a.kind))
        .collect();
    let mut key = Item::new();
    for (name, (kind, value)) in map {
        let &(_, expected) = allowed.iter().find(|(n, _)| *n == name)?;
        let attr = match (kind, expected) {
            ('S', "S") => AttributeValue::S(value),
            ('N', "N") if value.parse::<i64>().is_ok() => AttributeValue::N(value),
            _ => return None,
        };
        key.insert(name, attr);
    }
    (!key.is_empty()).then_some(key)
}

/// Decodes a cursor for a Query on `index` in partition `partition`: it must carry exactly the table's
/// key and that index's key, with the same partition value. A cursor of another listing (another index
/// or another stream) is refused here instead of being rejected by DynamoDB as a server error.
pub fn decode_for(cursor: &str, index: &str, partition: &str) -> Option<Item> {
    let def: &IndexDef = TABLE.indexes.iter().find(|i| i.name == index)?;
    let key = decode(cursor)?;
    let expected = [TABLE.hash, TABLE.range, def.hash, def.range];
    let names_match =
        key.len() == expected.len() && expected.iter().all(|a| key.contains_key(a.name));
    let same_partition =
        matches!(key.get(def.hash.name), Some(AttributeValue::S(p)) if p == partition);
    (names_match && same_partition).then_some(key)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::table::{
        BY_STREAM_SHARD_INDEX as BY_STREAM_INDEX, BY_TIME_INDEX as BY_CREATED_INDEX, BY_USER_INDEX,
    };

    fn session_key(index_pk: (&str, &str)) -> Item {
        Item::from([
            ("pk".to_owned(), AttributeValue::S("SESSION#x".into())),
            ("sk".to_owned(), AttributeValue::S("SESSION".into())),
            (index_pk.0.to_owned(), AttributeValue::S(index_pk.1.into())),
            ("createdAt".to_owned(), AttributeValue::N("12".into())),
        ])
    }

    #[test]
    fn a_cursor_only_continues_its_own_listing() {
        let created = encode(&session_key(("timePk", "SESSION")));
        let stream2 = encode(&session_key(("streamShard", "2")));
        assert!(decode_for(&created, BY_CREATED_INDEX, "SESSION").is_some());
        assert!(decode_for(&stream2, BY_STREAM_INDEX, "2").is_some());
        // Another index, another stream, a missing or an extra attribute, an unknown index.
        assert_eq!(decode_for(&stream2, BY_CREATED_INDEX, "SESSION"), None);
        assert_eq!(decode_for(&created, BY_STREAM_INDEX, "2"), None);
        assert_eq!(decode_for(&stream2, BY_STREAM_INDEX, "4"), None);
        let mut partial = session_key(("streamShard", "2"));
        partial.remove("sk");
        assert_eq!(decode_for(&encode(&partial), BY_STREAM_INDEX, "2"), None);
        let mut extra = session_key(("streamShard", "2"));
        extra.insert("timePk".into(), AttributeValue::S("SESSION".into()));
        assert_eq!(decode_for(&encode(&extra), BY_STREAM_INDEX, "2"), None);
        assert_eq!(decode_for(&created, BY_USER_INDEX, "SESSION"), None);
        assert_eq!(decode_for(&created, "nope", "SESSION"), None);
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(512))]

        #[test]
        fn arbitrary_cursors_never_panic(raw in ".{0,300}") {
            let _ = decode(&raw);
            let _ = decode_for(&raw, BY_CREATED_INDEX, "SESSION");
        }

        #[test]
        fn arbitrary_json_cursors_never_panic(json in "\\{(\"[a-zA-Z]{0,9}\":\\[\"[SNB]\",\"[-0-9a-z#.e]{0,25}\"\\],?){0,5}\\}") {
            let raw = URL_SAFE_NO_PAD.encode(json.as_bytes());
            let _ = decode(&raw);
            let _ = decode_for(&raw, BY_STREAM_INDEX, "2");
        }
    }

    #[test]
    fn round_trip_and_refusals() {
        let key = Item::from([
            ("pk".to_owned(), AttributeValue::S("SESSION#x".into())),
            ("createdAt".to_owned(), AttributeValue::N("12".into())),
        ]);
        assert_eq!(decode(&encode(&key)), Some(key));
        assert_eq!(decode("not base64!"), None);
        let foreign = URL_SAFE_NO_PAD.encode(br#"{"evil":["S","x"]}"#);
        assert_eq!(decode(&foreign), None);
        let wrong_type = URL_SAFE_NO_PAD.encode(br#"{"createdAt":["S","x"]}"#);
        assert_eq!(decode(&wrong_type), None);
    }
}
