//! The template resolved locally: conditions, secret names, the issuer, refusals, policies.

use super::*;
use crate::iam::Decision;

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

const TABLE_ARN: &str = "arn:aws:dynamodb:ap-southeast-3:123456789012:table/t1";

#[test]
fn a_function_policy_resolves_to_local_arns() {
    let template = Template::parse(TEMPLATE).unwrap();
    // Only FunctionName and Policies are resolved: no parameter is needed.
    let bare = LocalValues {
        table: "t1".into(),
        stack_name: "upstream-local".into(),
        region: "ap-southeast-3".into(),
        ..LocalValues::default()
    };
    let access = template.access("user-sessions", &bare).unwrap();
    assert_eq!(
        access.identity.principal(),
        "arn:aws:sts::123456789012:assumed-role/upstream-local-UserSessionsFunctionRole/upstream-local-user-sessions"
    );
    let by_user = format!("{TABLE_ARN}/index/byUser");
    assert_eq!(
        access.policy.decide("dynamodb:Query", &by_user),
        Decision::Allowed
    );
    assert_eq!(
        access.policy.decide("dynamodb:Query", TABLE_ARN),
        Decision::ImplicitDeny
    );
    // The verifier reads its secrets and touches no table.
    let verifier = template.access("playback-auth", &bare).unwrap();
    let keys = "arn:aws:secretsmanager:ap-southeast-3:123456789012:secret:upstream-local/playback-public-keys-AbCdEf";
    assert_eq!(
        verifier
            .policy
            .decide("secretsmanager:GetSecretValue", keys),
        Decision::Allowed
    );
    assert_eq!(
        verifier.policy.decide("dynamodb:GetItem", TABLE_ARN),
        Decision::ImplicitDeny
    );
    let resource = template.function("generate-qris", &values()).unwrap();
    assert_eq!(
        resource.access,
        template.access("generate-qris", &values()).unwrap()
    );
    assert_eq!(
        resource.access.policy.decide("dynamodb:GetItem", TABLE_ARN),
        Decision::Allowed
    );
}

/// A function resource named `Fn` (binary `f`) with `policies` (YAML, indented for the slot).
fn with_policies(policies: &str) -> String {
    format!(
        "Parameters:\n  Secret:\n    Type: String\n    Default: s1\n  Mode:\n    Type: String\n    Default: a\n\
         Conditions:\n  IsB: !Equals [!Ref Mode, b]\n\
         Resources:\n  Table:\n    Type: AWS::DynamoDB::Table\n  Fn:\n    Type: AWS::Serverless::Function\n    \
         Metadata:\n      BuildProperties:\n        Binary: f\n    Properties:\n      Policies:\n{policies}"
    )
}

#[test]
fn sam_policy_templates_deny_statements_and_conditions() {
    let text = with_policies(
        "        - DynamoDBCrudPolicy:\n            TableName: !Ref Table\n\
         \x20       - Statement:\n            - Effect: Deny\n              Action: dynamodb:DeleteItem\n              Resource: !GetAtt Table.Arn\n\
         \x20           - Effect: Allow\n              NotAction: [dynamodb:*]\n              Resource:\n                - !Sub \"arn:${AWS::Partition}:secretsmanager:${AWS::Region}:${AWS::AccountId}:secret:${Secret}-*\"\n                - !If [IsB, \"*\", !Ref AWS::NoValue]\n\
         \x20       - AWSSecretsManagerGetSecretValuePolicy:\n            SecretArn: !Sub \"arn:aws:secretsmanager:${AWS::Region}:${AWS::AccountId}:secret:other\"\n",
    );
    let template = Template::parse(&text).unwrap();
    let policy = template.access("f", &values()).unwrap().policy;
    assert_eq!(
        policy.decide(
            "dynamodb:ConditionCheckItem",
            &format!("{TABLE_ARN}/index/x")
        ),
        Decision::Allowed,
        "the CRUD template grants the table and its indexes"
    );
    assert_eq!(
        policy.decide("dynamodb:DeleteItem", TABLE_ARN),
        Decision::ExplicitDeny
    );
    let secret = "arn:aws:secretsmanager:ap-southeast-3:123456789012:secret:s1-AbCdEf";
    assert_eq!(
        policy.decide("secretsmanager:GetSecretValue", secret),
        Decision::Allowed
    );
    assert_eq!(
        policy.decide("secretsmanager:GetSecretValue", "arn:x"),
        Decision::ImplicitDeny,
        "!If to AWS::NoValue leaves the \"*\" out"
    );
    assert_eq!(
        policy.decide(
            "secretsmanager:GetSecretValue",
            "arn:aws:secretsmanager:ap-southeast-3:123456789012:secret:other"
        ),
        Decision::Allowed
    );
}

#[test]
fn what_cannot_be_evaluated_locally_is_refused() {
    for (policies, reason) in [
        ("        - AWSLambdaBasicExecutionRole\n", "managed policy"),
        (
            "        - SQSPollerPolicy:\n            QueueName: q\n",
            "policy template SQSPollerPolicy",
        ),
        (
            "        - Statement:\n            - Effect: Allow\n              Action: dynamodb:GetItem\n              Resource: \"*\"\n              Condition: {Bool: {aws:SecureTransport: true}}\n",
            "Condition",
        ),
        (
            "        - Statement:\n            - Effect: Allow\n              Action: dynamodb:GetItem\n              Resource: !GetAtt Queue.Arn\n",
            "Queue.Arn",
        ),
    ] {
        let template = Template::parse(&with_policies(policies)).unwrap();
        let err = template.access("f", &values()).unwrap_err().to_string();
        assert!(err.contains(reason) && err.starts_with("Fn: "), "{err}");
    }
}
