//! CloudFormation's intrinsic functions over the template, resolved to local values.

use serde_yaml::Value;
use serde_yaml::value::TaggedValue;

use super::LocalValues;
use crate::artifacts::LambdaError;
use crate::iam::{LOCAL_ACCOUNT, table_arn};

/// Resolves values of one template against local values.
pub(crate) struct Resolver<'a> {
    doc: &'a Value,
    values: &'a LocalValues,
}

impl<'a> Resolver<'a> {
    pub(crate) fn new(doc: &'a Value, values: &'a LocalValues) -> Self {
        Self { doc, values }
    }

    /// `AWS::Region`.
    pub(super) fn region(&self) -> &str {
        &self.values.region
    }

    /// A value as a list of strings: a sequence item by item, each `!If` to `AWS::NoValue` left out.
    pub(crate) fn strings(&self, v: &Value) -> Result<Vec<String>, LambdaError> {
        match self.branch(v)? {
            Branch::NoValue => Ok(Vec::new()),
            Branch::Chosen(Value::Sequence(items)) => {
                let mut out = Vec::new();
                for item in items {
                    out.extend(self.strings(item)?);
                }
                Ok(out)
            }
            Branch::Chosen(chosen) => self.resolve(chosen),
        }
    }

    /// The value `v` stands for once every `!If` is decided, or `AWS::NoValue`.
    fn branch<'v>(&self, v: &'v Value) -> Result<Branch<'v>, LambdaError> {
        let (tag, arg) = match v {
            Value::Tagged(t) => (
                t.tag.to_string().trim_start_matches('!').to_owned(),
                &t.value,
            ),
            Value::Mapping(m) if m.len() == 1 => match m.iter().next() {
                Some((k, arg)) if k.as_str() == Some("Fn::If") => ("If".to_owned(), arg),
                Some((k, arg)) if k.as_str() == Some("Ref") => ("Ref".to_owned(), arg),
                _ => return Ok(Branch::Chosen(v)),
            },
            _ => return Ok(Branch::Chosen(v)),
        };
        match tag.as_str() {
            "Ref" if arg.as_str() == Some("AWS::NoValue") => Ok(Branch::NoValue),
            "If" => {
                let parts = arg.as_sequence().filter(|p| p.len() == 3).ok_or_else(|| {
                    LambdaError::Template(format!("!If takes [condition, then, else]: {arg:?}"))
                })?;
                let name = parts[0]
                    .as_str()
                    .ok_or_else(|| LambdaError::Template(format!("!If condition {arg:?}")))?;
                self.branch(if self.condition(name)? {
                    &parts[1]
                } else {
                    &parts[2]
                })
            }
            _ => Ok(Branch::Chosen(v)),
        }
    }

    /// The value `v` stands for once every `!If` is decided (`None`: `AWS::NoValue`), unresolved
    /// inside (a mapping stays a mapping).
    pub(crate) fn chosen<'v>(&self, v: &'v Value) -> Result<Option<&'v Value>, LambdaError> {
        Ok(match self.branch(v)? {
            Branch::NoValue => None,
            Branch::Chosen(chosen) => Some(chosen),
        })
    }

    /// A value that `!If` may turn into `AWS::NoValue` (`None`).
    pub(super) fn optional(&self, v: &Value) -> Result<Option<String>, LambdaError> {
        match self.branch(v)? {
            Branch::NoValue => Ok(None),
            Branch::Chosen(chosen) => self.scalar(chosen).map(Some),
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
                    Some("Fn::GetAtt") => "GetAtt",
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
                Ok(vec![substitute(text, "${", "}", |name| {
                    Ok(self.reference(name)?.join(","))
                })?])
            }
            "GetAtt" => {
                let (name, attribute) = match arg {
                    Value::String(s) => s.split_once('.').unwrap_or((s, "")),
                    Value::Sequence(p) if p.len() == 2 => (
                        p[0].as_str().unwrap_or_default(),
                        p[1].as_str().unwrap_or_default(),
                    ),
                    _ => return Err(LambdaError::Template(format!("!GetAtt {arg:?}"))),
                };
                self.attribute(name, attribute)
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
        // `${Resource.Attribute}` in a `!Sub`.
        if let Some((resource, attribute)) = name.split_once('.') {
            return self.attribute(resource, attribute);
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

    /// `!GetAtt name.attribute`: the table's `Arn` is the only attribute with a local value.
    fn attribute(&self, name: &str, attribute: &str) -> Result<Vec<String>, LambdaError> {
        let kind = self
            .doc
            .get("Resources")
            .and_then(|r| r.get(name))
            .and_then(|r| r.get("Type"))
            .and_then(Value::as_str);
        match (kind, attribute) {
            (Some("AWS::DynamoDB::Table"), "Arn") => Ok(vec![table_arn(
                &self.values.region,
                LOCAL_ACCOUNT,
                &self.values.table,
            )]),
            (Some(kind), _) => Err(LambdaError::Template(format!(
                "!GetAtt {name}.{attribute} ({kind}) has no local value"
            ))),
            (None, _) => Err(LambdaError::Template(format!(
                "!GetAtt {name}.{attribute}: no such resource"
            ))),
        }
    }

    fn unsupported(&self, v: &Value) -> LambdaError {
        LambdaError::Template(format!("unsupported template value {v:?}"))
    }
}

/// `text` with each `open…close` placeholder replaced by `value` of what it encloses.
fn substitute(
    text: &str,
    open: &str,
    close: &str,
    value: impl Fn(&str) -> Result<String, LambdaError>,
) -> Result<String, LambdaError> {
    let mut out = String::new();
    let mut rest = text;
    while let Some(start) = rest.find(open) {
        out.push_str(&rest[..start]);
        let inner = &rest[start + open.len()..];
        let end = inner
            .find(close)
            .ok_or_else(|| LambdaError::Template(format!("unclosed {open} in {text:?}")))?;
        out.push_str(&value(&inner[..end])?);
        rest = &inner[end + close.len()..];
    }
    out.push_str(rest);
    Ok(out)
}

/// What an `!If` leaves of a value.
enum Branch<'v> {
    Chosen(&'v Value),
    NoValue,
}
