//! The (action, resource) pairs IAM checks for one DynamoDB request, from its `X-Amz-Target` and
//! JSON body (the Service Authorization Reference and the transactions' IAM page):
//! - `TransactWriteItems`: each item by its own action (`Put` → `PutItem`, `Update` → `UpdateItem`,
//!   `Delete` → `DeleteItem`, `ConditionCheck` → `ConditionCheckItem`) on its table; there is no
//!   `dynamodb:TransactWriteItems` action. `TransactGetItems`: `GetItem` per item.
//! - `BatchWriteItem` / `BatchGetItem`: the batch action itself on each table named in
//!   `RequestItems` (the reference maps `BatchWriteItem` to `dynamodb:BatchWriteItem` only, not to
//!   `PutItem`/`DeleteItem` per request).
//! - `Query` / `Scan` with `IndexName`: on the index ARN (`…:table/T/index/I`), which a grant on the
//!   table does not cover.
//! - `ListTables` and the other account-wide calls: on `*`; every other operation: its own action on
//!   the table named by `TableName` (or `ResourceArn`).
//!
//! PartiQL calls (`ExecuteStatement`, …) are checked as `dynamodb:<Operation>` on `*`, which only a
//! wildcard grants (IAM checks `PartiQLSelect`/… per statement; nothing here uses PartiQL).

use serde_json::Value;

use super::Identity;
use super::policy::Check;

/// The checks of one request: `target` is its `X-Amz-Target` (`DynamoDB_20120810.PutItem`), `body`
/// its JSON. A body that is not JSON yields no checks (DynamoDB refuses it before any IAM check).
pub fn checks(target: &str, body: &[u8], identity: &Identity) -> Vec<Check> {
    let operation = target.rsplit('.').next().unwrap_or(target);
    let Ok(body) = serde_json::from_slice::<Value>(body) else {
        return Vec::new();
    };
    let table = |v: &Value| v.as_str().map(|name| identity.table_arn(name));
    let action = |op: &str| format!("dynamodb:{op}");
    match operation {
        "TransactWriteItems" => items(
            &body["TransactItems"],
            &[
                ("Put", "PutItem"),
                ("Update", "UpdateItem"),
                ("Delete", "DeleteItem"),
                ("ConditionCheck", "ConditionCheckItem"),
            ],
        )
        .filter_map(|(op, item)| Some(Check::new(action(op), table(&item["TableName"])?)))
        .collect(),
        "TransactGetItems" => items(&body["TransactItems"], &[("Get", "GetItem")])
            .filter_map(|(op, item)| Some(Check::new(action(op), table(&item["TableName"])?)))
            .collect(),
        "BatchWriteItem" | "BatchGetItem" => body["RequestItems"]
            .as_object()
            .into_iter()
            .flatten()
            .map(|(name, _)| Check::new(action(operation), identity.table_arn(name)))
            .collect(),
        "ListTables"
        | "DescribeLimits"
        | "DescribeEndpoints"
        | "ListBackups"
        | "ListGlobalTables"
        | "ListExports"
        | "ListImports"
        | "ExecuteStatement"
        | "BatchExecuteStatement"
        | "ExecuteTransaction" => {
            vec![Check::new(action(operation), "*")]
        }
        _ => {
            let resource = match (table(&body["TableName"]), body["IndexName"].as_str()) {
                (Some(table), Some(index)) if matches!(operation, "Query" | "Scan") => {
                    format!("{table}/index/{index}")
                }
                (Some(table), _) => table,
                (None, _) => body["ResourceArn"]
                    .as_str()
                    .map_or_else(|| "*".to_owned(), str::to_owned),
            };
            vec![Check::new(action(operation), resource)]
        }
    }
}

/// The `(action, item)` of each element of a transaction's `TransactItems`, in order.
fn items<'a>(
    list: &'a Value,
    kinds: &'a [(&'a str, &'a str)],
) -> impl Iterator<Item = (&'a str, &'a Value)> + 'a {
    list.as_array()
        .into_iter()
        .flatten()
        .flat_map(move |entry| {
            kinds
                .iter()
                .filter_map(move |(kind, op)| entry.get(*kind).map(|item| (*op, item)))
        })
}
