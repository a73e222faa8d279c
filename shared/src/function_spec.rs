//! What a function is, declared once in its crate (`pub const SPEC: FunctionSpec`): its name, SAM
//! resource, routes and the secrets it reads. The registry lists every function's spec; the local stack routes by it and
//! the template test checks `template.yaml` against it. What it may do in DynamoDB is its resource's
//! `Policies` in `template.yaml`, enforced locally by `upstream_local::iam`.

use crate::contract::Route;
use crate::secrets::SecretRef;

/// One Lambda function of the product.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FunctionSpec {
    /// The cargo package under `functions/`, its binary and log name, e.g. `generate-qris`.
    pub name: &'static str,
    /// The logical id of its `AWS::Serverless::Function` in `template.yaml`.
    pub resource: &'static str,
    /// The routes it serves, each with its contract (`{name}` marks a path parameter).
    pub routes: &'static [Route],
    /// The secrets it reads from Secrets Manager at init (each when its name variable is set); the
    /// template names exactly these in its environment and grants `GetSecretValue` on exactly these.
    pub secrets: &'static [SecretRef],
}

impl FunctionSpec {
    /// Whether it serves `path` (a path parameter matches any one non-empty segment).
    pub fn serves(&self, path: &str) -> bool {
        let path = path.trim_end_matches('/');
        self.routes
            .iter()
            .any(|route| path_matches(route.path, path))
    }
}

/// Whether `path` matches `pattern` segment by segment (`{…}` matches any non-empty segment).
pub fn path_matches(pattern: &str, path: &str) -> bool {
    let p: Vec<_> = pattern.split('/').collect();
    let a: Vec<_> = path.split('/').collect();
    p.len() == a.len()
        && p.iter()
            .zip(&a)
            .all(|(p, a)| (p.starts_with('{') && !a.is_empty()) || p == a)
}
