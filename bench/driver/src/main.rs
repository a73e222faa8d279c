//! `infra/bench`'s driver: every function's release bootstrap and three reference functions (built
//! with the same profile) run under the same Runtime Interface Emulator and the same DynamoDB Local,
//! measured in interleaved rounds: cold (fresh process: init + first request), warm (sequential
//! invocations), peak RSS (VmHWM) and zipped size. Prints a table and the ratios, writes JSON.
//!
//! `upstream-bench [--cold N] [--warm N] [--out FILE]`; the bootstraps must be built (infra/bench does).

mod report;

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use upstream_local::lambda::{Emulator, LocalTarget, bootstrap, bundle_size, function_environment};
use upstream_local::moto::{Moto, REGION};
use upstream_local::template::LocalValues;
use upstream_local::{DynamoLocal, Storage};
use upstream_session::edge::event::http_v2_event;

use report::{Measure, Report};

/// The reference functions (binary names under `target/lambda/`, as the registry's functions).
pub const REFERENCES: [&str; 3] = ["ref-hello", "ref-get-item", "ref-transact-write"];

const SECRET: &str = "bench-webhook-secret-0123456789";
const ORIGIN: &str = "http://127.0.0.1:3001";

struct Args {
    cold: usize,
    warm: usize,
    out: String,
}

fn args() -> Result<Args, String> {
    let mut a = Args {
        cold: 15,
        warm: 1000,
        out: "bench/results.json".into(),
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let mut value = || it.next().ok_or(format!("{flag} needs a value"));
        match flag.as_str() {
            "--cold" => a.cold = value()?.parse().map_err(|e| format!("--cold: {e}"))?,
            "--warm" => a.warm = value()?.parse().map_err(|e| format!("--warm: {e}"))?,
            "--out" => a.out = value()?,
            other => return Err(format!("unknown argument {other}")),
        }
    }
    Ok(a)
}

fn main() {
    if let Err(e) = run() {
        eprintln!("error: {e}");
        std::process::exit(1);
    }
}

fn run() -> Result<(), String> {
    let args = args()?;
    for f in upstream_registry::http_names().iter().chain(&REFERENCES) {
        bootstrap(f).map_err(|e| e.to_string())?;
    }
    eprintln!("== DynamoDB Local (in memory), table, sample catalog");
    let dynamo = DynamoLocal::start(Storage::InMemory).map_err(|e| e.to_string())?;
    let table = "bench".to_owned();
    let rt = tokio::runtime::Runtime::new().map_err(|e| e.to_string())?;
    rt.block_on(setup_table(&dynamo.endpoint(), &table))?;
    eprintln!("== moto's server (Secrets Manager), the stack's secrets");
    let moto = Moto::start().map_err(|e| e.to_string())?;
    let key = upstream_session::playback::SigningKey::generate();
    let secrets = upstream_registry::local_secrets(
        "upstream-bench",
        SECRET,
        &key,
        "bench-ome",
        "bench-publish",
    );
    moto.put_secrets(REGION, &secrets)
        .map_err(|e| e.to_string())?;
    let target = LocalTarget {
        values: LocalValues {
            table: table.clone(),
            parameters: BTreeMap::from([
                (
                    "StaticQrisPayload".into(),
                    upstream_session::qris::DEMO_STATIC.trim().into(),
                ),
                ("AllowedOrigins".into(), ORIGIN.into()),
                // Playback tokens live an hour: the verifier's runs reuse one token.
                ("PlaybackTokenTtl".into(), "3600".into()),
            ]),
            stack_name: "upstream-bench".into(),
            region: REGION.into(),
            secrets,
        },
        dynamodb_endpoint: dynamo.endpoint(),
        secrets_endpoint: moto.endpoint(),
    };
    let start = |name: &str| -> Result<Emulator, String> {
        // References take the environment of the function they stand for (TABLE_NAME, region…).
        let like = match name {
            "ref-hello" => "streams",
            "ref-get-item" => "check-access",
            "ref-transact-write" => "generate-qris",
            f => f,
        };
        let (_, env) = function_environment(like, &target, &[]).map_err(|e| e.to_string())?;
        Emulator::start(&bootstrap(name).map_err(|e| e.to_string())?, &env)
            .map_err(|e| format!("{name}: {e}"))
    };

    // A paid session to read (check-access, the GetItem floor, payment-callback), made through the
    // functions themselves: generate-qris, then the admin function's force-approve.
    let events = Events::new(&start)?;

    let names: Vec<&str> = upstream_registry::http_names()
        .into_iter()
        .chain(REFERENCES)
        .collect();
    let mut measures: BTreeMap<String, Measure> = names
        .iter()
        .map(|n| (n.to_string(), Measure::default()))
        .collect();

    eprintln!(
        "== warm: {} sequential invocations per function, interleaved in rounds of 100",
        args.warm
    );
    let emulators: Vec<(&str, Emulator)> = names
        .iter()
        .map(|n| start(n).map(|e| (*n, e)))
        .collect::<Result<_, _>>()?;
    // Warm-up (not recorded): JIT of DynamoDB Local, connections, caches.
    for (name, emu) in &emulators {
        for i in 0..50 {
            invoke_ok(emu, name, &events.event(name, i))?;
        }
    }
    let mut done = 0;
    let mut n = 1_000_000;
    while done < args.warm {
        let round = (args.warm - done).min(100);
        for (name, emu) in &emulators {
            let m = measures.get_mut(*name).expect("known");
            for _ in 0..round {
                n += 1;
                m.warm.push(invoke_ok(emu, name, &events.event(name, n))?);
            }
        }
        done += round;
    }
    for (name, emu) in &emulators {
        measures.get_mut(*name).expect("known").peak_rss_kib = emu.peak_rss_kib();
    }
    drop(emulators);

    eprintln!(
        "== cold: {} fresh processes per function (init + first request), interleaved",
        args.cold
    );
    for round in 0..args.cold {
        for name in &names {
            let emu = start(name)?;
            let elapsed = invoke_ok(&emu, name, &events.event(name, 2_000_000 + round))?;
            let m = measures.get_mut(*name).expect("known");
            m.cold.push(elapsed);
            if let Some(rss) = emu.peak_rss_kib() {
                m.cold_rss_kib = m.cold_rss_kib.max(rss);
            }
        }
    }
    for (name, m) in measures.iter_mut() {
        m.zip_bytes = bundle_size(name);
    }

    let split = cpu_split();
    let report = Report::new(measures, split);
    println!("{}", report.table());
    let json = report.json(&args);
    std::fs::write(
        &args.out,
        serde_json::to_string_pretty(&json).expect("JSON") + "\n",
    )
    .map_err(|e| format!("{}: {e}", args.out))?;
    eprintln!("wrote {}", args.out);
    drop(moto);
    drop(dynamo);
    Ok(())
}

