//! The one definition of the DynamoDB table: keys, indexes and TTL. Tests, the local stack and the SAM
//! template all follow it (a test compares the template with it).

use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::types::{
    AttributeDefinition, BillingMode, GlobalSecondaryIndex, KeySchemaElement, KeyType, Projection,
    ProjectionType, ScalarAttributeType, TimeToLiveSpecification,
};

use super::{StoreError, classify};

/// Partition key attribute of every item.
pub const PK: &str = "pk";
/// Sort key attribute of every item.
pub const SK: &str = "sk";
/// The TTL attribute (epoch seconds).
pub const TTL: &str = "ttl";
/// Index of a user's sessions ordered by expiry: partition `userPk`, sort `userSk` (expiresAt, ms).
pub const BY_USER_INDEX: &str = "byUser";
/// The byUser index's partition key attribute.
pub const USER_PK: &str = "userPk";
/// The byUser index's sort key attribute.
pub const USER_SK: &str = "userSk";
/// Index of sessions and payment records by time: partition `timePk` (`SESSION#<WIB day>#<shard>` or
/// `PAYMENT#<shard>`, see [`super::shard`]), sort `createdAt` (ms).
pub const BY_TIME_INDEX: &str = "byTime";
/// The byTime index's partition key attribute.
pub const TIME_PK: &str = "timePk";
/// Index of a stream's sessions: partition `streamShard` (`<streamId>#<shard>`), sort `createdAt` (ms).
pub const BY_STREAM_SHARD_INDEX: &str = "byStreamShard";
/// The byStreamShard index's partition key attribute.
pub const STREAM_SHARD: &str = "streamShard";
/// The pre-sharding indexes and their partition attributes (`allPk` = `SESSION` / `PAYMENT`,
/// `streamPk` = stream id), still present on a table created before; `upstream backfill` moves their
/// items to the sharded indexes.
pub const LEGACY_INDEX_ATTRIBUTES: [&str; 2] = ["allPk", "streamPk"];
/// The creation time attribute (sort key of byTime, byStreamShard and byRefund).
pub const CREATED_AT: &str = "createdAt";
/// Sparse index of refunds owed, newest first: partition `refundStatus` (`open` or `settled`, only on
/// refund records), sort `createdAt` (received, ms).
pub const BY_REFUND_INDEX: &str = "byRefund";
/// The byRefund index's partition key attribute.
pub const REFUND_STATUS: &str = "refundStatus";
/// Sparse index of the connections media servers admitted once, by when their access ends:
/// partition `kickPk` (`KICK#<UTC day>#<shard>`, only on connection items), sort `kickAt` (ms).
pub const BY_KICK_INDEX: &str = "byKick";
/// The byKick index's partition key attribute.
pub const KICK_PK: &str = "kickPk";
/// The byKick index's sort key attribute: when the connection's access ends (ms).
pub const KICK_AT: &str = "kickAt";

/// The non-key attributes the session listings read (`byTime`, `byStreamShard` copy these only): all
/// but the charge (its QR string is the bulk of the item) and the bookkeeping (`kind`, `ttl`).
pub const LISTED_SESSION: [&str; 13] = [
    "sessionId",
    "userId",
    "streamId",
    "trxId",
    "amount",
    "status",
    "paidAt",
    "expiresAt",
    "paymentId",
    "revokeReason",
    "startsAt",
    "endsAt",
    "accessUntil",
];

/// The non-key attributes the ledger listing reads (`byTime` copies these): all but `kind`, `ttl` and
/// `refundStatus` (the record derives it).
pub const LISTED_PAYMENT: [&str; 18] = [
    "paymentId",
    "provider",
    "providerRef",
    "trxId",
    "amount",
    "receivedAt",
    "outcome",
    "reason",
    "sessionId",
    "userId",
    "streamId",
    "note",
    "settledAt",
    "settledBy",
    "settleNote",
    "related",
    "gatewayRefundId",
    "refunded",
];

/// A key attribute: name and scalar type (`S` or `N`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KeyAttr {
    /// The attribute or index name.
    pub name: &'static str,
    /// Its DynamoDB type (`S`, `N`).
    pub kind: &'static str,
}

/// What an index copies of each item besides the keys.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Projected {
    /// Every attribute.
    All,
    /// These non-key attributes only (the union of the lists).
    Include(&'static [&'static [&'static str]]),
}

impl Projected {
    /// The non-key attributes copied, each once, in order (`None`: all).
    pub fn attributes(self) -> Option<Vec<&'static str>> {
        let Projected::Include(lists) = self else {
            return None;
        };
        let mut attrs: Vec<&'static str> = Vec::new();
        for attr in lists.iter().flat_map(|l| l.iter()) {
            if !attrs.contains(attr) {
                attrs.push(attr);
            }
        }
        Some(attrs)
    }
}

/// A global secondary index.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IndexDef {
    /// The attribute or index name.
    pub name: &'static str,
    /// The partition key attribute.
    pub hash: KeyAttr,
    /// The sort key attribute.
    pub range: KeyAttr,
    /// What it copies.
    pub projection: Projected,
}

/// The table's shape.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TableDef {
    /// The partition key attribute.
    pub hash: KeyAttr,
    /// The sort key attribute.
    pub range: KeyAttr,
    /// The global secondary indexes.
    pub indexes: &'static [IndexDef],
    /// The attribute DynamoDB TTL reads.
    pub ttl_attribute: &'static str,
}

