//! The claim rules on their own (the signature path is tested against the real provider in
//! `infra/local/tests/jwt_authorizer.rs`).

use serde_json::{Map, Value, json};

use super::*;

const ISSUER: &str = "http://127.0.0.1:4000";
const NOW: i64 = 1_800_000_000;

fn authorizer(audience: &[&str]) -> JwtAuthorizer {
    JwtAuthorizer::new(JwtConfiguration {
        issuer: ISSUER.into(),
        audience: audience.iter().map(|a| (*a).to_owned()).collect(),
    })
    .with_clock(|| NOW)
}

fn check(audience: &[&str], claims: Value) -> Result<(), String> {
    let claims: Map<String, Value> = claims.as_object().unwrap().clone();
    authorizer(audience)
        .check_claims(&claims)
        .map_err(|r| r.reason().to_owned())
}

fn valid() -> Value {
    json!({"iss": ISSUER, "aud": "api", "exp": NOW + 1, "iat": NOW, "nbf": NOW, "sub": "u"})
}

fn with(change: Value) -> Value {
    let mut claims = valid();
    for (k, v) in change.as_object().unwrap() {
        if v.is_null() {
            claims.as_object_mut().unwrap().remove(k);
        } else {
            claims[k] = v.clone();
        }
    }
    claims
}

#[test]
fn a_token_within_its_times_for_a_configured_audience_passes() {
    assert_eq!(check(&["api"], valid()), Ok(()));
    assert_eq!(
        check(&["other", "api"], with(json!({"aud": ["x", "api"]}))),
        Ok(())
    );
}

#[test]
fn client_id_counts_only_when_there_is_no_aud() {
    let cognito = with(json!({"aud": null, "client_id": "app"}));
    assert_eq!(check(&["app"], cognito.clone()), Ok(()));
    assert!(check(&["api"], cognito).unwrap_err().contains("audience"));
    let both = with(json!({"client_id": "app"}));
    assert!(check(&["app"], both).unwrap_err().contains("audience"));
    let neither = with(json!({"aud": null}));
    assert!(check(&["api"], neither).unwrap_err().contains("audience"));
    assert!(
        check(&["api"], with(json!({"aud": []})))
            .unwrap_err()
            .contains("audience")
    );
}

#[test]
fn the_issuer_must_match_exactly() {
    for iss in [
        json!(format!("{ISSUER}/")),
        json!("http://localhost:4000"),
        json!(null),
        json!(4000),
    ] {
        assert!(
            check(&["api"], with(json!({"iss": iss})))
                .unwrap_err()
                .contains("issuer")
        );
    }
}

#[test]
fn times_are_whole_seconds_without_leeway() {
    assert!(
        check(&["api"], with(json!({"exp": NOW})))
            .unwrap_err()
            .contains("expired")
    );
    assert!(
        check(&["api"], with(json!({"exp": null})))
            .unwrap_err()
            .contains("no exp")
    );
    assert!(
        check(&["api"], with(json!({"exp": "soon"})))
            .unwrap_err()
            .contains("not a number")
    );
    assert!(
        check(&["api"], with(json!({"nbf": NOW + 1})))
            .unwrap_err()
            .contains("nbf")
    );
    assert!(
        check(&["api"], with(json!({"iat": NOW + 1})))
            .unwrap_err()
            .contains("iat")
    );
    assert!(
        check(&["api"], with(json!({"iat": "x"})))
            .unwrap_err()
            .contains("not a number")
    );
    assert_eq!(
        check(&["api"], with(json!({"nbf": null, "iat": null}))),
        Ok(())
    );
    assert_eq!(
        check(&["api"], with(json!({"exp": NOW as f64 + 1.5}))),
        Ok(())
    );
}

#[test]
fn refusals_are_api_gateways_answers() {
    let unauthorized = Rejection::Unauthorized(r#"a "quoted" reason"#.into());
    assert_eq!(
        (unauthorized.status(), unauthorized.body()),
        (401, r#"{"message":"Unauthorized"}"#)
    );
    assert_eq!(unauthorized.body().len(), 26, "AWS's Content-Length");
    assert_eq!(
        unauthorized.headers()[1].1,
        r#"Bearer scope="" error="invalid_token" error_description="a 'quoted' reason""#
    );
    let forbidden = Rejection::Forbidden("no scope".into());
    assert_eq!(
        (forbidden.status(), forbidden.body()),
        (403, r#"{"message":"Forbidden"}"#)
    );
}

#[test]
fn the_authorizer_context_has_the_payload_2_shape() {
    let claims = JwtClaims {
        claims: [("sub".to_owned(), "u".to_owned())].into(),
        scopes: None,
    };
    assert_eq!(
        claims.authorizer_json(),
        json!({"jwt": {"claims": {"sub": "u"}, "scopes": null}})
    );
}
