//! The playback-token verifier for media servers: `GET /api/.well-known/jwks.json` (the public keys)
//! and one authorization hook per media server (`/api/playback-auth/{nginx,mediamtx,srs,ome}`), each
//! answering in that server's own contract. Zero DynamoDB reads on the playback path: the JWKS, nginx
//! and OME make no request at all; an SRS or MediaMTX admission (asked once per connection) is one
//! PutItem, the connection the reaper ends when access ends or is revoked. Apart from playback, the
//! publish hook (`/api/playback-auth/publish`, with the stack's publish key) marks a stream live while
//! its media path is published: one catalog Query and one UpdateItem per matching entry.

use lambda_http::http::{HeaderValue, header};
use lambda_http::{Body, Request, Response};
use serde_json::json;
use upstream_session::ConfigError;
use upstream_session::contract::{Param, Payload, Reply, Route, Shape};
use upstream_session::edge::playback::PlaybackEnv;
use upstream_session::edge::{self, ApiError, ApiResult, Cors, Init};
use upstream_session::playback::hooks::{self, ApiLogin, Decision, NginxRequest};
use upstream_session::playback::{Verifier, jwks, publish};
use upstream_session::{FunctionSpec, SharedClock, Store, secrets};

/// This function, declared once: the local stack, the tests and the template test read it. Its
/// DynamoDB access: the PutItem recording a connection SRS or MediaMTX admitted, and the publish hook's
/// catalog Query and UpdateItem.
pub const SPEC: FunctionSpec = FunctionSpec {
    name: "playback-auth",
    resource: "PlaybackAuthFunction",
    routes: &[
        Route::get("/api/.well-known/jwks.json", Reply::Jwks)
            .summary("The public keys that verify playback tokens"),
        Route::get(
            "/api/playback-auth/nginx",
            Reply::Hook {
                empty: &[204, 401, 403],
                json: &[],
            },
        )
        .summary(
            "nginx auth_request: the token from X-Original-URI's query or the Authorization header",
        )
        .headers(&[
            Param::optional(
                "X-Original-URI",
                Shape::Text,
                "the media request, with ?token=",
            ),
            Param::optional("Authorization", Shape::Text, "Bearer <token>"),
        ]),
        Route::post(
            "/api/playback-auth/mediamtx",
            Reply::Hook {
                empty: &[200, 401],
                json: &[400],
            },
        )
        .summary(
            "MediaMTX's external authentication hook (its API calls: the reaper's credentials)",
        )
        .body(Payload::MediamtxHook),
        Route::post(
            "/api/playback-auth/srs",
            Reply::Hook {
                empty: &[],
                json: &[200, 400, 401, 403],
            },
        )
        .summary("SRS's on_play HTTP callback (code 0 allows)")
        .body(Payload::SrsHook),
        Route::post(
            "/api/playback-auth/ome",
            Reply::Hook {
                empty: &[],
                json: &[200, 401],
            },
        )
        .summary("OvenMediaEngine's AdmissionWebhooks (X-OME-Signature)")
        .headers(&[Param::optional(
            "X-OME-Signature",
            Shape::Text,
            "base64url HMAC-SHA1 of the body",
        )])
        .body(Payload::OmeHook),
        Route::post(
            "/api/playback-auth/publish",
            Reply::Hook {
                empty: &[],
                json: &[200, 400, 401],
            },
        )
        .summary("A media server's publish hook: marks the stream on that media path live or not")
        .query(&[Param::optional(
            "key",
            Shape::Text,
            "the stack's publish key (or Authorization: Bearer)",
        )])
        .headers(&[Param::optional(
            "Authorization",
            Shape::Text,
            "Bearer <the stack's publish key>",
        )])
        .body(Payload::PublishHook),
    ],
    secrets: &[
        secrets::PLAYBACK_PUBLIC_KEYS,
        secrets::OME,
        secrets::MEDIAMTX_API,
        secrets::PUBLISH_HOOK,
    ],
};

