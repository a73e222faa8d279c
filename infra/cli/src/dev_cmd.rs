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
use upstream_local::moto::Moto;
use upstream_local::template::{LocalValues, Template};
use upstream_local::{DynamoLocal, Storage, local_dir};
use upstream_registry::Stack;
use upstream_session::catalog::parse_catalog;
use upstream_session::provider::PaymentProvider;
use upstream_session::qris::DEMO_STATIC;
use upstream_session::store::{TABLE, Timeouts, local_client_with};
use upstream_session::{Policy, Store};

use crate::dev_functions::{Functions, parameters_from_env};
use crate::{api_gateway, dev_gateway, dev_schedule, dev_secrets, page, routes, server};

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
    /// How viewers are identified (the template's ViewerAuth): `anonymous`, or `oidc`: a local OpenID
    /// provider (infra/oidc, panva's oidc-provider) is started with the stack and the HTTP API's JWT
    /// authorizer is emulated from the template on the viewer routes.
    #[arg(long, default_value = "anonymous", value_parser = ["anonymous", "oidc"])]
    pub auth: String,
}

/// Everything the local stack serves with.
struct Local {
    /// Every function's state.
    stack: Stack,
    /// The OpenAPI document, built once.
    openapi: String,
    /// The template's HTTP API: which route runs which function, and its CORS.
    http_api: HttpApi,
    /// Its JWT authorizers, emulated.
    authorizers: BTreeMap<String, Arc<upstream_local::jwt_authorizer::JwtAuthorizer>>,
    /// The functions reached at their own Function URL (mounted on the stack's port).
    function_urls: Vec<String>,
    /// The functions' environments and IAM proxies, kept for the stack's life.
    _functions: Functions,
}

