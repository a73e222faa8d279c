//! Each function's real init, in-process: the environment `template.yaml` gives it in a local stack,
//! its secrets read from moto's server through the AWS SDK (never a value from the environment), a
//! secret that cannot be read refusing the start; one stack's playback tokens refused by another;
//! the generic webhook closed next to a gateway unless `GENERIC_WEBHOOK=on`.
#![allow(clippy::unwrap_used)] // test code: a panic is the failure report

use std::sync::atomic::{AtomicU32, Ordering};

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use lambda_http::{Body, Request, Response};
use serde_json::{Value, json};
use upstream_session::ConfigError;
use upstream_session::edge::event::{http_v2_event, request_from_event};
use upstream_session::edge::signature;
use upstream_session::playback::SigningKey;
use upstream_session::secrets::{GATEWAY_KEY, XENDIT_CALLBACK_TOKEN};
use upstream_tests::client;
use upstream_tests::init::LocalStack;

/// The gateway's keys and the media servers' API passwords, read where configured.
#[path = "init/gateway_and_media.rs"]
mod gateway_and_media;

const WEBHOOK: &str = "init-test-webhook-secret-0123";
const OME: &str = "init-test-ome-secret";

/// A stack name of its own per test (their secrets share one moto server).
fn stack_name(what: &str) -> String {
    static N: AtomicU32 = AtomicU32::new(0);
    format!(
        "{what}-{}-{}",
        std::process::id(),
        N.fetch_add(1, Ordering::SeqCst)
    )
}

/// A fresh table with the sample catalog.
async fn catalog_table() -> String {
    upstream_tests::catalog_table(&client()).await
}

/// A stack on a catalog table with its secrets stored: the webhook and OME secrets, a key pair of its
/// own, and `extra`.
async fn stack_with_secrets(
    what: &str,
    parameters: &[(&str, &str)],
    extra: &[(&upstream_session::secrets::SecretRef, &str)],
) -> (LocalStack, SigningKey) {
    let name = stack_name(what);
    let stack = LocalStack::new(&name, &catalog_table().await, parameters);
    let key = SigningKey::generate();
    let mut secrets =
        upstream_registry::local_secrets(&name, WEBHOOK, &key, OME, "init-test-publish-key");
    for (secret, value) in extra {
        secrets.insert(secret.name_in(&name), (*value).to_owned());
    }
    stack.store(&secrets);
    (stack, key)
}

fn request(method: &str, path: &str, query: &str, headers: &[(&str, &str)], body: &str) -> Request {
    let mut h = vec![("content-type".to_owned(), "application/json".to_owned())];
    h.extend(
        headers
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned())),
    );
    let body = (!body.is_empty()).then_some(body);
    request_from_event(&http_v2_event(method, path, query, &h, body)).unwrap()
}

fn decode(resp: Response<Body>) -> (u16, Value) {
    let status = resp.status().as_u16();
    let bytes: &[u8] = resp.body().as_ref();
    (status, serde_json::from_slice(bytes).unwrap_or(Value::Null))
}

/// A generic webhook delivery signed with `secret` now.
fn signed_webhook(secret: &str, body: &Value) -> Request {
    let raw = body.to_string();
    let sig = signature::sign(
        secret.as_bytes(),
        chrono::Utc::now().timestamp(),
        raw.as_bytes(),
    );
    request(
        "POST",
        "/api/payment-callback",
        "",
        &[("x-upstream-signature", &sig)],
        &raw,
    )
}

#[tokio::test]
async fn each_function_reads_its_secrets_from_secrets_manager_never_its_environment() {
    let (stack, key) = stack_with_secrets("reads", &[], &[]).await;
    // Values planted in the environment are never read: a secret's setting comes from the secret.
    let planted = SigningKey::generate();
    let planted_pem = planted.to_pkcs8_pem();
    let plant = [
        ("WEBHOOK_SECRET", Some("planted-environment-secret-0123")),
        ("PLAYBACK_SIGNING_KEY", Some(planted_pem.as_str())),
        ("PLAYBACK_PUBLIC_KEYS", Some(planted_pem.as_str())),
        ("OME_SECRET_KEY", Some("planted")),
    ];

    let callback = payment_callback::State::init(&stack.init("payment-callback", &plant))
        .await
        .unwrap();
    assert!(callback.playback.is_some(), "the signing key was read");
    let body = json!({"trxId": "UP-261121180000-ZZZZZZZZ", "amount": 1000, "status": "paid",
        "providerRef": "rrn-1"});
    let (status, answer) =
        decode(payment_callback::handler(&callback, signed_webhook(WEBHOOK, &body)).await);
    assert_eq!(status, 200, "signed with the secret it read: {answer}");
    let planted_sig = signed_webhook("planted-environment-secret-0123", &body);
    let (status, _) = decode(payment_callback::handler(&callback, planted_sig).await);
    assert_eq!(status, 401, "the environment's value is not the key");

    let verifier = playback_auth::State::init(&stack.init("playback-auth", &plant))
        .await
        .unwrap();
    assert!(verifier.jwks.contains(key.kid()), "{}", verifier.jwks);
    assert!(
        !verifier.jwks.contains(planted.kid()),
        "neither the planted key nor any signing key reaches the verifier"
    );
    assert_eq!(verifier.ome_secret.as_deref(), Some(OME.as_bytes()));

    let access = check_access::State::init(&stack.init("check-access", &plant))
        .await
        .unwrap();
    assert!(access.playback.is_some());

    let qris = generate_qris::State::init(&stack.init("generate-qris", &[]))
        .await
        .unwrap();
    assert!(qris.provider.is_static(), "static: no gateway key to read");
}

