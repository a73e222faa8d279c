//! The emulated JWT authorizer against the real local OpenID provider (infra/oidc): tokens from its
//! code flow, keys found through its discovery document and JWKS over loopback.
#![allow(clippy::unwrap_used)] // test code: a panic is the failure report

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::{Value, json};
use upstream_local::jwt_authorizer::{JwtAuthorizer, JwtClaims, JwtConfiguration, Rejection};
use upstream_local::oidc::{OidcOptions, OidcProvider};

const REDIRECT: &str = "http://127.0.0.1:9/callback";

fn provider() -> OidcProvider {
    OidcProvider::start(&OidcOptions::new(REDIRECT)).expect("the provider starts")
}

fn authorizer(issuer: &str, audience: &[&str]) -> JwtAuthorizer {
    JwtAuthorizer::new(JwtConfiguration {
        issuer: issuer.to_owned(),
        audience: audience.iter().map(|a| (*a).to_owned()).collect(),
    })
}

fn token(provider: &OidcProvider, login: &str) -> String {
    provider
        .sign_in(login, REDIRECT)
        .expect("sign-in")
        .access_token
}

fn bearer(token: &str) -> String {
    format!("Bearer {token}")
}

fn part(token: &str, index: usize) -> Value {
    let text = token.split('.').nth(index).unwrap();
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(text).unwrap()).unwrap()
}

fn encode(value: &Value) -> String {
    URL_SAFE_NO_PAD.encode(value.to_string())
}

