//! IAM in the tests: each function's DynamoDB client goes through its own [`IamProxy`], which
//! enforces the function's policy from `template.yaml` (or a changed copy of it) the way IAM does.

use std::collections::BTreeMap;
use std::sync::OnceLock;

use serde_yaml::Value;
use upstream_local::iam::{Denial, IamProxy};
use upstream_local::template::{LocalValues, Template};
use upstream_session::store::{Timeouts, local_client_with};
use upstream_session::{SessionManager, Store};

use crate::{Harness, dynamo};

/// The stack name of the tests' function names and roles.
pub const STACK: &str = "upstream-test";
/// The region of every local ARN.
pub const REGION: &str = "ap-southeast-3";

/// The repository's `template.yaml`, parsed once.
pub fn template() -> &'static Template {
    static TEMPLATE: OnceLock<Template> = OnceLock::new();
    TEMPLATE.get_or_init(|| {
        Template::parse(include_str!("../../template.yaml")).expect("template.yaml parses")
    })
}

/// The text of `template.yaml` with `action` removed from every statement of the resource
/// `logical_id` (a policy mistake, made on purpose).
pub fn template_without(logical_id: &str, action: &str) -> String {
    let mut doc: Value =
        serde_yaml::from_str(include_str!("../../template.yaml")).expect("template.yaml parses");
    let policies = doc["Resources"][logical_id]["Properties"]["Policies"]
        .as_sequence_mut()
        .unwrap_or_else(|| panic!("{logical_id} has Policies"));
    let mut removed = false;
    for policy in policies {
        for statement in policy["Statement"].as_sequence_mut().into_iter().flatten() {
            if let Some(actions) = statement["Action"].as_sequence_mut() {
                let before = actions.len();
                actions.retain(|a| a.as_str() != Some(action));
                removed |= actions.len() < before;
            }
        }
    }
    assert!(removed, "{logical_id} grants {action}");
    serde_yaml::to_string(&doc).expect("YAML")
}

/// One IAM proxy per function of the registry, in front of this binary's DynamoDB Local.
pub struct Proxies {
    by_function: BTreeMap<&'static str, IamProxy>,
}

impl Proxies {
    /// Each function's proxy, with its policy from `template` resolved for `table`.
    pub fn start(template: &Template, table: &str) -> Self {
        let values = LocalValues {
            table: table.to_owned(),
            stack_name: STACK.into(),
            region: REGION.into(),
            ..LocalValues::default()
        };
        let by_function = upstream_registry::names()
            .into_iter()
            .map(|name| {
                let access = template
                    .access(name, &values)
                    .unwrap_or_else(|e| panic!("{name}: {e}"));
                let proxy = IamProxy::start(&dynamo().endpoint(), access.identity, access.policy)
                    .expect("the IAM proxy starts");
                (name, proxy)
            })
            .collect();
        Self { by_function }
    }

    /// The proxy of the function `name`.
    pub fn of(&self, name: &str) -> &IamProxy {
        self.by_function
            .get(name)
            .unwrap_or_else(|| panic!("unknown function {name}"))
    }

    /// `h`'s manager (table, policy, clock) with its calls through the proxy of `function`.
    pub fn manager(&self, function: &str, h: &Harness) -> SessionManager {
        let client = local_client_with(&self.of(function).endpoint(), Timeouts::RELAXED);
        let store = Store::new(client, h.table.clone(), *h.store.policy());
        SessionManager::new(store, h.manager.clock())
    }

    /// Every call refused so far, by function.
    pub fn denials(&self) -> Vec<(&'static str, Denial)> {
        self.by_function
            .iter()
            .flat_map(|(name, proxy)| proxy.denials().into_iter().map(move |d| (*name, d)))
            .collect()
    }

    /// Fails the test if IAM refused any call: the template must allow what the functions do.
    pub fn assert_none_denied(&self) {
        let denials = self.denials();
        assert!(
            denials.is_empty(),
            "template.yaml does not allow what the functions do: {}",
            denials
                .iter()
                .map(|(f, d)| format!("{f}: {} on {}", d.check.action, d.check.resource))
                .collect::<Vec<_>>()
                .join("; ")
        );
    }
}
