//! Every function in-process, as deployed: each with its own DynamoDB client through its IAM proxy
//! (its policy from `template.yaml`), on a fresh table loaded with the sample catalog.

use lambda_http::{Body, Response};
use upstream_local::template::Template;
use upstream_registry::{Inputs, Stack};
use upstream_session::calls::Capacity;
use upstream_session::edge::event::{http_v2_event, request_from_event};
use upstream_session::edge::{DynamoCalls, DynamoCapacity};
use upstream_session::media::MediaApis;
use upstream_session::{Clock, Policy};

use crate::iam::{Proxies, template};
use crate::{Harness, OME_SECRET, OPERATOR, SECRET, harness_with, playback_env};

/// Every function on a fresh table loaded with `infra/streams.sample.json`.
pub struct Api {
    pub h: Harness,
    /// The functions' states: the catalog cached 60 s and the admin function for IAM callers only
    /// (as deployed), the static provider, the webhook secret [`SECRET`], no playback tokens in
    /// answers (a test sets an issuer), the media servers' verifier trusting [`Api::playback_key`].
    pub stack: Stack,
    /// The key playback tokens are signed with in these tests.
    pub playback_key: upstream_session::playback::SigningKey,
    /// Each function's IAM proxy (dropped after the stack's clients).
    pub iam: Proxies,
    /// Whether a call IAM refuses fails the test (the repository's template: it must allow what
    /// the functions do); off for a template changed on purpose.
    strict: bool,
}

/// A handler's answer, decoded.
#[derive(Debug)]
pub struct Reply {
    pub status: u16,
    pub body: serde_json::Value,
    pub calls: u32,
    /// The DynamoDB operations sent, in order.
    pub operations: Vec<String>,
    /// The capacity units they consumed (table and each index).
    pub capacity: Capacity,
    pub headers: lambda_http::http::HeaderMap,
}

impl Reply {
    /// `data` of a success envelope.
    pub fn data(&self) -> &serde_json::Value {
        &self.body["data"]
    }

    /// `code` of an error envelope.
    pub fn code(&self) -> &str {
        self.body["code"].as_str().unwrap_or("")
    }

    /// Decodes a handler's response: a body whose type says JSON must parse; any other (HTML, CSV,
    /// plain text) comes back as a JSON string.
    pub fn of(resp: Response<Body>) -> Self {
        let operations = resp
            .extensions()
            .get::<DynamoCalls>()
            .map(|c| c.0.clone())
            .unwrap_or_default();
        let capacity = resp
            .extensions()
            .get::<DynamoCapacity>()
            .map(|c| c.0.clone())
            .unwrap_or_default();
        let status = resp.status().as_u16();
        let headers = resp.headers().clone();
        let bytes: &[u8] = resp.body().as_ref();
        let json = headers
            .get("content-type")
            .is_some_and(|c| c.to_str().unwrap_or("").contains("json"));
        let body = if bytes.is_empty() {
            serde_json::Value::Null
        } else if json {
            serde_json::from_slice(bytes).expect("a JSON body")
        } else {
            serde_json::Value::String(String::from_utf8_lossy(bytes).into_owned())
        };
        Reply {
            status,
            body,
            calls: operations.len() as u32,
            operations,
            capacity,
            headers,
        }
    }
}

/// The public functions on a fresh table with the sample catalog (catalog cache: 60 s, as deployed).
pub async fn api() -> Api {
    api_with(Policy::default()).await
}

/// [`api`] with another policy (short windows for expiry tests).
pub async fn api_with(policy: Policy) -> Api {
    api_with_media(policy, MediaApis::none()).await
}

/// [`api_with`], ending media connections through `media` (e.g. the [`media_fakes`](crate::media_fakes)).
pub async fn api_with_media(policy: Policy, media: MediaApis) -> Api {
    build(policy, template(), true, media).await
}

/// [`api`] with the functions' policies from another template (`text`); a refused call is not a
/// test failure here but the function's error, as on AWS.
pub async fn api_with_template(text: &str) -> Api {
    build(
        Policy::default(),
        &Template::parse(text).expect("the template parses"),
        false,
        MediaApis::none(),
    )
    .await
}

async fn build(policy: Policy, template: &Template, strict: bool, media: MediaApis) -> Api {
    let h = harness_with(policy).await;
    crate::load_sample_catalog(&h.store).await;
    let iam = Proxies::start(template, &h.table);
    let playback_key = upstream_session::playback::SigningKey::generate();
    let managers: Vec<_> = upstream_registry::names()
        .into_iter()
        .map(|name| (name, iam.manager(name, &h)))
        .collect();
    let stack = Stack::new(Inputs {
        manager: Box::new(move |name| {
            managers
                .iter()
                .find(|(n, _)| *n == name)
                .map(|(_, m)| m.clone())
                .unwrap_or_else(|| panic!("no manager for {name}"))
        }),
        cors: upstream_session::edge::Cors::new("http://127.0.0.1:3001"),
        qris: upstream_session::qris::Qris::parse(upstream_session::qris::DEMO_STATIC)
            .expect("the demo QRIS"),
        catalog_cache: upstream_session::catalog::CACHE_TTL,
        provider: upstream_session::provider::PaymentProvider::Static,
        webhook_secret: Some(SECRET.as_bytes().to_vec()),
        playback: playback_env(&playback_key),
        playback_tokens: false,
        playback_prefix: "/hls/".into(),
        ome_secret: Some(OME_SECRET.into()),
        publish_key: Some(crate::PUBLISH_KEY.into()),
        allow_local: false,
        viewer_auth: upstream_session::edge::ViewerAuth::Anonymous,
        media,
    });
    Api {
        h,
        stack,
        playback_key,
        iam,
        strict,
    }
}

