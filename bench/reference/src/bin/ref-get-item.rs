//! Reference: one DynamoDB GetItem per request (the floor of check-access), client built once.

use aws_sdk_dynamodb::types::AttributeValue;
use lambda_http::{Error, Request, RequestExt, service_fn};

#[tokio::main]
async fn main() -> Result<(), Error> {
    let client = bench_reference::client().await;
    let table = bench_reference::table();
    let (client, table) = (&client, table.as_str());
    lambda_http::run(service_fn(move |req: Request| async move {
        let id = req
            .query_string_parameters_ref()
            .and_then(|q| q.first("sessionId"))
            .unwrap_or("none")
            .to_owned();
        let out = client
            .get_item()
            .table_name(table)
            .key("pk", AttributeValue::S(format!("SESSION#{id}")))
            .key("sk", AttributeValue::S("SESSION".into()))
            .send()
            .await?;
        Ok::<_, Error>(bench_reference::json(
            200,
            serde_json::json!({"success": true, "data": {"found": out.item().is_some()}}),
        ))
    }))
    .await
}
