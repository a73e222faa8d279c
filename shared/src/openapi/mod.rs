//! The OpenAPI 3.1 document of every route, built from the functions' [`FunctionSpec`]s (their
//! routes' [contracts](crate::contract)), the typed request bodies and views and [`ErrorCode`]:
//! nothing in it is written twice. The local stack serves it at `/api/openapi.json`; a copy is committed.

pub mod schemas;

use std::collections::BTreeMap;

use utoipa::ToSchema;
use utoipa::openapi::path::{
    HttpMethod, OperationBuilder, ParameterBuilder, ParameterIn, PathItem,
};
use utoipa::openapi::request_body::RequestBodyBuilder;
use utoipa::openapi::schema::{AdditionalProperties, ArrayBuilder, ObjectBuilder, Schema, Type};
use utoipa::openapi::tag::TagBuilder;
use utoipa::openapi::{
    ComponentsBuilder, Content, HeaderBuilder, InfoBuilder, OpenApi, OpenApiBuilder, PathsBuilder,
    Ref, RefOr, Required, ResponseBuilder, ResponsesBuilder,
};

use crate::FunctionSpec;
use crate::contract::{Param, Payload, Reply, Route, Shape};
use crate::error_code::ErrorCode;
use crate::{requests, views};

/// The JSON media type of requests and answers.
const JSON: &str = "application/json";

/// Schemas collected while the paths are built, by component name.
#[derive(Default)]
struct Components(BTreeMap<String, RefOr<Schema>>);

impl Components {
    /// Registers `T` and everything it refers to; answers a reference to it.
    fn add<T: ToSchema>(&mut self) -> RefOr<Schema> {
        let mut deps = Vec::new();
        T::schemas(&mut deps);
        self.0.extend(deps);
        let name = T::name().into_owned();
        self.0.insert(name.clone(), T::schema());
        Ref::from_schema_name(name).into()
    }

    fn payload(&mut self, p: Payload) -> RefOr<Schema> {
        match p {
            Payload::GenerateQrisRequest => self.add::<requests::GenerateQrisRequest>(),
            Payload::WebhookRequest => self.add::<requests::WebhookRequest>(),
            Payload::UserAccessRequest => self.add::<requests::UserAccessRequest>(),
            Payload::ForceApproveRequest => self.add::<requests::ForceApproveRequest>(),
            Payload::StreamRequest => self.add::<requests::StreamRequest>(),
            Payload::RevokeRequest => self.add::<requests::RevokeRequest>(),
            Payload::NoteRequest => self.add::<requests::NoteRequest>(),
            Payload::MidtransNotification => self.add::<requests::MidtransNotification>(),
            Payload::XenditCallback => self.add::<requests::XenditCallback>(),
            Payload::MediamtxHook => self.add::<requests::MediamtxHook>(),
            Payload::SrsHook => self.add::<requests::SrsHook>(),
            Payload::OmeHook => self.add::<requests::OmeHook>(),
            Payload::PublishHook => self.add::<requests::PublishHook>(),
            Payload::Qr => self.add::<views::QrView>(),
            Payload::Status => self.add::<views::StatusView>(),
            Payload::Report => self.add::<views::ReportView>(),
            Payload::Access => self.add::<views::AccessView>(),
            Payload::UserSessions => self.add::<views::UserSessionsView>(),
            Payload::UserAccess => self.add::<views::UserAccessView>(),
            Payload::Streams => self.add::<views::StreamsView>(),
            Payload::StreamEntry => self.add::<views::StreamEntryView>(),
            Payload::SessionPage => self.add::<views::SessionPageView>(),
            Payload::SessionEvents => self.add::<views::SessionEventsView>(),
            Payload::Approval => self.add::<views::ApprovalView>(),
            Payload::Catalog => self.add::<views::CatalogView>(),
            Payload::CatalogEntry => self.add::<views::CatalogEntryView>(),
            Payload::Revoke => self.add::<views::RevokeView>(),
            Payload::RefundPage => self.add::<views::RefundPageView>(),
            Payload::Settlement => self.add::<views::SettlementView>(),
            Payload::PaymentPage => self.add::<views::PaymentPageView>(),
            Payload::Stats => self.add::<crate::stats::Stats>(),
        }
    }

    fn shape(&mut self, s: Shape) -> RefOr<Schema> {
        match s {
            Shape::SessionId => self.add::<crate::domain::SessionId>(),
            Shape::TrxId => self.add::<crate::domain::TrxId>(),
            Shape::UserId => self.add::<crate::domain::UserId>(),
            Shape::StreamId => self.add::<crate::domain::StreamId>(),
            Shape::PaymentId => self.add::<crate::domain::PaymentId>(),
            Shape::Text => ObjectBuilder::new().schema_type(Type::String).into(),
            Shape::Int { min, max } => ObjectBuilder::new()
                .schema_type(Type::Integer)
                .minimum(Some(min))
                .maximum(Some(max))
                .into(),
            Shape::OneOf(words) => ObjectBuilder::new()
                .schema_type(Type::String)
                .enum_values(Some(words.iter().copied()))
                .into(),
        }
    }
}

