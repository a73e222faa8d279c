//! `upstream invoke FUNCTION -e EVENT.json`: this project's `sam local invoke`, without Docker. Runs
//! the function's release bootstrap (built by `infra/sam-check` or `cargo lambda build`; never built
//! here) under AWS's Runtime Interface Emulator with the environment its `template.yaml` resource
//! declares, on DynamoDB Local in memory with a fresh table and the sample catalog and moto's server
//! holding the stack's secrets, and prints the function's answer.

use std::collections::BTreeMap;
use std::path::PathBuf;

use upstream_local::lambda::{Emulator, LocalTarget};
use upstream_local::moto::{Moto, REGION};
use upstream_local::template::LocalValues;
use upstream_local::{DynamoLocal, Storage};
use upstream_session::catalog::parse_catalog;
use upstream_session::qris::DEMO_STATIC;
use upstream_session::store::{TABLE, local_client};
use upstream_session::{Policy, Store};

const SAMPLE_CATALOG: &str = include_str!("../../streams.sample.json");

/// `upstream invoke FUNCTION -e EVENT.json [--logs]`.
#[derive(clap::Args)]
pub struct InvokeArgs {
    /// The function (its crate under functions/).
    #[arg(value_parser = clap::builder::PossibleValuesParser::new(upstream_registry::names()))]
    pub function: String,
    /// The event to send (an API Gateway v2 / Function URL event, e.g. tests/events/…json).
    #[arg(short = 'e', long = "event")]
    pub event: PathBuf,
    /// Also print the emulator's and the function's logs (stderr).
    #[arg(long)]
    pub logs: bool,
}

pub fn run(args: InvokeArgs) -> Result<(), String> {
    let text = std::fs::read_to_string(&args.event)
        .map_err(|e| format!("{}: {e}", args.event.display()))?;
    let event: serde_json::Value =
        serde_json::from_str(&text).map_err(|e| format!("{}: {e}", args.event.display()))?;
    // Before anything starts: a missing bootstrap is the user's to build.
    upstream_local::lambda::bootstrap(&args.function).map_err(|e| e.to_string())?;
    eprintln!("Starting DynamoDB Local (in memory)…");
    let dynamo = DynamoLocal::start(Storage::InMemory).map_err(|e| e.to_string())?;
    let table = "upstream-invoke".to_owned();
    let rt = tokio::runtime::Runtime::new().map_err(|e| e.to_string())?;
    rt.block_on(prepare(&dynamo.endpoint(), &table))?;
    drop(rt);
    let env = |name: &str, default: &str| std::env::var(name).unwrap_or_else(|_| default.into());
    let secret = env("WEBHOOK_SECRET", "local-webhook-secret-0123456789");
    let stack = "upstream-local";
    let key = upstream_session::playback::SigningKey::generate();
    let secrets = upstream_registry::local_secrets(
        stack,
        &secret,
        &key,
        "local-ome-secret",
        "local-publish-key",
    );
    let moto = Moto::start().map_err(|e| e.to_string())?;
    moto.put_secrets(REGION, &secrets)
        .map_err(|e| e.to_string())?;
    let target = LocalTarget {
        values: LocalValues {
            table,
            parameters: BTreeMap::from([
                (
                    "StaticQrisPayload".into(),
                    env("QRIS_STATIC_PAYLOAD", DEMO_STATIC.trim()),
                ),
                (
                    "AllowedOrigins".into(),
                    env("ALLOWED_ORIGINS", "http://127.0.0.1:3001"),
                ),
            ]),
            stack_name: stack.into(),
            region: REGION.into(),
            secrets,
        },
        dynamodb_endpoint: dynamo.endpoint(),
        secrets_endpoint: moto.endpoint(),
    };
    eprintln!(
        "Invoking {} under the Lambda Runtime Interface Emulator…",
        args.function
    );
    let emulator =
        Emulator::start_function(&args.function, &target, &[]).map_err(|e| e.to_string())?;
    let result = emulator.invoke(&event).map_err(|e| e.to_string());
    if args.logs {
        eprintln!("{}", emulator.logs());
    }
    drop(emulator);
    moto.stop();
    dynamo.stop();
    let invocation = result?;
    println!(
        "{}",
        serde_json::to_string_pretty(&invocation.body).map_err(|e| e.to_string())?
    );
    match invocation.error_type() {
        Some(kind) => Err(format!("the function failed ({kind})")),
        None => Ok(()),
    }
}

async fn prepare(endpoint: &str, table: &str) -> Result<(), String> {
    let client = local_client(endpoint);
    TABLE
        .create(&client, table)
        .await
        .map_err(|e| e.to_string())?;
    let store = Store::new(client, table.to_owned(), Policy::default());
    for stream in parse_catalog(SAMPLE_CATALOG).map_err(|e| e.to_string())? {
        store.put_stream(&stream).await.map_err(|e| e.to_string())?;
    }
    Ok(())
}
