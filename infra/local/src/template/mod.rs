//! `template.yaml` read as the local stack needs it: a function resource's environment (Globals, then
//! the function's own `Environment.Variables`) and its IAM policy (`Policies`), with `!Ref`, `!Join`,
//! `!Sub`, `!If` and `!GetAtt` resolved to local values. Parsed once ([`Template`]); every reader of
//! the template (the emulator runs, the tests, `upstream dev`) goes through it.
//! A secret's value never is in an environment (a `{{resolve:…}}` reference is refused): functions
//! read their secrets from Secrets Manager at init, locally from moto's server (`crate::moto`).

use std::collections::BTreeMap;
use std::path::Path;

use serde_yaml::Value;

use crate::artifacts::LambdaError;
use crate::iam::{Identity, Policy};

mod policies;
mod resolve;
pub(crate) use resolve::Resolver;
#[cfg(test)]
mod tests;

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

impl LocalValues {
    /// `AWS::StackId` locally: unique per stack name and region, as each stack's id is on AWS.
    pub fn stack_id(&self) -> String {
        format!(
            "arn:aws:cloudformation:{}:{}:stack/{}/local",
            self.region,
            crate::iam::LOCAL_ACCOUNT,
            self.stack_name
        )
    }
}

/// A function resource of the template, resolved as a local run needs it (what the function *is*,
/// its routes, is `upstream_session::FunctionSpec`).
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
    /// Who its calls come from, and what its `Policies` allow.
    pub access: FunctionAccess,
}

/// A function's execution role: the identity its calls carry and the policy IAM checks them against.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FunctionAccess {
    pub identity: Identity,
    pub policy: Policy,
}

/// A parsed template.
#[derive(Debug, Clone)]
pub struct Template {
    doc: Value,
}

impl Template {
    /// Parses the template's text.
    pub fn parse(text: &str) -> Result<Self, LambdaError> {
        let doc = serde_yaml::from_str(text)
            .map_err(|e| LambdaError::Template(format!("template.yaml: {e}")))?;
        Ok(Self { doc })
    }

    /// Reads and parses the template at `path`.
    pub fn load(path: &Path) -> Result<Self, LambdaError> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| LambdaError::Template(format!("{}: {e}", path.display())))?;
        Self::parse(&text).map_err(|e| LambdaError::Template(format!("{}: {e}", path.display())))
    }

    /// The document as YAML (for readers of other parts: the HTTP API, its routes).
    pub fn doc(&self) -> &Value {
        &self.doc
    }

    /// Any value of the template resolved against `values`, as a list of strings (a list parameter
    /// or a YAML sequence gives several; `!If` to `AWS::NoValue` gives none).
    pub fn strings(&self, v: &Value, values: &LocalValues) -> Result<Vec<String>, LambdaError> {
        Resolver::new(&self.doc, values).strings(v)
    }

    /// The function whose `Metadata.BuildProperties.Binary` is `binary` (a crate under `functions/`).
    pub fn function(
        &self,
        binary: &str,
        values: &LocalValues,
    ) -> Result<FunctionResource, LambdaError> {
        let resolver = Resolver::new(&self.doc, values);
        let (logical_id, _) = self.resource(binary)?;
        let globals = self.doc.get("Globals").and_then(|g| g.get("Function"));
        let props = self.props(binary)?;
        let bad = |m: String| LambdaError::Template(m);
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
                            "{logical_id}: {key} holds a dynamic reference: a secret's value must \
                             not be in the environment (name the secret; the function reads it at init)"
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
        let access = self.access(binary, values)?;
        Ok(FunctionResource {
            function_name: access.identity.session.clone(),
            memory_mb: number("MemorySize", 128)?,
            timeout_s: number("Timeout", 3)?,
            environment,
            log_format: logging("LogFormat")?,
            log_level: logging("ApplicationLogLevel")?,
            logical_id: logical_id.to_owned(),
            access,
        })
    }

    /// The identity and policy of the function built as `binary`: only what its `FunctionName` and
    /// `Policies` need resolved (no environment, so no parameter without a default is asked for).
    pub fn access(
        &self,
        binary: &str,
        values: &LocalValues,
    ) -> Result<FunctionAccess, LambdaError> {
        let resolver = Resolver::new(&self.doc, values);
        let (logical_id, _) = self.resource(binary)?;
        let props = self.props(binary)?;
        let function_name = match props.and_then(|p| p.get("FunctionName")) {
            Some(v) => resolver.scalar(v)?,
            None => format!("{}-{logical_id}", values.stack_name),
        };
        Ok(FunctionAccess {
            identity: Identity::lambda(
                &values.stack_name,
                logical_id,
                &function_name,
                &values.region,
            ),
            policy: policies::policy(&resolver, logical_id, props)?,
        })
    }

    /// The logical id and resource of the function built as `binary`.
    fn resource(&self, binary: &str) -> Result<(&str, &Value), LambdaError> {
        let resources = self
            .doc
            .get("Resources")
            .and_then(Value::as_mapping)
            .ok_or_else(|| LambdaError::Template("template.yaml has no Resources".into()))?;
        resources
            .iter()
            .find(|(_, r)| {
                r.get("Type").and_then(Value::as_str) == Some("AWS::Serverless::Function")
                    && r.get("Metadata")
                        .and_then(|m| m.get("BuildProperties"))
                        .and_then(|b| b.get("Binary"))
                        .and_then(Value::as_str)
                        == Some(binary)
            })
            .map(|(id, r)| (id.as_str().unwrap_or_default(), r))
            .ok_or_else(|| {
                LambdaError::Template(format!(
                    "template.yaml has no function with Binary: {binary}"
                ))
            })
    }

    fn props(&self, binary: &str) -> Result<Option<&Value>, LambdaError> {
        Ok(self.resource(binary)?.1.get("Properties"))
    }
}

/// The function built as `binary` in the template text `template` (see [`Template::function`]).
pub fn function_resource(
    template: &str,
    binary: &str,
    values: &LocalValues,
) -> Result<FunctionResource, LambdaError> {
    Template::parse(template)?.function(binary, values)
}