#[track_caller]
fn assert_unauthorized(result: Result<JwtClaims, Rejection>, because: &str) {
    let rejection = result.expect_err("refused");
    assert_eq!(rejection.status(), 401, "{rejection:?}");
    assert_eq!(rejection.body(), r#"{"message":"Unauthorized"}"#);
    assert!(
        rejection.reason().contains(because),
        "{:?} should say {because:?}",
        rejection.reason()
    );
}

#[test]
fn a_valid_token_passes_with_its_claims_as_api_gateway_hands_them_on() {
    let provider = provider();
    let auth = authorizer(provider.issuer(), &[provider.audience()]);
    let token = token(&provider, "alice");
    let allowed = auth.authorize(Some(&bearer(&token)), &[]).expect("allowed");
    assert_eq!(allowed.sub(), Some("alice"));
    assert_eq!(allowed.claims["iss"], provider.issuer());
    assert_eq!(allowed.claims["aud"], provider.audience());
    assert_eq!(allowed.claims["client_id"], provider.client_id());
    assert_eq!(allowed.claims["scope"], "api");
    let exp = part(&token, 1)["exp"].as_i64().unwrap();
    assert_eq!(allowed.claims["exp"], exp.to_string());
    assert_eq!(allowed.scopes, None, "no route scopes: scopes stay null");
    // The bare token and any case of the scheme are read the same way.
    for value in [
        token.clone(),
        format!("bearer {token}"),
        format!("BEARER  {token} "),
    ] {
        assert_eq!(auth.authorize(Some(&value), &[]), Ok(allowed.clone()));
    }
    // What a function receives deserialises into lambda_http's own types.
    let context: lambda_http::aws_lambda_events::apigw::ApiGatewayRequestAuthorizer =
        serde_json::from_value(allowed.authorizer_json()).expect("lambda_http reads it");
    let jwt = context.jwt.expect("jwt");
    assert_eq!(jwt.claims.get("sub").map(String::as_str), Some("alice"));
    assert_eq!(jwt.scopes, None);
}

#[test]
fn no_token_or_not_a_jwt_is_401() {
    let provider = provider();
    let auth = authorizer(provider.issuer(), &[provider.audience()]);
    let token = token(&provider, "alice");
    assert_unauthorized(auth.authorize(None, &[]), "no Authorization");
    assert_unauthorized(auth.authorize(Some("  "), &[]), "no Authorization");
    assert_unauthorized(auth.authorize(Some("Bearer "), &[]), "not a JWT");
    assert_unauthorized(auth.authorize(Some("Bearer  x"), &[]), "not a JWT");
    assert_unauthorized(
        auth.authorize(Some(&format!("Basic {token}")), &[]),
        "not a JWT",
    );
    assert_unauthorized(auth.authorize(Some("Bearer a.b.c"), &[]), "not a JWT");
    let rejection = auth.authorize(Some("garbage"), &[]).unwrap_err();
    let headers = rejection.headers();
    assert_eq!(headers[0], ("content-type", "application/json".to_owned()));
    assert_eq!(headers[1].0, "www-authenticate");
    assert!(
        headers[1]
            .1
            .starts_with(r#"Bearer scope="" error="invalid_token" error_description=""#)
    );
}

#[test]
fn expiry_not_before_and_issued_at_follow_the_clock() {
    let provider = provider();
    let token = token(&provider, "alice");
    let claims = part(&token, 1);
    let (iat, exp) = (
        claims["iat"].as_i64().unwrap(),
        claims["exp"].as_i64().unwrap(),
    );
    assert_eq!(exp - iat, 600, "the default lifetime");
    let now = Arc::new(AtomicI64::new(iat));
    let clock = now.clone();
    let auth = authorizer(provider.issuer(), &[provider.audience()])
        .with_clock(move || clock.load(Ordering::SeqCst));
    let at = |t: i64| {
        now.store(t, Ordering::SeqCst);
        auth.authorize(Some(&bearer(&token)), &[])
    };
    assert!(at(iat).is_ok());
    assert!(at(exp - 1).is_ok());
    assert_unauthorized(at(exp), "expired");
    assert_unauthorized(at(exp + 3600), "expired");
    assert_unauthorized(at(iat - 1), "iat is in the future");
}

#[test]
fn a_token_of_another_issuer_is_401() {
    let ours = provider();
    let theirs = provider();
    let auth = authorizer(ours.issuer(), &[ours.audience()]);
    assert!(
        auth.authorize(Some(&bearer(&token(&ours, "alice"))), &[])
            .is_ok()
    );
    let foreign = token(&theirs, "alice");
    assert_unauthorized(
        auth.authorize(Some(&bearer(&foreign)), &[]),
        "no RSA signing key",
    );
    // Their token under our key id: the signature does not verify.
    let mut header = part(&foreign, 0);
    header["kid"] = part(&token(&ours, "alice"), 0)["kid"].clone();
    let (_, rest) = foreign.split_once('.').unwrap();
    let relabelled = format!("{}.{rest}", encode(&header));
    assert_unauthorized(auth.authorize(Some(&bearer(&relabelled)), &[]), "signature");
    // The issuer is compared exactly: a trailing slash is another issuer (discovery still works).
    let slash = authorizer(&format!("{}/", ours.issuer()), &[ours.audience()]);
    assert_unauthorized(
        slash.authorize(Some(&bearer(&token(&ours, "alice"))), &[]),
        "valid issuer",
    );
}

#[test]
fn the_audience_is_aud_and_client_id_only_without_aud() {
    let provider = provider();
    let token = bearer(&token(&provider, "alice"));
    let wrong = authorizer(provider.issuer(), &["another-api"]);
    assert_unauthorized(wrong.authorize(Some(&token), &[]), "valid audience");
    // The token has both aud and client_id: API Gateway evaluates aud only.
    let client = authorizer(provider.issuer(), &[provider.client_id()]);
    assert_unauthorized(client.authorize(Some(&token), &[]), "valid audience");
    let several = authorizer(provider.issuer(), &["another-api", provider.audience()]);
    assert!(several.authorize(Some(&token), &[]).is_ok());
}

#[test]
fn only_rsa_signatures_are_accepted() {
    use ring::rand::SystemRandom;
    use ring::signature::{ECDSA_P256_SHA256_FIXED_SIGNING, EcdsaKeyPair};
    let provider = provider();
    let auth = authorizer(provider.issuer(), &[provider.audience()]);
    let real = token(&provider, "alice");
    assert!(auth.authorize(Some(&bearer(&real)), &[]).is_ok());
    let (kid, payload) = (part(&real, 0)["kid"].clone(), part(&real, 1));
    let signed = |alg: &str, sign: &dyn Fn(&[u8]) -> Vec<u8>| {
        let message = format!(
            "{}.{}",
            encode(&json!({"alg": alg, "kid": kid})),
            encode(&payload)
        );
        let signature = URL_SAFE_NO_PAD.encode(sign(message.as_bytes()));
        format!("{message}.{signature}")
    };
    // ES256 with the provider's kid, signed by a P-256 key (valid for that key).
    let rng = SystemRandom::new();
    let pkcs8 = EcdsaKeyPair::generate_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, &rng).unwrap();
    let ec =
        EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, pkcs8.as_ref(), &rng).unwrap();
    let es256 = signed("ES256", &|m| ec.sign(&rng, m).unwrap().as_ref().to_vec());
    assert_unauthorized(auth.authorize(Some(&bearer(&es256)), &[]), "only RSA");
    // HS256 keyed with the public RSA modulus (the classic key-confusion attack).
    let jwks = ureq::get(&format!("{}/jwks", provider.issuer()))
        .call()
        .unwrap()
        .body_mut()
        .read_to_string()
        .unwrap();
    let jwks: Value = serde_json::from_str(&jwks).unwrap();
    let modulus = jwks["keys"][0]["n"].as_str().unwrap();
    let hmac = ring::hmac::Key::new(ring::hmac::HMAC_SHA256, modulus.as_bytes());
    let hs256 = signed("HS256", &|m| ring::hmac::sign(&hmac, m).as_ref().to_vec());
    assert_unauthorized(auth.authorize(Some(&bearer(&hs256)), &[]), "only RSA");
    // alg none, with and without a signature part.
    let none = signed("none", &|_| Vec::new());
    assert_unauthorized(auth.authorize(Some(&bearer(&none)), &[]), "not a JWT");
    assert_unauthorized(
        auth.authorize(Some(&bearer(none.trim_end_matches('.'))), &[]),
        "not a JWT",
    );
    // RS256 claimed, payload changed after signing.
    let (head, rest) = real.split_once('.').unwrap();
    let signature = rest.rsplit_once('.').unwrap().1;
    let mut forged = payload.clone();
    forged["sub"] = json!("mallory");
    let tampered = format!("{head}.{}.{signature}", encode(&forged));
    assert_unauthorized(auth.authorize(Some(&bearer(&tampered)), &[]), "signature");
}

