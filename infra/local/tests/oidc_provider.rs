//! The local OpenID provider (infra/oidc) as a process: what it serves, what it refuses, its options,
//! and that it never outlives whoever started it.
#![allow(clippy::unwrap_used)] // test code: a panic is the failure report

use std::io::{BufRead, BufReader, Write};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::Value;
use upstream_local::oidc::{OidcError, OidcOptions, OidcProvider, command};

const REDIRECT: &str = "http://127.0.0.1:9/callback";

fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .max_redirects(0)
        .build()
        .into()
}

fn get(url: &str) -> (u16, Option<String>, String) {
    let mut resp = agent().get(url).call().unwrap();
    let location = resp
        .headers()
        .get("location")
        .map(|l| l.to_str().unwrap().to_owned());
    let body = resp.body_mut().read_to_string().unwrap();
    (resp.status().as_u16(), location, body)
}

fn claims(jwt: &str) -> Value {
    let payload = jwt.split('.').nth(1).unwrap();
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).unwrap()).unwrap()
}

/// Whether `pid` has ended (gone, or a zombie nobody reaped yet).
fn ended(pid: u32) -> bool {
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        Err(_) => true,
        Ok(stat) => stat
            .rsplit(')')
            .next()
            .unwrap_or("")
            .trim_start()
            .starts_with('Z'),
    }
}

