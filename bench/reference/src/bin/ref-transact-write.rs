//! Reference: one TransactWriteItems of the three conditional puts that creating a session writes
//! (session, trx mirror, guard; the same attributes and conditions), client built once.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use aws_sdk_dynamodb::types::{
    AttributeValue, Put, ReturnValuesOnConditionCheckFailure, TransactWriteItem,
};
use lambda_http::{Error, Request, service_fn};

static COUNTER: AtomicU64 = AtomicU64::new(0);

fn s(v: impl Into<String>) -> AttributeValue {
    AttributeValue::S(v.into())
}

fn n(v: i64) -> AttributeValue {
    AttributeValue::N(v.to_string())
}

#[tokio::main]
async fn main() -> Result<(), Error> {
    let client = bench_reference::client().await;
    let table = bench_reference::table();
    let (client, table) = (&client, table.as_str());
    lambda_http::run(service_fn(move |_req: Request| async move {
        let now = SystemTime::now().duration_since(UNIX_EPOCH)?.as_millis() as i64;
        let k = COUNTER.fetch_add(1, Ordering::Relaxed);
        // Unique per process and request: cold starts run many processes within one second.
        let pid = std::process::id();
        let (session, trx, user) = (
            format!("session_{pid:016x}{k:016x}"),
            format!("UP-{}-{pid:X}{k:X}", now / 1000),
            format!("ref-user-{pid}-{k}"),
        );
        let expires = now + 7_200_000;
        let item = |pk: String, sk: &str, kind: &str| {
            let mut item: HashMap<String, AttributeValue> = HashMap::from([
                ("pk".into(), s(pk)),
                ("sk".into(), s(sk)),
                ("kind".into(), s(kind)),
                ("sessionId".into(), s(&session)),
                ("userId".into(), s(&user)),
                ("streamId".into(), s("2")),
                ("trxId".into(), s(&trx)),
                ("amount".into(), n(1000)),
                ("status".into(), s("pending")),
                ("createdAt".into(), n(now)),
                ("expiresAt".into(), n(expires)),
                ("ttl".into(), n(expires / 1000 + 86_400)),
            ]);
            if kind == "session" {
                item.insert("userPk".into(), s(&user));
                item.insert("userSk".into(), n(expires));
                item.insert("timePk".into(), s("SESSION#2026-12-05#0"));
                item.insert("streamShard".into(), s("2#0"));
            }
            item
        };
        let put = |item, condition: &str, guard: bool| {
            let mut p = Put::builder()
                .table_name(table)
                .set_item(Some(item))
                .condition_expression(condition)
                .return_values_on_condition_check_failure(
                    ReturnValuesOnConditionCheckFailure::AllOld,
                );
            if guard {
                p = p
                    .expression_attribute_names("#status", "status")
                    .expression_attribute_values(":now", n(now))
                    .expression_attribute_values(":failed", s("failed"))
                    .expression_attribute_values(":expired", s("expired"));
            }
            TransactWriteItem::builder()
                .put(p.build().expect("item and table are set"))
                .build()
        };
        client
            .transact_write_items()
            .transact_items(put(
                item(format!("SESSION#{session}"), "SESSION", "session"),
                "attribute_not_exists(pk)",
                false,
            ))
            .transact_items(put(
                item(format!("TRX#{trx}"), "TRX", "trx"),
                "attribute_not_exists(pk)",
                false,
            ))
            .transact_items(put(
                item(format!("GUARD#2#{user}"), "GUARD", "guard"),
                "attribute_not_exists(pk) OR expiresAt <= :now OR #status IN (:failed, :expired)",
                true,
            ))
            .send()
            .await?;
        Ok::<_, Error>(bench_reference::json(
            200,
            serde_json::json!({"success": true, "data": {"sessionId": session, "trxId": trx}}),
        ))
    }))
    .await
}
