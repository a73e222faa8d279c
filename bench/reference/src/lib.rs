//! Shared by the reference functions: the DynamoDB client built once, as a bare function would
//! (standard AWS chain, `DYNAMODB_ENDPOINT` override, no interceptor), and a JSON answer.

use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::config::BehaviorVersion;
use lambda_http::{Body, Response};

/// The client, once per process.
pub async fn client() -> Client {
    let mut loader = aws_config::defaults(BehaviorVersion::latest());
    if let Ok(endpoint) = std::env::var("DYNAMODB_ENDPOINT") {
        loader = loader.endpoint_url(endpoint);
    }
    Client::new(&loader.load().await)
}

/// `TABLE_NAME`.
pub fn table() -> String {
    std::env::var("TABLE_NAME").expect("TABLE_NAME is set")
}

/// A JSON response.
pub fn json(status: u16, value: serde_json::Value) -> Response<Body> {
    Response::builder()
        .status(status)
        .header("content-type", "application/json")
        .body(Body::from(value.to_string()))
        .expect("a valid response")
}
