//! `upstream dev`: the whole product on loopback over DynamoDB Local, through the real handlers, as
//! its `template.yaml` declares it: each function with its environment and its IAM policy enforced,
//! the HTTP API's routes and CORS answered as API Gateway answers them.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use chrono::TimeDelta;
use http_body_util::Full;
use hyper::body::Bytes;
use upstream_local::http_api::{self, HttpApi};
use upstream_local::template::{LocalValues, Template};
use upstream_local::{DynamoLocal, Storage, local_dir};
use upstream_registry::Stack;
use upstream_session::catalog::parse_catalog;
use upstream_session::playback::SigningKey;
use upstream_session::qris::DEMO_STATIC;
use upstream_session::store::{TABLE, Timeouts, local_client_with};
use upstream_session::{Policy, Store};

use crate::dev_functions::{Functions, parameters_from_env, set_var};
use crate::gateway_sim::{self, Gateway};
use crate::{api_gateway, page, routes, server};

const SAMPLE_CATALOG: &str = include_str!("../../streams.sample.json");
/// The checkout's template, for a binary run away from its checkout.
const BUILT_TEMPLATE: &str = include_str!("../../../template.yaml");

/// `upstream dev [--port 3001] [--data DIR] [--in-memory] [--template PATH] [--page-port P]`.
#[derive(clap::Args)]
pub struct DevArgs {
    #[arg(long, default_value_t = 3001)]
    pub port: u16,
    /// The SAM template the stack is built from (default: template.yaml of the checkout this binary
    /// was built from, else the copy built in): the HTTP API's routes and CORS, each function's
    /// environment, and its IAM policy — its DynamoDB calls go through a proxy that enforces its
    /// Policies as IAM does (a call outside them gets AccessDeniedException). Template parameters come
    /// from the environment variables the functions read (QRIS_STATIC_PAYLOAD, WEBHOOK_SECRET,
    /// ALLOWED_ORIGINS, PLAYBACK_ISSUER, OME_SECRET_KEY, the policy windows, …) or their defaults;
    /// PaymentProvider from --provider. Set by the stack over the template: TABLE_NAME,
    /// DYNAMODB_ENDPOINT (the function's IAM proxy), the gateway simulator's MIDTRANS_API_BASE /
    /// XENDIT_API_BASE; secret references resolve to the local playback key and the simulator's keys.
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
    /// The functions' environments and IAM proxies, kept for the stack's life.
    _functions: Functions,
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
    // Before anything starts: a template that cannot be read is the user's to fix.
    let (template_text, template_name) = template(args.template.as_deref())?;
    let template = Template::parse(&template_text).map_err(|e| {
        format!("{template_name}: {e} (pass --template PATH to use another SAM template)")
    })?;
    let dynamo = DynamoLocal::start(storage).map_err(|e| e.to_string())?;
    let rt = tokio::runtime::Runtime::new().map_err(|e| e.to_string())?;
    let result = rt.block_on(serve(
        &args,
        &dynamo,
        key_file,
        (&template, &template_text, &template_name),
    ));
    drop(rt);
    dynamo.stop();
    eprintln!("Stopped.");
    result
}

/// What a local gateway sets: the template's secret references to its keys (by key), the
/// variables the stack sets over the template (its API base), its URL.
struct LocalGateway {
    secrets: BTreeMap<String, String>,
    overrides: BTreeMap<String, String>,
    url: Option<String>,
}

/// Starts the gateway simulator on a free loopback port (when a gateway is chosen).
async fn local_gateway(provider: &str, port: u16) -> Result<LocalGateway, String> {
    let gateway = match provider {
        "midtrans" => Gateway::Midtrans {
            server_key: gateway_sim::DEV_MIDTRANS_SERVER_KEY.into(),
        },
        "xendit" => Gateway::Xendit {
            secret_key: gateway_sim::DEV_XENDIT_SECRET_KEY.into(),
            callback_token: gateway_sim::DEV_XENDIT_CALLBACK_TOKEN.into(),
        },
        _ => {
            return Ok(LocalGateway {
                secrets: BTreeMap::new(),
                overrides: BTreeMap::new(),
                url: None,
            });
        }
    };
    let listener = server::bind(0).await?;
    let sim = format!(
        "http://{}",
        listener.local_addr().map_err(|e| e.to_string())?
    );
    let callback = format!("http://127.0.0.1:{port}/api/payment-callback/{provider}");
    tokio::spawn(gateway_sim::serve(listener, gateway, callback));
    let own = |pairs: &[(&str, &str)]| -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    };
    Ok(LocalGateway {
        // The keys of `{{resolve:secretsmanager:…:SecretString:KEY}}` in the template.
        secrets: own(&[
            ("serverKey", gateway_sim::DEV_MIDTRANS_SERVER_KEY),
            ("secretKey", gateway_sim::DEV_XENDIT_SECRET_KEY),
            ("callbackToken", gateway_sim::DEV_XENDIT_CALLBACK_TOKEN),
        ]),
        overrides: own(&[("MIDTRANS_API_BASE", &sim), ("XENDIT_API_BASE", &sim)]),
        url: Some(sim),
    })
}