impl report::RunArgs for Args {
    fn cold(&self) -> usize {
        self.cold
    }
    fn warm(&self) -> usize {
        self.warm
    }
}

async fn setup_table(endpoint: &str, table: &str) -> Result<(), String> {
    let client = upstream_session::store::local_client(endpoint);
    upstream_session::store::TABLE
        .create(&client, table)
        .await
        .map_err(|e| e.to_string())?;
    let store = upstream_session::Store::new(client, table.to_owned(), Default::default());
    let catalog = include_str!("../../../infra/streams.sample.json");
    for stream in upstream_session::catalog::parse_catalog(catalog).map_err(|e| e.to_string())? {
        store.put_stream(&stream).await.map_err(|e| e.to_string())?;
    }
    Ok(())
}

/// One invocation that must answer 2xx; its wall time.
fn invoke_ok(emu: &Emulator, name: &str, event: &[u8]) -> Result<Duration, String> {
    let (status, body, elapsed) = emu.invoke_raw(event).map_err(|e| format!("{name}: {e}"))?;
    let answer: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    let code = answer["statusCode"].as_u64().unwrap_or(0);
    if status != 200 || !(200..300).contains(&code) {
        return Err(format!(
            "{name}: unexpected answer {status}/{code}: {}\nlogs:\n{}",
            String::from_utf8_lossy(&body),
            emu.logs()
        ));
    }
    Ok(elapsed)
}

/// The events each function is measured with (serialized once; generate-qris gets a new user each
/// time, so that every invocation creates a session).
struct Events {
    fixed: BTreeMap<&'static str, Vec<u8>>,
}

