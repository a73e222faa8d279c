//! The template resolved locally: conditions, secret names, the issuer, refusals.

use super::*;

const TEMPLATE: &str = include_str!("../../../../template.yaml");

fn values() -> LocalValues {
    LocalValues {
        table: "t1".into(),
        parameters: BTreeMap::from([
            ("StaticQrisPayload".into(), "QRIS".into()),
            ("AllowedOrigins".into(), "http://a, http://b".into()),
        ]),
        stack_name: "upstream-local".into(),
        region: "ap-southeast-3".into(),
        secrets: BTreeMap::new(),
    }
}

fn with(parameters: &[(&str, &str)]) -> LocalValues {
    let mut v = values();
    for (k, val) in parameters {
        v.parameters.insert((*k).into(), (*val).into());
    }
    v
}

#[test]
fn conditions_name_each_function_only_the_secrets_it_reads() {
    let f = function_resource(TEMPLATE, "payment-callback", &values()).unwrap();
    let env = &f.environment;
    assert_eq!(env["PAYMENT_PROVIDER"], "static");
    assert_eq!(env["WEBHOOK_SECRET_NAME"], "upstream-local/webhook");
    assert_eq!(
        env["PLAYBACK_KEY_SECRET_NAME"],
        "upstream-local/playback-signing-key"
    );
    assert!(
        !env.contains_key("GATEWAY_SECRET_NAME"),
        "!If on a false condition is AWS::NoValue"
    );
    let midtrans = with(&[("PaymentProvider", "midtrans")]);
    let env = function_resource(TEMPLATE, "payment-callback", &midtrans)
        .unwrap()
        .environment;
    assert_eq!(env["GATEWAY_SECRET_NAME"], "upstream-local/gateway-key");
    assert!(!env.contains_key("XENDIT_CALLBACK_SECRET_NAME"));
    assert!(
        !env.contains_key("WEBHOOK_SECRET_NAME"),
        "the generic webhook is closed next to a gateway"
    );
    let open = with(&[("PaymentProvider", "xendit"), ("GenericWebhook", "on")]);
    let env = function_resource(TEMPLATE, "payment-callback", &open)
        .unwrap()
        .environment;
    assert_eq!(
        env["XENDIT_CALLBACK_SECRET_NAME"],
        "upstream-local/xendit-callback-token"
    );
    assert_eq!(env["WEBHOOK_SECRET_NAME"], "upstream-local/webhook");
    let qris = function_resource(TEMPLATE, "generate-qris", &open)
        .unwrap()
        .environment;
    assert!(
        !qris.contains_key("XENDIT_CALLBACK_SECRET_NAME"),
        "generate-qris never gets the callback token"
    );
}

#[test]
fn the_playback_issuer_is_the_stack_unless_set() {
    let issuer = |v: &LocalValues| {
        function_resource(TEMPLATE, "check-access", v)
            .unwrap()
            .environment["PLAYBACK_ISSUER"]
            .clone()
    };
    let mut other = values();
    other.stack_name = "upstream-staging".into();
    assert_eq!(issuer(&values()), values().stack_id());
    assert_ne!(issuer(&values()), issuer(&other));
    assert_eq!(
        issuer(&with(&[("PlaybackIssuer", "https://api.example")])),
        "https://api.example"
    );
}

#[test]
fn a_secret_value_in_an_environment_is_refused() {
    let leaky = TEMPLATE.replace(
        "PLAYBACK_KEY_SECRET_NAME: !Sub \"${AWS::StackName}/playback-signing-key\"",
        "PLAYBACK_SIGNING_KEY: \"{{resolve:secretsmanager:keys:SecretString:signingKey}}\"",
    );
    assert_ne!(leaky, TEMPLATE);
    let err = function_resource(&leaky, "check-access", &values()).unwrap_err();
    assert!(err.to_string().contains("PLAYBACK_SIGNING_KEY"), "{err}");
}

#[test]
fn generate_qris_gets_globals_and_its_own_variables() {
    let resource = function_resource(TEMPLATE, "generate-qris", &values()).unwrap();
    assert_eq!(resource.logical_id, "GenerateQrisFunction");
    assert_eq!(resource.function_name, "upstream-local-generate-qris");
    assert_eq!(resource.memory_mb, 128);
    assert_eq!(resource.timeout_s, 10);
    let env = &resource.environment;
    assert_eq!(env["TABLE_NAME"], "t1");
    assert_eq!(env["QRIS_STATIC_PAYLOAD"], "QRIS");
    assert_eq!(env["QRIS_MAX_AMOUNT"], "10000000");
    assert_eq!(env["ALLOWED_ORIGINS"], "http://a,http://b");
    assert_eq!(env["PENDING_VALIDITY_SECONDS"], "7200");
    assert_eq!(env["LOG_LEVEL"], "INFO");
    assert!(!env.contains_key("WEBHOOK_SECRET_NAME"));
    assert_eq!(resource.log_format.as_deref(), Some("JSON"));
}

#[test]
fn a_missing_parameter_is_an_error_not_an_empty_value() {
    let mut v = values();
    v.parameters.remove("StaticQrisPayload");
    let err = function_resource(TEMPLATE, "generate-qris", &v).unwrap_err();
    assert!(err.to_string().contains("StaticQrisPayload"), "{err}");
    assert!(function_resource(TEMPLATE, "no-such-function", &values()).is_err());
}
