//! `upstream approve`, `upstream sessions`: the operator's view of the admin function.

use serde_json::{Value, json};

use crate::target::{Target, TargetArgs};

/// `upstream approve STREAM_ID …`.
#[derive(clap::Args)]
pub struct ApproveArgs {
    /// The stream whose pending session to approve.
    pub stream_id: String,
    /// Only this user's session (grants complimentary access if it has none pending; with several
    /// pending, lists their trxIds and asks for --trx).
    #[arg(long)]
    pub user: Option<String>,
    /// Approve exactly this session.
    #[arg(long)]
    pub session: Option<String>,
    /// Approve the session of this transaction id (the one the viewer reads under their QR).
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
    // The stream (and user) named beside a session are what it must match.
    let mut body = json!({"note": args.note, "streamId": args.stream_id});
    if let Some(user) = &args.user {
        body["userId"] = json!(user);
    }
    if let Some(s) = &args.session {
        body["sessionId"] = json!(s);
    } else if let Some(t) = &args.trx {
        body["trxId"] = json!(t);
    } else if args.user.is_none() {
        let pending = pending_of(&target, &args.stream_id)?;
        match pending.as_slice() {
            [one] => body["sessionId"] = one["sessionId"].clone(),
            [] => return Err(format!("no pending session for stream {}", args.stream_id)),
            many => {
                eprintln!(
                    "{} pending sessions for stream {}; ask the viewer for the Trx ID under their QR and pass it with --trx:",
                    many.len(),
                    args.stream_id
                );
                for s in many {
                    eprintln!(
                        "  {}  user={}  {}  {}",
                        s["trxId"].as_str().unwrap_or(""),
                        s["userId"].as_str().unwrap_or(""),
                        s["createdAt"].as_str().unwrap_or(""),
                        s["amountDisplay"].as_str().unwrap_or("")
                    );
                }
                return Err("several pending sessions match".into());
            }
        }
    }
    let data = force_approve(&target, &body)?;
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

/// `POST /api/force-approve`: the approval, or the refusal; `AMBIGUOUS_SESSION` lists the pending
/// sessions it could mean, by trxId.
fn force_approve(target: &Target, body: &Value) -> Result<Value, String> {
    let headers = vec![("content-type".to_owned(), "application/json".to_owned())];
    let (status, _, bytes) = target.send(
        "POST",
        "/api/force-approve",
        &headers,
        body.to_string().as_bytes(),
    )?;
    let answer: Value = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
    if answer["code"] == "AMBIGUOUS_SESSION" {
        eprintln!(
            "{}. Pending sessions of this user and stream (ask the viewer which Trx ID is under their QR, then pass it with --trx):",
            answer["error"]
                .as_str()
                .unwrap_or("several pending sessions")
        );
        for c in answer["candidates"].as_array().cloned().unwrap_or_default() {
            eprintln!(
                "  {}  {}  {}",
                c["trxId"].as_str().unwrap_or(""),
                c["createdAt"].as_str().unwrap_or(""),
                c["amountDisplay"].as_str().unwrap_or("")
            );
        }
        return Err("several pending sessions match: choose one with --trx".into());
    }
    target.envelope(status, &bytes)
}

fn pending_of(target: &Target, stream: &str) -> Result<Vec<Value>, String> {
    let data = target.call(
        "GET",
        &format!(
            "/admin/sessions?status=pending&streamId={}&limit=100",
            enc(stream)
        ),
        None,
    )?;
    Ok(data["sessions"].as_array().cloned().unwrap_or_default())
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
