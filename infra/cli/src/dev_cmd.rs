//! `upstream dev`: the whole product on loopback over DynamoDB Local, through the real handlers.

use std::path::PathBuf;
use std::sync::Arc;

use chrono::TimeDelta;
use http_body_util::Full;
use hyper::body::Bytes;
use upstream_local::{DynamoLocal, Storage, local_dir};
use upstream_registry::{Inputs, Stack};
use upstream_session::catalog::parse_catalog;
use upstream_session::edge::playback::PlaybackEnv;
use upstream_session::edge::{Cors, event};
use upstream_session::media::MediaApis;
use upstream_session::playback::SigningKey;
use upstream_session::qris::DEMO_STATIC;
use upstream_session::store::{TABLE, local_client};
use upstream_session::{Policy, SessionManager, Store, SystemClock};

use crate::gateway_sim::{self, Gateway};
use crate::{routes, server};
use upstream_session::ErrorCode;
use upstream_session::provider::PaymentProvider;

const VIEWER: &str = include_str!("../assets/index.html");
const PLAYER: &str = include_str!("../assets/player.js");
const HLS_JS: &str = include_str!("../assets/vendor/hls.light.min.js");
const SAMPLE_CATALOG: &str = include_str!("../../streams.sample.json");

/// `upstream dev [--port 3001] [--data DIR] [--in-memory]`.
#[derive(clap::Args)]
pub struct DevArgs {
    #[arg(long, default_value_t = 3001)]
    pub port: u16,
    /// Where DynamoDB Local keeps its data (default: .local/dev-data); sessions survive restarts.
    #[arg(long)]
    pub data: Option<PathBuf>,
    /// Keep nothing: DynamoDB Local in memory.
    #[arg(long, conflicts_with = "data")]
    pub in_memory: bool,
    /// The payment gateway: `static` (the merchant's static QRIS made dynamic; approve by hand or with
    /// `upstream webhook`), or `midtrans` / `xendit` against a local gateway simulator started with the
    /// stack (its page shows the orders with a Pay button).
    #[arg(long, default_value = "static", value_parser = ["static", "midtrans", "xendit"])]
    pub provider: String,
}

/// Everything the local stack serves with.
struct Local {
    /// Every function's state.
    stack: Stack,
    /// The OpenAPI document, built once.
    openapi: String,
}

pub fn run(args: DevArgs) -> Result<(), String> {
    upstream_session::edge::init_logging();
    let storage = if args.in_memory {
        Storage::InMemory
    } else {
        Storage::Dir(
            args.data
                .clone()
                .unwrap_or_else(|| local_dir().join("dev-data")),
        )
    };
    eprintln!(
        "Starting DynamoDB Local ({})…",
        match &storage {
            Storage::InMemory => "in memory".to_owned(),
            Storage::Dir(d) => d.display().to_string(),
        }
    );
    let key_file = match &storage {
        Storage::InMemory => None,
        Storage::Dir(d) => Some(d.join("playback-signing-key.pem")),
    };
    let dynamo = DynamoLocal::start(storage).map_err(|e| e.to_string())?;
    let rt = tokio::runtime::Runtime::new().map_err(|e| e.to_string())?;
    let result = rt.block_on(serve(args.port, &args.provider, &dynamo, key_file));
    drop(rt);
    dynamo.stop();
    eprintln!("Stopped.");
    result
}

/// Starts the gateway simulator on a free loopback port (when a gateway is chosen) and returns the
/// provider pointed at it, with the simulator's URL.
async fn local_gateway(
    provider: &str,
    port: u16,
) -> Result<(PaymentProvider, Option<String>), String> {
    let gateway = match provider {
        "midtrans" => Gateway::Midtrans {
            server_key: gateway_sim::DEV_MIDTRANS_SERVER_KEY.into(),
        },
        "xendit" => Gateway::Xendit {
            secret_key: gateway_sim::DEV_XENDIT_SECRET_KEY.into(),
            callback_token: gateway_sim::DEV_XENDIT_CALLBACK_TOKEN.into(),
        },
        _ => return Ok((PaymentProvider::Static, None)),
    };
    let listener = server::bind(0).await?;
    let sim = format!(
        "http://{}",
        listener.local_addr().map_err(|e| e.to_string())?
    );
    let callback = format!("http://127.0.0.1:{port}/api/payment-callback/{provider}");
    tokio::spawn(gateway_sim::serve(listener, gateway, callback));
    let settings = std::collections::HashMap::from([
        ("PAYMENT_PROVIDER", provider.to_owned()),
        (
            "MIDTRANS_SERVER_KEY",
            gateway_sim::DEV_MIDTRANS_SERVER_KEY.to_owned(),
        ),
        ("MIDTRANS_API_BASE", sim.clone()),
        (
            "XENDIT_SECRET_KEY",
            gateway_sim::DEV_XENDIT_SECRET_KEY.to_owned(),
        ),
        (
            "XENDIT_CALLBACK_TOKEN",
            gateway_sim::DEV_XENDIT_CALLBACK_TOKEN.to_owned(),
        ),
        ("XENDIT_API_BASE", sim.clone()),
    ]);
    let provider = PaymentProvider::from_lookup(|name| settings.get(name).cloned())
        .map_err(|e| e.to_string())?;
    Ok((provider, Some(sim)))
}

