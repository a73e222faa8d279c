//! After the rush: the ledger through the admin API. Every QR that was paid has exactly one payment,
//! granted, of its amount; no refund is owed for any of them.

use std::collections::BTreeMap;
use std::fmt;

use chrono::{DateTime, TimeDelta, Utc};
use serde_json::Value;

use super::viewer::Journey;
use crate::admin_cmd::enc as encode;
use crate::target::Target;

/// What the ledger holds for the rush's transactions.
pub struct Ledger {
    expected: usize,
    /// Per transaction id: its payments' (outcome, amount).
    found: BTreeMap<String, Vec<(String, u64)>>,
    refunds_owed: usize,
    wrong: Vec<String>,
}

impl Ledger {
    /// Every paid QR recorded once, granted, of its amount, and no refund owed.
    pub fn consistent(&self) -> bool {
        self.wrong.is_empty() && self.refunds_owed == 0 && self.found.len() == self.expected
    }
}

impl fmt::Display for Ledger {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let payments: usize = self.found.values().map(Vec::len).sum();
        write!(
            f,
            "ledger: {} QRs paid, {} payments recorded for them, {} refunds owed",
            self.expected, payments, self.refunds_owed
        )?;
        for problem in self.wrong.iter().take(10) {
            write!(f, "\n  {problem}")?;
        }
        Ok(())
    }
}

/// Reads the payments recorded since `since` and the open refunds, and compares them with `journeys`.
pub fn check(
    target: &Target,
    since: DateTime<Utc>,
    journeys: &[Journey],
) -> Result<Ledger, String> {
    let expected: BTreeMap<&str, u64> = journeys
        .iter()
        .filter_map(|j| j.trx.as_ref().map(|(t, a)| (t.as_str(), *a)))
        .collect();
    let from = (since - TimeDelta::minutes(1)).to_rfc3339();
    let to = (Utc::now() + TimeDelta::minutes(1)).to_rfc3339();
    let mut found: BTreeMap<String, Vec<(String, u64)>> = BTreeMap::new();
    let mut cursor: Option<String> = None;
    loop {
        let mut query = format!(
            "/admin/payments?from={}&to={}&format=json&limit=1000",
            encode(&from),
            encode(&to)
        );
        if let Some(c) = &cursor {
            query.push_str(&format!("&cursor={}", encode(c)));
        }
        let page = target.call("GET", &query, None)?;
        for p in page["payments"].as_array().into_iter().flatten() {
            let trx = p["trxId"].as_str().unwrap_or_default();
            if expected.contains_key(trx) {
                let outcome = p["outcome"].as_str().unwrap_or_default().to_owned();
                found
                    .entry(trx.to_owned())
                    .or_default()
                    .push((outcome, p["amount"].as_u64().unwrap_or_default()));
            }
        }
        cursor = page["cursor"].as_str().map(str::to_owned);
        if cursor.is_none() {
            break;
        }
    }
    let refunds = target.call("GET", "/admin/refunds", None)?;
    let refunds_owed = refunds_for(&refunds, &expected);
    let mut wrong = Vec::new();
    for (trx, amount) in &expected {
        match found.get(*trx).map(Vec::as_slice) {
            None => wrong.push(format!("{trx}: no payment recorded")),
            Some([(outcome, paid)]) if outcome == "granted" && paid == amount => {}
            Some(other) => wrong.push(format!("{trx}: {other:?}, expected one granted {amount}")),
        }
    }
    Ok(Ledger {
        expected: expected.len(),
        found,
        refunds_owed,
        wrong,
    })
}

/// The open refunds (the admin list's rows) of the rush's transactions.
fn refunds_for(list: &Value, expected: &BTreeMap<&str, u64>) -> usize {
    let rows = list["refunds"]
        .as_array()
        .or_else(|| list.as_array())
        .into_iter()
        .flatten();
    rows.filter(|r| expected.contains_key(r["trxId"].as_str().unwrap_or_default()))
        .count()
}
