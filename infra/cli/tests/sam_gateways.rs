//! template.yaml's payment gateway settings: the provider is a parameter, the gateway's keys are
//! secrets the functions read at init (named `<stack>/gateway-key`, `<stack>/xendit-callback-token`;
//! never in the template, samconfig.toml or the repository), named only for the gateway chosen, and
//! the Xendit callback token only to the function receiving callbacks.
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
    assert_eq!(p["GenericWebhook"]["Default"], "off");
}

#[test]
fn gateway_keys_come_from_secrets_manager_for_the_chosen_gateway_only() {
    let t: Value = serde_yaml::from_str(&read("template.yaml")).unwrap();
    let name = |function: &str, var: &str| -> Option<(String, String)> {
        let v = &t["Resources"][function]["Properties"]["Environment"]["Variables"][var];
        let branches = untag(v).as_sequence()?;
        assert_eq!(untag(&branches[2]).as_str(), Some("AWS::NoValue"), "{var}");
        Some((
            branches[0].as_str()?.to_owned(),
            untag(&branches[1]).as_str()?.to_owned(),
        ))
    };
    for function in ["GenerateQrisFunction", "PaymentCallbackFunction"] {
        let vars = &t["Resources"][function]["Properties"]["Environment"]["Variables"];
        assert_eq!(
            untag(&vars["PAYMENT_PROVIDER"]).as_str(),
            Some("PaymentProvider"),
            "{function}"
        );
        assert_eq!(
            name(function, "GATEWAY_SECRET_NAME"),
            Some(("UsesGateway".into(), "${AWS::StackName}/gateway-key".into())),
            "{function}"
        );
        for key in [
            "MIDTRANS_SERVER_KEY",
            "XENDIT_SECRET_KEY",
            "XENDIT_CALLBACK_TOKEN",
        ] {
            assert!(vars[key].is_null(), "{function}: no {key} value");
        }
    }
    assert_eq!(
        name("PaymentCallbackFunction", "XENDIT_CALLBACK_SECRET_NAME"),
        Some((
            "UsesXendit".into(),
            "${AWS::StackName}/xendit-callback-token".into()
        ))
    );
    assert_eq!(
        name("GenerateQrisFunction", "XENDIT_CALLBACK_SECRET_NAME"),
        None,
        "generate-qris never gets the callback token"
    );
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
        "MIDTRANS_SERVER_KEY",
        "XENDIT_SECRET_KEY",
        "XENDIT_CALLBACK_TOKEN",
        "Mid-server-",
        "xnd_",
    ] {
        assert!(!samconfig.contains(name), "{name} in samconfig.toml");
    }
}