/// The playback signing key: `PLAYBACK_SIGNING_KEY`, else the one kept in the data dir (created on
/// first start, mode 0600), else (in memory) a fresh one.
fn playback_env(port: u16, key_file: Option<PathBuf>) -> Result<PlaybackEnv, String> {
    let mut env = PlaybackEnv::from_env().map_err(|e| e.to_string())?;
    if env.signing_key.is_none() {
        env.signing_key = Some(match key_file {
            Some(path) if path.is_file() => {
                let pem = std::fs::read_to_string(&path).map_err(|e| e.to_string())?;
                SigningKey::from_pkcs8_pem(&pem).map_err(|e| format!("{}: {e}", path.display()))?
            }
            Some(path) => {
                let key = SigningKey::generate();
                write_private(&path, &key.to_pkcs8_pem())?;
                key
            }
            None => SigningKey::generate(),
        });
    }
    if env.issuer.is_none() {
        env.issuer = Some(format!("http://127.0.0.1:{port}"));
    }
    Ok(env)
}

fn write_private(path: &std::path::Path, pem: &str) -> Result<(), String> {
    use std::io::Write;
    #[cfg(unix)]
    use std::os::unix::fs::OpenOptionsExt;
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(|e| e.to_string())?;
    }
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    options.mode(0o600);
    let mut file = options
        .open(path)
        .map_err(|e| format!("{}: {e}", path.display()))?;
    file.write_all(pem.as_bytes()).map_err(|e| e.to_string())
}

async fn serve(
    port: u16,
    provider: &str,
    dynamo: &DynamoLocal,
    key_file: Option<PathBuf>,
) -> Result<(), String> {
    let (provider, sim) = local_gateway(provider, port).await?;
    let client = local_client(&dynamo.endpoint());
    let table = std::env::var("TABLE_NAME").unwrap_or_else(|_| "upstream-local".into());
    TABLE
        .create(&client, &table)
        .await
        .map_err(|e| e.to_string())?;
    let policy = Policy::from_env().map_err(|e| e.to_string())?;
    let store = Store::new(client, table.clone(), policy);
    if store
        .list_streams()
        .await
        .map_err(|e| e.to_string())?
        .is_empty()
    {
        for stream in parse_catalog(SAMPLE_CATALOG).map_err(|e| e.to_string())? {
            store.put_stream(&stream).await.map_err(|e| e.to_string())?;
        }
    }
    let manager = SessionManager::new(store.clone(), Arc::new(SystemClock));
    let qris = generate_qris::static_qris(
        std::env::var("QRIS_STATIC_PAYLOAD")
            .as_deref()
            .unwrap_or(DEMO_STATIC),
    )
    .map_err(|e| e.to_string())?;
    let secret = std::env::var("WEBHOOK_SECRET")
        .ok()
        .filter(|s| s.len() >= 16)
        .unwrap_or_else(random_secret);
    let origins = std::env::var("ALLOWED_ORIGINS")
        .unwrap_or_else(|_| format!("http://127.0.0.1:{port},http://localhost:{port}"));
    let cors = Cors::new(&origins);
    let playback = playback_env(port, key_file)?;
    let issuer = playback.issuer().expect("a signing key is set");
    let local = Arc::new(Local {
        stack: Stack::new(Inputs {
            manager,
            cors,
            qris,
            // Locally a catalog edit (price, mediaPath) shows at once: no cache.
            catalog_cache: TimeDelta::zero(),
            provider,
            webhook_secret: secret.clone().into_bytes(),
            playback,
            playback_tokens: true,
            playback_prefix: std::env::var("PLAYBACK_PATH_PREFIX")
                .unwrap_or_else(|_| "/hls/".into()),
            ome_secret: std::env::var("OME_SECRET_KEY").ok(),
            allow_local: true,
            media: MediaApis::from_env().map_err(|e| e.to_string())?,
        }),
        openapi: routes::openapi_json(),
    });
    let listener = server::bind(port).await?;
    let base = format!("http://127.0.0.1:{port}");
    println!(
        "Upstream Pay local stack (DynamoDB Local at {}, table {table})",
        dynamo.endpoint()
    );
    println!("  Viewer page:  {base}/");
    println!("  Admin page:   {base}/admin/approve");
    println!(
        "  API base:     {base}/api  (OpenAPI: {base}{})",
        routes::OPENAPI_PATH
    );
    println!(
        "  Playback JWKS: {base}/api/.well-known/jwks.json (kid {})",
        issuer.key().kid()
    );
    println!("  Webhook secret (WEBHOOK_SECRET): {secret}");
    if let Some(sim) = &sim {
        println!(
            "  Gateway simulator: {sim}  (its page pays orders; or: upstream gateway-sim pay TRX_ID --sim {sim})"
        );
    }
    println!("Approve a payment:  upstream approve 2 --local {base} [--user USER_ID]");
    println!(
        "Signed webhook:     WEBHOOK_SECRET={secret} upstream webhook --api {base} --trx TRX_ID --amount 1000"
    );
    for function in upstream_registry::scheduled() {
        tokio::spawn(run_on_schedule(local.clone(), function));
        println!(
            "  {} runs {} (as its EventBridge schedule would)",
            function.spec.name,
            function.schedule().unwrap_or_default()
        );
    }
    println!("Stop with Ctrl-C.");
    server::serve(listener, move |req| {
        let local = local.clone();
        async move { dispatch(&local, req).await }
    })
    .await;
    Ok(())
}