impl Events {
    fn new(start: &dyn Fn(&str) -> Result<Emulator, String>) -> Result<Self, String> {
        let user_id = format!("bench-owner-{}", std::process::id());
        let generate = start("generate-qris")?;
        let created = call(&generate, &generate_event(&user_id))?;
        drop(generate);
        let session_id = created["data"]["sessionId"]
            .as_str()
            .ok_or("generate-qris returned no sessionId")?
            .to_owned();
        let trx_id = created["data"]["trxId"].as_str().unwrap_or("").to_owned();
        let admin = start("admin")?;
        let approve = iam(http_v2_event(
            "POST",
            "/api/force-approve",
            "",
            &headers(),
            Some(&json!({"sessionId": session_id, "note": "bench"}).to_string()),
        ));
        let paid = call(&admin, &approve)?;
        drop(admin);
        if paid["data"]["status"] != "paid" {
            return Err(format!("force-approve did not pay the session: {paid}"));
        }
        let get = |path: &str, query: String| http_v2_event("GET", path, &query, &headers(), None);
        let access = get(
            "/api/check-access",
            format!("sessionId={session_id}&streamId=2&userId={user_id}"),
        );
        // A playback token from check-access, for the media servers' verifier (nginx hook).
        let check = start("check-access")?;
        let granted = call(&check, &access)?;
        drop(check);
        let token = granted["data"]["playback"]["token"]
            .as_str()
            .ok_or_else(|| format!("check-access issued no playback token: {granted}"))?
            .to_owned();
        let mut hook_headers = headers();
        hook_headers.push(("x-original-uri".into(), "/hls/2/index.m3u8".into()));
        hook_headers.push(("authorization".into(), format!("Bearer {token}")));
        let hook = http_v2_event("GET", "/api/playback-auth/nginx", "", &hook_headers, None);
        let fixed = BTreeMap::from([
            ("check-access", access.clone()),
            ("ref-get-item", access),
            (
                "payment-callback",
                get(
                    "/api/payment-callback",
                    format!("trxId={trx_id}&sessionId={session_id}"),
                ),
            ),
            (
                "user-sessions",
                get("/api/user-sessions", format!("userId={user_id}")),
            ),
            ("streams", get("/api/streams", String::new())),
            ("ref-hello", get("/api/streams", String::new())),
            ("admin", iam(get("/admin/streams", String::new()))),
            ("playback-auth", hook),
        ]);
        Ok(Self {
            fixed: fixed
                .into_iter()
                .map(|(k, v)| (k, v.to_string().into_bytes()))
                .collect(),
        })
    }

    fn event(&self, name: &str, n: usize) -> Vec<u8> {
        match name {
            "generate-qris" | "ref-transact-write" => {
                let user = format!("bench-{}-{n}", std::process::id());
                generate_event(&user).to_string().into_bytes()
            }
            other => self.fixed[other].clone(),
        }
    }
}

fn headers() -> Vec<(String, String)> {
    vec![
        ("content-type".into(), "application/json".into()),
        ("origin".into(), ORIGIN.into()),
    ]
}

fn generate_event(user: &str) -> Value {
    http_v2_event(
        "POST",
        "/api/generate-qris",
        "",
        &headers(),
        Some(&json!({"streamId": "2", "userId": user}).to_string()),
    )
}

/// A Function URL event signed by an IAM caller.
fn iam(mut event: Value) -> Value {
    event["requestContext"]["authorizer"] = json!({"iam": {
        "accessKey": "AKIAIOSFODNN7EXAMPLE", "accountId": "123456789012",
        "callerId": "AIDAEXAMPLEBENCH", "userArn": "arn:aws:iam::123456789012:user/bench",
        "userId": "AIDAEXAMPLEBENCH"
    }});
    event
}

/// Invokes and decodes the body of a 2xx answer.
fn call(emu: &Emulator, event: &Value) -> Result<Value, String> {
    let inv = emu.invoke(event).map_err(|e| e.to_string())?;
    let answer = inv
        .http()
        .map_err(|e| format!("{e}\nlogs:\n{}", emu.logs()))?;
    if !(200..300).contains(&answer.status) {
        return Err(format!("answer {}: {}", answer.status, answer.body));
    }
    Ok(answer.body)
}

/// generate-qris's CPU work per new session, in this process with the same code: the dynamic QRIS
/// (the static one is parsed once at start) and the PNG data URL; median of 1,000.
fn cpu_split() -> BTreeMap<&'static str, Duration> {
    use upstream_session::qris::{DEFAULT_MAX_AMOUNT, DEMO_STATIC, Qris, png_data_url};
    let qris = Qris::parse(DEMO_STATIC.trim()).expect("demo merchant");
    let mut convert = Vec::new();
    let mut render = Vec::new();
    for i in 0..1000u64 {
        let t = Instant::now();
        let payload = qris
            .to_dynamic(
                1000 + i,
                Some("UP-261121180000-ABCDEFGH"),
                DEFAULT_MAX_AMOUNT,
            )
            .expect("converts")
            .payload();
        convert.push(t.elapsed());
        let t = Instant::now();
        std::hint::black_box(png_data_url(&payload).expect("renders"));
        render.push(t.elapsed());
    }
    BTreeMap::from([
        ("qris_conversion", report::percentile(&mut convert, 50.0)),
        ("png_data_url", report::percentile(&mut render, 50.0)),
    ])
}
