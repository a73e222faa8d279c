//! `upstream dev`: the whole product on loopback over DynamoDB Local, through the real handlers, each
//! function with the environment and the IAM policy its `template.yaml` resource declares.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;

use chrono::TimeDelta;
use http_body_util::Full;
use hyper::body::Bytes;
use upstream_local::template::{LocalValues, Template};
use upstream_local::{DynamoLocal, Storage, local_dir};
use upstream_registry::Stack;
use upstream_session::catalog::parse_catalog;
use upstream_session::edge::event;
use upstream_session::playback::SigningKey;
use upstream_session::qris::DEMO_STATIC;
use upstream_session::store::{TABLE, Timeouts, local_client_with};
use upstream_session::{Policy, Store};

use crate::dev_functions::{Functions, parameters_from_env, set_var};

use crate::gateway_sim::{self, Gateway};
use crate::{routes, server};
use upstream_session::ErrorCode;

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
    /// The SAM template each function's environment and IAM policy come from (default: template.yaml
    /// of the checkout this binary was built from). Its DynamoDB calls go through a proxy that
    /// enforces its Policies as IAM does (a call outside them gets AccessDeniedException). Template
    /// parameters come from the environment variables the functions read (QRIS_STATIC_PAYLOAD,
    /// WEBHOOK_SECRET, ALLOWED_ORIGINS, PLAYBACK_ISSUER, OME_SECRET_KEY, the policy windows, …) or
    /// their defaults; PaymentProvider from --provider. Set by the stack over the template:
    /// TABLE_NAME, DYNAMODB_ENDPOINT (the function's IAM proxy), the gateway simulator's
    /// MIDTRANS_API_BASE / XENDIT_API_BASE; secret references resolve to the local playback key and
    /// the simulator's keys.
    #[arg(long, value_name = "PATH")]
    pub template: Option<PathBuf>,
}

/// Everything the local stack serves with.
struct Local {
    /// Every function's state.
    stack: Stack,
    /// The OpenAPI document, built once.
    openapi: String,
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
    let template_path = args
        .template
        .clone()
        .unwrap_or_else(|| upstream_local::lambda::repo_root().join("template.yaml"));
    // Before anything starts: a template that cannot be read is the user's to fix.
    let template = Template::load(&template_path)
        .map_err(|e| format!("{e} (pass --template PATH to use another SAM template)"))?;
    let dynamo = DynamoLocal::start(storage).map_err(|e| e.to_string())?;
    let rt = tokio::runtime::Runtime::new().map_err(|e| e.to_string())?;
    let result = rt.block_on(serve(
        args.port,
        &args.provider,
        &dynamo,
        key_file,
        (&template, &template_path),
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

async fn serve(
    port: u16,
    provider: &str,
    dynamo: &DynamoLocal,
    key_file: Option<PathBuf>,
    (template, template_path): (&Template, &std::path::Path),
) -> Result<(), String> {
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
        (
            "AllowedOrigins".to_owned(),
            format!("{base},http://localhost:{port}"),
        ),
        ("PlaybackIssuer".to_owned(), base.clone()),
        ("PaymentProvider".to_owned(), provider.to_owned()),
    ]);
    parameters.extend(parameters_from_env());
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
    let functions = Functions::new(template, &values, &dynamo.endpoint(), &overrides)
        .map_err(|e| format!("{}: {e}", template_path.display()))?;
    // Locally a catalog edit (price, mediaPath) shows at once: no cache.
    let mut stack = Stack::new(functions.inputs(TimeDelta::zero(), true)?);
    functions.configure(&mut stack)?;
    let local = Arc::new(Local {
        stack,
        openapi: routes::openapi_json(),
        _functions: functions,
    });
    let listener = server::bind(port).await?;
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
        key.kid()
    );
    println!(
        "  Template:     {} (each function's environment; its IAM policy enforced)",
        template_path.display()
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

fn random_secret() -> String {
    let mut b = [0u8; 16];
    getrandom::fill(&mut b).expect("random source");
    b.iter().map(|x| format!("{x:02x}")).collect()
}
