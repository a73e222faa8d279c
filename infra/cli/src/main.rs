//! `upstream`: the operator command.

mod admin_cmd;
mod api_gateway;
mod backfill_cmd;
mod capacity_cmd;
mod cost_cmd;
mod dev_cmd;
mod dev_functions;
mod dev_gateway;
mod dev_schedule;
mod dev_secrets;
mod gateway_sim;
mod invoke_cmd;
mod keys_cmd;
mod load_cmd;
mod money_cmd;
mod page;
mod proxy_cmd;
mod qris_cmd;
mod routes;
mod server;
mod sigv4;
mod smoke_cmd;
mod stats_cmd;
mod streams_cmd;
mod target;
mod webhook_cmd;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(name = "upstream", version, about = "Upstream Pay operator command")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the whole product locally on DynamoDB Local (viewer page, API, admin page).
    Dev(dev_cmd::DevArgs),
    /// Approve the pending payment of a stream (or grant access).
    Approve(admin_cmd::ApproveArgs),
    /// List sessions, newest first.
    Sessions {
        #[arg(long)]
        status: Option<String>,
        #[arg(long)]
        stream: Option<String>,
        #[command(flatten)]
        target: target::TargetArgs,
    },
    /// Manage the stream catalog.
    Streams {
        #[command(subcommand)]
        command: streams_cmd::StreamsCommand,
    },
    /// List refunds owed (open by default), or settle one.
    Refunds(money_cmd::RefundsArgs),
    /// End a session's access now (optionally owing its payment back).
    Revoke(money_cmd::RevokeArgs),
    /// The payments ledger of a period (table or CSV).
    Payments(money_cmd::PaymentsArgs),
    /// Sales of a period per WIB hour or day and per stream, refunds, QR opened to paid (the admin
    /// page's Penjualan as tables).
    Stats(stats_cmd::StatsArgs),
    /// Serve the admin page on 127.0.0.1, forwarding SigV4-signed requests to the admin Function URL.
    AdminProxy(proxy_cmd::ProxyArgs),
    /// Send a signed payment webhook, as a gateway would.
    Webhook(webhook_cmd::WebhookArgs),
    /// Inspect, convert and render QRIS payloads.
    Qris {
        #[command(subcommand)]
        command: qris_cmd::QrisCommand,
    },
    /// A local payment gateway simulator (Midtrans or Xendit) and its Pay command.
    GatewaySim {
        #[command(subcommand)]
        command: gateway_sim::SimCommand,
    },
    /// Playback token keys.
    Keys {
        #[command(subcommand)]
        command: keys_cmd::KeysCommand,
    },
    /// Invoke a function's release bootstrap under the Lambda emulator with an event (sam local invoke).
    Invoke(invoke_cmd::InvokeArgs),
    /// Check a deployed (or local) API as the viewer page uses it: CORS preflights from the page's
    /// origin, the catalog, the JWKS, one QR and its access check.
    Smoke(smoke_cmd::SmokeArgs),
    /// Give a table written before sharding its sharded index keys (`byTime`, `byStreamShard`).
    Backfill(backfill_cmd::BackfillArgs),
    /// The peak load a ticket rush puts on the hottest partition of the table and each index.
    Capacity(capacity_cmd::CapacityArgs),
    /// A ticket rush on a running local stack (infra/load starts one): viewers open QRs, are paid
    /// through the signed webhook and poll as the page does; prints p50/p99 per route and checks the
    /// ledger.
    Load(load_cmd::LoadArgs),
    /// What 1,000 viewers of a 2-hour stream cost (USD and rupiah), from the last infra/bench run,
    /// the measured capacity units per route and infra/prices.json.
    Cost(cost_cmd::CostArgs),
    /// Print every route and its function as JSON (the list the SAM template must match).
    Routes,
    /// Print the OpenAPI 3.1 document of every route (committed as infra/openapi.json).
    Openapi,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Dev(args) => dev_cmd::run(args),
        Command::Invoke(args) => invoke_cmd::run(args),
        Command::Approve(args) => admin_cmd::approve(args),
        Command::Sessions {
            status,
            stream,
            target,
        } => admin_cmd::sessions(status, stream, target),
        Command::Streams { command } => streams_cmd::streams(command),
        Command::Refunds(args) => money_cmd::refunds(args),
        Command::Revoke(args) => money_cmd::revoke(args),
        Command::Payments(args) => money_cmd::payments(args),
        Command::Stats(args) => stats_cmd::run(args),
        Command::AdminProxy(args) => proxy_cmd::run(args),
        Command::Webhook(args) => webhook_cmd::run(args),
        Command::Qris { command } => qris_cmd::run(command),
        Command::GatewaySim { command } => gateway_sim::run(command),
        Command::Keys { command } => keys_cmd::run(command),
        Command::Smoke(args) => smoke_cmd::run(args),
        Command::Backfill(args) => backfill_cmd::run(args),
        Command::Capacity(args) => capacity_cmd::run(args),
        Command::Load(args) => load_cmd::run(args),
        Command::Cost(args) => cost_cmd::run(args),
        Command::Openapi => {
            print!("{}", routes::openapi_json());
            Ok(())
        }
        Command::Routes => {
            let list: Vec<_> = routes::all()
                .into_iter()
                .map(|(f, m, p)| serde_json::json!({"function": f, "method": m, "path": p}))
                .collect();
            println!("{}", serde_json::Value::Array(list));
            Ok(())
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::FAILURE
        }
    }
}
