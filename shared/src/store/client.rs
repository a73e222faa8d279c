//! Building the DynamoDB client, once per process, with bounded waiting: explicit timeouts and a
//! bounded standard retry policy, so a DynamoDB that never answers is an error, not a hung Lambda.

use std::time::Duration;

use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::config::retry::RetryConfig;
use aws_sdk_dynamodb::config::timeout::TimeoutConfig;
use aws_sdk_dynamodb::config::{BehaviorVersion, Credentials, Region};

/// How long a client waits, and how often it tries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timeouts {
    /// Time to establish a TCP (and TLS) connection.
    pub connect: Duration,
    /// Time for one attempt of a request.
    pub attempt: Duration,
    /// Time for a whole request, retries included.
    pub operation: Duration,
    /// Attempts per request (the first one included), with the SDK's standard jittered backoff.
    pub max_attempts: u32,
}

impl Timeouts {
    /// What functions and the local stack use: DynamoDB answers in milliseconds, so a request that
    /// takes a second is retried and one that takes three fails (503 with `Retry-After`).
    pub const DEPLOYED: Timeouts = Timeouts {
        connect: Duration::from_millis(1_000),
        attempt: Duration::from_millis(1_000),
        operation: Duration::from_millis(3_000),
        max_attempts: 3,
    };

    /// Still bounded, for DynamoDB Local under a whole test suite's parallel load, where one JVM
    /// queues dozens of transactions for seconds.
    pub const RELAXED: Timeouts = Timeouts {
        connect: Duration::from_millis(2_000),
        attempt: Duration::from_secs(15),
        operation: Duration::from_secs(30),
        max_attempts: 2,
    };

    /// The SDK timeout configuration.
    pub fn timeout_config(&self) -> TimeoutConfig {
        TimeoutConfig::builder()
            .connect_timeout(self.connect)
            .operation_attempt_timeout(self.attempt)
            .operation_timeout(self.operation)
            .build()
    }

    /// The SDK retry configuration: standard mode, bounded attempts.
    pub fn retry_config(&self) -> RetryConfig {
        RetryConfig::standard().with_max_attempts(self.max_attempts)
    }
}

/// The client for a Lambda function or the CLI: region and credentials from the standard AWS chain,
/// endpoint overridden by `DYNAMODB_ENDPOINT` when set (local use); [`Timeouts::DEPLOYED`].
pub async fn client_from_env() -> Client {
    client_from_sdk(&sdk_config_from_env().await)
}

/// The AWS configuration of a deployed function: the standard chain (region, credentials, the
/// `AWS_ENDPOINT_URL_<SERVICE>` overrides), [`Timeouts::DEPLOYED`] for every client built from it.
pub async fn sdk_config_from_env() -> aws_config::SdkConfig {
    let t = Timeouts::DEPLOYED;
    aws_config::defaults(BehaviorVersion::latest())
        .timeout_config(t.timeout_config())
        .retry_config(t.retry_config())
        .load()
        .await
}

/// The DynamoDB client over `sdk`, endpoint overridden by `DYNAMODB_ENDPOINT` when set (local use).
pub fn client_from_sdk(sdk: &aws_config::SdkConfig) -> Client {
    let t = Timeouts::DEPLOYED;
    let mut config = aws_sdk_dynamodb::config::Builder::from(sdk)
        .timeout_config(t.timeout_config())
        .retry_config(t.retry_config())
        .interceptor(crate::calls::CallCounter);
    if let Some(endpoint) = std::env::var("DYNAMODB_ENDPOINT")
        .ok()
        .filter(|e| !e.is_empty())
    {
        config = config.endpoint_url(endpoint);
    }
    Client::from_conf(config.build())
}

/// A client for DynamoDB Local at `endpoint`, with fixed dummy credentials and region: it never
/// consults the environment, profiles or the instance metadata service; [`Timeouts::DEPLOYED`].
pub fn local_client(endpoint: &str) -> Client {
    local_client_with(endpoint, Timeouts::DEPLOYED)
}

/// [`local_client`] with other timeouts (the test harness uses [`Timeouts::RELAXED`]).
pub fn local_client_with(endpoint: &str, timeouts: Timeouts) -> Client {
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
        .timeout_config(timeouts.timeout_config())
        .retry_config(timeouts.retry_config())
        .interceptor(crate::calls::CallCounter)
        .build();
    Client::from_conf(config)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clients_carry_the_bounds() {
        // `client_from_env` applies the same two configurations (it cannot load here without AWS).
        for (client, t) in [
            (local_client("http://127.0.0.1:9"), Timeouts::DEPLOYED),
            (
                local_client_with("http://127.0.0.1:9", Timeouts::RELAXED),
                Timeouts::RELAXED,
            ),
        ] {
            let conf = client.config();
            let timeouts = conf.timeout_config().expect("timeouts are set");
            assert_eq!(timeouts.connect_timeout(), Some(t.connect));
            assert_eq!(timeouts.operation_attempt_timeout(), Some(t.attempt));
            assert_eq!(timeouts.operation_timeout(), Some(t.operation));
            let r = conf.retry_config().expect("retries are set");
            assert_eq!(r.max_attempts(), t.max_attempts);
        }
        let d = Timeouts::DEPLOYED;
        assert_eq!(
            (d.attempt, d.operation),
            (Duration::from_secs(1), Duration::from_secs(3))
        );
        assert!(d.attempt * d.max_attempts >= d.operation);
    }
}