#[tokio::test]
async fn a_secret_that_cannot_be_read_refuses_the_start() {
    // Nothing stored for this stack: every named secret is missing from Secrets Manager.
    let name = stack_name("missing");
    let stack = LocalStack::new(
        &name,
        &catalog_table().await,
        &[("PaymentProvider", "midtrans")],
    );
    let refused = |result: Result<(), ConfigError>, var: &str, suffix: &str| {
        let err = result.unwrap_err();
        assert_eq!(err.name(), Some(var), "{err}");
        let message = err.to_string();
        assert!(
            message.contains(&format!("{name}/{suffix}")) && message.contains("could not be read"),
            "{message}"
        );
    };
    refused(
        generate_qris::State::init(&stack.init("generate-qris", &[]))
            .await
            .map(drop),
        "GATEWAY_SECRET_NAME",
        "gateway-key",
    );
    refused(
        check_access::State::init(&stack.init("check-access", &[]))
            .await
            .map(drop),
        "PLAYBACK_KEY_SECRET_NAME",
        "playback-signing-key",
    );
    refused(
        playback_auth::State::init(&stack.init("playback-auth", &[]))
            .await
            .map(drop),
        "PLAYBACK_PUBLIC_KEYS_SECRET_NAME",
        "playback-public-keys",
    );
    // The run_lambda wrapper reports any such error to the Runtime API as Runtime.ConfigError
    // (lambda_rie.rs checks it through the emulator).
    assert_eq!(
        upstream_session::edge::CONFIG_ERROR_TYPE,
        "Runtime.ConfigError"
    );
}

