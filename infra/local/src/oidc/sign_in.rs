//! Signing in on the local provider without a browser, through its own pages: the authorization-code
//! flow with PKCE (S256) for the public client, the development login form, then the code exchanged
//! at the token endpoint. Nothing is bypassed: the tokens are the ones a browser would get.

use std::collections::BTreeMap;
use std::time::Duration;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::Value;
use sha2::{Digest, Sha256};
use url::Url;

use super::{OidcError, OidcProvider};

/// What the token endpoint answered.
#[derive(Debug, Clone)]
pub struct Tokens {
    /// The access token (a JWT for the provider's audience).
    pub access_token: String,
    /// The ID token (`aud` = the client id).
    pub id_token: Option<String>,
    /// The refresh token (rotated on every use).
    pub refresh_token: Option<String>,
    /// Seconds until the access token expires.
    pub expires_in: u64,
}

/// A client that follows no redirect and keeps the provider's cookies (by name; paths ignored).
struct Browser {
    agent: ureq::Agent,
    cookies: BTreeMap<String, String>,
}

type Answer = (u16, Option<String>, String);

impl Browser {
    fn new() -> Self {
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .max_redirects(0)
            .timeout_global(Some(Duration::from_secs(10)))
            .build()
            .into();
        Self {
            agent,
            cookies: BTreeMap::new(),
        }
    }

    fn cookie_header(&self) -> String {
        let pairs: Vec<String> = self
            .cookies
            .iter()
            .map(|(name, value)| format!("{name}={value}"))
            .collect();
        pairs.join("; ")
    }

    /// GET (`form` None) or POST a form; the status, the `Location` header and the body.
    fn request(&mut self, url: &str, form: Option<&[(&str, &str)]>) -> Result<Answer, OidcError> {
        let failed = |e: ureq::Error| OidcError::SignIn(format!("{url}: {e}"));
        let cookie = self.cookie_header();
        let mut resp = match form {
            None => self.agent.get(url).header("cookie", &cookie).call(),
            Some(form) => self
                .agent
                .post(url)
                .header("cookie", &cookie)
                .send_form(form.iter().copied()),
        }
        .map_err(failed)?;
        for set in resp.headers().get_all("set-cookie") {
            let pair = set.to_str().unwrap_or("").split(';').next().unwrap_or("");
            if let Some((name, value)) = pair.split_once('=') {
                self.cookies.insert(name.trim().into(), value.trim().into());
            }
        }
        let location = resp
            .headers()
            .get("location")
            .and_then(|v| v.to_str().ok())
            .map(|l| Url::parse(url).and_then(|base| base.join(l)))
            .transpose()
            .map_err(|e| OidcError::SignIn(format!("bad Location from {url}: {e}")))?
            .map(String::from);
        let body = resp.body_mut().read_to_string().map_err(failed)?;
        Ok((resp.status().as_u16(), location, body))
    }

    /// The `Location` of a redirect, or an error naming what came instead.
    fn redirected(answer: Answer, step: &str) -> Result<String, OidcError> {
        match answer {
            (300..=399, Some(location), _) => Ok(location),
            (status, _, body) => Err(OidcError::SignIn(format!(
                "{step}: expected a redirect, got {status}: {}",
                body.chars().take(300).collect::<String>()
            ))),
        }
    }
}

fn random_token() -> Result<String, OidcError> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).map_err(|e| OidcError::SignIn(format!("no randomness: {e}")))?;
    Ok(URL_SAFE_NO_PAD.encode(bytes))
}

fn endpoint(discovery: &Value, name: &str) -> Result<String, OidcError> {
    discovery
        .get(name)
        .and_then(Value::as_str)
        .map(str::to_owned)
        .ok_or_else(|| OidcError::SignIn(format!("no {name} in the discovery document")))
}