impl AsRef<Stack> for Local {
    fn as_ref(&self) -> &Stack {
        &self.stack
    }
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
    // Before anything starts: a template that cannot be read is the user's to fix.
    let (template_text, template_name) = template(args.template.as_deref())?;
    let template = Template::parse(&template_text).map_err(|e| {
        format!("{template_name}: {e} (pass --template PATH to use another SAM template)")
    })?;
    let dynamo = DynamoLocal::start(storage).map_err(|e| e.to_string())?;
    let rt = tokio::runtime::Runtime::new().map_err(|e| e.to_string())?;
    let result = rt.block_on(serve(
        &args,
        (&dynamo, &moto),
        key_file,
        (&template, &template_text, &template_name),
    ));
    drop(rt);
    moto.stop();
    dynamo.stop();
    eprintln!("Stopped.");
    result
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
    (dynamo, moto): (&DynamoLocal, &Moto),
    key_file: Option<PathBuf>,
    (template, template_text, template_name): (&Template, &str, &str),
) -> Result<(), String> {
    let port = args.port;
    let provider = args.provider.as_str();
    let origins = allowed_origins(port, args.page_port);
    let gateway = dev_gateway::choose(provider, port).await?;
    // The stack's own setup (the table, the sample catalog), not a function: a JVM just started on a
    // busy machine may take longer than the deployed 3 s for its first answers.
    let setup = local_client_with(&dynamo.endpoint(), Timeouts::RELAXED);
    let table = std::env::var("TABLE_NAME").unwrap_or_else(|_| "upstream-local".into());
    TABLE
        .create(&setup, &table)
        .await
        .map_err(|e| e.to_string())?;
    let seed = Store::new(setup, table.clone(), Policy::default());
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
    let base = format!("http://127.0.0.1:{port}");
    // The secrets in moto, read back through the functions' own init path.
    let secrets = dev_secrets::load(moto, &gateway, &dynamo.endpoint(), port, key_file).await?;
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
    // Signed-in viewers: a real OpenID provider on loopback, stopped with the stack.
    let oidc = match args.auth.as_str() {
        "oidc" => {
            let mut options = upstream_local::oidc::OidcOptions::new(format!("{base}/"));
            options.redirect_uris.extend(
                origins
                    .split(',')
                    .map(|o| format!("{}/", o.trim().trim_end_matches('/')))
                    .filter(|o| *o != format!("{base}/")),
            );
            let provider = tokio::task::spawn_blocking(move || {
                upstream_local::oidc::OidcProvider::start(&options)
            })
            .await
            .map_err(|e| e.to_string())?
            .map_err(|e| e.to_string())?;
            parameters.insert("ViewerAuth".into(), "oidc".into());
            parameters.insert("OidcIssuer".into(), provider.issuer().to_owned());
            parameters.insert("OidcAudience".into(), provider.audience().to_owned());
            Some(provider)
        }
        _ => None,
    };
    let values = LocalValues {
        table: table.clone(),
        parameters,
        stack_name: dev_secrets::STACK.into(),
        region: upstream_local::moto::REGION.into(),
        secrets: BTreeMap::new(),
    };
    let mut overrides: BTreeMap<String, String> = gateway
        .settings
        .iter()
        .map(|(k, v)| ((*k).to_owned(), v.clone()))
        .collect();
    overrides.insert("TABLE_NAME".into(), table.clone());
    let http_api = HttpApi::from_template(template_text, &values)
        .map_err(|e| format!("{template_name}: {e}"))?;
    api_gateway::check_functions(&http_api)?;
    let function_urls = http_api::function_urls(template_text).map_err(|e| e.to_string())?;
    let functions = Functions::new(template, &values, &dynamo.endpoint(), &overrides)
        .map_err(|e| format!("{template_name}: {e}"))?;
    let kid = secrets
        .playback
        .issuer()
        .ok_or("the playback signing key was not read")?
        .key()
        .kid()
        .to_owned();
    let webhook_secret = secrets.webhook_secret.clone();
    let provider = secrets.provider.clone();
    // Locally a catalog edit (price, mediaPath) shows at once: no cache.
    let mut stack = Stack::new(functions.inputs(secrets, TimeDelta::zero(), true)?);
    functions.configure(&mut stack)?;
    let local = Arc::new(Local {
        stack,
        openapi: routes::openapi_json(),
        authorizers: api_gateway::authorizers(&http_api),
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
    if let Some(provider) = &oidc {
        println!(
            "  Sign-in:      OpenID provider {} (client {}, audience {})",
            provider.issuer(),
            provider.client_id(),
            provider.audience()
        );
    }
    println!(
        "  API base:     {base}/api  (OpenAPI: {base}{})",
        routes::OPENAPI_PATH
    );
    println!("  Playback JWKS: {base}/api/.well-known/jwks.json (kid {kid})");
    println!(
        "  Template:     {template_name} ({} HTTP API routes, CORS allows {origins}; each function's environment, its IAM policy enforced)",
        local.http_api.routes.len()
    );
    println!(
        "  Secrets: Secrets Manager on moto at {} ({}/…)",
        moto.endpoint(),
        dev_secrets::STACK
    );
    print_gateway(&provider, gateway.simulator.as_deref());
    match &webhook_secret {
        Some(secret) => println!("  Webhook secret (WEBHOOK_SECRET): {secret}"),
        None => {
            println!("  Generic webhook: closed next to the gateway (GENERIC_WEBHOOK=on opens it)")
        }
    }
    println!("Approve a payment:  upstream approve 2 --local {base} [--user USER_ID]");
    if let Some(secret) = &webhook_secret {
        println!(
            "Signed webhook:     WEBHOOK_SECRET={secret} upstream webhook --api {base} --trx TRX_ID --amount 1000"
        );
    }
    dev_schedule::start(&local);
    println!("Stop with Ctrl-C.");
    server::serve(listener, move |req| {
        let local = local.clone();
        async move { dispatch(&local, req).await }
    })
    .await;
    Ok(())
}

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

/// Serves the viewer pages on `127.0.0.1:port`, calling the API at `api`; returns its URL.
async fn serve_page(port: u16, api: &str) -> Result<String, String> {
    let listener = server::bind(port).await?;
    let api: Arc<str> = api.into();
    tokio::spawn(server::serve(listener, move |req| {
        let api = api.clone();
        async move {
            match page::asset(req.uri().path(), &api) {
                Some((kind, bytes)) => server::text(200, kind, bytes.into_owned()),
                None => server::text(404, "text/plain; charset=utf-8", b"not found".to_vec()),
            }
        }
    }));
    Ok(format!("http://localhost:{port}/"))
}

/// The pages and the OpenAPI document, the paths of the functions with a Function URL (the admin's,
/// mounted on this port), and everything else through the template's HTTP API.
async fn dispatch(local: &Local, req: server::Simple) -> hyper::Response<Full<Bytes>> {
    let path = req.uri().path().to_owned();
    if let Some((kind, bytes)) = page::asset(&path, "") {
        return server::text(200, kind, bytes.into_owned());
    }
    if path == routes::OPENAPI_PATH {
        return server::text(200, "application/json", local.openapi.clone().into_bytes());
    }
    let own_url = upstream_registry::FUNCTIONS.iter().find(|f| {
        local.function_urls.iter().any(|name| name == f.spec.name) && f.spec.serves(&path)
    });
    if let Some(function) = own_url {
        let (status, headers, body) = api_gateway::invoke(function, &local.stack, req, None).await;
        return api_gateway::respond(status, headers, body);
    }
    api_gateway::handle(&local.http_api, &local.authorizers, &local.stack, req).await
}

/// 32 random hex digits.
pub(crate) fn random_secret() -> String {
    let mut b = [0u8; 16];
    getrandom::fill(&mut b).expect("random source");
    b.iter().map(|x| format!("{x:02x}")).collect()
}