/// The table every part of Upstream Pay uses.
pub const TABLE: TableDef = TableDef {
    hash: KeyAttr {
        name: PK,
        kind: "S",
    },
    range: KeyAttr {
        name: SK,
        kind: "S",
    },
    indexes: &[
        IndexDef {
            name: BY_USER_INDEX,
            hash: KeyAttr {
                name: USER_PK,
                kind: "S",
            },
            range: KeyAttr {
                name: USER_SK,
                kind: "N",
            },
            projection: Projected::All,
        },
        IndexDef {
            name: BY_TIME_INDEX,
            hash: KeyAttr {
                name: TIME_PK,
                kind: "S",
            },
            range: KeyAttr {
                name: CREATED_AT,
                kind: "N",
            },
            projection: Projected::Include(&[&LISTED_SESSION, &LISTED_PAYMENT]),
        },
        IndexDef {
            name: BY_STREAM_SHARD_INDEX,
            hash: KeyAttr {
                name: STREAM_SHARD,
                kind: "S",
            },
            range: KeyAttr {
                name: CREATED_AT,
                kind: "N",
            },
            projection: Projected::Include(&[&LISTED_SESSION]),
        },
        IndexDef {
            name: BY_REFUND_INDEX,
            hash: KeyAttr {
                name: REFUND_STATUS,
                kind: "S",
            },
            range: KeyAttr {
                name: CREATED_AT,
                kind: "N",
            },
            projection: Projected::All,
        },
        IndexDef {
            name: BY_KICK_INDEX,
            hash: KeyAttr {
                name: KICK_PK,
                kind: "S",
            },
            range: KeyAttr {
                name: KICK_AT,
                kind: "N",
            },
            // A connection item holds only what the reaper reads.
            projection: Projected::All,
        },
    ],
    ttl_attribute: TTL,
};

impl TableDef {
    /// Every key attribute of the table and its indexes, each once.
    pub fn attribute_definitions(&self) -> Vec<KeyAttr> {
        let mut attrs = vec![self.hash, self.range];
        for index in self.indexes {
            for attr in [index.hash, index.range] {
                if !attrs.contains(&attr) {
                    attrs.push(attr);
                }
            }
        }
        attrs
    }

    /// Creates the table (PAY_PER_REQUEST) and enables TTL; an existing table is left as it is.
    pub async fn create(&self, client: &Client, table_name: &str) -> Result<(), StoreError> {
        let mut req = client
            .create_table()
            .table_name(table_name)
            .billing_mode(BillingMode::PayPerRequest)
            .key_schema(key(self.hash.name, KeyType::Hash))
            .key_schema(key(self.range.name, KeyType::Range));
        for attr in self.attribute_definitions() {
            req = req.attribute_definitions(
                AttributeDefinition::builder()
                    .attribute_name(attr.name)
                    .attribute_type(scalar(attr.kind))
                    .build()
                    .map_err(|e| StoreError::Backend(e.to_string()))?,
            );
        }
        for index in self.indexes {
            req = req.global_secondary_indexes(
                GlobalSecondaryIndex::builder()
                    .index_name(index.name)
                    .key_schema(key(index.hash.name, KeyType::Hash))
                    .key_schema(key(index.range.name, KeyType::Range))
                    .projection(projection(index.projection))
                    .build()
                    .map_err(|e| StoreError::Backend(e.to_string()))?,
            );
        }
        match req.send().await {
            Ok(_) => {}
            Err(err)
                if err
                    .as_service_error()
                    .is_some_and(|e| e.is_resource_in_use_exception()) =>
            {
                return Ok(());
            }
            Err(err) => return Err(classify(err)),
        }
        client
            .update_time_to_live()
            .table_name(table_name)
            .time_to_live_specification(
                TimeToLiveSpecification::builder()
                    .attribute_name(self.ttl_attribute)
                    .enabled(true)
                    .build()
                    .map_err(|e| StoreError::Backend(e.to_string()))?,
            )
            .send()
            .await
            .map_err(classify)?;
        Ok(())
    }
}

fn key(name: &str, key_type: KeyType) -> KeySchemaElement {
    KeySchemaElement::builder()
        .attribute_name(name)
        .key_type(key_type)
        .build()
        .expect("name and key type are set")
}

fn projection(projected: Projected) -> Projection {
    match projected.attributes() {
        None => Projection::builder()
            .projection_type(ProjectionType::All)
            .build(),
        Some(attrs) => Projection::builder()
            .projection_type(ProjectionType::Include)
            .set_non_key_attributes(Some(attrs.into_iter().map(str::to_owned).collect()))
            .build(),
    }
}

fn scalar(kind: &str) -> ScalarAttributeType {
    match kind {
        "N" => ScalarAttributeType::N,
        "B" => ScalarAttributeType::B,
        _ => ScalarAttributeType::S,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn attribute_definitions_cover_every_key_once() {
        let names: Vec<_> = TABLE
            .attribute_definitions()
            .iter()
            .map(|a| a.name)
            .collect();
        assert_eq!(
            names,
            vec![
                PK,
                SK,
                USER_PK,
                USER_SK,
                TIME_PK,
                CREATED_AT,
                STREAM_SHARD,
                REFUND_STATUS,
                KICK_PK,
                KICK_AT
            ]
        );
    }
}
