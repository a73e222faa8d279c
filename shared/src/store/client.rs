//! Building the DynamoDB client, once per process.

use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::config::{BehaviorVersion, Credentials, Region};

/// The client for a Lambda function or the CLI: region and credentials from the standard AWS chain,
/// endpoint overridden by `DYNAMODB_ENDPOINT` when set (local use).
pub async fn client_from_env() -> Client {
    let mut loader = aws_config::defaults(BehaviorVersion::latest());
    if let Some(endpoint) = std::env::var("DYNAMODB_ENDPOINT")
        .ok()
        .filter(|e| !e.is_empty())
    {
        loader = loader.endpoint_url(endpoint);
    }
    let sdk = loader.load().await;
    let config = aws_sdk_dynamodb::config::Builder::from(&sdk)
        .interceptor(crate::api::CallCounter)
        .build();
    Client::from_conf(config)
}

/// A client for DynamoDB Local at `endpoint`, with fixed dummy credentials and region: it never
/// consults the environment, profiles or the instance metadata service.
pub fn local_client(endpoint: &str) -> Client {
    let config = aws_sdk_dynamodb::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new("ap-southeast-3"))
        .credentials_provider(Credentials::new(
            "local",
            "local",
            None,
            None,
            "upstream-local",
        ))
        .endpoint_url(endpoint)
        .interceptor(crate::api::CallCounter)
        .build();
    Client::from_conf(config)
}
