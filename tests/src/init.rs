//! A function's real init, in-process: its environment as `template.yaml` declares it for a local
//! stack, its secrets stored in this test binary's moto server (started on first use, killed when
//! the binary ends) and read back through the AWS SDK, its table on DynamoDB Local.

use std::collections::BTreeMap;
use std::sync::OnceLock;

use upstream_local::moto::Moto;
use upstream_local::template::{LocalValues, function_resource};
use upstream_session::edge::{Init, SecretStore};

pub use upstream_local::moto::REGION;

/// The moto server of this test binary.
pub fn moto() -> &'static Moto {
    static INSTANCE: OnceLock<Moto> = OnceLock::new();
    INSTANCE.get_or_init(|| Moto::start().expect("moto's server starts (infra/setup installs it)"))
}

/// A client for this binary's moto server.
pub fn secret_store() -> SecretStore {
    SecretStore::local(&moto().endpoint(), REGION)
}

/// A local stack: the template's values for it (each test names its own stack, so that their secrets
/// never meet in the shared moto server).
pub struct LocalStack {
    pub values: LocalValues,
}

impl LocalStack {
    /// The stack `name` on `table`, with template `parameters` (the static QRIS is the demo one).
    pub fn new(name: &str, table: &str, parameters: &[(&str, &str)]) -> Self {
        let mut values = LocalValues {
            table: table.to_owned(),
            parameters: BTreeMap::from([
                (
                    "StaticQrisPayload".to_owned(),
                    upstream_session::qris::DEMO_STATIC.trim().to_owned(),
                ),
                (
                    "AllowedOrigins".to_owned(),
                    "http://127.0.0.1:3001".to_owned(),
                ),
            ]),
            stack_name: name.to_owned(),
            region: REGION.to_owned(),
            secrets: BTreeMap::new(),
        };
        for (k, v) in parameters {
            values.parameters.insert((*k).to_owned(), (*v).to_owned());
        }
        Self { values }
    }

    /// Stores `secrets` (by name) in moto, as an operator creates them before a deploy.
    pub fn store(&self, secrets: &BTreeMap<String, String>) {
        moto().put_secrets(REGION, secrets).expect("secrets stored");
    }

    /// The environment `template.yaml` gives `function` in this stack, with `overrides` (`None`
    /// removes a variable).
    pub fn environment(
        &self,
        function: &str,
        overrides: &[(&str, Option<&str>)],
    ) -> BTreeMap<String, String> {
        let template =
            std::fs::read_to_string(upstream_local::lambda::repo_root().join("template.yaml"))
                .expect("template.yaml");
        let mut env = function_resource(&template, function, &self.values)
            .unwrap_or_else(|e| panic!("{function}: {e}"))
            .environment;
        for (k, v) in overrides {
            match v {
                Some(v) => env.insert((*k).to_owned(), (*v).to_owned()),
                None => env.remove(*k),
            };
        }
        env
    }

    /// What `function` is configured from at init in this stack: its template environment (with
    /// `overrides`), moto's Secrets Manager, DynamoDB Local.
    pub fn init(&self, function: &str, overrides: &[(&str, Option<&str>)]) -> Init {
        let env = self.environment(function, overrides);
        Init::new(
            move |name| env.get(name).cloned(),
            secret_store(),
            crate::client(),
        )
    }
}
