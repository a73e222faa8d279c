//! How each kind of item is laid out in the one table.
//!
//! | item | pk | sk |
//! |---|---|---|
//! | session (canonical, in indexes `byUser`, `byCreated`, `byStream`) | `SESSION#<sessionId>` | `SESSION` |
//! | trx mirror (lookup by trxId) | `TRX#<trxId>` | `TRX` |
//! | guard (the live session of a user+stream) | `GUARD#<streamId>#<userId>` | `GUARD` |
//! | idempotency claim | `IDEM#<key>#<userId>` | `IDEM` |
//! | catalog entry | `CATALOG` | `STREAM#<streamId>` |
//! | audit event | `SESSION#<sessionId>` (or `STREAM#<streamId>`) | `EVENT#<ms>#<ns>#<nonce>` |
//! | payment record (in `byCreated` under `allPk` = `PAYMENT`; refunds also in `byRefund`) | `PAYMENT#<paymentId>` | `PAYMENT` |
//! | media connection (in `byKick` under `KICK#<day>#<shard>`, `kickAt` = access end) | `CONN#<sid>` | `CONN#<server>#[<list>#]<clientId>` |
//!
//! Each kind's data attributes are a private storage struct converted by `serde_dynamo` (numbers are
//! `N`, optional attributes are left out when absent); its keys, `kind`, TTL and index attributes are
//! written explicitly by the kind's module.

mod connection;
mod event;
mod idem;
mod payment;
#[cfg(test)]
mod payment_tests;
mod session;
mod stream;
#[cfg(test)]
mod tests;

use std::collections::HashMap;

use aws_sdk_dynamodb::types::AttributeValue;
use serde::Serialize;
use serde::de::DeserializeOwned;

use super::StoreError;
use super::table::{PK, SK};

pub use connection::{
    KICK_SHARDS, connection_item, connection_key, connections_pk, kick_bucket, parse_connection,
};
pub use event::{event_item, owned_event_item, parse_event};
pub use idem::{IdemClaim, idem_item, idem_key, parse_idem};
pub use payment::{LEDGER_PK, parse_payment, payment_item, payment_key};
pub use session::{SessionCopy, guard_key, parse_session, session_item, session_key, trx_key};
pub use stream::{CATALOG_PK, parse_stream, stream_item, stream_key, warm_key};

/// A DynamoDB item.
pub type Item = HashMap<String, AttributeValue>;

/// The key attributes of an item.
pub fn key(pk: String, sk: &str) -> Item {
    HashMap::from([
        (PK.to_owned(), AttributeValue::S(pk)),
        (SK.to_owned(), AttributeValue::S(sk.to_owned())),
    ])
}

/// A string attribute.
pub fn s_attr(v: &str) -> AttributeValue {
    AttributeValue::S(v.to_owned())
}

/// A number attribute.
pub fn n_attr(v: impl ToString) -> AttributeValue {
    AttributeValue::N(v.to_string())
}

/// The item of `kind` under `key` holding the data attributes of `stored`.
fn write(key: Item, kind: &str, stored: &impl Serialize) -> Item {
    let mut item: Item = serde_dynamo::aws_sdk_dynamodb_1::to_item(stored)
        .expect("storage structs hold only strings, numbers and booleans");
    item.extend(key);
    item.insert("kind".into(), s_attr(kind));
    item
}

/// The data attributes of a `kind` item; anything unreadable is [`StoreError::Corrupt`].
fn read<T: DeserializeOwned>(item: Item, kind: &str) -> Result<T, StoreError> {
    // serde_dynamo cannot convert a type this SDK does not know (it would panic).
    if !item.values().all(known) {
        return Err(corrupt(kind, "an attribute of an unknown type"));
    }
    serde_dynamo::aws_sdk_dynamodb_1::from_item(item).map_err(|e| corrupt(kind, e))
}

fn known(value: &AttributeValue) -> bool {
    match value {
        AttributeValue::M(m) => m.values().all(known),
        AttributeValue::L(l) => l.iter().all(known),
        other => !other.is_unknown(),
    }
}

fn corrupt(kind: &str, what: impl std::fmt::Display) -> StoreError {
    StoreError::Corrupt(format!("{kind} item: {what}"))
}
