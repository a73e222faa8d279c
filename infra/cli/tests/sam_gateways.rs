//! template.yaml's payment gateway settings: the provider is a parameter, the gateway keys reach the
//! functions only through Secrets Manager dynamic references (resolved at deploy time, never stored in
//! the template, samconfig.toml or the repository), and only for the gateway chosen.
#![allow(clippy::unwrap_used)] // test code: a panic is the failure report

use std::path::Path;

use serde_yaml::Value;

fn root() -> &'static Path {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../.."))
}

fn read(name: &str) -> String {
    std::fs::read_to_string(root().join(name)).unwrap()
}

fn untag(v: &Value) -> &Value {
    match v {
        Value::Tagged(t) => &t.value,
        other => other,
    }
}

#[test]
fn provider_parameters() {
    let t: Value = serde_yaml::from_str(&read("template.yaml")).unwrap();
    let p = &t["Parameters"];
    assert_eq!(p["PaymentProvider"]["Default"], "static");
    let allowed: Vec<&str> = p["PaymentProvider"]["AllowedValues"]
        .as_sequence()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    assert_eq!(allowed, ["static", "midtrans", "xendit"]);
    assert_eq!(p["MidtransIsProduction"]["Default"], "false");
    assert!(p["PaymentGatewaySecretName"].is_mapping());
}

#[test]
fn gateway_keys_come_from_secrets_manager_for_the_chosen_gateway_only() {
    let t: Value = serde_yaml::from_str(&read("template.yaml")).unwrap();
    for function in ["GenerateQrisFunction", "PaymentCallbackFunction"] {
        let vars = &t["Resources"][function]["Properties"]["Environment"]["Variables"];
        assert_eq!(
            untag(&vars["PAYMENT_PROVIDER"]).as_str(),
            Some("PaymentProvider"),
            "{function}"
        );
        for (var, condition, field) in [
            ("MIDTRANS_SERVER_KEY", "UsesMidtrans", "serverKey"),
            ("XENDIT_SECRET_KEY", "UsesXendit", "secretKey"),
            ("XENDIT_CALLBACK_TOKEN", "UsesXendit", "callbackToken"),
        ] {
            let branches = untag(&vars[var]).as_sequence().expect(var);
            assert_eq!(branches[0].as_str(), Some(condition), "{function} {var}");
            let reference = untag(&branches[1]).as_str().unwrap();
            assert_eq!(
                reference,
                format!(
                    "{{{{resolve:secretsmanager:${{PaymentGatewaySecretName}}:SecretString:{field}}}}}"
                ),
                "{function} {var}"
            );
            assert_eq!(untag(&branches[2]).as_str(), Some("AWS::NoValue"));
        }
    }
    let text = read("template.yaml");
    for leaked in [
        "SB-Mid-server-",
        "Mid-server-",
        "xnd_development_",
        "xnd_production_",
    ] {
        assert!(!text.contains(leaked), "{leaked} in the template");
    }
    let samconfig = read("samconfig.toml");
    for name in [
        "PaymentGatewaySecretName=\"",
        "MIDTRANS_SERVER_KEY",
        "XENDIT_SECRET_KEY",
        "XENDIT_CALLBACK_TOKEN",
        "Mid-server-",
        "xnd_",
    ] {
        assert!(!samconfig.contains(name), "{name} in samconfig.toml");
    }
}
