//! The gateway's keys and the media servers' API passwords, read where configured.

use super::*;

#[tokio::test]
async fn the_gateway_key_is_read_where_a_gateway_is_configured() {
    let (stack, _) = stack_with_secrets(
        "gateway",
        &[("PaymentProvider", "xendit")],
        &[
            (&GATEWAY_KEY, "xnd_development_init_test"),
            (&XENDIT_CALLBACK_TOKEN, "init-test-callback-token"),
        ],
    )
    .await;
    let qris = generate_qris::State::init(&stack.init("generate-qris", &[]))
        .await
        .unwrap();
    assert_eq!(qris.provider.name(), "xendit");
    // A status API that never answers, on loopback: whatever follows the token check stays local.
    let nowhere = [("XENDIT_API_BASE", Some("http://127.0.0.1:9"))];
    let callback = payment_callback::State::init(&stack.init("payment-callback", &nowhere))
        .await
        .unwrap();
    let note = json!({"event": "qr.payment", "data": {"id": "qrpy_1", "reference_id": "UP-x",
        "status": "SUCCEEDED", "amount": 1000, "currency": "IDR"}})
    .to_string();
    for (token, refused) in [("init-test-callback-token", false), ("wrong", true)] {
        let req = request(
            "POST",
            "/api/payment-callback/xendit",
            "",
            &[("x-callback-token", token)],
            &note,
        );
        let (status, answer) = decode(payment_callback::handler(&callback, req).await);
        assert_eq!(status == 401, refused, "callback token {token}: {answer}");
    }
}

#[tokio::test]
async fn the_media_api_passwords_are_secrets_read_only_where_a_server_is_configured() {
    use upstream_session::secrets::{MEDIAMTX_API, SRS_API};
    let plant = [
        ("MEDIAMTX_API_PASS", Some("planted")),
        ("SRS_API_PASS", Some("planted")),
    ];
    // No media server: nothing named, nothing read (no secret exists either), the environment ignored.
    let (stack, _) = stack_with_secrets("no-media", &[], &[]).await;
    let verifier = playback_auth::State::init(&stack.init("playback-auth", &plant))
        .await
        .unwrap();
    assert_eq!(verifier.mediamtx_api, None);
    for function in ["media-reaper", "admin"] {
        let env = stack.environment(function, &[]);
        assert!(
            !env.contains_key("SRS_API_SECRET_NAME")
                && !env.contains_key("MEDIAMTX_API_SECRET_NAME"),
            "{function}: {env:?}"
        );
    }
    media_reaper::State::init(&stack.init("media-reaper", &plant))
        .await
        .unwrap();

    // Both servers configured: the passwords come from their secrets.
    let (stack, _) = stack_with_secrets(
        "media",
        &[
            ("SrsApiUrl", "http://127.0.0.1:9"),
            ("SrsApiUser", "reaper"),
            ("MediamtxApiUrl", "http://127.0.0.1:9"),
            ("MediamtxApiUser", "reaper"),
        ],
        &[
            (&SRS_API, "srs-from-secret"),
            (&MEDIAMTX_API, "mtx-from-secret"),
        ],
    )
    .await;
    let verifier = playback_auth::State::init(&stack.init("playback-auth", &plant))
        .await
        .unwrap();
    assert_eq!(
        verifier.mediamtx_api,
        Some(("reaper".to_owned(), "mtx-from-secret".to_owned())),
        "the hook lets the reaper's login through, with the secret's password"
    );
    media_reaper::State::init(&stack.init("media-reaper", &plant))
        .await
        .unwrap();
    admin::State::init(&stack.init("admin", &plant))
        .await
        .unwrap();

    // Configured but never stored: the start is refused, naming the secret.
    let name = stack_name("media-missing");
    let stack = LocalStack::new(
        &name,
        &catalog_table().await,
        &[("SrsApiUrl", "http://127.0.0.1:9")],
    );
    let err = media_reaper::State::init(&stack.init("media-reaper", &[]))
        .await
        .map(drop)
        .unwrap_err();
    assert_eq!(err.name(), Some("SRS_API_SECRET_NAME"), "{err}");
}
