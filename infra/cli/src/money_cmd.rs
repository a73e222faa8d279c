//! `upstream refunds`, `upstream revoke`, `upstream payments`: the operator's money commands.

use clap::Subcommand;
use serde_json::{Value, json};
use upstream_session::domain::RefundStatus;

use crate::admin_cmd::enc;
use crate::target::TargetArgs;

/// `upstream refunds [--all|--settled] [--json]` and `upstream refunds settle …`.
#[derive(clap::Args)]
pub struct RefundsArgs {
    #[command(subcommand)]
    pub command: Option<RefundsCommand>,
    /// Open and settled refunds.
    #[arg(long, conflicts_with = "settled")]
    pub all: bool,
    /// Settled refunds only.
    #[arg(long)]
    pub settled: bool,
    /// Print the JSON array of refunds instead of a table.
    #[arg(long)]
    pub json: bool,
    #[command(flatten)]
    pub target: TargetArgs,
}

/// What to do with a refund.
#[derive(Subcommand)]
pub enum RefundsCommand {
    /// Mark a refund owed as paid back (idempotent).
    Settle {
        payment_id: String,
        /// How it was paid back (transfer reference, …).
        #[arg(long)]
        note: Option<String>,
        #[command(flatten)]
        target: TargetArgs,
    },
}

/// `upstream revoke SESSION_ID [--note N] [--refund]`.
#[derive(clap::Args)]
pub struct RevokeArgs {
    pub session_id: String,
    #[arg(long)]
    pub note: Option<String>,
    /// Record the payment of this session as owed back.
    #[arg(long)]
    pub refund: bool,
    #[command(flatten)]
    pub target: TargetArgs,
}

/// `upstream payments --from DATE --to DATE [--csv]`.
#[derive(clap::Args)]
pub struct PaymentsArgs {
    /// First day (WIB, `2026-11-01`) or an RFC 3339 instant.
    #[arg(long)]
    pub from: String,
    /// Last day (WIB, inclusive) or an RFC 3339 instant (default: now).
    #[arg(long)]
    pub to: Option<String>,
    /// Print CSV for reconciliation with the gateway's settlement report.
    #[arg(long)]
    pub csv: bool,
    #[command(flatten)]
    pub target: TargetArgs,
}

/// Every page of a listing whose data holds `field` and a `cursor`.
fn all_pages(
    target: &crate::target::Target,
    path: &str,
    field: &str,
) -> Result<Vec<Value>, String> {
    let mut out = Vec::new();
    let mut cursor: Option<String> = None;
    for _ in 0..1000 {
        let sep = if path.contains('?') { '&' } else { '?' };
        let url = match &cursor {
            Some(c) => format!("{path}{sep}cursor={}", enc(c)),
            None => path.to_owned(),
        };
        let data = target.call("GET", &url, None)?;
        out.extend(data[field].as_array().cloned().unwrap_or_default());
        cursor = data["cursor"].as_str().map(str::to_owned);
        if cursor.is_none() {
            return Ok(out);
        }
    }
    Err("too many pages".into())
}

pub fn refunds(args: RefundsArgs) -> Result<(), String> {
    if let Some(RefundsCommand::Settle {
        payment_id,
        note,
        target,
    }) = args.command
    {
        let data = target.resolve()?.call(
            "POST",
            &format!("/admin/refunds/{}/settle", enc(&payment_id)),
            Some(&json!({"note": note})),
        )?;
        let already = data["alreadySettled"] == Value::Bool(true);
        println!(
            "{} {} {} (trx {})",
            if already {
                "already settled:"
            } else {
                "✅ settled:"
            },
            data["paymentId"].as_str().unwrap_or(""),
            data["amountDisplay"].as_str().unwrap_or(""),
            data["trxId"].as_str().unwrap_or("")
        );
        return Ok(());
    }
    let target = args.target.resolve()?;
    let statuses = if args.all {
        RefundStatus::ALL
    } else if args.settled {
        &[RefundStatus::Settled]
    } else {
        &[RefundStatus::Open]
    };
    let mut refunds = Vec::new();
    for status in statuses {
        refunds.extend(all_pages(
            &target,
            &format!("/admin/refunds?status={}&limit=100", status.as_str()),
            "refunds",
        )?);
    }
    if args.json {
        println!("{}", Value::Array(refunds));
        return Ok(());
    }
    println!(
        "{:<36}  {:<25}  {:>12}  {:<16}  {:<8}  {:<24}  USER",
        "PAYMENT", "TRX", "AMOUNT", "REASON", "STATUS", "RECEIVED"
    );
    for r in &refunds {
        println!(
            "{:<36}  {:<25}  {:>12}  {:<16}  {:<8}  {:<24}  {}",
            r["paymentId"].as_str().unwrap_or(""),
            r["trxId"].as_str().unwrap_or(""),
            r["amountDisplay"].as_str().unwrap_or(""),
            r["reason"].as_str().unwrap_or(""),
            r["status"].as_str().unwrap_or(""),
            r["receivedAt"].as_str().unwrap_or(""),
            r["userId"].as_str().unwrap_or("")
        );
    }
    println!("{} refund(s)", refunds.len());
    Ok(())
}

