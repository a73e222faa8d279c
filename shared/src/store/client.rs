//! Building the DynamoDB client, once per process, with bounded waiting: explicit timeouts and a
//! bounded standard retry policy, so a DynamoDB that never answers is an error, not a hung Lambda.

use std::time::Duration;

use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::config::retry::RetryConfig;
use aws_sdk_dynamodb::config::timeout::TimeoutConfig;
use aws_sdk_dynamodb::config::{BehaviorVersion, Credentials, Region};

/// Time to establish a TCP (and TLS) connection.
pub const CONNECT_TIMEOUT: Duration = Duration::from_millis(1_000);
/// Time for one attempt of a request, retries excluded.
pub const ATTEMPT_TIMEOUT: Duration = Duration::from_millis(1_000);
/// Time for a whole request, retries included.
pub const OPERATION_TIMEOUT: Duration = Duration::from_millis(3_000);
/// Attempts per request (the first one included), with the SDK's standard jittered backoff.
pub const MAX_SDK_ATTEMPTS: u32 = 3;

/// The timeouts every client uses.
pub fn timeout_config() -> TimeoutConfig {
    TimeoutConfig::builder()
        .connect_timeout(CONNECT_TIMEOUT)
        .operation_attempt_timeout(ATTEMPT_TIMEOUT)
        .operation_timeout(OPERATION_TIMEOUT)
        .build()
}

/// The retry policy every client uses: standard mode, bounded attempts.
pub fn retry_config() -> RetryConfig {
    RetryConfig::standard().with_max_attempts(MAX_SDK_ATTEMPTS)
}

/// The client for a Lambda function or the CLI: region and credentials from the standard AWS chain,
/// endpoint overridden by `DYNAMODB_ENDPOINT` when set (local use).
pub async fn client_from_env() -> Client {
    let mut loader = aws_config::defaults(BehaviorVersion::latest())
        .timeout_config(timeout_config())
        .retry_config(retry_config());
    if let Some(endpoint) = std::env::var("DYNAMODB_ENDPOINT")
        .ok()
        .filter(|e| !e.is_empty())
    {
        loader = loader.endpoint_url(endpoint);
    }
    let sdk = loader.load().await;
    let config = aws_sdk_dynamodb::config::Builder::from(&sdk)
        .timeout_config(timeout_config())
        .retry_config(retry_config())
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
        .timeout_config(timeout_config())
        .retry_config(retry_config())
        .interceptor(crate::api::CallCounter)
        .build();
    Client::from_conf(config)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clients_carry_the_bounds() {
        // `client_from_env` applies the same two configurations (it cannot load here without AWS).
        let client = local_client("http://127.0.0.1:9");
        let conf = client.config();
        let t = conf.timeout_config().expect("timeouts are set");
        assert_eq!(t.connect_timeout(), Some(CONNECT_TIMEOUT));
        assert_eq!(t.operation_attempt_timeout(), Some(ATTEMPT_TIMEOUT));
        assert_eq!(t.operation_timeout(), Some(OPERATION_TIMEOUT));
        let r = conf.retry_config().expect("retries are set");
        assert_eq!(r.max_attempts(), MAX_SDK_ATTEMPTS);
        assert!(ATTEMPT_TIMEOUT * MAX_SDK_ATTEMPTS >= OPERATION_TIMEOUT);
    }
}
