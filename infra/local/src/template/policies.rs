//! A function's `Policies` as one [`Policy`]: inline policy documents (`- Statement: [...]`) and the
//! SAM policy templates that grant DynamoDB or Secrets Manager access, expanded as SAM expands them
//! (`samtranslator/policy_templates_data/policy_templates.json`). Anything whose effect cannot be
//! evaluated locally (a managed policy, a `Condition`, an explicit `Role`, another policy template)
//! is refused with the reason, never skipped: a skipped grant would deny what AWS allows, a skipped
//! deny allow what AWS denies.

use serde_yaml::Value;

use super::resolve::Resolver;
use crate::artifacts::LambdaError;
use crate::iam::{Effect, LOCAL_ACCOUNT, Patterns, Policy, Statement, table_arn};

/// DynamoDB actions of SAM's `DynamoDBCrudPolicy`.
const CRUD: &[&str] = &[
    "dynamodb:GetItem",
    "dynamodb:DeleteItem",
    "dynamodb:PutItem",
    "dynamodb:Scan",
    "dynamodb:Query",
    "dynamodb:UpdateItem",
    "dynamodb:BatchWriteItem",
    "dynamodb:BatchGetItem",
    "dynamodb:DescribeTable",
    "dynamodb:ConditionCheckItem",
];
/// … of `DynamoDBReadPolicy`.
const READ: &[&str] = &[
    "dynamodb:GetItem",
    "dynamodb:Scan",
    "dynamodb:Query",
    "dynamodb:BatchGetItem",
    "dynamodb:DescribeTable",
];
/// … of `DynamoDBWritePolicy` (no DeleteItem, no ConditionCheckItem).
const WRITE: &[&str] = &[
    "dynamodb:PutItem",
    "dynamodb:UpdateItem",
    "dynamodb:BatchWriteItem",
];

/// The SAM policy templates evaluated locally.
const TEMPLATES: &[&str] = &[
    "DynamoDBCrudPolicy",
    "DynamoDBReadPolicy",
    "DynamoDBWritePolicy",
    "AWSSecretsManagerGetSecretValuePolicy",
];

/// Every statement of the function `logical_id`'s `Policies` (none: an empty policy, which allows
/// nothing).
pub(super) fn policy(
    r: &Resolver,
    logical_id: &str,
    props: Option<&Value>,
) -> Result<Policy, LambdaError> {
    let bad = |m: String| LambdaError::Template(format!("{logical_id}: {m}"));
    if props.and_then(|p| p.get("Role")).is_some() {
        return Err(bad(
            "an explicit Role is not evaluated locally: give the function Policies".into(),
        ));
    }
    let mut statements = Vec::new();
    let entries = match props.and_then(|p| p.get("Policies")) {
        None => Vec::new(),
        Some(Value::Sequence(list)) => list.iter().collect(),
        Some(one) => vec![one],
    };
    for entry in entries {
        match entry {
            Value::Mapping(m) if m.contains_key("Statement") => {
                statements.extend(document(r, entry).map_err(bad)?);
            }
            Value::Mapping(m) if m.len() == 1 => {
                let (name, params) = m.iter().next().expect("one entry");
                let name = name.as_str().unwrap_or_default();
                statements.extend(sam_template(r, name, params).map_err(bad)?);
            }
            other => {
                return Err(bad(format!(
                    "the policy {other:?} (a managed policy?) is not evaluated locally: use an \
                     inline Statement or one of {TEMPLATES:?}"
                )));
            }
        }
    }
    Ok(Policy::new(statements))
}

/// The statements of an inline policy document.
fn document(r: &Resolver, doc: &Value) -> Result<Vec<Statement>, String> {
    let list = match &doc["Statement"] {
        Value::Sequence(list) => list.iter().collect(),
        one => vec![one],
    };
    list.into_iter().map(|s| statement(r, s)).collect()
}

fn statement(r: &Resolver, s: &Value) -> Result<Statement, String> {
    for unsupported in ["Condition", "Principal", "NotPrincipal"] {
        if s.get(unsupported).is_some() {
            return Err(format!(
                "a statement with {unsupported} is not evaluated locally: {s:?}"
            ));
        }
    }
    let effect = match s.get("Effect").and_then(Value::as_str) {
        Some("Allow") => Effect::Allow,
        Some("Deny") => Effect::Deny,
        other => return Err(format!("Effect must be Allow or Deny, not {other:?}")),
    };
    let patterns = |listed: &str, all_but: &str| -> Result<Patterns, String> {
        match (s.get(listed), s.get(all_but)) {
            (Some(v), None) => Ok(Patterns::Listed(strings(r, v)?)),
            (None, Some(v)) => Ok(Patterns::AllBut(strings(r, v)?)),
            _ => Err(format!(
                "a statement needs exactly one of {listed} and {all_but}: {s:?}"
            )),
        }
    };
    Ok(Statement {
        effect,
        action: patterns("Action", "NotAction")?,
        resource: patterns("Resource", "NotResource")?,
    })
}

fn strings(r: &Resolver, v: &Value) -> Result<Vec<String>, String> {
    r.strings(v).map_err(|e| e.to_string())
}

/// A SAM policy template's statements, as SAM expands them.
fn sam_template(r: &Resolver, name: &str, params: &Value) -> Result<Vec<Statement>, String> {
    let param = |key: &str| -> Result<String, String> {
        let v = params
            .get(key)
            .ok_or_else(|| format!("{name} needs {key}"))?;
        Ok(strings(r, v)?.join(","))
    };
    let table = |actions: &[&str]| -> Result<Vec<Statement>, String> {
        let arn = table_arn(r.region(), LOCAL_ACCOUNT, &param("TableName")?);
        let index = format!("{arn}/index/*");
        Ok(vec![Statement::new(
            Effect::Allow,
            actions,
            &[&arn, &index],
        )])
    };
    match name {
        "DynamoDBCrudPolicy" => table(CRUD),
        "DynamoDBReadPolicy" => table(READ),
        "DynamoDBWritePolicy" => table(WRITE),
        "AWSSecretsManagerGetSecretValuePolicy" => Ok(vec![Statement::new(
            Effect::Allow,
            &["secretsmanager:GetSecretValue"],
            &[&param("SecretArn")?],
        )]),
        other => Err(format!(
            "the policy template {other} is not evaluated locally (supported: {TEMPLATES:?})"
        )),
    }
}