/// Built once per container.
pub struct State {
    pub verifier: Verifier,
    /// The JWK Set, serialized once.
    pub jwks: String,
    /// `PLAYBACK_PATH_PREFIX`: the URL prefix of the gated HLS folder (default `/hls/`).
    pub prefix: String,
    /// `OME_SECRET_KEY`: OvenMediaEngine's `<AdmissionWebhooks><SecretKey>` (unset: every OME
    /// request is refused).
    pub ome_secret: Option<Vec<u8>>,
    pub clock: SharedClock,
    pub cors: Cors,
    /// Where the connections SRS and MediaMTX admit are recorded.
    pub store: Store,
    /// `MEDIAMTX_API_USER` and `MEDIAMTX_API_PASS`: MediaMTX's API calls (the reaper's kicks) with
    /// these credentials pass the MediaMTX hook.
    pub mediamtx_api: Option<(String, String)>,
    /// `PUBLISH_HOOK_KEY`: the publish hooks that mark a stream live present it (none: refused).
    pub publish_key: Option<Vec<u8>>,
}

impl State {
    /// From the settings, trusting every published key.
    pub fn new(
        env: &PlaybackEnv,
        prefix: &str,
        ome_secret: Option<&str>,
        store: Store,
        clock: SharedClock,
    ) -> Self {
        Self {
            verifier: env.verifier(),
            jwks: jwks::document(&env.published_keys()).to_string(),
            prefix: prefix.to_owned(),
            ome_secret: ome_secret
                .filter(|s| !s.is_empty())
                .map(|s| s.as_bytes().to_vec()),
            clock,
            // The JWKS is public; hooks are called server to server.
            cors: Cors::new("*"),
            store,
            mediamtx_api: None,
            publish_key: None,
        }
    }

    /// With the publish hooks' key (an empty one: none).
    pub fn with_publish_key(mut self, key: Option<&str>) -> Self {
        self.publish_key = key.filter(|k| !k.is_empty()).map(|k| k.as_bytes().to_vec());
        self
    }

    /// With the MediaMTX API credentials of the reaper (an empty password: none).
    pub fn with_mediamtx_api(mut self, user: &str, password: &str) -> Self {
        self.mediamtx_api = (!password.is_empty()).then(|| (user.to_owned(), password.to_owned()));
        self
    }

    /// The deployed init: the process environment and Secrets Manager (see [`State::init`]).
    pub async fn from_env() -> Result<Self, ConfigError> {
        Self::init(&Init::from_env().await).await
    }

    /// From `init`: `PLAYBACK_AUDIENCE`, `PLAYBACK_ISSUER`, `PLAYBACK_PATH_PREFIX`; from Secrets
    /// Manager the public keys (at least one) and OvenMediaEngine's secret key. Never the signing key.
    pub async fn init(init: &Init) -> Result<Self, ConfigError> {
        let settings = init.settings(SPEC.secrets).await?;
        let env = PlaybackEnv::from_lookup(|name| settings.get(name))?;
        if env.published_keys().is_empty() {
            return Err(ConfigError::invalid(
                "PLAYBACK_PUBLIC_KEYS",
                "(read from PLAYBACK_PUBLIC_KEYS_SECRET_NAME) must hold at least one key",
            ));
        }
        let prefix = settings
            .get("PLAYBACK_PATH_PREFIX")
            .filter(|p| p.starts_with('/'))
            .unwrap_or_else(|| hooks::DEFAULT_PATH_PREFIX.to_owned());
        let ome = settings.get("OME_SECRET_KEY");
        let manager = init.manager()?;
        let var = |name: &str| settings.get(name).unwrap_or_default();
        Ok(Self::new(
            &env,
            &prefix,
            ome.as_deref(),
            manager.store().clone(),
            manager.clock(),
        )
        .with_mediamtx_api(&var("MEDIAMTX_API_USER"), &var("MEDIAMTX_API_PASS"))
        .with_publish_key(settings.get("PUBLISH_HOOK_KEY").as_deref()))
    }
}

/// The handler: never panics; hooks answer in their server's contract.
pub async fn handler(state: &State, req: Request) -> Response<Body> {
    edge::serve(SPEC.name, &state.cors, req, |req| route(state, req)).await
}

