//! `sam local invoke` without Docker: every function's release `bootstrap` (built by `infra/sam-check`)
//! runs under AWS's Runtime Interface Emulator with the environment its `template.yaml` resource
//! declares, pointed at DynamoDB Local and at moto's server for its secrets (each bootstrap really
//! calls `GetSecretValue` at init), and every fixture in `tests/events/` must answer exactly as
//! the in-process replay does (one table: `upstream_tests::events`). A broken configuration (a secret
//! that cannot be read among them) must fail the function's init visibly, within bounded time.
//!
//! These tests need the release builds, so they are ignored by a plain `cargo test` and run
//! explicitly by `infra/test` after `infra/sam-check` (`--ignored`); a missing bootstrap fails them.
#![allow(clippy::unwrap_used)] // test code: a panic is the failure report

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use serde_json::json;
use upstream_local::lambda::{Emulator, LocalTarget};
use upstream_local::template::LocalValues;
use upstream_tests::init::{REGION, moto};
use upstream_tests::{OME_SECRET, SECRET, catalog_table, client, dynamo, events};

/// The stack of these runs.
const STACK: &str = "upstream-local";

/// A fresh table with the sample catalog, the stack's secrets in moto, and the template's values
/// pointed at both.
async fn target() -> LocalTarget {
    let table = catalog_table(&client()).await;
    let key = upstream_session::playback::SigningKey::generate();
    let secrets =
        upstream_registry::local_secrets(STACK, SECRET, &key, OME_SECRET, "rie-publish-key");
    moto().put_secrets(REGION, &secrets).unwrap();
    LocalTarget {
        values: LocalValues {
            table,
            parameters: BTreeMap::from([
                (
                    "StaticQrisPayload".into(),
                    upstream_session::qris::DEMO_STATIC.trim().into(),
                ),
                ("AllowedOrigins".into(), "http://127.0.0.1:3001".into()),
            ]),
            stack_name: STACK.into(),
            region: REGION.into(),
            secrets,
        },
        dynamodb_endpoint: dynamo().endpoint(),
        secrets_endpoint: moto().endpoint(),
    }
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs the release bootstraps: infra/test runs it after infra/sam-check"]
async fn every_event_file_answers_through_the_emulator_as_in_process() {
    events::assert_every_file_has_an_expectation();
    let target = target().await;
    let mut by_function: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for file in events::event_files() {
        let function = file.split('/').next().unwrap().to_owned();
        by_function.entry(function).or_default().push(file);
    }
    let mut every = upstream_registry::names();
    every.sort_unstable();
    assert_eq!(
        by_function.keys().map(String::as_str).collect::<Vec<_>>(),
        every,
        "fixtures for every function"
    );
    tokio::task::spawn_blocking(move || {
        for (function, files) in by_function {
            let emulator = Emulator::start_function(&function, &target, &[])
                .unwrap_or_else(|e| panic!("{function}: {e}"));
            let mut runtime = None;
            for file in &files {
                let event = events::load(file, chrono::Utc::now().timestamp());
                let invocation = emulator
                    .invoke(&event)
                    .unwrap_or_else(|e| panic!("{file}: {e}"));
                if events::is_scheduled(&event) {
                    // A scheduled function answers its run's JSON (an error: errorType).
                    assert!(
                        invocation.error_type().is_none(),
                        "{file}: {}\nlogs:\n{}",
                        invocation.body,
                        emulator.logs()
                    );
                    events::assert_answer(file, 200, &invocation.body);
                } else {
                    let answer = invocation
                        .http()
                        .unwrap_or_else(|e| panic!("{file}: {e}\nlogs:\n{}", emulator.logs()));
                    events::assert_answer(file, answer.status, &answer.body);
                }
                // Init once, then many invocations: the same bootstrap process answers them all.
                let pid = emulator.runtime_pid();
                assert!(pid.is_some(), "{file}: a bootstrap process runs");
                assert_eq!(*runtime.get_or_insert(pid), pid, "{file}: one init");
            }
            // Every DynamoDB call went through the function's IAM proxy, and its template policy
            // allowed each one.
            let iam = emulator.iam().unwrap();
            assert!(iam.denials().is_empty(), "{function}: {:?}", iam.denials());
            assert_eq!(
                iam.checked() > 0,
                function != "playback-auth",
                "{function}: {} DynamoDB calls through its proxy",
                iam.checked()
            );
            if let Err(logs) =
                emulator.logs_containing("\"level\":\"INFO\"", Duration::from_secs(5))
            {
                panic!("{function}: JSON logs reach the emulator's output:\n{logs}");
            }
        }
    })
    .await
    .unwrap();
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs the release bootstraps: infra/test runs it after infra/sam-check"]
async fn a_broken_configuration_fails_init_visibly() {
    let target = target().await;
    tokio::task::spawn_blocking(move || {
        // (function, the broken variable, an event, the cause the answer must name)
        type Case<'a> = (&'a str, (&'a str, Option<&'a str>), &'a str, &'a str);
        let cases: [Case; 4] = [
            (
                "generate-qris",
                ("QRIS_STATIC_PAYLOAD", Some("000201010211not-a-qris")),
                "generate-qris/ok.json",
                "QRIS_STATIC_PAYLOAD is invalid",
            ),
            (
                "check-access",
                ("TABLE_NAME", None),
                "check-access/unknown-session.json",
                "TABLE_NAME is not set",
            ),
            // A secret Secrets Manager does not hold: GetSecretValue fails at init.
            (
                "check-access",
                (
                    "PLAYBACK_KEY_SECRET_NAME",
                    Some("upstream-local/no-such-key"),
                ),
                "check-access/unknown-session.json",
                "(PLAYBACK_KEY_SECRET_NAME) could not be read",
            ),
            (
                "playback-auth",
                (
                    "PLAYBACK_PUBLIC_KEYS_SECRET_NAME",
                    Some("upstream-local/gone"),
                ),
                "playback-auth/jwks.json",
                "(PLAYBACK_PUBLIC_KEYS_SECRET_NAME) could not be read",
            ),
        ];
        for (function, broken, file, reason) in cases {
            let emulator = Emulator::start_function(function, &target, &[broken])
                .unwrap_or_else(|e| panic!("{function}: {e}"));
            let started = Instant::now();
            let invocation = emulator
                .invoke(&events::load(file, chrono::Utc::now().timestamp()))
                .unwrap_or_else(|e| panic!("{function}: {e}"));
            assert!(
                started.elapsed() < Duration::from_secs(15),
                "{function}: the init failure is reported at once, not after a timeout"
            );
            assert!(
                invocation.http().is_err(),
                "{function} answered although its configuration is broken: {}",
                invocation.body
            );
            let message = invocation.body.to_string();
            assert_eq!(
                invocation.error_type(),
                Some("Runtime.ConfigError"),
                "{function}: the emulator reports the init error: {message}"
            );
            assert!(
                message.contains(reason),
                "{function}: the answer names the cause ({reason}): {message}"
            );
            let logs = emulator
                .logs_containing("refusing to start", Duration::from_secs(5))
                .unwrap_or_else(|logs| logs);
            assert!(
                logs.contains("refusing to start") && logs.contains(reason),
                "{function}: the log says why:\n{logs}"
            );
        }
    })
    .await
    .unwrap();
}

/// The runner gives each function the environment its template resource declares, no more: secret
/// names and the Secrets Manager endpoint, never a secret's value.
#[test]
fn each_function_gets_its_template_environment() {
    let target = LocalTarget {
        values: LocalValues {
            table: "t".into(),
            parameters: BTreeMap::from([
                ("StaticQrisPayload".into(), "Q".into()),
                ("AllowedOrigins".into(), "http://a".into()),
            ]),
            stack_name: "s".into(),
            region: "ap-southeast-3".into(),
            secrets: BTreeMap::new(),
        },
        dynamodb_endpoint: "http://127.0.0.1:1".into(),
        secrets_endpoint: "http://127.0.0.1:2".into(),
    };
    let env = |f| {
        upstream_local::lambda::function_environment(f, &target, &[])
            .unwrap()
            .1
    };
    let callback = env("payment-callback");
    assert_eq!(callback["WEBHOOK_SECRET_NAME"], "s/webhook");
    assert!(!callback.contains_key("WEBHOOK_SECRET"));
    assert_eq!(callback["TABLE_NAME"], "t");
    assert_eq!(callback["AWS_LAMBDA_FUNCTION_NAME"], "s-payment-callback");
    assert_eq!(callback["DYNAMODB_ENDPOINT"], "http://127.0.0.1:1");
    assert_eq!(
        callback["AWS_ENDPOINT_URL_SECRETS_MANAGER"],
        "http://127.0.0.1:2"
    );
    assert!(!callback.contains_key("QRIS_STATIC_PAYLOAD"));
    let admin = env("admin");
    assert!(!admin.contains_key("ALLOWED_ORIGINS"));
    assert!(!admin.keys().any(|k| k.ends_with("_SECRET_NAME")));
    assert_eq!(
        json!(env("check-access")["AWS_LAMBDA_FUNCTION_MEMORY_SIZE"]),
        "128"
    );
}