fn tokens(answer: Answer) -> Result<Tokens, OidcError> {
    let (status, _, body) = answer;
    let json: Value = serde_json::from_str(&body).unwrap_or(Value::Null);
    let text = |name: &str| json.get(name).and_then(Value::as_str).map(str::to_owned);
    match (status, text("access_token")) {
        (200, Some(access_token)) => Ok(Tokens {
            access_token,
            id_token: text("id_token"),
            refresh_token: text("refresh_token"),
            expires_in: json.get("expires_in").and_then(Value::as_u64).unwrap_or(0),
        }),
        _ => Err(OidcError::SignIn(format!(
            "token endpoint answered {status}: {body}"
        ))),
    }
}

impl OidcProvider {
    /// Signs in as `login` (which becomes the `sub`) and returns the tokens; `redirect_uri` must be
    /// one the provider was started with (it is only compared, never requested).
    pub fn sign_in(&self, login: &str, redirect_uri: &str) -> Result<Tokens, OidcError> {
        let mut browser = Browser::new();
        let discovery = self.discovery(&mut browser)?;
        let verifier = random_token()?;
        let challenge = URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()));
        let state = random_token()?;
        let mut auth = Url::parse(&endpoint(&discovery, "authorization_endpoint")?)
            .map_err(|e| OidcError::SignIn(format!("authorization_endpoint: {e}")))?;
        auth.query_pairs_mut()
            .append_pair("client_id", self.client_id())
            .append_pair("redirect_uri", redirect_uri)
            .append_pair("response_type", "code")
            .append_pair("scope", self.scope())
            .append_pair("code_challenge", &challenge)
            .append_pair("code_challenge_method", "S256")
            .append_pair("state", &state);
        let answer = browser.request(auth.as_str(), None)?;
        let login_page = Browser::redirected(answer, "authorization request")?;
        let (status, _, page) = browser.request(&login_page, None)?;
        if status != 200 || !page.contains("name=\"login\"") {
            return Err(OidcError::SignIn(format!(
                "{login_page} is not the login page ({status})"
            )));
        }
        let form = [("prompt", "login"), ("login", login), ("password", "-")];
        let answer = browser.request(&login_page, Some(&form))?;
        let resume = Browser::redirected(answer, "login form")?;
        let answer = browser.request(&resume, None)?;
        let back = Url::parse(&Browser::redirected(answer, "resumed authorization")?)
            .map_err(|e| OidcError::SignIn(e.to_string()))?;
        if !back.as_str().starts_with(redirect_uri) {
            return Err(OidcError::SignIn(format!(
                "sent to {back}, not back to {redirect_uri}"
            )));
        }
        let params: BTreeMap<String, String> = back.query_pairs().into_owned().collect();
        let param = |name: &str| params.get(name).map(String::as_str);
        if param("state") != Some(state.as_str()) || param("iss") != Some(self.issuer()) {
            return Err(OidcError::SignIn(format!("bad state or iss in {back}")));
        }
        let code = param("code")
            .ok_or_else(|| OidcError::SignIn(format!("no code in {back}")))?
            .to_owned();
        let token_endpoint = endpoint(&discovery, "token_endpoint")?;
        let form = [
            ("grant_type", "authorization_code"),
            ("code", code.as_str()),
            ("redirect_uri", redirect_uri),
            ("client_id", self.client_id()),
            ("code_verifier", verifier.as_str()),
        ];
        tokens(browser.request(&token_endpoint, Some(&form))?)
    }

    /// Exchanges a refresh token for new tokens (the refresh token rotates).
    pub fn refresh(&self, refresh_token: &str) -> Result<Tokens, OidcError> {
        let form = [
            ("grant_type", "refresh_token"),
            ("refresh_token", refresh_token),
            ("client_id", self.client_id()),
        ];
        let mut browser = Browser::new();
        let token_endpoint = endpoint(&self.discovery(&mut browser)?, "token_endpoint")?;
        tokens(browser.request(&token_endpoint, Some(&form))?)
    }

    fn discovery(&self, browser: &mut Browser) -> Result<Value, OidcError> {
        let url = format!("{}/.well-known/openid-configuration", self.issuer());
        let (_, _, body) = browser.request(&url, None)?;
        serde_json::from_str(&body).map_err(|e| OidcError::SignIn(format!("{url}: {e}")))
    }
}