#[test]
fn route_scopes_must_meet_the_tokens_scopes() {
    let provider = provider();
    let auth = authorizer(provider.issuer(), &[provider.audience()]);
    let token = bearer(&token(&provider, "alice"));
    let scoped = auth
        .authorize(Some(&token), &["admin".into(), "api".into()])
        .expect("api is granted");
    assert_eq!(scoped.scopes, Some(vec!["api".to_owned()]));
    let refused = auth.authorize(Some(&token), &["admin".into()]).unwrap_err();
    assert_eq!(refused.status(), 403);
    assert_eq!(refused.body(), r#"{"message":"Forbidden"}"#);
    assert!(
        refused.headers()[1]
            .1
            .contains(r#"error="insufficient_scope""#)
    );
}

#[test]
fn keys_are_cached_and_fetched_again_for_an_unknown_kid() {
    let first = provider();
    let issuer = first.issuer().to_owned();
    let port: u16 = issuer.rsplit(':').next().unwrap().parse().unwrap();
    let auth = authorizer(&issuer, &[first.audience()]);
    let before = token(&first, "alice");
    assert!(auth.authorize(Some(&bearer(&before)), &[]).is_ok());
    first.stop();
    // The keys are cached: the provider being gone changes nothing for a known kid.
    assert!(auth.authorize(Some(&bearer(&before)), &[]).is_ok());
    // Same issuer, new keys (a restart): the new kid makes the authorizer fetch again.
    let mut options = OidcOptions::new(REDIRECT);
    options.port = port;
    let second = OidcProvider::start(&options).expect("restarts on the same port");
    assert_eq!(second.issuer(), issuer);
    let after = token(&second, "bob");
    assert_ne!(part(&after, 0)["kid"], part(&before, 0)["kid"]);
    std::thread::sleep(std::time::Duration::from_millis(1100));
    assert_eq!(
        auth.authorize(Some(&bearer(&after)), &[]).unwrap().sub(),
        Some("bob")
    );
    // The old key is gone from the JWKS now.
    assert_unauthorized(
        auth.authorize(Some(&bearer(&before)), &[]),
        "no RSA signing key",
    );
}

#[test]
fn an_unreachable_issuer_is_401() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let provider = provider();
    let auth = authorizer(&format!("http://127.0.0.1:{port}"), &[provider.audience()]);
    assert_unauthorized(
        auth.authorize(Some(&bearer(&token(&provider, "alice"))), &[]),
        "openid-configuration",
    );
}

#[test]
fn a_refreshed_access_token_is_a_jwt_for_the_same_audience() {
    let provider = provider();
    let auth = authorizer(provider.issuer(), &[provider.audience()]);
    let tokens = provider.sign_in("carol", REDIRECT).unwrap();
    let refresh = tokens
        .refresh_token
        .expect("a refresh token for the public client");
    let renewed = provider.refresh(&refresh).expect("refresh");
    assert_ne!(renewed.access_token, tokens.access_token);
    assert_ne!(
        renewed.refresh_token.as_deref(),
        Some(refresh.as_str()),
        "rotated"
    );
    let allowed = auth
        .authorize(Some(&bearer(&renewed.access_token)), &[])
        .unwrap();
    assert_eq!(allowed.sub(), Some("carol"));
    // The ID token is for the client, not the API.
    let id_token = tokens.id_token.expect("an ID token");
    assert_unauthorized(
        auth.authorize(Some(&bearer(&id_token)), &[]),
        "valid audience",
    );
}
