//! `upstream smoke`: after `sam deploy` (or against the local stack), what a viewer's browser needs
//! from the API, asked the way the browser asks it: a CORS preflight from the page's origin for
//! every call the page makes, the catalog, the playback JWKS, and (with `--stream`) one QR and the
//! access check of its session. Prints a table; fails when any check fails.

use serde_json::{Value, json};
use upstream_session::domain::{SessionId, StreamId};

use crate::page::{API_CALLS, ApiCall};
use crate::target::{Reply, Target};

mod browser;

use browser::{browser_allows, origin_allowed};

/// `upstream smoke --api URL [--origin ORIGIN] [--stream ID]`.
#[derive(clap::Args)]
pub struct SmokeArgs {
    /// The API base URL: the stack's ApiUrl output, or the local stack (http://127.0.0.1:3001).
    #[arg(long)]
    pub api: String,
    /// The origin your viewer page is served from (one of the stack's AllowedOrigins), e.g.
    /// https://watch.example.com; without it the CORS checks are skipped.
    #[arg(long)]
    pub origin: Option<String>,
    /// A stream to create one pending session for (a QR; nothing is paid; with a payment gateway it
    /// is a real charge that expires unpaid); without it that check and its access check are skipped.
    #[arg(long, value_parser = |s: &str| StreamId::parse(s).map_err(|e| e.to_string()))]
    pub stream: Option<StreamId>,
}

/// How one check ended, with what was seen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    Pass(String),
    Fail(String),
    Skip(String),
}

pub fn run(args: SmokeArgs) -> Result<(), String> {
    let api = Target::Local {
        base: args.api.trim_end_matches('/').to_owned(),
    };
    let origin = args.origin.as_deref().map(|o| o.trim_end_matches('/'));
    println!(
        "Smoke test of {} from origin {}",
        api.base(),
        origin.unwrap_or("(none: CORS not checked)")
    );
    let mut checks: Vec<(String, Outcome)> = Vec::new();
    for call in API_CALLS {
        let mut name = format!("preflight {} {}", call.method, call.path);
        if !call.headers.is_empty() {
            name = format!("{name} + {}", call.headers.join(", "));
        }
        let outcome = match origin {
            None => Outcome::Skip("no --origin".into()),
            Some(origin) => preflight(&api, call, origin),
        };
        checks.push((name, outcome));
    }
    checks.push(("GET /api/streams".into(), streams(&api, origin)));
    checks.push(("GET /api/.well-known/jwks.json".into(), jwks(&api)));
    match &args.stream {
        None => {
            checks.push((
                "POST /api/generate-qris".into(),
                Outcome::Skip("no --stream".into()),
            ));
            checks.push((
                "GET /api/check-access".into(),
                Outcome::Skip("no --stream".into()),
            ));
        }
        Some(stream) => {
            let user = format!("smoke-{}", crate::dev_cmd::random_secret());
            let (outcome, session) = generate_qris(&api, origin, stream, &user);
            checks.push((
                format!("POST /api/generate-qris (stream {stream})"),
                outcome,
            ));
            let outcome = match session {
                None => Outcome::Skip("no session".into()),
                Some(session) => check_access(&api, origin, stream, &user, &session),
            };
            checks.push(("GET /api/check-access (that session)".into(), outcome));
        }
    }
    print_table(&checks);
    let failed = checks
        .iter()
        .filter(|(_, o)| matches!(o, Outcome::Fail(_)))
        .count();
    if failed == 0 {
        Ok(())
    } else {
        Err(format!("{failed} of {} checks failed", checks.len()))
    }
}

fn print_table(checks: &[(String, Outcome)]) {
    let width = checks.iter().map(|(n, _)| n.len()).max().unwrap_or(0);
    println!("{:<width$}  RESULT  DETAIL", "CHECK");
    for (name, outcome) in checks {
        let (result, detail) = match outcome {
            Outcome::Pass(d) => ("PASS", d),
            Outcome::Fail(d) => ("FAIL", d),
            Outcome::Skip(d) => ("SKIP", d),
        };
        println!("{name:<width$}  {result}  {detail}");
    }
}

