use std::collections::BTreeMap;

use super::cors::tests::header;
use super::*;

const TEMPLATE: &str = include_str!("../../../../template.yaml");

fn values(origins: &str) -> LocalValues {
    LocalValues {
        parameters: BTreeMap::from([("AllowedOrigins".into(), origins.into())]),
        ..LocalValues::default()
    }
}

fn api() -> HttpApi {
    HttpApi::from_template(
        TEMPLATE,
        &values("http://page.example, http://127.0.0.1:3001"),
    )
    .unwrap()
}

/// A request header lookup over `pairs`.
fn headers<'a>(pairs: &'a [(&'a str, &'a str)]) -> impl Fn(&str) -> Option<&'a str> + 'a {
    move |name| pairs.iter().find(|(k, _)| *k == name).map(|(_, v)| *v)
}

#[test]
fn the_template_routes_each_event_to_its_function() {
    let api = api();
    assert_eq!(api.logical_id, "HttpApi");
    let to = |method, path| api.route(method, path).map(|r| r.function.as_str());
    assert_eq!(to("POST", "/api/generate-qris"), Some("generate-qris"));
    assert_eq!(to("GET", "/api/streams"), Some("streams"));
    assert_eq!(to("GET", "/api/streams/"), Some("streams"));
    assert_eq!(
        to("GET", "/api/.well-known/jwks.json"),
        Some("playback-auth")
    );
    assert_eq!(
        to("POST", "/api/payment-callback/xendit"),
        Some("payment-callback")
    );
    assert_eq!(
        to("GET", "/api/generate-qris"),
        None,
        "a method the template does not route"
    );
    assert_eq!(to("GET", "/api/nope"), None);
    assert_eq!(
        to("GET", "/admin/sessions"),
        None,
        "admin is a Function URL, not a route"
    );
    let route = api.route("GET", "/api/check-access").unwrap();
    assert_eq!(
        (route.resource.as_str(), route.event.as_str(), route.key()),
        (
            "CheckAccessFunction",
            "GetCheckAccess",
            "GET /api/check-access".to_owned()
        )
    );
}

#[test]
fn only_the_admin_function_has_its_own_url() {
    assert_eq!(function_urls(TEMPLATE).unwrap(), ["admin"]);
}

#[test]
fn the_cors_configuration_resolves_the_origins_parameter() {
    let cors = api().cors.unwrap();
    assert_eq!(
        cors.allow_origins,
        ["http://page.example", "http://127.0.0.1:3001"]
    );
    assert_eq!(cors.allow_methods, ["GET", "POST", "OPTIONS"]);
    assert_eq!(cors.max_age, Some(600));
    assert!(!cors.allow_credentials);
    for header in ["content-type", "idempotency-key", "x-upstream-signature"] {
        assert!(
            cors.allow_headers.iter().any(|h| h == header),
            "AllowHeaders has {header} (the viewer page and the webhook send it): {:?}",
            cors.allow_headers
        );
    }
}

#[test]
fn the_gateway_answers_preflights_and_routes_the_rest() {
    let api = api();
    let preflight = [
        ("origin", "http://page.example"),
        ("access-control-request-method", "POST"),
        (
            "access-control-request-headers",
            "content-type,idempotency-key",
        ),
    ];
    let Front::Preflight(h) = api.front("OPTIONS", "/api/generate-qris", headers(&preflight))
    else {
        panic!("the gateway answers the preflight");
    };
    assert_eq!(
        header(&h, "access-control-allow-origin"),
        Some("http://page.example")
    );
    let allowed = header(&h, "access-control-allow-headers").unwrap();
    assert!(
        allowed.contains("content-type") && allowed.contains("idempotency-key"),
        "{allowed}"
    );

    let other = [
        ("origin", "http://evil.example"),
        ("access-control-request-method", "POST"),
    ];
    assert_eq!(
        api.front("OPTIONS", "/api/generate-qris", headers(&other)),
        Front::Preflight(vec![]),
        "an origin outside AllowOrigins gets no CORS header"
    );
    // Without Access-Control-Request-Method it is an ordinary OPTIONS request: no route.
    let bare = [("origin", "http://page.example")];
    assert_eq!(
        api.front("OPTIONS", "/api/generate-qris", headers(&bare)),
        Front::NotFound
    );
    assert_eq!(
        api.front("DELETE", "/api/streams", headers(&bare)),
        Front::NotFound
    );
    match api.front("GET", "/api/streams", headers(&bare)) {
        Front::Function(route) => assert_eq!(route.function, "streams"),
        other => panic!("{other:?}"),
    }
}

#[test]
fn the_functions_cors_headers_are_replaced_by_the_gateways() {
    let api = api();
    let from_function = vec![
        ("content-type".to_owned(), "application/json".to_owned()),
        (
            "Access-Control-Allow-Origin".to_owned(),
            "http://evil.example".to_owned(),
        ),
        ("access-control-allow-headers".to_owned(), "*".to_owned()),
    ];
    let out = api.response_headers(Some("http://page.example"), from_function.clone());
    assert_eq!(
        out,
        vec![
            ("content-type".to_owned(), "application/json".to_owned()),
            (
                "access-control-allow-origin".to_owned(),
                "http://page.example".to_owned()
            ),
        ]
    );
    let out = api.response_headers(Some("http://evil.example"), from_function);
    assert_eq!(
        out,
        vec![("content-type".to_owned(), "application/json".to_owned())]
    );
}