fn wait_ended(pid: u32, within: Duration) -> bool {
    let deadline = Instant::now() + within;
    while Instant::now() < deadline {
        if ended(pid) {
            return true;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    false
}

#[test]
fn it_serves_discovery_and_one_public_rsa_key() {
    let provider = OidcProvider::start(&OidcOptions::new(REDIRECT)).unwrap();
    let issuer = provider.issuer();
    assert!(issuer.starts_with("http://127.0.0.1:"), "{issuer}");
    assert_eq!(
        (provider.client_id(), provider.audience(), provider.scope()),
        ("upstream-web", "upstream-api", "openid api")
    );
    let (status, _, body) = get(&format!("{issuer}/.well-known/openid-configuration"));
    assert_eq!(status, 200);
    let discovery: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(discovery["issuer"], issuer);
    assert_eq!(
        discovery["code_challenge_methods_supported"],
        serde_json::json!(["S256"])
    );
    let auth_methods = discovery["token_endpoint_auth_methods_supported"]
        .as_array()
        .unwrap();
    assert!(auth_methods.iter().any(|m| m == "none"));
    let (status, _, body) = get(discovery["jwks_uri"].as_str().unwrap());
    assert_eq!(status, 200);
    let jwks: Value = serde_json::from_str(&body).unwrap();
    let keys = jwks["keys"].as_array().unwrap();
    assert_eq!(keys.len(), 1, "{jwks}");
    let key = &keys[0];
    assert_eq!(
        (&key["kty"], &key["alg"], &key["use"]),
        (&"RSA".into(), &"RS256".into(), &"sig".into())
    );
    assert!(key["kid"].as_str().is_some_and(|k| k.len() >= 16));
    assert!(key.get("d").is_none(), "no private part is published");
}

#[test]
fn a_code_request_without_pkce_or_to_a_foreign_redirect_is_refused() {
    let provider = OidcProvider::start(&OidcOptions::new(REDIRECT)).unwrap();
    let auth = format!(
        "{}/auth?client_id=upstream-web&response_type=code&scope=openid%20api&state=s",
        provider.issuer()
    );
    let (status, location, _) = get(&format!(
        "{auth}&redirect_uri=http%3A%2F%2F127.0.0.1%3A9%2Fcallback"
    ));
    let location = location.unwrap_or_default();
    assert_eq!(status, 303);
    assert!(location.starts_with(REDIRECT), "{location}");
    assert!(location.contains("error=invalid_request"), "{location}");
    assert!(location.contains("PKCE"), "{location}");
    let (status, location, _) = get(&format!("{auth}&redirect_uri=http%3A%2F%2Fevil.example%2F"));
    assert_eq!(
        (status, location),
        (400, None),
        "never redirected to an unknown URI"
    );
}

#[test]
fn its_pages_load_nothing_from_off_loopback() {
    let provider = OidcProvider::start(&OidcOptions::new(REDIRECT)).unwrap();
    let issuer = provider.issuer();
    let auth = format!(
        "{issuer}/auth?client_id=upstream-web&response_type=code&scope=openid&state=s\
         &redirect_uri=http%3A%2F%2F127.0.0.1%3A9%2Fcallback&code_challenge_method=S256\
         &code_challenge=E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
    );
    let resp = agent().get(&auth).call().unwrap();
    let cookies: Vec<String> = resp
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|c| c.to_str().unwrap().split(';').next().unwrap().to_owned())
        .collect();
    let login = resp
        .headers()
        .get("location")
        .unwrap()
        .to_str()
        .unwrap()
        .to_owned();
    let login_page = agent()
        .get(&format!("{issuer}{login}"))
        .header("cookie", cookies.join("; "))
        .call()
        .unwrap()
        .body_mut()
        .read_to_string()
        .unwrap();
    assert!(login_page.contains("name=\"login\""), "{login_page}");
    let (_, _, error_page) = get(&format!("{issuer}/auth?client_id=nobody"));
    let (_, _, logout_page) = get(&format!("{issuer}/session/end"));
    // Whatever a browser would fetch for these pages: stylesheets, fonts, scripts, images.
    for page in [login_page, error_page, logout_page] {
        for marker in ["url(", "src=", "href=", "@import"] {
            for (at, _) in page.match_indices(marker) {
                let target = page[at + marker.len()..].trim_start_matches(['"', '\'', ' ']);
                let absolute = target.starts_with("http") || target.starts_with("//");
                assert!(
                    !absolute || target.starts_with(issuer),
                    "{marker}{} in {page}",
                    &target[..target.len().min(60)]
                );
            }
        }
    }
}

#[test]
fn the_token_lifetime_and_names_are_options() {
    let mut options = OidcOptions::new(REDIRECT);
    options.access_token_ttl = 60;
    options.client_id = "tv-app".into();
    options.audience = "tv-api".into();
    let provider = OidcProvider::start(&options).unwrap();
    assert_eq!(
        (provider.client_id(), provider.audience()),
        ("tv-app", "tv-api")
    );
    let tokens = provider.sign_in("dewi", REDIRECT).unwrap();
    assert_eq!(tokens.expires_in, 60);
    let access = claims(&tokens.access_token);
    assert_eq!(
        access["exp"].as_i64().unwrap() - access["iat"].as_i64().unwrap(),
        60
    );
    assert_eq!(
        (&access["aud"], &access["client_id"], &access["sub"]),
        (&"tv-api".into(), &"tv-app".into(), &"dewi".into())
    );
    let id = claims(&tokens.id_token.unwrap());
    assert_eq!(
        id["exp"].as_i64().unwrap() - id["iat"].as_i64().unwrap(),
        60
    );
    assert_eq!(id["aud"], "tv-app");
}

#[test]
fn signing_in_needs_a_registered_redirect_uri() {
    let provider = OidcProvider::start(&OidcOptions::new(REDIRECT)).unwrap();
    let err = provider
        .sign_in("alice", "http://127.0.0.1:9/elsewhere")
        .unwrap_err();
    assert!(matches!(err, OidcError::SignIn(_)), "{err}");
}

#[test]
fn bad_options_stop_it_with_a_message() {
    let mut options = OidcOptions::new(REDIRECT);
    options.redirect_uris.clear();
    let err = OidcProvider::start(&options).unwrap_err().to_string();
    assert!(err.contains("--redirect-uri is required"), "{err}");
    let options = OidcOptions::new("not a uri");
    let err = OidcProvider::start(&options).unwrap_err().to_string();
    assert!(err.contains("redirect_uris"), "{err}");
}

fn spawn_ready(mut cmd: Command) -> (Child, BufReader<std::process::ChildStdout>) {
    let mut child = cmd
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let stdout = BufReader::new(child.stdout.take().unwrap());
    (child, stdout)
}

fn line(stdout: &mut BufReader<std::process::ChildStdout>) -> String {
    let mut line = String::new();
    stdout.read_line(&mut line).unwrap();
    line
}

#[test]
fn it_exits_when_its_stdin_closes() {
    let (mut child, mut stdout) = spawn_ready(command(&OidcOptions::new(REDIRECT)).unwrap());
    let ready: Value = serde_json::from_str(&line(&mut stdout)).unwrap();
    assert!(ready["issuer"].is_string());
    drop(child.stdin.take());
    assert!(
        wait_ended(child.id(), Duration::from_secs(5)),
        "still running"
    );
    assert!(child.wait().unwrap().success());
}

#[test]
fn it_exits_when_its_parent_ends() {
    let provider = command(&OidcOptions::new(REDIRECT)).unwrap();
    // sh starts the provider in the background with a stdin that never closes (a FIFO opened
    // read-write), prints its pid, and ends when told to; the provider must notice.
    let script = r#"fifo=$(mktemp -u) && mkfifo "$fifo" || exit 1
"$@" <>"$fifo" &
echo "$!"
read -r _
rm -f "$fifo""#;
    let mut sh = Command::new("sh");
    sh.arg("-c")
        .arg(script)
        .arg("sh")
        .arg(provider.get_program())
        .args(provider.get_args());
    if let Some(dir) = provider.get_current_dir() {
        sh.current_dir(dir);
    }
    let (mut parent, mut stdout) = spawn_ready(sh);
    let pid: u32 = line(&mut stdout).trim().parse().unwrap();
    let ready: Value = serde_json::from_str(&line(&mut stdout)).unwrap();
    assert!(ready["issuer"].is_string());
    assert!(!ended(pid), "running while its parent runs");
    parent.stdin.take().unwrap().write_all(b"\n").unwrap();
    assert!(parent.wait().unwrap().success());
    let gone = wait_ended(pid, Duration::from_secs(5));
    if !gone {
        let _ = Command::new("kill").arg(pid.to_string()).status();
    }
    assert!(gone, "the provider outlived its parent");
}
