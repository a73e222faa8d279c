//! `upstream dev`: the whole product on loopback over DynamoDB Local, through the real handlers.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use chrono::TimeDelta;
use http_body_util::Full;
use hyper::body::Bytes;
use upstream_local::http_api::{self, HttpApi};
use upstream_local::template::LocalValues;
use upstream_local::{DynamoLocal, Storage, local_dir};
use upstream_registry::{Inputs, Stack};
use upstream_session::catalog::parse_catalog;
use upstream_session::edge::Cors;
use upstream_session::edge::playback::PlaybackEnv;
use upstream_session::playback::SigningKey;
use upstream_session::qris::DEMO_STATIC;
use upstream_session::store::{TABLE, Timeouts, local_client, local_client_with};
use upstream_session::{Policy, SessionManager, Store, SystemClock};

use crate::gateway_sim::{self, Gateway};
use crate::{api_gateway, page, routes, server};
use upstream_session::provider::PaymentProvider;

const SAMPLE_CATALOG: &str = include_str!("../../streams.sample.json");
/// The checkout's template, for a binary run away from its checkout.
const BUILT_TEMPLATE: &str = include_str!("../../../template.yaml");

/// `upstream dev [--port 3001] [--data DIR] [--in-memory] [--template PATH] [--page-port P]`.
#[derive(clap::Args)]
pub struct DevArgs {
    #[arg(long, default_value_t = 3001)]
    pub port: u16,
    /// The SAM template whose HTTP API (routes, CORS) the stack serves (default: the checkout's
    /// template.yaml).
    #[arg(long)]
    pub template: Option<PathBuf>,
    /// Also serve the viewer page on this loopback port, calling the API on --port: another origin,
    /// so the browser makes the CORS preflights a deployed page makes (its origins are allowed).
    #[arg(long)]
    pub page_port: Option<u16>,
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
    /// The template's HTTP API: which route runs which function, and its CORS.
    http_api: HttpApi,
    /// The functions reached at their own Function URL (mounted on the stack's port).
    function_urls: Vec<String>,
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
    let result = rt.block_on(serve(&args, &dynamo, key_file));
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

/// The template the stack serves: `--template`, else the checkout's, else the one it was built with;
/// with the name it is shown by.
fn template(arg: Option<&Path>) -> Result<(String, String), String> {
    let path = match arg {
        Some(path) => path.to_owned(),
        None => Path::new(env!("CARGO_MANIFEST_DIR")).join("../../template.yaml"),
    };
    match std::fs::read_to_string(&path) {
        Ok(text) => {
            let shown = std::fs::canonicalize(&path).unwrap_or(path);
            Ok((text, shown.display().to_string()))
        }
        Err(_) if arg.is_none() => {
            Ok((BUILT_TEMPLATE.to_owned(), "template.yaml (built in)".into()))
        }
        Err(e) => Err(format!("{}: {e}", path.display())),
    }
}

/// The origins allowed to call the API (the template's `AllowedOrigins`): `ALLOWED_ORIGINS`, else
/// the stack's own loopback origins; the page port's always.
fn allowed_origins(port: u16, page_port: Option<u16>) -> String {
    let loopback = |p: u16| format!("http://127.0.0.1:{p},http://localhost:{p}");
    let mut origins = std::env::var("ALLOWED_ORIGINS").unwrap_or_else(|_| loopback(port));
    if let Some(p) = page_port {
        origins = format!("{origins},{}", loopback(p));
    }
    origins
}

async fn serve(
    args: &DevArgs,
    dynamo: &DynamoLocal,
    key_file: Option<PathBuf>,
) -> Result<(), String> {
    let port = args.port;
    let (template_text, template_name) = template(args.template.as_deref())?;
    let origins = allowed_origins(port, args.page_port);
    let values = LocalValues {
        parameters: BTreeMap::from([("AllowedOrigins".to_owned(), origins.clone())]),
        ..LocalValues::default()
    };
    let http_api = HttpApi::from_template(&template_text, &values)
        .map_err(|e| format!("{template_name}: {e}"))?;
    api_gateway::check_functions(&http_api)?;
    let function_urls = http_api::function_urls(&template_text).map_err(|e| e.to_string())?;
    let (provider, sim) = local_gateway(&args.provider, port).await?;
    let client = local_client(&dynamo.endpoint());
    let table = std::env::var("TABLE_NAME").unwrap_or_else(|_| "upstream-local".into());
    // A DynamoDB Local just started (its JVM cold, the machine maybe busy) may take seconds to
    // answer its first request: the setup waits longer than a function's calls do.
    let setup = local_client_with(&dynamo.endpoint(), Timeouts::RELAXED);
    TABLE
        .create(&setup, &table)
        .await
        .map_err(|e| e.to_string())?;
    let policy = Policy::from_env().map_err(|e| e.to_string())?;
    let seeding = Store::new(setup, table.clone(), policy);
    if seeding
        .list_streams()
        .await
        .map_err(|e| e.to_string())?
        .is_empty()
    {
        for stream in parse_catalog(SAMPLE_CATALOG).map_err(|e| e.to_string())? {
            seeding
                .put_stream(&stream)
                .await
                .map_err(|e| e.to_string())?;
        }
    }
    let store = Store::new(client, table.clone(), policy);
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
        }),
        openapi: routes::openapi_json(),
        http_api,
        function_urls,
    });
    let listener = server::bind(port).await?;
    let base = format!("http://127.0.0.1:{port}");
    let page_url = match args.page_port {
        Some(page_port) => Some(serve_page(page_port, &base).await?),
        None => None,
    };
    println!(
        "Upstream Pay local stack (DynamoDB Local at {}, table {table})",
        dynamo.endpoint()
    );
    println!("  Viewer page:  {base}/");
    if let Some(url) = &page_url {
        println!(
            "  Viewer page on another origin: {url}  (calls the API at {base}: CORS as deployed)"
        );
    }
    println!("  Admin page:   {base}/admin/approve");
    println!(
        "  API base:     {base}/api  (OpenAPI: {base}{})",
        routes::OPENAPI_PATH
    );
    println!(
        "  HTTP API:     {} routes of {template_name}; CORS allows {origins}",
        local.http_api.routes.len()
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
    println!("Stop with Ctrl-C.");
    server::serve(listener, move |req| {
        let local = local.clone();
        async move { dispatch(&local, req).await }
    })
    .await;
    Ok(())
}