async fn route(state: &State, req: Request) -> ApiResult {
    let path = req.uri().path().trim_end_matches('/').to_owned();
    let method = req.method().as_str().to_owned();
    let get = method == "GET" || method == "HEAD";
    let now = state.clock.now();
    let decision = match (path.as_str(), get) {
        ("/api/.well-known/jwks.json", true) => return Ok(jwks_response(state)),
        ("/api/playback-auth/nginx", true) => {
            let h =
                |name: header::HeaderName| req.headers().get(name).and_then(|v| v.to_str().ok());
            let original = req
                .headers()
                .get("x-original-uri")
                .and_then(|v| v.to_str().ok());
            hooks::nginx(
                &state.verifier,
                &state.prefix,
                &NginxRequest {
                    authorization: h(header::AUTHORIZATION),
                    cookie: h(header::COOKIE),
                    original_uri: original,
                },
                now,
            )
        }
        ("/api/playback-auth/mediamtx", false) if method == "POST" => {
            let login = state
                .mediamtx_api
                .as_ref()
                .map(|(user, password)| ApiLogin { user, password });
            hooks::mediamtx(&state.verifier, login, edge::raw_body(&req)?, now)
        }
        ("/api/playback-auth/srs", false) if method == "POST" => {
            hooks::srs(&state.verifier, edge::raw_body(&req)?, now)
        }
        ("/api/playback-auth/publish", false) if method == "POST" => {
            return publish(state, &req).await;
        }
        ("/api/playback-auth/ome", false) if method == "POST" => {
            let signature = req
                .headers()
                .get("x-ome-signature")
                .and_then(|v| v.to_str().ok());
            match &state.ome_secret {
                Some(secret) => hooks::ome(
                    &state.verifier,
                    secret,
                    signature,
                    edge::raw_body(&req)?,
                    now,
                ),
                None => hooks::ome(&state.verifier, b"", None, b"", now),
            }
        }
        _ if SPEC.routes.iter().any(|r| r.path == path) => {
            return Err(ApiError::method_not_allowed());
        }
        _ => return Err(ApiError::not_found_route()),
    };
    if let Some(connection) = &decision.connection {
        // Recorded before the server hears yes: a connection that could not be recorded could not
        // be ended, so the store's failure (the 503 or 500 envelope) refuses it; the player may retry.
        state.store.put_connection(connection).await?;
    }
    Ok(decision_response(&path, decision))
}

/// A publish hook: marks the streams whose media path it names live or not. 401 without the
/// stack's publish key (SRS then refuses the publish), 400 for a body it cannot read; otherwise
/// `{"code": 0, "live": …, "streams": [ids]}` (SRS's "allow"), whether or not an entry matched.
async fn publish(state: &State, req: &Request) -> ApiResult {
    let authorization = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok());
    let query = req.uri().query().unwrap_or_default();
    if !publish::authorized(state.publish_key.as_deref(), authorization, query) {
        tracing::warn!(hook = "publish", "publish hook without the stack's key");
        return Ok(edge::json_response(
            401,
            &json!({"code": 401, "error": "unauthorized"}),
        ));
    }
    let event = match publish::parse(edge::raw_body(req)?) {
        Ok(event) => event,
        Err(why) => {
            return Ok(edge::json_response(
                400,
                &json!({"code": 400, "error": why}),
            ));
        }
    };
    let streams = state.store.set_live(&event.path, event.live).await?;
    tracing::info!(hook = "publish", path = %event.path, live = event.live, streams = ?streams, "live state");
    let ids: Vec<String> = streams.iter().map(ToString::to_string).collect();
    Ok(edge::json_response(
        200,
        &json!({"code": 0, "live": event.live, "streams": ids}),
    ))
}

fn jwks_response(state: &State) -> Response<Body> {
    Response::builder()
        .status(200)
        .header(header::CONTENT_TYPE, "application/jwk-set+json")
        .header(header::CACHE_CONTROL, jwks::CACHE_CONTROL)
        .body(Body::Text(state.jwks.clone()))
        .expect("static response")
}

fn decision_response(hook: &str, d: Decision) -> Response<Body> {
    match (&d.claims, &d.connection) {
        (Some(c), Some(conn)) => {
            tracing::info!(hook, stream = %c.stream, sid = %c.sid, connection = %conn.target, "playback allowed")
        }
        (Some(c), None) => {
            tracing::info!(hook, stream = %c.stream, sid = %c.sid, "playback allowed")
        }
        (None, _) => {
            tracing::info!(hook, status = d.status, reason = %d.reason, "not allowed as playback")
        }
    }
    let mut resp = match &d.body {
        Some(body) => edge::json_response(d.status, body),
        None => Response::builder()
            .status(d.status)
            .body(Body::Empty)
            .expect("valid status"),
    };
    resp.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    resp
}
