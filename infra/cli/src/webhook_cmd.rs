//! `upstream webhook`: sends a signed payment notification, as a gateway would.

use serde_json::json;
use upstream_session::edge::signature;

/// `upstream webhook --trx T --amount N …`.
#[derive(clap::Args)]
pub struct WebhookArgs {
    /// The API base URL (the local stack or the API Gateway URL).
    #[arg(long, default_value = "http://127.0.0.1:3001")]
    pub api: String,
    #[arg(long)]
    pub trx: String,
    #[arg(long)]
    pub amount: u64,
    /// `paid` or `failed`.
    #[arg(long, default_value = "paid")]
    pub status: String,
    /// The payment's reference at the gateway (the bank's RRN or the aggregator's id): required
    /// with `paid`, since the ledger keys each payment by it.
    #[arg(long)]
    pub provider_ref: Option<String>,
    /// The shared secret (default: WEBHOOK_SECRET).
    #[arg(long, env = "WEBHOOK_SECRET", hide_env_values = true)]
    pub secret: String,
}

pub fn run(args: WebhookArgs) -> Result<(), String> {
    if args.status == "paid" && args.provider_ref.is_none() {
        return Err(
            "--provider-ref is required with --status paid (the bank's RRN or the gateway's payment id)"
                .into(),
        );
    }
    let body = json!({"trxId": args.trx, "amount": args.amount, "status": args.status, "providerRef": args.provider_ref}).to_string();
    let t = chrono::Utc::now().timestamp();
    let sig = signature::sign(args.secret.as_bytes(), t, body.as_bytes());
    let target = crate::target::Target::Local {
        base: args.api.trim_end_matches('/').to_owned(),
    };
    let headers = vec![
        ("content-type".to_owned(), "application/json".to_owned()),
        (signature::HEADER.to_owned(), sig),
    ];
    let (status, _, resp) =
        target.send("POST", "/api/payment-callback", &headers, body.as_bytes())?;
    println!("HTTP {status} {}", String::from_utf8_lossy(&resp));
    if (200..300).contains(&status) {
        Ok(())
    } else {
        Err(format!("the webhook was refused (HTTP {status})"))
    }
}