async fn dispatch(local: &Local, req: server::Simple) -> hyper::Response<Full<Bytes>> {
    let path = req.uri().path().to_owned();
    if path == "/" || path == "/index.html" {
        return server::text(200, "text/html; charset=utf-8", VIEWER.as_bytes().to_vec());
    }
    if path == "/player.js" {
        return server::text(
            200,
            "text/javascript; charset=utf-8",
            PLAYER.as_bytes().to_vec(),
        );
    }
    if path == "/vendor/hls.light.min.js" {
        return server::text(
            200,
            "text/javascript; charset=utf-8",
            HLS_JS.as_bytes().to_vec(),
        );
    }
    if path == routes::OPENAPI_PATH {
        return server::text(200, "application/json", local.openapi.clone().into_bytes());
    }
    let Some(function) = upstream_registry::serving(&path) else {
        let code = ErrorCode::RouteNotFound;
        return server::text(
            code.status(),
            "application/json; charset=utf-8",
            code.envelope(None).into_bytes(),
        );
    };
    let query = req.uri().query().unwrap_or_default().to_owned();
    let headers: Vec<(String, String)> = req
        .headers()
        .iter()
        .map(|(k, v)| {
            (
                k.to_string(),
                String::from_utf8_lossy(v.as_bytes()).into_owned(),
            )
        })
        .collect();
    let method = req.method().to_string();
    let body = req.into_body();
    let body = (!body.is_empty()).then(|| String::from_utf8_lossy(&body).into_owned());
    let ev = event::http_v2_event(&method, &path, &query, &headers, body.as_deref());
    let request = match event::request_from_event(&ev) {
        Ok(r) => r,
        Err(e) => return server::text(400, "text/plain; charset=utf-8", e.into_bytes()),
    };
    let Some(answer) = function.handle(&local.stack, request) else {
        return server::text(
            404,
            "text/plain; charset=utf-8",
            b"not an HTTP function".to_vec(),
        );
    };
    let resp = answer.await;
    let (parts, body) = resp.into_parts();
    let bytes: Vec<u8> = body.as_ref().to_vec();
    let mut out = hyper::Response::builder().status(parts.status.as_u16());
    for (k, v) in parts.headers.iter() {
        out = out.header(k.as_str(), v.as_bytes());
    }
    out.body(Full::new(Bytes::from(bytes)))
        .unwrap_or_else(|_| server::text(500, "text/plain", b"bad response".to_vec()))
}

/// Runs a scheduled function every period of its `rate(N minute[s])` expression, logging failures.
async fn run_on_schedule(local: Arc<Local>, function: &'static upstream_registry::Function) {
    let Some(minutes) = function.schedule().and_then(rate_minutes) else {
        eprintln!("{}: schedule not understood here", function.spec.name);
        return;
    };
    let rule = format!(
        "arn:aws:events:ap-southeast-3:000000000000:rule/upstream-local-{}",
        function.spec.name
    );
    let mut every = tokio::time::interval(std::time::Duration::from_secs(minutes * 60));
    every.tick().await;
    loop {
        every.tick().await;
        let event = event::scheduled_event(chrono::Utc::now(), &rule);
        let Some(run) = function.run(&local.stack, event) else {
            return;
        };
        if let Err(err) = run.await {
            eprintln!("{}: {err}", function.spec.name);
        }
    }
}

/// `rate(N minute)` / `rate(N minutes)` → N.
fn rate_minutes(expression: &str) -> Option<u64> {
    let inner = expression.strip_prefix("rate(")?.strip_suffix(')')?;
    let (n, unit) = inner.split_once(' ')?;
    matches!(unit, "minute" | "minutes")
        .then(|| n.parse().ok())
        .flatten()
        .filter(|n| *n > 0)
}

fn random_secret() -> String {
    let mut b = [0u8; 16];
    getrandom::fill(&mut b).expect("random source");
    b.iter().map(|x| format!("{x:02x}")).collect()
}

#[cfg(test)]
mod tests {
    #[test]
    fn rate_expressions_in_minutes() {
        assert_eq!(super::rate_minutes("rate(1 minute)"), Some(1));
        assert_eq!(super::rate_minutes("rate(5 minutes)"), Some(5));
        assert_eq!(super::rate_minutes("rate(0 minutes)"), None);
        assert_eq!(super::rate_minutes("cron(* * * * ? *)"), None);
        assert_eq!(super::rate_minutes("rate(1 hour)"), None);
    }
}