/// A paid session of stack `stack`, made through its own functions (real init): generate-qris, then
/// the generic webhook signed with the stack's webhook secret. Its sessionId.
async fn paid_session(stack: &LocalStack) -> String {
    let qris = generate_qris::State::init(&stack.init("generate-qris", &[]))
        .await
        .unwrap();
    let body = json!({"streamId": "2", "userId": "viewer-1"}).to_string();
    let req = request("POST", "/api/generate-qris", "", &[], &body);
    let (status, qr) = decode(generate_qris::handler(&qris, req).await);
    assert_eq!(status, 200, "{qr}");
    let callback = payment_callback::State::init(&stack.init("payment-callback", &[]))
        .await
        .unwrap();
    let report = json!({"trxId": qr["data"]["trxId"], "amount": qr["data"]["amount"],
        "status": "paid", "providerRef": "rrn-1"});
    let (status, r) =
        decode(payment_callback::handler(&callback, signed_webhook(WEBHOOK, &report)).await);
    assert_eq!(
        (status, &r["data"]["outcome"]),
        (200, &json!("granted")),
        "{r}"
    );
    qr["data"]["sessionId"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn one_stack_does_not_trust_another_stacks_tokens() {
    let (production, _) = stack_with_secrets("production", &[], &[]).await;
    let (staging, _) = stack_with_secrets("staging", &[], &[]).await;
    let session = paid_session(&production).await;
    let access = check_access::State::init(&production.init("check-access", &[]))
        .await
        .unwrap();
    let req = request(
        "GET",
        "/api/check-access",
        &format!("sessionId={session}&streamId=2"),
        &[],
        "",
    );
    let (status, r) = decode(check_access::handler(&access, req).await);
    assert_eq!(status, 200, "{r}");
    let token = r["data"]["playback"]["token"].as_str().unwrap().to_owned();
    let claims: Value = serde_json::from_slice(
        &URL_SAFE_NO_PAD
            .decode(token.split('.').nth(1).unwrap())
            .unwrap(),
    )
    .unwrap();
    assert_eq!(
        claims["iss"],
        production.values.stack_id(),
        "the issuer is the stack's own id"
    );

    let own = playback_auth::State::init(&production.init("playback-auth", &[]))
        .await
        .unwrap();
    let other = playback_auth::State::init(&staging.init("playback-auth", &[]))
        .await
        .unwrap();
    assert_eq!(
        nginx(&own, &token).await,
        204,
        "its own stack accepts the token"
    );
    assert_eq!(nginx(&other, &token).await, 401, "another stack refuses it");
    // Each stack names its own key and is its own issuer.
    let (a, b) = (
        production.environment("playback-auth", &[]),
        staging.environment("playback-auth", &[]),
    );
    assert_ne!(a["PLAYBACK_ISSUER"], b["PLAYBACK_ISSUER"]);
    assert_ne!(
        a["PLAYBACK_PUBLIC_KEYS_SECRET_NAME"],
        b["PLAYBACK_PUBLIC_KEYS_SECRET_NAME"]
    );
}

/// The nginx hook's answer to `token` for the stream 2 playlist.
async fn nginx(state: &playback_auth::State, token: &str) -> u16 {
    let auth = format!("Bearer {token}");
    let req = request(
        "GET",
        "/api/playback-auth/nginx",
        "",
        &[
            ("authorization", auth.as_str()),
            ("x-original-uri", "/hls/2/index.m3u8"),
        ],
        "",
    );
    playback_auth::handler(state, req).await.status().as_u16()
}

#[tokio::test]
async fn the_gateway_mode_closes_the_generic_webhook() {
    let gateway = [(&GATEWAY_KEY, "SB-Mid-server-init-test")];
    let body = json!({"trxId": "UP-261121180000-ZZZZZZZZ", "amount": 1000, "status": "paid",
        "providerRef": "rrn-2"});
    let cases: [(&[(&str, &str)], u16); 4] = [
        (&[], 200),
        (&[("PaymentProvider", "midtrans")], 404),
        (
            &[("PaymentProvider", "midtrans"), ("GenericWebhook", "off")],
            404,
        ),
        (
            &[("PaymentProvider", "midtrans"), ("GenericWebhook", "on")],
            200,
        ),
    ];
    for (parameters, want) in cases {
        let (stack, _) = stack_with_secrets("webhook", parameters, &gateway).await;
        let state = payment_callback::State::init(&stack.init("payment-callback", &[]))
            .await
            .unwrap();
        let (status, r) =
            decode(payment_callback::handler(&state, signed_webhook(WEBHOOK, &body)).await);
        assert_eq!(status, want, "{parameters:?}: {r}");
        if want == 404 {
            assert_eq!(r["code"], "ROUTE_NOT_FOUND", "{r}");
            assert!(
                state.secret.is_none(),
                "the webhook secret is not even read"
            );
        }
    }
    let (stack, _) =
        stack_with_secrets("webhook", &[("PaymentProvider", "midtrans")], &gateway).await;
    let err = payment_callback::State::init(
        &stack.init("payment-callback", &[("GENERIC_WEBHOOK", Some("yes"))]),
    )
    .await
    .err()
    .unwrap();
    assert_eq!(err.name(), Some("GENERIC_WEBHOOK"), "{err}");
    // Open next to a gateway without its secret named: refused, not silently unsigned.
    let err = payment_callback::State::init(&stack.init(
        "payment-callback",
        &[
            ("GENERIC_WEBHOOK", Some("on")),
            ("WEBHOOK_SECRET_NAME", None),
        ],
    ))
    .await
    .err()
    .unwrap();
    assert!(err.to_string().contains("WEBHOOK_SECRET"), "{err}");
}

#[tokio::test]
async fn the_first_request_finds_the_catalog_loaded_and_a_failed_preload_fails_no_start() {
    let (stack, _) = stack_with_secrets("preload", &[], &[]).await;
    let sample = upstream_session::catalog::parse_catalog(
        &std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../infra/streams.sample.json"
        ))
        .unwrap(),
    )
    .unwrap();
    // Through its IAM proxy's policy too (the template grants the catalog Query) in lambda_rie.rs.
    let qris = generate_qris::State::init(&stack.init("generate-qris", &[]))
        .await
        .unwrap();
    assert_eq!(qris.catalog.cached_entries(), sample.len());
    let calls = upstream_session::calls::count_calls(async {
        let first = generate_qris::handler(
            &qris,
            request(
                "POST",
                "/api/generate-qris",
                "",
                &[],
                r#"{"streamId":"2","userId":"preload-viewer"}"#,
            ),
        )
        .await;
        assert_eq!(decode(first).0, 200);
    })
    .await
    .1;
    assert!(
        !calls
            .iter()
            .any(|c| c.contains("GetItem") || c.contains("Query")),
        "the first request reads no catalog: {calls:?}"
    );

    // No such table: the warm-ups fail, the starts do not (the request path answers 503 instead).
    let gone = [("TABLE_NAME", Some("no-such-table"))];
    let qris = generate_qris::State::init(&stack.init("generate-qris", &gone))
        .await
        .unwrap();
    assert_eq!(qris.catalog.cached_entries(), 0);
    check_access::State::init(&stack.init("check-access", &gone))
        .await
        .unwrap();
}
