//! Paging cursors: a DynamoDB `LastEvaluatedKey` as URL-safe base64 JSON, read back strictly.

use std::collections::HashMap;

use aws_sdk_dynamodb::types::AttributeValue;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

use super::item::Item;
use super::table::TABLE;

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

#[cfg(test)]
mod tests {
    use super::*;

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
