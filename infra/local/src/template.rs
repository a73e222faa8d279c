//! The environment a function's `template.yaml` resource declares (Globals, then the function's own
//! `Environment.Variables`), with `!Ref`, `!Join` and `!Sub` resolved to local values.

use std::collections::BTreeMap;

use serde_yaml::Value;
use serde_yaml::value::TaggedValue;

use crate::artifacts::LambdaError;

/// What the template's references resolve to locally.
#[derive(Debug, Clone, Default)]
pub struct LocalValues {
    /// The name given to the `AWS::DynamoDB::Table` resource (`!Ref SessionsTable`).
    pub table: String,
    /// Template parameters; a parameter not given here takes its `Default`.
    pub parameters: BTreeMap<String, String>,
    /// `AWS::StackName` (in `!Sub` function names).
    pub stack_name: String,
    /// `AWS::Region`.
    pub region: String,
    /// Local values of the `{{resolve:secretsmanager:NAME:SecretString:KEY}}` dynamic references,
    /// by KEY (a reference without one is an error, never passed on as text).
    pub secrets: BTreeMap<String, String>,
}

/// A function resource of the template, resolved as a local run needs it (what the function *is*,
/// its routes and access, is `upstream_session::FunctionSpec`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FunctionResource {
    /// The template's logical id (`GenerateQrisFunction`).
    pub logical_id: String,
    /// The deployed function name (`FunctionName`, resolved).
    pub function_name: String,
    pub memory_mb: u64,
    pub timeout_s: u64,
    /// The declared environment variables, resolved.
    pub environment: BTreeMap<String, String>,
    /// `LoggingConfig` (`LogFormat`, `ApplicationLogLevel`), resolved.
    pub log_format: Option<String>,
    pub log_level: Option<String>,
}

/// The function whose `Metadata.BuildProperties.Binary` is `binary` (a crate under `functions/`).
pub fn function_resource(
    template: &str,
    binary: &str,
    values: &LocalValues,
) -> Result<FunctionResource, LambdaError> {
    let bad = |m: String| LambdaError::Template(m);
    let doc: Value =
        serde_yaml::from_str(template).map_err(|e| bad(format!("template.yaml: {e}")))?;
    let resolver = Resolver { doc: &doc, values };
    let resources = doc
        .get("Resources")
        .and_then(Value::as_mapping)
        .ok_or_else(|| bad("template.yaml has no Resources".into()))?;
    let (logical_id, resource) = resources
        .iter()
        .find(|(_, r)| {
            r.get("Type").and_then(Value::as_str) == Some("AWS::Serverless::Function")
                && r.get("Metadata")
                    .and_then(|m| m.get("BuildProperties"))
                    .and_then(|b| b.get("Binary"))
                    .and_then(Value::as_str)
                    == Some(binary)
        })
        .ok_or_else(|| {
            bad(format!(
                "template.yaml has no function with Binary: {binary}"
            ))
        })?;
    let logical_id = logical_id.as_str().unwrap_or_default().to_owned();
    let globals = doc.get("Globals").and_then(|g| g.get("Function"));
    let props = resource.get("Properties");
    // A property of the function, else of Globals.Function.
    let prop = |name: &str| {
        props
            .and_then(|p| p.get(name))
            .or_else(|| globals.and_then(|g| g.get(name)))
    };
    let mut environment = BTreeMap::new();
    for source in [globals, props] {
        let vars = source
            .and_then(|s| s.get("Environment"))
            .and_then(|e| e.get("Variables"))
            .and_then(Value::as_mapping);
        for (k, v) in vars.into_iter().flatten() {
            let key = k
                .as_str()
                .ok_or_else(|| bad(format!("{logical_id}: a variable name is not a string")))?;
            // `!If [cond, value, !Ref AWS::NoValue]` may leave a variable out.
            if let Some(value) = resolver.optional(v)? {
                environment.insert(key.to_owned(), resolver.dynamic_references(&value)?);
            }
        }
    }
    let number = |name: &str, default: u64| -> Result<u64, LambdaError> {
        match prop(name) {
            None => Ok(default),
            Some(v) => resolver
                .scalar(v)?
                .parse()
                .map_err(|_| bad(format!("{logical_id}: {name} is not a number"))),
        }
    };
    let logging = |name: &str| -> Result<Option<String>, LambdaError> {
        // LoggingConfig is merged key by key: the function's LogGroup, the Globals' format.
        let v = props
            .and_then(|p| p.get("LoggingConfig"))
            .and_then(|l| l.get(name))
            .or_else(|| {
                globals
                    .and_then(|g| g.get("LoggingConfig"))
                    .and_then(|l| l.get(name))
            });
        v.map(|v| resolver.scalar(v)).transpose()
    };
    let function_name = match props.and_then(|p| p.get("FunctionName")) {
        Some(v) => resolver.scalar(v)?,
        None => format!("{}-{logical_id}", values.stack_name),
    };
    Ok(FunctionResource {
        function_name,
        memory_mb: number("MemorySize", 128)?,
        timeout_s: number("Timeout", 3)?,
        environment,
        log_format: logging("LogFormat")?,
        log_level: logging("ApplicationLogLevel")?,
        logical_id,
    })
}