/// The template with `from` replaced by `to` (which must occur).
fn edited(from: &str, to: &str) -> String {
    assert!(TEMPLATE.contains(from), "the template has {from:?}");
    TEMPLATE.replacen(from, to, 1)
}

#[test]
fn without_cors_configuration_the_functions_headers_pass() {
    let cors_start = TEMPLATE.find("      CorsConfiguration:").unwrap();
    let cors_end = TEMPLATE.find("      DefaultRouteSettings:").unwrap();
    let template = format!("{}{}", &TEMPLATE[..cors_start], &TEMPLATE[cors_end..]);
    let api = HttpApi::from_template(&template, &values("http://page.example")).unwrap();
    assert_eq!(api.cors, None);
    let preflight = [
        ("origin", "http://page.example"),
        ("access-control-request-method", "POST"),
    ];
    assert_eq!(
        api.front("OPTIONS", "/api/generate-qris", headers(&preflight)),
        Front::NotFound
    );
    let own = vec![(
        "access-control-allow-origin".to_owned(),
        "http://x".to_owned(),
    )];
    assert_eq!(
        api.response_headers(Some("http://page.example"), own.clone()),
        own
    );
}

#[test]
fn template_mistakes_are_refused_as_a_deploy_would() {
    let err = |t: &str| {
        HttpApi::from_template(t, &values("http://page.example"))
            .unwrap_err()
            .to_string()
    };
    assert!(err(&edited("MaxAge: 600", "MaxAges: 600")).contains("MaxAges"));
    let credentials = edited("MaxAge: 600", "MaxAge: 600\n        AllowCredentials: true");
    assert!(
        HttpApi::from_template(&credentials, &values("http://page.example")).is_ok(),
        "credentials with listed origins are fine"
    );
    let wildcard = edited("AllowOrigins: !Ref AllowedOrigins", "AllowOrigins: ['*']");
    assert!(HttpApi::from_template(&wildcard, &values("x")).is_ok());
    let both = wildcard.replacen(
        "MaxAge: 600",
        "MaxAge: 600\n        AllowCredentials: true",
        1,
    );
    assert!(err(&both).contains("AllowCredentials"));
    let twice = edited("Path: /api/check-access", "Path: /api/streams");
    assert!(err(&twice).contains("GET /api/streams"), "{}", err(&twice));
    let implicit = edited(
        "            ApiId: !Ref HttpApi\n            Method: GET\n            Path: /api/streams",
        "            Method: GET\n            Path: /api/streams",
    );
    assert!(err(&implicit).contains("GetStreams"));
}

#[test]
fn parameters_and_greedy_paths_match_the_most_specific_route() {
    let route = |method: &str, path: &str| Route {
        method: method.into(),
        path: path.into(),
        function: format!("{method} {path}"),
        resource: "F".into(),
        event: "E".into(),
        authorizer: None,
    };
    let api = HttpApi {
        logical_id: "Api".into(),
        routes: vec![
            route("ANY", "$default"),
            route("ANY", "/items/{proxy+}"),
            route("GET", "/items/{id}"),
            route("GET", "/items/special"),
            route("ANY", "/items/{id}"),
        ],
        cors: None,
        authorizers: Default::default(),
    };
    let to = |method, path| api.route(method, path).map(|r| r.function.as_str());
    assert_eq!(to("GET", "/items/special"), Some("GET /items/special"));
    assert_eq!(to("GET", "/items/7"), Some("GET /items/{id}"));
    assert_eq!(to("POST", "/items/7"), Some("ANY /items/{id}"));
    assert_eq!(to("GET", "/items/7/parts"), Some("ANY /items/{proxy+}"));
    assert_eq!(to("GET", "/items//"), Some("ANY $default"));
    assert_eq!(to("GET", "/elsewhere"), Some("ANY $default"));
}

#[test]
fn viewer_auth_oidc_puts_the_jwt_authorizer_on_exactly_the_viewer_routes() {
    let anonymous = api();
    assert!(anonymous.authorizers.is_empty(), "anonymous: no authorizer");
    assert!(anonymous.routes.iter().all(|r| r.authorizer.is_none()));

    let mut v = values("http://127.0.0.1:3001");
    v.parameters.extend([
        ("ViewerAuth".to_owned(), "oidc".to_owned()),
        (
            "OidcIssuer".to_owned(),
            "https://issuer.example/".to_owned(),
        ),
        ("OidcAudience".to_owned(), "upstream-api".to_owned()),
    ]);
    let oidc = HttpApi::from_template(TEMPLATE, &v).unwrap();
    assert_eq!(
        oidc.authorizers["ViewerJwt"],
        JwtConfiguration {
            issuer: "https://issuer.example/".into(),
            audience: vec!["upstream-api".into()],
        }
    );
    let mut secured: Vec<String> = oidc
        .routes
        .iter()
        .filter(|r| r.authorizer.as_deref() == Some("ViewerJwt"))
        .map(Route::key)
        .collect();
    secured.sort();
    assert_eq!(
        secured,
        [
            "GET /api/check-access",
            "GET /api/payment-callback",
            "GET /api/user-sessions",
            "POST /api/generate-qris",
            "POST /api/user-sessions",
        ],
        "the viewer routes; the catalog, the JWKS, the notifications and the hooks stay open"
    );
    // oidc without an issuer is refused, as API Gateway refuses the authorizer.
    v.parameters.insert("OidcIssuer".into(), String::new());
    assert!(HttpApi::from_template(TEMPLATE, &v).is_err());
}
