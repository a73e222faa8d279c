//! The environment a function's `template.yaml` resource declares (Globals, then the function's own
//! `Environment.Variables`), with `!Ref`, `!Join`, `!Sub` and `!If` resolved to local values. A
//! secret's value never is in an environment (a `{{resolve:…}}` reference is refused): functions read
//! their secrets from Secrets Manager at init, locally from moto's server (`crate::moto`).

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
    /// The secrets the functions read, by name (`upstream-local/webhook` → its value): the runner
    /// stores them in moto's server (`crate::moto::Moto::put_secrets`).
    pub secrets: BTreeMap<String, String>,
}

/// `AWS::AccountId` locally: moto's default account.
pub const LOCAL_ACCOUNT: &str = "123456789012";

impl LocalValues {
    /// `AWS::StackId` locally: unique per stack name and region, as each stack's id is on AWS.
    pub fn stack_id(&self) -> String {
        format!(
            "arn:aws:cloudformation:{}:{LOCAL_ACCOUNT}:stack/{}/local",
            self.region, self.stack_name
        )
    }
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
                if value.contains("{{resolve:") {
                    return Err(bad(format!(
                        "{logical_id}: {key} holds a dynamic reference: a secret's value must not be \
                         in the environment (name the secret; the function reads it at init)"
                    )));
                }
                environment.insert(key.to_owned(), value);
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

struct Resolver<'a> {
    doc: &'a Value,
    values: &'a LocalValues,
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

    /// A named condition of the template.
    fn condition(&self, name: &str) -> Result<bool, LambdaError> {
        let def = self
            .doc
            .get("Conditions")
            .and_then(|c| c.get(name))
            .ok_or_else(|| LambdaError::Template(format!("no condition {name}")))?;
        self.truth(def)
    }

    /// A condition function: `!Equals [a, b]`, `!Not [c]`, `!Or [c, …]`, `!And [c, …]`,
    /// `!Condition name`.
    fn truth(&self, def: &Value) -> Result<bool, LambdaError> {
        let (tag, args) = match def {
            Value::Tagged(t) => (
                t.tag.to_string().trim_start_matches('!').to_owned(),
                &t.value,
            ),
            Value::Mapping(m) if m.len() == 1 => match m.iter().next() {
                Some((k, v)) => (
                    k.as_str()
                        .unwrap_or_default()
                        .trim_start_matches("Fn::")
                        .to_owned(),
                    v,
                ),
                None => return Err(self.unsupported(def)),
            },
            other => return Err(self.unsupported(other)),
        };
        let list = || {
            args.as_sequence()
                .ok_or_else(|| LambdaError::Template(format!("!{tag} takes a list: {args:?}")))
        };
        match tag.as_str() {
            "Equals" => {
                let pair = list()?;
                if pair.len() != 2 {
                    return Err(LambdaError::Template("!Equals takes two values".into()));
                }
                Ok(self.scalar(&pair[0])? == self.scalar(&pair[1])?)
            }
            "Not" => match list()?.as_slice() {
                [one] => Ok(!self.truth(one)?),
                _ => Err(LambdaError::Template("!Not takes one condition".into())),
            },
            "Or" => list()?
                .iter()
                .try_fold(false, |acc, c| Ok::<_, LambdaError>(acc || self.truth(c)?)),
            "And" => list()?
                .iter()
                .try_fold(true, |acc, c| Ok::<_, LambdaError>(acc && self.truth(c)?)),
            "Condition" => self.condition(args.as_str().unwrap_or_default()),
            _ => Err(self.unsupported(def)),
        }
    }

    /// A value as one string (lists joined by commas, as CloudFormation does for environment values
    /// it cannot take: it refuses them; we only meet them inside `!Join`).
    fn scalar(&self, v: &Value) -> Result<String, LambdaError> {
        Ok(self.resolve(v)?.join(","))
    }

    /// A value as a list of strings (a `CommaDelimitedList` parameter is a list).
    fn resolve(&self, v: &Value) -> Result<Vec<String>, LambdaError> {
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
            "AWS::StackId" => return Ok(vec![self.values.stack_id()]),
            "AWS::Region" => return Ok(vec![self.values.region.clone()]),
            "AWS::AccountId" => return Ok(vec![LOCAL_ACCOUNT.to_owned()]),
            "AWS::Partition" => return Ok(vec!["aws".to_owned()]),
            "AWS::URLSuffix" => return Ok(vec!["amazonaws.com".to_owned()]),
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
mod tests;