/// Serves the viewer page on `127.0.0.1:port`, calling the API at `api`; returns its URL.
async fn serve_page(port: u16, api: &str) -> Result<String, String> {
    let listener = server::bind(port).await?;
    let viewer: Arc<str> = page::viewer_calling(api).into();
    tokio::spawn(server::serve(listener, move |req| {
        let viewer = viewer.clone();
        async move {
            match page::asset(req.uri().path(), &viewer) {
                Some((kind, bytes)) => server::text(200, kind, bytes.to_vec()),
                None => server::text(404, "text/plain; charset=utf-8", b"not found".to_vec()),
            }
        }
    }));
    Ok(format!("http://localhost:{port}/"))
}

/// The page and the OpenAPI document, the paths of the functions with a Function URL (the admin's,
/// mounted on this port), and everything else through the template's HTTP API.
async fn dispatch(local: &Local, req: server::Simple) -> hyper::Response<Full<Bytes>> {
    let path = req.uri().path().to_owned();
    if let Some((kind, bytes)) = page::asset(&path, page::VIEWER) {
        return server::text(200, kind, bytes.to_vec());
    }
    if path == routes::OPENAPI_PATH {
        return server::text(200, "application/json", local.openapi.clone().into_bytes());
    }
    let own_url = upstream_registry::FUNCTIONS.iter().find(|f| {
        local.function_urls.iter().any(|name| name == f.spec.name) && f.spec.serves(&path)
    });
    if let Some(function) = own_url {
        let (status, headers, body) = api_gateway::invoke(function, &local.stack, req).await;
        return api_gateway::respond(status, headers, body);
    }
    api_gateway::handle(&local.http_api, &local.stack, req).await
}

/// 32 random hex digits.
pub(crate) fn random_secret() -> String {
    let mut b = [0u8; 16];
    getrandom::fill(&mut b).expect("random source");
    b.iter().map(|x| format!("{x:02x}")).collect()
}
