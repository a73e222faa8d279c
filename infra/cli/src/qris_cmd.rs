//! `upstream qris …`: inspect, make dynamic, render.

use std::path::PathBuf;

use clap::Subcommand;
use upstream_session::qris::{self, DEFAULT_MAX_AMOUNT, Qris};

#[derive(Subcommand)]
pub enum QrisCommand {
    /// Print the parsed fields of a QRIS payload as JSON, with every violation of the QRIS rules:
    /// `errors` (the code cannot be paid as intended), `warnings` (formats apps still pay),
    /// `violations` (both, in rule order), `conforms` (no violation at all). Exits non-zero only on
    /// an error; both kinds are also listed on stderr.
    Inspect {
        /// The payload text (as scanned from the QR code).
        payload: String,
    },
    /// Print the dynamic payload carrying AMOUNT (and REF as reference label), alone on one line.
    Dynamic {
        payload: String,
        /// Whole rupiah, 1 to --max-amount.
        #[arg(long)]
        amount: u64,
        /// Reference label (template 62, sub-tag 05), at most 25 characters.
        #[arg(long)]
        reference: Option<String>,
        /// Largest accepted amount (default: QRIS_MAX_AMOUNT or Rp 10.000.000).
        #[arg(long, env = "QRIS_MAX_AMOUNT", default_value_t = DEFAULT_MAX_AMOUNT)]
        max_amount: u64,
    },
    /// Write the QR image of a payload: PNG, or SVG when FILE ends in `.svg`.
    Png {
        payload: String,
        #[arg(long)]
        out: PathBuf,
    },
}

pub fn run(command: QrisCommand) -> Result<(), String> {
    match command {
        QrisCommand::Inspect { payload } => inspect(&payload)?,
        QrisCommand::Dynamic {
            payload,
            amount,
            reference,
            max_amount,
        } => {
            let dynamic = parse(&payload)?
                .to_dynamic(amount, reference.as_deref(), max_amount)
                .map_err(|e| e.to_string())?;
            println!("{}", dynamic.payload());
        }
        QrisCommand::Png { payload, out } => {
            let valid = parse(&payload)?.payload();
            let bytes = if out
                .extension()
                .is_some_and(|e| e.eq_ignore_ascii_case("svg"))
            {
                qris::svg(&valid).map_err(|e| e.to_string())?.into_bytes()
            } else {
                qris::png(&valid).map_err(|e| e.to_string())?
            };
            std::fs::write(&out, bytes)
                .map_err(|e| format!("cannot write {}: {e}", out.display()))?;
        }
    }
    Ok(())
}

/// Prints the fields and every violation as JSON (errors and warnings also on stderr); an error fails.
fn inspect(payload: &str) -> Result<(), String> {
    let qris = parse(payload)?;
    let violations = qris.violations();
    let (errors, warnings): (Vec<_>, Vec<_>) = violations.iter().partition(|v| v.is_error());
    let mut json = serde_json::to_value(qris.inspect()).map_err(|e| e.to_string())?;
    json["indonesianMerchant"] = qris.is_indonesian_merchant().into();
    json["conforms"] = violations.is_empty().into();
    json["violations"] = serde_json::to_value(&violations).map_err(|e| e.to_string())?;
    json["errors"] = serde_json::to_value(&errors).map_err(|e| e.to_string())?;
    json["warnings"] = serde_json::to_value(&warnings).map_err(|e| e.to_string())?;
    let text = serde_json::to_string_pretty(&json).map_err(|e| e.to_string())?;
    println!("{text}");
    if violations.is_empty() {
        return Ok(());
    }
    let list: Vec<String> = violations.iter().map(|v| v.to_string()).collect();
    let report = format!(
        "the payload does not conform to QRIS ({}, {}):\n{}",
        count(errors.len(), "error"),
        count(warnings.len(), "warning"),
        list.join("\n")
    );
    if !errors.is_empty() {
        return Err(report);
    }
    eprintln!("{report}\nno errors: apps pay it as it is");
    Ok(())
}

fn parse(payload: &str) -> Result<Qris, String> {
    Qris::parse(payload).map_err(|e| format!("invalid QRIS: {e}"))
}

/// `1 error`, `2 errors`.
fn count(n: usize, noun: &str) -> String {
    format!("{n} {noun}{}", if n == 1 { "" } else { "s" })
}