/// The document of `specs`' routes.
pub fn document(specs: &[&FunctionSpec], version: &str) -> OpenApi {
    let mut components = Components::default();
    let mut paths = PathsBuilder::new();
    for spec in specs {
        for route in spec.routes {
            let item = PathItem::new(
                method(route.method),
                operation(spec, route, &mut components),
            );
            paths = paths.path(route.path, item);
        }
    }
    // A function without routes (a scheduled one) is no part of the HTTP API.
    let tags = specs.iter().filter(|s| !s.routes.is_empty()).map(|s| {
        TagBuilder::new()
            .name(s.name)
            .description(Some(format!("The `{}` function", s.name)))
            .build()
    });
    OpenApiBuilder::new()
        .info(
            InfoBuilder::new()
                .title("Upstream Pay")
                .version(version)
                .description(Some(
                    "Pay-per-view access to live streams with QRIS. Every JSON answer is the envelope \
                     `{\"success\": true, \"data\": …}` or `{\"success\": false, \"error\": \"<Bahasa \
                     Indonesia>\", \"code\": \"<STABLE_CODE>\"}`; media server hooks answer in their \
                     server's own protocol. The admin routes are served by the admin function's \
                     IAM-protected Function URL.",
                )),
        )
        .paths(paths)
        .components(Some(
            ComponentsBuilder::new()
                .schemas_from_iter(components.0)
                .build(),
        ))
        .tags(Some(tags))
        .build()
}

/// The document as pretty JSON with a final newline.
pub fn to_json(doc: &OpenApi) -> String {
    match doc.to_pretty_json() {
        Ok(s) => s + "\n",
        Err(e) => serde_json::json!({ "error": e.to_string() }).to_string() + "\n",
    }
}

fn method(m: &str) -> HttpMethod {
    match m {
        "POST" => HttpMethod::Post,
        "PUT" => HttpMethod::Put,
        "DELETE" => HttpMethod::Delete,
        "PATCH" => HttpMethod::Patch,
        _ => HttpMethod::Get,
    }
}

fn operation(spec: &FunctionSpec, route: &Route, c: &mut Components) -> OperationBuilder {
    let slug: String = route
        .path
        .chars()
        .map(|ch| if ch.is_ascii_alphanumeric() { ch } else { '_' })
        .collect();
    let mut op = OperationBuilder::new()
        .operation_id(Some(format!(
            "{}{}",
            route.method.to_lowercase(),
            slug.trim_end_matches('_')
        )))
        .summary(Some(route.summary))
        .tag(spec.name);
    for (at, params) in [
        (ParameterIn::Path, route.path_params),
        (ParameterIn::Query, route.query),
        (ParameterIn::Header, route.headers),
    ] {
        for p in params {
            op = op.parameter(parameter(p, at.clone(), c));
        }
    }
    if let Some(body) = route.body {
        op = op.request_body(Some(
            RequestBodyBuilder::new()
                .content(JSON, Content::new(Some(c.payload(body))))
                .required(Some(Required::True))
                .build(),
        ));
    }
    op.responses(responses(route, c))
}

fn parameter(p: &Param, at: ParameterIn, c: &mut Components) -> ParameterBuilder {
    ParameterBuilder::new()
        .name(p.name)
        .parameter_in(at)
        .required(if p.required {
            Required::True
        } else {
            Required::False
        })
        .description(Some(p.about))
        .schema(Some(c.shape(p.shape)))
}

fn any_object() -> RefOr<Schema> {
    ObjectBuilder::new().schema_type(Type::Object).into()
}

fn text() -> RefOr<Schema> {
    ObjectBuilder::new().schema_type(Type::String).into()
}