impl Api {
    /// Runs the named function's handler on an API Gateway v2 event.
    pub async fn call(&self, function: &str, event: &serde_json::Value) -> Reply {
        let req = request_from_event(event).expect("a valid v2 event");
        let resp = self
            .stack
            .handle(function, req)
            .await
            .unwrap_or_else(|| panic!("unknown function {function}"));
        self.reply(resp)
    }

    /// Runs the named scheduled function on `event`: its answer (or error) and the DynamoDB
    /// operations it sent (each allowed by its policy).
    pub async fn run(
        &self,
        function: &str,
        event: &serde_json::Value,
    ) -> (Result<serde_json::Value, String>, Vec<String>) {
        let (answer, operations) =
            upstream_session::calls::count_calls(self.stack.run(function, event.clone())).await;
        let answer = answer.unwrap_or_else(|| panic!("no scheduled function {function}"));
        if self.strict {
            self.iam.assert_none_denied();
        }
        (answer, operations)
    }

    fn reply(&self, resp: Response<Body>) -> Reply {
        if self.strict {
            self.iam.assert_none_denied();
        }
        Reply::of(resp)
    }

    /// A request to a function built from parts.
    pub async fn request(
        &self,
        function: &str,
        method: &str,
        path: &str,
        query: &str,
        body: Option<serde_json::Value>,
    ) -> Reply {
        let body = body.map(|b| b.to_string());
        let headers = vec![("content-type".to_owned(), "application/json".to_owned())];
        let event = http_v2_event(method, path, query, &headers, body.as_deref());
        self.call(function, &event).await
    }

    /// `POST /api/generate-qris {streamId, userId}`.
    pub async fn generate_qris(&self, user: &str, stream: &str) -> Reply {
        let body = serde_json::json!({"streamId": stream, "userId": user});
        self.request(
            "generate-qris",
            "POST",
            "/api/generate-qris",
            "",
            Some(body),
        )
        .await
    }

    /// `GET /api/check-access?sessionId=&streamId=`.
    pub async fn check_access(&self, session: &str, stream: &str) -> Reply {
        let query = format!("sessionId={session}&streamId={stream}");
        self.request("check-access", "GET", "/api/check-access", &query, None)
            .await
    }

    /// A request with extra headers (content-type JSON is always set).
    pub async fn request_with(
        &self,
        function: &str,
        method: &str,
        path: &str,
        extra: &[(&str, &str)],
        body: Option<serde_json::Value>,
    ) -> Reply {
        let body = body.map(|b| b.to_string());
        let mut headers = vec![("content-type".to_owned(), "application/json".to_owned())];
        headers.extend(
            extra
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned())),
        );
        let event = http_v2_event(method, path, "", &headers, body.as_deref());
        self.call(function, &event).await
    }

    /// The admin function, called by an IAM operator (`OPERATOR`); a CSV or HTML body comes back as
    /// a JSON string.
    pub async fn admin(
        &self,
        method: &str,
        path: &str,
        query: &str,
        body: Option<serde_json::Value>,
    ) -> Reply {
        self.admin_as(&self.stack.admin, method, path, query, body, true)
            .await
    }

    /// The admin function with `state`, called by the IAM operator when `iam` is set (else with no
    /// IAM caller).
    pub async fn admin_as(
        &self,
        state: &admin::State,
        method: &str,
        path: &str,
        query: &str,
        body: Option<serde_json::Value>,
        iam: bool,
    ) -> Reply {
        let body = body.map(|b| b.to_string());
        let headers = vec![("content-type".to_owned(), "application/json".to_owned())];
        let mut event = http_v2_event(method, path, query, &headers, body.as_deref());
        if iam {
            event["requestContext"]["authorizer"] = serde_json::json!({"iam": {
                "accessKey": "AKIAEXAMPLE", "accountId": "123456789012", "callerId": "AIDAEXAMPLE",
                "userArn": OPERATOR, "userId": "AIDAEXAMPLE"
            }});
        }
        let req = request_from_event(&event).expect("a valid event");
        // Boxed: the handler's future is deep, and a test's own future holds it.
        self.reply(Box::pin(admin::handler(state, req)).await)
    }

    /// A webhook delivery signed with [`SECRET`] at the clock's current time (or a given header).
    pub async fn webhook(&self, body: &serde_json::Value, signature: Option<String>) -> Reply {
        let raw = body.to_string();
        let sig = signature.unwrap_or_else(|| {
            upstream_session::edge::signature::sign(
                SECRET.as_bytes(),
                self.h.clock.now().timestamp(),
                raw.as_bytes(),
            )
        });
        let headers = vec![
            ("content-type".to_owned(), "application/json".to_owned()),
            ("x-upstream-signature".to_owned(), sig),
        ];
        let event = http_v2_event("POST", "/api/payment-callback", "", &headers, Some(&raw));
        self.call("payment-callback", &event).await
    }
}
