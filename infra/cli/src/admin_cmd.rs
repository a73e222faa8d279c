//! `upstream approve`, `upstream sessions`: the operator's view of the admin function.

use serde_json::{Value, json};

use crate::target::{Target, TargetArgs};

/// `upstream approve STREAM_ID …`.
#[derive(clap::Args)]
pub struct ApproveArgs {
    /// The stream whose pending session to approve.
    pub stream_id: String,
    /// Only this user's session (grants complimentary access if it has none pending).
    #[arg(long)]
    pub user: Option<String>,
    /// Approve exactly this session.
    #[arg(long)]
    pub session: Option<String>,
    /// Approve the session of this transaction id.
    #[arg(long)]
    pub trx: Option<String>,
    /// A note for the audit trail.
    #[arg(long)]
    pub note: Option<String>,
    #[command(flatten)]
    pub target: TargetArgs,
}

/// Percent-encodes a path segment or query value.
pub fn enc(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

pub fn approve(args: ApproveArgs) -> Result<(), String> {
    let target = args.target.resolve()?;
    let mut body = json!({"note": args.note});
    if let Some(s) = &args.session {
        body["sessionId"] = json!(s);
    } else if let Some(t) = &args.trx {
        body["trxId"] = json!(t);
    } else {
        let pending = pending_of(&target, &args.stream_id, args.user.as_deref())?;
        match (pending.as_slice(), &args.user) {
            ([one], _) => body["sessionId"] = one["sessionId"].clone(),
            ([], Some(user)) => {
                body["streamId"] = json!(args.stream_id);
                body["userId"] = json!(user);
            }
            ([], None) => return Err(format!("no pending session for stream {}", args.stream_id)),
            (many, _) => {
                eprintln!(
                    "{} pending sessions for stream {}; choose one with --session:",
                    many.len(),
                    args.stream_id
                );
                for s in many {
                    eprintln!(
                        "  {}  {}  user={}  {}",
                        s["sessionId"].as_str().unwrap_or(""),
                        s["trxId"].as_str().unwrap_or(""),
                        s["userId"].as_str().unwrap_or(""),
                        s["createdAt"].as_str().unwrap_or("")
                    );
                }
                return Err("several pending sessions match".into());
            }
        }
    }
    let data = target.call("POST", "/api/force-approve", Some(&body))?;
    let sid = data["sessionId"].as_str().unwrap_or_default();
    let trx = data["trxId"].as_str().unwrap_or_default();
    let what = if data["alreadyPaid"] == Value::Bool(true) {
        "already paid"
    } else if data["complimentary"] == Value::Bool(true) {
        "complimentary access granted"
    } else {
        "approved"
    };
    println!(
        "✅ {what}: stream {} for user {}",
        data["streamId"].as_str().unwrap_or(""),
        data["userId"].as_str().unwrap_or("")
    );
    println!("sessionId: {sid}");
    println!("trxId:     {trx}");
    println!("expiresAt: {}", data["expiresAt"].as_str().unwrap_or(""));
    println!();
    println!("Paste in the browser console, then refresh the page:");
    println!("localStorage.setItem('currentSessionId', '{sid}')");
    println!("localStorage.setItem('currentTrxId', '{trx}')");
    Ok(())
}

fn pending_of(target: &Target, stream: &str, user: Option<&str>) -> Result<Vec<Value>, String> {
    let data = target.call(
        "GET",
        &format!(
            "/admin/sessions?status=pending&streamId={}&limit=100",
            enc(stream)
        ),
        None,
    )?;
    Ok(data["sessions"]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .into_iter()
        .filter(|s| user.is_none_or(|u| s["userId"] == u))
        .collect())
}

pub fn sessions(
    status: Option<String>,
    stream: Option<String>,
    target: TargetArgs,
) -> Result<(), String> {
    let target = target.resolve()?;
    let mut q = vec!["limit=100".to_owned()];
    if let Some(s) = status {
        q.push(format!("status={}", enc(&s)));
    }
    if let Some(s) = stream {
        q.push(format!("streamId={}", enc(&s)));
    }
    let data = target.call("GET", &format!("/admin/sessions?{}", q.join("&")), None)?;
    println!(
        "{:<40}  {:<25}  {:<16}  {:<8}  {:<8}  {:>12}  {:<24}  REMAINING",
        "SESSION", "TRX", "USER", "STREAM", "STATUS", "AMOUNT", "EXPIRES"
    );
    for s in data["sessions"].as_array().cloned().unwrap_or_default() {
        let remaining = s["remainingTime"].as_i64().unwrap_or(0) / 1000;
        println!(
            "{:<40}  {:<25}  {:<16}  {:<8}  {:<8}  {:>12}  {:<24}  {}",
            s["sessionId"].as_str().unwrap_or(""),
            s["trxId"].as_str().unwrap_or(""),
            s["userId"].as_str().unwrap_or(""),
            s["streamId"].as_str().unwrap_or(""),
            s["status"].as_str().unwrap_or("").to_uppercase(),
            s["amountDisplay"].as_str().unwrap_or(""),
            s["expiresAt"].as_str().unwrap_or(""),
            if remaining > 0 {
                format!("{}h{:02}m", remaining / 3600, remaining / 60 % 60)
            } else {
                "-".into()
            },
        );
    }
    Ok(())
}
