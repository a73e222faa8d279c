//! `sam local invoke` without Docker: every function's release `bootstrap` (built by `infra/sam-check`)
//! runs under AWS's Runtime Interface Emulator with the environment its `template.yaml` resource
//! declares, pointed at DynamoDB Local, and every fixture in `tests/events/` must answer exactly as
//! the in-process replay does (one table: `upstream_tests::events`). A broken configuration must fail
//! the function's init visibly, within bounded time.
//!
//! These tests need the release builds, so they are ignored by a plain `cargo test` and run
//! explicitly by `infra/test` after `infra/sam-check` (`--ignored`); a missing bootstrap fails them.
#![allow(clippy::unwrap_used)] // test code: a panic is the failure report

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use serde_json::json;
use upstream_local::lambda::{Emulator, LocalTarget};
use upstream_local::template::LocalValues;
use upstream_tests::{SECRET, client, dynamo, events, fresh_table};

/// A fresh table with the sample catalog, and the template's values pointed at it.
async fn target() -> LocalTarget {
    let client = client();
    let table = fresh_table(&client).await;
    let store =
        upstream_session::Store::new(client, table.clone(), upstream_session::Policy::default());
    let catalog = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../infra/streams.sample.json"
    ))
    .unwrap();
    for stream in upstream_session::catalog::parse_catalog(&catalog).unwrap() {
        store.put_stream(&stream).await.unwrap();
    }
    LocalTarget {
        values: LocalValues {
            table,
            parameters: BTreeMap::from([
                (
                    "StaticQrisPayload".into(),
                    upstream_session::qris::DEMO_STATIC.trim().into(),
                ),
                ("WebhookSecret".into(), SECRET.into()),
                ("AllowedOrigins".into(), "http://127.0.0.1:3001".into()),
            ]),
            stack_name: "upstream-local".into(),
            region: "ap-southeast-3".into(),
            secrets: upstream_local_secrets(),
        },
        dynamodb_endpoint: dynamo().endpoint(),
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
            assert!(
                emulator.logs().contains("\"level\":\"INFO\""),
                "{function}: JSON logs reach the emulator's output:\n{}",
                emulator.logs()
            );
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
        let cases: [Case; 2] = [
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
            assert!(
                invocation
                    .error_type()
                    .is_some_and(|t| t.starts_with("Runtime.")),
                "{function}: the emulator reports an init error: {message}"
            );
            assert!(
                message.contains(reason),
                "{function}: the answer names the cause ({reason}): {message}"
            );
            let logs = emulator.logs();
            assert!(
                logs.contains("refusing to start") && logs.contains(reason),
                "{function}: the log says why:\n{logs}"
            );
        }
    })
    .await
    .unwrap();
}

/// The runner gives each function the environment its template resource declares, no more.
#[test]
fn each_function_gets_its_template_environment() {
    let target = LocalTarget {
        values: LocalValues {
            table: "t".into(),
            parameters: BTreeMap::from([
                ("StaticQrisPayload".into(), "Q".into()),
                ("WebhookSecret".into(), SECRET.into()),
                ("AllowedOrigins".into(), "http://a".into()),
            ]),
            stack_name: "s".into(),
            region: "ap-southeast-3".into(),
            secrets: upstream_local_secrets(),
        },
        dynamodb_endpoint: "http://127.0.0.1:1".into(),
    };
    let env = |f| {
        upstream_local::lambda::function_environment(f, &target, &[])
            .unwrap()
            .1
    };
    let callback = env("payment-callback");
    assert_eq!(callback["WEBHOOK_SECRET"], SECRET);
    assert_eq!(callback["TABLE_NAME"], "t");
    assert_eq!(callback["AWS_LAMBDA_FUNCTION_NAME"], "s-payment-callback");
    assert_eq!(callback["DYNAMODB_ENDPOINT"], "http://127.0.0.1:1");
    assert!(!callback.contains_key("QRIS_STATIC_PAYLOAD"));
    let admin = env("admin");
    assert!(!admin.contains_key("ALLOWED_ORIGINS"));
    assert!(!admin.contains_key("WEBHOOK_SECRET"));
    assert_eq!(
        json!(env("check-access")["AWS_LAMBDA_FUNCTION_MEMORY_SIZE"]),
        "128"
    );
}

/// Local values of the template's secret references: a fresh playback key pair.
fn upstream_local_secrets() -> std::collections::BTreeMap<String, String> {
    let key = upstream_session::playback::SigningKey::generate();
    std::collections::BTreeMap::from([
        ("signingKey".to_owned(), key.to_pkcs8_pem()),
        ("publicKeys".to_owned(), key.verifying_key().to_pem()),
    ])
}