fn responses(route: &Route, c: &mut Components) -> ResponsesBuilder {
    let mut out = ResponsesBuilder::new();
    match route.reply {
        Reply::Data(p) => {
            let ok = ResponseBuilder::new()
                .description("Done")
                .content(JSON, Content::new(Some(success(c.payload(p)))));
            out = out.response("200", ok);
        }
        Reply::Cached(p) => {
            let ok = cache_headers(
                ResponseBuilder::new()
                    .description("Done (public, cacheable)")
                    .content(JSON, Content::new(Some(success(c.payload(p))))),
            );
            let same = cache_headers(
                ResponseBuilder::new()
                    .description("Not modified: `If-None-Match` names this answer"),
            );
            out = out.response("200", ok).response("304", same);
        }
        Reply::DataOrCsv(p) => {
            let ok = ResponseBuilder::new()
                .description("Done: JSON, or CSV with `format=csv`")
                .content(JSON, Content::new(Some(success(c.payload(p)))))
                .content("text/csv", Content::new(Some(text())));
            out = out.response("200", ok);
        }
        Reply::Html => {
            let ok = ResponseBuilder::new()
                .description("The page")
                .content("text/html", Content::new(Some(text())));
            out = out.response("200", ok);
        }
        Reply::Script => {
            let ok = ResponseBuilder::new()
                .description("The script")
                .content("text/javascript", Content::new(Some(text())));
            out = out.response("200", ok);
        }
        Reply::Jwks => {
            let keys = ObjectBuilder::new()
                .schema_type(Type::Object)
                .property("keys", ArrayBuilder::new().items(any_object()))
                .required("keys");
            let ok = ResponseBuilder::new()
                .description("The JSON Web Key Set")
                .content("application/jwk-set+json", Content::new(Some(keys)));
            out = out.response("200", ok);
        }
        Reply::Hook { empty, json } => {
            for s in empty {
                let r = ResponseBuilder::new().description(hook_meaning(*s));
                out = out.response(s.to_string(), r);
            }
            for s in json {
                let r = ResponseBuilder::new()
                    .description(hook_meaning(*s))
                    .content(JSON, Content::new(Some(any_object())));
                out = out.response(s.to_string(), r);
            }
        }
    }
    let mut by_status: BTreeMap<u16, Vec<ErrorCode>> = BTreeMap::new();
    for e in route.all_errors() {
        by_status.entry(e.status()).or_default().push(e);
    }
    for (status, codes) in by_status {
        if matches!(route.reply, Reply::Hook { empty, json } if empty.contains(&status) || json.contains(&status))
        {
            continue; // the hook's own answer for that status
        }
        let mut wire: Vec<&str> = codes.iter().map(|e| e.code()).collect();
        wire.sort_unstable();
        wire.dedup();
        let about: Vec<String> = codes
            .iter()
            .map(|e| format!("`{}`: {}", e.code(), e.message(Some("…"))))
            .collect();
        let candidates = codes
            .contains(&ErrorCode::AmbiguousSession)
            .then(|| c.add::<views::SessionCandidate>());
        let mut r = ResponseBuilder::new()
            .description(about.join("; "))
            .content(JSON, Content::new(Some(failure(&wire, candidates))));
        if codes.iter().any(|e| e.retry_after().is_some()) {
            r = r.header(
                "Retry-After",
                HeaderBuilder::new()
                    .schema(
                        ObjectBuilder::new()
                            .schema_type(Type::Integer)
                            .minimum(Some(1)),
                    )
                    .description(Some("Seconds to wait before retrying"))
                    .build(),
            );
        }
        out = out.response(status.to_string(), r);
    }
    out
}

/// The `Cache-Control` and `ETag` headers of a cacheable answer.
fn cache_headers(r: ResponseBuilder) -> ResponseBuilder {
    let text = |about: &str| {
        HeaderBuilder::new()
            .schema(ObjectBuilder::new().schema_type(Type::String))
            .description(Some(about))
            .build()
    };
    r.header(
        "Cache-Control",
        text("`public, max-age=<seconds>`: browsers and CDNs may reuse it that long"),
    )
    .header(
        "ETag",
        text("A strong tag of the body, for `If-None-Match`"),
    )
}

fn hook_meaning(status: u16) -> &'static str {
    match status {
        200 | 204 => {
            "Answered in the media server's protocol (allowed, or for some servers a refusal in the body)"
        }
        400 => "The hook's body is not a JSON object",
        401 => "No valid token",
        403 => "The token does not cover this stream or path",
        _ => "The media server's protocol",
    }
}

/// The envelope's `success`, always `value`.
fn flag(value: bool) -> ObjectBuilder {
    ObjectBuilder::new()
        .schema_type(Type::Boolean)
        .enum_values(Some([value]))
}

/// `{"success": true, "data": data}`.
fn success(data: RefOr<Schema>) -> RefOr<Schema> {
    ObjectBuilder::new()
        .schema_type(Type::Object)
        .property("success", flag(true))
        .property("data", data)
        .required("success")
        .required("data")
        .into()
}

/// `{"success": false, "error": message, "code": one of codes}`, nothing else but, when the status
/// may be `AMBIGUOUS_SESSION`, its `candidates` (each a `candidate`).
fn failure(codes: &[&str], candidate: Option<RefOr<Schema>>) -> RefOr<Schema> {
    let mut envelope = ObjectBuilder::new();
    if let Some(candidate) = candidate {
        envelope = envelope.property(
            "candidates",
            ArrayBuilder::new().items(candidate).description(Some(
                "With `AMBIGUOUS_SESSION` only: the pending sessions the request could mean, \
                 oldest first (approve one again with its `trxId`)",
            )),
        );
    }
    envelope
        .schema_type(Type::Object)
        .property("success", flag(false))
        .property(
            "error",
            ObjectBuilder::new()
                .schema_type(Type::String)
                .min_length(Some(1))
                .description(Some("For people, in Bahasa Indonesia")),
        )
        .property(
            "code",
            ObjectBuilder::new()
                .schema_type(Type::String)
                .enum_values(Some(codes.iter().copied())),
        )
        .required("success")
        .required("error")
        .required("code")
        .additional_properties(Some(AdditionalProperties::FreeForm(false)))
        .into()
}
