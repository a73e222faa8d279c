//! `upstream backfill`: gives a table written before sharding its sharded index keys (see the
//! README's migration note). Talks to DynamoDB directly with the caller's AWS identity, or to a
//! local endpoint.

use upstream_session::store::{Timeouts, client_from_env, local_client_with};
use upstream_session::{Policy, Store};

/// Where the table is.
#[derive(clap::Args, Debug)]
pub struct BackfillArgs {
    /// The table's name.
    #[arg(long, env = "TABLE_NAME")]
    pub table: String,
    /// A local DynamoDB endpoint, e.g. http://127.0.0.1:8000 (default: AWS from the environment).
    #[arg(long)]
    pub endpoint: Option<String>,
}

/// Runs the backfill and prints what it did.
pub fn run(args: BackfillArgs) -> Result<(), String> {
    let rt = tokio::runtime::Runtime::new().map_err(|e| e.to_string())?;
    let report = rt.block_on(async {
        let client = match &args.endpoint {
            Some(endpoint) => local_client_with(endpoint, Timeouts::RELAXED),
            None => client_from_env().await,
        };
        Store::new(client, args.table.clone(), Policy::default())
            .backfill_index_keys()
            .await
            .map_err(|e| e.to_string())
    })?;
    println!(
        "{}: {} items read, {} given their sharded index keys, {} already had them",
        args.table, report.scanned, report.updated, report.current
    );
    Ok(())
}