pub fn revoke(args: RevokeArgs) -> Result<(), String> {
    let data = args.target.resolve()?.call(
        "POST",
        &format!("/admin/sessions/{}/revoke", enc(&args.session_id)),
        Some(&json!({"note": args.note, "refund": args.refund})),
    )?;
    println!(
        "✅ revoked: stream {} for user {} (trx {})",
        data["streamId"].as_str().unwrap_or(""),
        data["userId"].as_str().unwrap_or(""),
        data["trxId"].as_str().unwrap_or("")
    );
    if let Some(refund) = data["refund"].as_object() {
        println!(
            "refund owed: {} {}",
            refund["paymentId"].as_str().unwrap_or(""),
            refund["amountDisplay"].as_str().unwrap_or("")
        );
    }
    Ok(())
}

pub fn payments(args: PaymentsArgs) -> Result<(), String> {
    let target = args.target.resolve()?;
    let mut path = format!("/admin/payments?from={}&limit=1000", enc(&args.from));
    if let Some(to) = &args.to {
        path.push_str(&format!("&to={}", enc(to)));
    }
    if args.csv {
        // CSV pages: the next cursor comes in a header.
        let mut cursor: Option<String> = None;
        let mut first = true;
        loop {
            let url = match &cursor {
                Some(c) => format!("{path}&format=csv&cursor={}", enc(c)),
                None => format!("{path}&format=csv"),
            };
            let (status, headers, body) = target.send("GET", &url, &[], &[])?;
            if status != 200 {
                return Err(format!("HTTP {status}: {}", String::from_utf8_lossy(&body)));
            }
            let text = String::from_utf8_lossy(&body);
            let text = if first {
                text.as_ref()
            } else {
                text.split_once("\r\n").map_or("", |(_, rest)| rest)
            };
            print!("{text}");
            first = false;
            cursor = headers
                .iter()
                .find(|(k, _)| k.eq_ignore_ascii_case("x-next-cursor"))
                .map(|(_, v)| v.clone());
            if cursor.is_none() {
                return Ok(());
            }
        }
    }
    let payments = all_pages(&target, &path, "payments")?;
    println!(
        "{:<24}  {:<13}  {:<25}  {:>12}  {:<10}  {:<16}  {:<36}  RELATED",
        "RECEIVED", "PROVIDER", "TRX", "AMOUNT", "OUTCOME", "REASON", "PAYMENT"
    );
    for p in &payments {
        println!(
            "{:<24}  {:<13}  {:<25}  {:>12}  {:<10}  {:<16}  {:<36}  {}",
            p["receivedAt"].as_str().unwrap_or(""),
            p["provider"].as_str().unwrap_or(""),
            p["trxId"].as_str().unwrap_or(""),
            p["amountDisplay"].as_str().unwrap_or(""),
            p["outcome"].as_str().unwrap_or(""),
            p["reason"].as_str().unwrap_or(""),
            p["paymentId"].as_str().unwrap_or(""),
            p["relatedPaymentId"].as_str().unwrap_or("")
        );
    }
    Ok(())
}