/// The playback signing key: `PLAYBACK_SIGNING_KEY`, else the one kept in the data dir (created on
/// first start, mode 0600), else (in memory) a fresh one.
fn signing_key(key_file: Option<PathBuf>) -> Result<SigningKey, String> {
    if let Some(pem) = set_var("PLAYBACK_SIGNING_KEY") {
        return SigningKey::from_pkcs8_pem(&pem.replace("\\n", "\n"))
            .map_err(|e| format!("PLAYBACK_SIGNING_KEY is not a usable key: {e}"));
    }
    Ok(match key_file {
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
    })
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
    (template, template_text, template_name): (&Template, &str, &str),
) -> Result<(), String> {
    let port = args.port;
    let provider = args.provider.as_str();
    let origins = allowed_origins(port, args.page_port);
    let gateway = local_gateway(provider, port).await?;
    // The stack's own setup (the table, the sample catalog), not a function: a JVM just started on a
    // busy machine may take longer than the deployed 3 s for its first answers.
    let client = local_client_with(&dynamo.endpoint(), Timeouts::RELAXED);
    let table = std::env::var("TABLE_NAME").unwrap_or_else(|_| "upstream-local".into());
    TABLE
        .create(&client, &table)
        .await
        .map_err(|e| e.to_string())?;
    let store = Store::new(client, table.clone(), Policy::default());
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
    let base = format!("http://127.0.0.1:{port}");
    let key = signing_key(key_file)?;
    let public_keys =
        set_var("PLAYBACK_PUBLIC_KEYS").unwrap_or_else(|| key.verifying_key().to_pem());
    let mut parameters = BTreeMap::from([
        (
            "StaticQrisPayload".to_owned(),
            DEMO_STATIC.trim().to_owned(),
        ),
        ("PlaybackIssuer".to_owned(), base.clone()),
        ("PaymentProvider".to_owned(), provider.to_owned()),
    ]);
    parameters.extend(parameters_from_env());
    parameters.insert("AllowedOrigins".into(), origins.clone());
    let secret = parameters
        .get("WebhookSecret")
        .filter(|s| s.len() >= 16)
        .cloned()
        .unwrap_or_else(random_secret);
    parameters.insert("WebhookSecret".into(), secret.clone());
    let mut secrets = gateway.secrets;
    secrets.insert("signingKey".into(), key.to_pkcs8_pem());
    secrets.insert("publicKeys".into(), public_keys);
    let values = LocalValues {
        table: table.clone(),
        parameters,
        stack_name: "upstream-local".into(),
        region: "ap-southeast-3".into(),
        secrets,
    };
    let mut overrides = gateway.overrides;
    overrides.insert("TABLE_NAME".into(), table.clone());
    let http_api = HttpApi::from_template(template_text, &values)
        .map_err(|e| format!("{template_name}: {e}"))?;
    api_gateway::check_functions(&http_api)?;
    let function_urls = http_api::function_urls(template_text).map_err(|e| e.to_string())?;
    let functions = Functions::new(template, &values, &dynamo.endpoint(), &overrides)
        .map_err(|e| format!("{template_name}: {e}"))?;
    // Locally a catalog edit (price, mediaPath) shows at once: no cache.
    let mut stack = Stack::new(functions.inputs(TimeDelta::zero(), true)?);
    functions.configure(&mut stack)?;
    let local = Arc::new(Local {
        stack,
        openapi: routes::openapi_json(),
        http_api,
        function_urls,
        _functions: functions,
    });
    let listener = server::bind(port).await?;
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
        "  Playback JWKS: {base}/api/.well-known/jwks.json (kid {})",
        key.kid()
    );
    println!(
        "  Template:     {template_name} ({} HTTP API routes, CORS allows {origins}; each function's environment, its IAM policy enforced)",
        local.http_api.routes.len()
    );
    println!("  Webhook secret (WEBHOOK_SECRET): {secret}");
    if let Some(sim) = &gateway.url {
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
