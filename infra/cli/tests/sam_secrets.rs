//! template.yaml's secrets, compared with the code: no function's environment holds a secret's value
//! (what `aws lambda get-function-configuration` shows is names only), and each function may read
//! exactly the secrets its code reads (its `SPEC.secrets`), by this stack's names.
#![allow(clippy::unwrap_used)] // test code: a panic is the failure report

use std::collections::BTreeSet;
use std::path::Path;

use serde_yaml::Value;
use upstream_registry::specs;
use upstream_session::secrets::{self, SecretRef, is_secret_setting};

fn template() -> Value {
    let path = Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../../template.yaml"));
    serde_yaml::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn untag(v: &Value) -> &Value {
    match v {
        Value::Tagged(t) => &t.value,
        other => other,
    }
}

/// Every string anywhere in `v` (tags and intrinsic functions included).
fn strings(v: &Value, out: &mut Vec<String>) {
    match v {
        Value::String(s) => out.push(s.clone()),
        Value::Sequence(items) => items.iter().for_each(|i| strings(i, out)),
        Value::Mapping(m) => m.iter().for_each(|(k, v)| {
            strings(k, out);
            strings(v, out);
        }),
        Value::Tagged(t) => strings(&t.value, out),
        _ => {}
    }
}

/// The template's name of `secret` in a stack.
fn stack_name_of(secret: &SecretRef) -> String {
    format!("${{AWS::StackName}}/{}", secret.suffix)
}

/// The resource pattern granting `GetSecretValue` on `secret`.
fn arn_of(secret: &SecretRef) -> String {
    format!(
        "arn:${{AWS::Partition}}:secretsmanager:${{AWS::Region}}:${{AWS::AccountId}}:secret:{}-??????",
        stack_name_of(secret)
    )
}

/// The name a variable holds: `!Sub "…"`, or `!If [condition, !Sub "…", !Ref AWS::NoValue]`.
fn named(v: &Value) -> String {
    match untag(v) {
        Value::Sequence(branches) => {
            assert_eq!(untag(&branches[2]).as_str(), Some("AWS::NoValue"), "{v:?}");
            untag(&branches[1]).as_str().unwrap().to_owned()
        }
        other => other.as_str().unwrap().to_owned(),
    }
}

#[test]
fn no_environment_holds_a_secret_value() {
    let t = template();
    let mut environments = vec![&t["Globals"]["Function"]["Environment"]];
    for (_, r) in t["Resources"].as_mapping().unwrap() {
        environments.push(&r["Properties"]["Environment"]);
    }
    for env in environments {
        let Some(vars) = env["Variables"].as_mapping() else {
            continue;
        };
        for (k, v) in vars {
            let name = k.as_str().unwrap();
            assert!(
                !is_secret_setting(name),
                "{name}: a secret's value, set in an environment"
            );
            let mut texts = Vec::new();
            strings(v, &mut texts);
            for text in texts {
                assert!(
                    !text.contains("{{resolve:secretsmanager") && !text.contains("{{resolve:ssm"),
                    "{name}: {text}"
                );
            }
        }
    }
}

#[test]
fn each_function_may_read_exactly_the_secrets_its_code_reads() {
    let t = template();
    for spec in specs() {
        let props = &t["Resources"][spec.resource]["Properties"];
        let vars = props["Environment"]["Variables"].as_mapping();
        let in_template: BTreeSet<(String, String)> = vars
            .into_iter()
            .flatten()
            .filter(|(k, _)| k.as_str().unwrap().ends_with("_SECRET_NAME"))
            .map(|(k, v)| (k.as_str().unwrap().to_owned(), named(v)))
            .collect();
        let in_code: BTreeSet<(String, String)> = spec
            .secrets
            .iter()
            .map(|s| (s.name_var.to_owned(), stack_name_of(s)))
            .collect();
        assert_eq!(
            in_template, in_code,
            "{}: the secrets it is named",
            spec.name
        );

        let mut granted = BTreeSet::new();
        for policy in props["Policies"].as_sequence().into_iter().flatten() {
            for st in policy["Statement"].as_sequence().unwrap() {
                let actions: Vec<&str> = st["Action"]
                    .as_sequence()
                    .unwrap()
                    .iter()
                    .map(|a| a.as_str().unwrap())
                    .collect();
                if !actions.iter().any(|a| a.starts_with("secretsmanager:")) {
                    continue;
                }
                assert_eq!(actions, ["secretsmanager:GetSecretValue"], "{}", spec.name);
                assert_eq!(st["Effect"], "Allow");
                for resource in st["Resource"].as_sequence().unwrap() {
                    granted.insert(untag(resource).as_str().unwrap().to_owned());
                }
            }
        }
        let wanted: BTreeSet<String> = spec.secrets.iter().map(arn_of).collect();
        assert_eq!(
            granted, wanted,
            "{}: GetSecretValue on exactly these",
            spec.name
        );
    }
}

#[test]
fn the_template_generates_the_webhook_and_ome_secrets_under_the_stacks_names() {
    let t = template();
    for (resource, secret) in [
        ("WebhookSecret", secrets::WEBHOOK),
        ("OmeSecret", secrets::OME),
    ] {
        let r = &t["Resources"][resource];
        assert_eq!(r["Type"], "AWS::SecretsManager::Secret", "{resource}");
        let p = &r["Properties"];
        assert_eq!(
            untag(&p["Name"]).as_str(),
            Some(stack_name_of(&secret).as_str())
        );
        assert!(
            p["GenerateSecretString"]["PasswordLength"]
                .as_u64()
                .unwrap()
                >= 32,
            "{resource}: a long random value"
        );
        assert!(
            p["SecretString"].is_null(),
            "{resource}: no value in the template"
        );
    }
}