/// Resolves the template's intrinsics (`!Ref`, `!Join`, `!Sub`, `!If`) to local values.
pub(crate) struct Resolver<'a> {
    pub(crate) doc: &'a Value,
    pub(crate) values: &'a LocalValues,
}

impl Resolver<'_> {
    /// A value that `!If` may turn into `AWS::NoValue` (`None`).
    fn optional(&self, v: &Value) -> Result<Option<String>, LambdaError> {
        let (tag, arg) = match v {
            Value::Tagged(t) => (
                t.tag.to_string().trim_start_matches('!').to_owned(),
                &t.value,
            ),
            Value::Mapping(m) if m.len() == 1 => match m.iter().next() {
                Some((k, arg)) if k.as_str() == Some("Fn::If") => ("If".to_owned(), arg),
                Some((k, arg)) if k.as_str() == Some("Ref") => ("Ref".to_owned(), arg),
                _ => return self.scalar(v).map(Some),
            },
            _ => return self.scalar(v).map(Some),
        };
        match tag.as_str() {
            "Ref" if arg.as_str() == Some("AWS::NoValue") => Ok(None),
            "If" => {
                let parts = arg.as_sequence().filter(|p| p.len() == 3).ok_or_else(|| {
                    LambdaError::Template(format!("!If takes [condition, then, else]: {arg:?}"))
                })?;
                let name = parts[0]
                    .as_str()
                    .ok_or_else(|| LambdaError::Template(format!("!If condition {arg:?}")))?;
                let branch = if self.condition(name)? {
                    &parts[1]
                } else {
                    &parts[2]
                };
                self.optional(branch)
            }
            _ => self.scalar(v).map(Some),
        }
    }

    /// A named condition of the template (`!Equals [a, b]` is the only form it uses).
    fn condition(&self, name: &str) -> Result<bool, LambdaError> {
        let def = self
            .doc
            .get("Conditions")
            .and_then(|c| c.get(name))
            .ok_or_else(|| LambdaError::Template(format!("no condition {name}")))?;
        let args = match def {
            Value::Tagged(t) if t.tag.to_string().trim_start_matches('!') == "Equals" => &t.value,
            Value::Mapping(m) if m.len() == 1 && m.contains_key("Fn::Equals") => &m["Fn::Equals"],
            other => return Err(self.unsupported(other)),
        };
        let pair = args.as_sequence().filter(|p| p.len() == 2).ok_or_else(|| {
            LambdaError::Template(format!("condition {name}: !Equals takes two values"))
        })?;
        Ok(self.scalar(&pair[0])? == self.scalar(&pair[1])?)
    }

    /// Replaces `{{resolve:secretsmanager:…:SecretString:KEY}}` by the local value of KEY.
    fn dynamic_references(&self, text: &str) -> Result<String, LambdaError> {
        let mut out = String::new();
        let mut rest = text;
        while let Some(start) = rest.find("{{resolve:") {
            out.push_str(&rest[..start]);
            let end = rest[start..].find("}}").ok_or_else(|| {
                LambdaError::Template(format!("unclosed dynamic reference in {text:?}"))
            })? + start;
            let reference = &rest[start + 2..end];
            let key = reference.rsplit(':').next().unwrap_or_default();
            let value = self.values.secrets.get(key).ok_or_else(|| {
                LambdaError::Template(format!(
                    "no local value for the secret {reference:?} (LocalValues::secrets[{key:?}])"
                ))
            })?;
            out.push_str(value);
            rest = &rest[end + 2..];
        }
        out.push_str(rest);
        Ok(out)
    }

    /// A value as one string (lists joined by commas, as CloudFormation does for environment values
    /// it cannot take: it refuses them; we only meet them inside `!Join`).
    pub(crate) fn scalar(&self, v: &Value) -> Result<String, LambdaError> {
        Ok(self.resolve(v)?.join(","))
    }

    /// A value as a list of strings (a `CommaDelimitedList` parameter is a list).
    pub(crate) fn resolve(&self, v: &Value) -> Result<Vec<String>, LambdaError> {
        match v {
            Value::String(s) => Ok(vec![s.clone()]),
            Value::Number(n) => Ok(vec![n.to_string()]),
            Value::Bool(b) => Ok(vec![b.to_string()]),
            Value::Sequence(items) => {
                let mut out = Vec::new();
                for item in items {
                    out.extend(self.resolve(item)?);
                }
                Ok(out)
            }
            Value::Tagged(tagged) => self.intrinsic(tagged),
            Value::Mapping(m) if m.len() == 1 => {
                // The long form: {"Ref": X}, {"Fn::Join": [...]}, {"Fn::Sub": "..."}.
                let (k, arg) = m.iter().next().expect("one entry");
                let tag = match k.as_str() {
                    Some("Ref") => "Ref",
                    Some("Fn::Join") => "Join",
                    Some("Fn::Sub") => "Sub",
                    _ => return Err(self.unsupported(v)),
                };
                self.apply(tag, arg)
            }
            other => Err(self.unsupported(other)),
        }
    }

    fn intrinsic(&self, tagged: &TaggedValue) -> Result<Vec<String>, LambdaError> {
        let tag = tagged.tag.to_string();
        self.apply(tag.trim_start_matches('!'), &tagged.value)
    }

    fn apply(&self, tag: &str, arg: &Value) -> Result<Vec<String>, LambdaError> {
        match tag {
            "Ref" => {
                let name = arg
                    .as_str()
                    .ok_or_else(|| LambdaError::Template(format!("!Ref {arg:?}")))?;
                self.reference(name)
            }
            "Join" => {
                let parts = arg.as_sequence().filter(|p| p.len() == 2).ok_or_else(|| {
                    LambdaError::Template(format!("!Join takes [separator, list]: {arg:?}"))
                })?;
                let sep = parts[0].as_str().unwrap_or_default();
                Ok(vec![self.resolve(&parts[1])?.join(sep)])
            }
            "Sub" => {
                let text = arg
                    .as_str()
                    .ok_or_else(|| LambdaError::Template(format!("!Sub {arg:?}")))?;
                let mut out = String::new();
                let mut rest = text;
                while let Some(start) = rest.find("${") {
                    out.push_str(&rest[..start]);
                    let end = rest[start..].find('}').ok_or_else(|| {
                        LambdaError::Template(format!("unclosed ${{ in !Sub {text:?}"))
                    })? + start;
                    out.push_str(&self.reference(&rest[start + 2..end])?.join(","));
                    rest = &rest[end + 1..];
                }
                out.push_str(rest);
                Ok(vec![out])
            }
            other => Err(LambdaError::Template(format!(
                "intrinsic !{other} is not supported locally"
            ))),
        }
    }

    fn reference(&self, name: &str) -> Result<Vec<String>, LambdaError> {
        match name {
            "AWS::StackName" => return Ok(vec![self.values.stack_name.clone()]),
            "AWS::Region" => return Ok(vec![self.values.region.clone()]),
            _ => {}
        }
        if let Some(param) = self.doc.get("Parameters").and_then(|p| p.get(name)) {
            let value = match self.values.parameters.get(name) {
                Some(v) => v.clone(),
                None => match param.get("Default") {
                    Some(d) => self.scalar(d)?,
                    None => {
                        return Err(LambdaError::Template(format!(
                            "parameter {name} has no default and no local value"
                        )));
                    }
                },
            };
            let list = param.get("Type").and_then(Value::as_str) == Some("CommaDelimitedList");
            return Ok(if list {
                value.split(',').map(|s| s.trim().to_owned()).collect()
            } else {
                vec![value]
            });
        }
        let kind = self
            .doc
            .get("Resources")
            .and_then(|r| r.get(name))
            .and_then(|r| r.get("Type"))
            .and_then(Value::as_str);
        match kind {
            Some("AWS::DynamoDB::Table") => Ok(vec![self.values.table.clone()]),
            Some(other) => Err(LambdaError::Template(format!(
                "!Ref {name} ({other}) has no local value"
            ))),
            None => Err(LambdaError::Template(format!("!Ref {name}: no such name"))),
        }
    }

    fn unsupported(&self, v: &Value) -> LambdaError {
        LambdaError::Template(format!("unsupported template value {v:?}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEMPLATE: &str = include_str!("../../../template.yaml");

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
}