/// A request from the page's origin (when there is one), with `headers` added.
fn send(
    api: &Target,
    origin: Option<&str>,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> Result<Reply, Outcome> {
    let mut all: Vec<(String, String)> = headers
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
    if let Some(origin) = origin {
        all.push(("origin".into(), origin.into()));
    }
    api.send(method, path, &all, body).map_err(Outcome::Fail)
}

fn preflight(api: &Target, call: &ApiCall, origin: &str) -> Outcome {
    let requested = call.headers.join(",");
    let mut headers = vec![("access-control-request-method", call.method)];
    if !requested.is_empty() {
        headers.push(("access-control-request-headers", &requested));
    }
    // A route naming a stream is preflighted for a made-up id (the preflight is the route's).
    let path = call.path.replace("{id}", "smoke");
    match send(api, Some(origin), "OPTIONS", &path, &headers, b"") {
        Ok((status, got, _)) => browser_allows(call, origin, status, &got),
        Err(outcome) => outcome,
    }
}

/// The `data` of a 200 success envelope, read by the page from `origin`.
fn data(reply: Result<Reply, Outcome>, origin: Option<&str>) -> Result<Value, Outcome> {
    let (status, headers, body) = reply?;
    let json: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    if status != 200 || json["success"] != Value::Bool(true) {
        let text = String::from_utf8_lossy(&body);
        return Err(Outcome::Fail(format!(
            "HTTP {status}: {}",
            text.chars().take(160).collect::<String>()
        )));
    }
    if let Some(origin) = origin {
        origin_allowed(origin, &headers).map_err(Outcome::Fail)?;
    }
    Ok(json["data"].clone())
}

fn streams(api: &Target, origin: Option<&str>) -> Outcome {
    match data(send(api, origin, "GET", "/api/streams", &[], b""), origin) {
        Ok(d) => match d["streams"].as_array() {
            Some(list) => Outcome::Pass(format!("{} active streams", list.len())),
            None => Outcome::Fail(format!("no streams list: {d}")),
        },
        Err(outcome) => outcome,
    }
}

fn jwks(api: &Target) -> Outcome {
    let (status, _, body) = match api.send("GET", "/api/.well-known/jwks.json", &[], b"") {
        Ok(reply) => reply,
        Err(e) => return Outcome::Fail(e),
    };
    let json: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    match json["keys"].as_array() {
        Some(keys) if status == 200 && !keys.is_empty() => {
            let kids: Vec<&str> = keys.iter().filter_map(|k| k["kid"].as_str()).collect();
            Outcome::Pass(format!("{} keys {kids:?}", keys.len()))
        }
        _ => Outcome::Fail(format!("HTTP {status}: no signing keys published")),
    }
}

fn generate_qris(
    api: &Target,
    origin: Option<&str>,
    stream: &StreamId,
    user: &str,
) -> (Outcome, Option<SessionId>) {
    let body = json!({"streamId": stream.as_str(), "userId": user}).to_string();
    let key = format!("smoke-{user}");
    let headers = [
        ("content-type", "application/json"),
        ("idempotency-key", key.as_str()),
    ];
    match data(
        send(
            api,
            origin,
            "POST",
            "/api/generate-qris",
            &headers,
            body.as_bytes(),
        ),
        origin,
    ) {
        Ok(d) => match d["sessionId"].as_str().map(SessionId::parse) {
            Some(Ok(session)) => (
                Outcome::Pass(format!(
                    "pending session, trx {}",
                    d["trxId"].as_str().unwrap_or("?")
                )),
                Some(session),
            ),
            _ => (Outcome::Fail(format!("no sessionId in {d}")), None),
        },
        Err(outcome) => (outcome, None),
    }
}

fn check_access(
    api: &Target,
    origin: Option<&str>,
    stream: &StreamId,
    user: &str,
    session: &SessionId,
) -> Outcome {
    let path = format!(
        "/api/check-access?sessionId={}&streamId={}&userId={user}",
        session.as_str(),
        stream.as_str()
    );
    match data(send(api, origin, "GET", &path, &[], b""), origin) {
        Ok(d) if d["hasAccess"] == Value::Bool(false) => {
            Outcome::Pass("no access until paid".into())
        }
        Ok(d) => Outcome::Fail(format!("an unpaid session must not grant access: {d}")),
        Err(outcome) => outcome,
    }
}
