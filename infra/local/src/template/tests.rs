use super::*;
use crate::iam::Decision;

const TEMPLATE: &str = include_str!("../../../../template.yaml");

fn values() -> LocalValues {
    LocalValues {
        table: "t1".into(),
        parameters: BTreeMap::from([
            ("StaticQrisPayload".into(), "QRIS".into()),
            ("WebhookSecret".into(), "secret-0123456789".into()),
            ("AllowedOrigins".into(), "http://a, http://b".into()),
        ]),
        stack_name: "upstream-local".into(),
        region: "ap-southeast-3".into(),
        secrets: BTreeMap::from([
            ("signingKey".into(), "PRIVATE-PEM".into()),
            ("publicKeys".into(), "PUBLIC-PEM".into()),
        ]),
    }
}

#[test]
fn conditions_and_secret_references_resolve_locally() {
    let f = function_resource(TEMPLATE, "payment-callback", &values()).unwrap();
    assert_eq!(f.environment["PAYMENT_PROVIDER"], "static");
    assert!(
        !f.environment.contains_key("MIDTRANS_SERVER_KEY"),
        "!If on a false condition is AWS::NoValue"
    );
    assert_eq!(f.environment["PLAYBACK_SIGNING_KEY"], "PRIVATE-PEM");
    let mut midtrans = values();
    midtrans
        .parameters
        .insert("PaymentProvider".into(), "midtrans".into());
    midtrans
        .parameters
        .insert("PaymentGatewaySecretName".into(), "gw".into());
    let err = function_resource(TEMPLATE, "payment-callback", &midtrans).unwrap_err();
    assert!(err.to_string().contains("serverKey"), "{err}");
    midtrans.secrets.insert("serverKey".into(), "SB-key".into());
    let f = function_resource(TEMPLATE, "payment-callback", &midtrans).unwrap();
    assert_eq!(f.environment["MIDTRANS_SERVER_KEY"], "SB-key");
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
    assert!(!env.contains_key("WEBHOOK_SECRET"));
    assert_eq!(resource.log_format.as_deref(), Some("JSON"));
}

#[test]
fn a_missing_parameter_is_an_error_not_an_empty_value() {
    let mut v = values();
    v.parameters.remove("WebhookSecret");
    let err = function_resource(TEMPLATE, "payment-callback", &v).unwrap_err();
    assert!(err.to_string().contains("WebhookSecret"), "{err}");
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
    let verifier = template.access("playback-auth", &bare).unwrap();
    assert!(
        verifier.policy.statements.is_empty(),
        "no Policies: nothing allowed"
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
