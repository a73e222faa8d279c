//! `upstream dev`: the whole product on loopback over DynamoDB Local, through the real handlers.

use std::path::PathBuf;
use std::sync::Arc;

use chrono::TimeDelta;
use http_body_util::Full;
use hyper::body::Bytes;
use upstream_local::moto::Moto;
use upstream_local::{DynamoLocal, Storage, local_dir};
use upstream_registry::{Inputs, Stack};
use upstream_session::catalog::parse_catalog;
use upstream_session::edge::{Cors, event};
use upstream_session::qris::DEMO_STATIC;
use upstream_session::store::{TABLE, Timeouts, local_client, local_client_with};
use upstream_session::{Policy, SessionManager, Store, SystemClock};

use crate::{dev_gateway, dev_secrets, routes, server};
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
    /// `upstream webhook`), or `midtrans` / `xendit`: the gateway whose key is in the environment
    /// (`MIDTRANS_SERVER_KEY` [`MIDTRANS_API_BASE`]; `XENDIT_SECRET_KEY`, `XENDIT_CALLBACK_TOKEN`
    /// [`XENDIT_API_BASE`]), else a local simulator started with the stack (its page shows the orders
    /// with a Pay button).
    #[arg(long, env = "PAYMENT_PROVIDER", default_value = "static", value_parser = ["static", "midtrans", "xendit"])]
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
    // moto first: its start (and its first request) is a burst of CPU that must not meet DynamoDB
    // Local's cold first requests.
    eprintln!("Starting moto's server (Secrets Manager)…");
    let moto = Moto::start().map_err(|e| e.to_string())?;
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
    let result = rt.block_on(serve(args.port, &args.provider, &dynamo, &moto, key_file));
    drop(rt);
    moto.stop();
    dynamo.stop();
    eprintln!("Stopped.");
    result
}

async fn serve(
    port: u16,
    provider: &str,
    dynamo: &DynamoLocal,
    moto: &Moto,
    key_file: Option<PathBuf>,
) -> Result<(), String> {
    let gateway = dev_gateway::choose(provider, port).await?;
    let client = local_client(&dynamo.endpoint());
    let table = std::env::var("TABLE_NAME").unwrap_or_else(|_| "upstream-local".into());
    // A DynamoDB Local just started answers its first requests slowly (a cold JVM, on a busy machine
    // for seconds): the setup may wait longer than a request of the stack.
    let setup = local_client_with(&dynamo.endpoint(), Timeouts::RELAXED);
    TABLE
        .create(&setup, &table)
        .await
        .map_err(|e| e.to_string())?;
    let policy = Policy::from_env().map_err(|e| e.to_string())?;
    let store = Store::new(client, table.clone(), policy);
    let seed = Store::new(setup, table.clone(), policy);
    if seed
        .list_streams()
        .await
        .map_err(|e| e.to_string())?
        .is_empty()
    {
        for stream in parse_catalog(SAMPLE_CATALOG).map_err(|e| e.to_string())? {
            seed.put_stream(&stream).await.map_err(|e| e.to_string())?;
        }
    }
    let secrets = dev_secrets::load(moto, &gateway, &dynamo.endpoint(), port, key_file).await?;
    let manager = SessionManager::new(store.clone(), Arc::new(SystemClock));
    let qris = generate_qris::static_qris(
        std::env::var("QRIS_STATIC_PAYLOAD")
            .as_deref()
            .unwrap_or(DEMO_STATIC),
    )
    .map_err(|e| e.to_string())?;
    let origins = std::env::var("ALLOWED_ORIGINS")
        .unwrap_or_else(|_| format!("http://127.0.0.1:{port},http://localhost:{port}"));
    let cors = Cors::new(&origins);
    let issuer = secrets
        .playback
        .issuer()
        .ok_or("the playback signing key was not read")?;
    let local = Arc::new(Local {
        stack: Stack::new(Inputs {
            manager,
            cors,
            qris,
            // Locally a catalog edit (price, mediaPath) shows at once: no cache.
            catalog_cache: TimeDelta::zero(),
            provider: secrets.provider.clone(),
            webhook_secret: secrets.webhook_secret.clone().map(String::into_bytes),
            playback: secrets.playback,
            playback_tokens: true,
            playback_prefix: std::env::var("PLAYBACK_PATH_PREFIX")
                .unwrap_or_else(|_| "/hls/".into()),
            ome_secret: secrets.ome_secret,
            allow_local: true,
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
    println!(
        "  Secrets: Secrets Manager on moto at {} ({}/…)",
        moto.endpoint(),
        dev_secrets::STACK
    );
    print_gateway(&secrets.provider, gateway.simulator.as_deref());
    match &secrets.webhook_secret {
        Some(secret) => println!("  Webhook secret (WEBHOOK_SECRET): {secret}"),
        None => {
            println!("  Generic webhook: closed next to the gateway (GENERIC_WEBHOOK=on opens it)")
        }
    }
    println!("Approve a payment:  upstream approve 2 --local {base} [--user USER_ID]");
    if let Some(secret) = &secrets.webhook_secret {
        println!(
            "Signed webhook:     WEBHOOK_SECRET={secret} upstream webhook --api {base} --trx TRX_ID --amount 1000"
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

/// The banner's gateway line: the simulator, or the endpoint the environment named.
fn print_gateway(provider: &PaymentProvider, simulator: Option<&str>) {
    let base = match provider {
        PaymentProvider::Static => return,
        PaymentProvider::Midtrans(m) => m.api_base(),
        PaymentProvider::Xendit(x) => x.api_base(),
    };
    match simulator {
        Some(sim) => println!(
            "  Gateway simulator: {sim}  (its page pays orders; or: upstream gateway-sim pay TRX_ID --sim {sim})"
        ),
        None => println!(
            "  Payment gateway: {} at {base}  (its key from the environment; no simulator)",
            provider.name()
        ),
    }
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
    let resp = function.handle(&local.stack, request).await;
    let (parts, body) = resp.into_parts();
    let bytes: Vec<u8> = body.as_ref().to_vec();
    let mut out = hyper::Response::builder().status(parts.status.as_u16());
    for (k, v) in parts.headers.iter() {
        out = out.header(k.as_str(), v.as_bytes());
    }
    out.body(Full::new(Bytes::from(bytes)))
        .unwrap_or_else(|_| server::text(500, "text/plain", b"bad response".to_vec()))
}
