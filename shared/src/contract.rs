//! The public contract of a route, declared with the route in its function's [`FunctionSpec`]: what
//! it reads (query, headers, body), what it answers and the refusals it may give. Plain data, so the
//! Lambda builds carry it for free; the `openapi` feature turns it into an OpenAPI 3.1 document.
//!
//! [`FunctionSpec`]: crate::FunctionSpec

use crate::error_code::ErrorCode;

/// One route of a function and its contract.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Route {
    /// The HTTP method.
    pub method: &'static str,
    /// The path (`{name}` marks a path parameter).
    pub path: &'static str,
    /// One line for people.
    pub summary: &'static str,
    /// Its path parameters (each `{name}` of the path), in order.
    pub path_params: &'static [Param],
    /// Query parameters.
    pub query: &'static [Param],
    /// Request headers it reads.
    pub headers: &'static [Param],
    /// The JSON request body, if it takes one.
    pub body: Option<Payload>,
    /// What it answers on success.
    pub reply: Reply,
    /// The refusals particular to it (every route may also give [`COMMON_ERRORS`], and a route with a
    /// body [`BODY_ERRORS`]).
    pub errors: &'static [ErrorCode],
}

/// Refusals any route may give.
pub const COMMON_ERRORS: &[ErrorCode] = &[
    ErrorCode::MethodNotAllowed,
    ErrorCode::MisdirectedRequest,
    ErrorCode::Internal,
    ErrorCode::ServiceUnavailable,
];

/// Refusals of a route that reads a JSON body.
pub const BODY_ERRORS: &[ErrorCode] = &[
    ErrorCode::InvalidJson,
    ErrorCode::PayloadTooLarge,
    ErrorCode::UnsupportedMediaType,
];

impl Route {
    /// A route answering `reply`, with nothing else declared yet.
    pub const fn new(method: &'static str, path: &'static str, reply: Reply) -> Self {
        Self {
            method,
            path,
            summary: "",
            path_params: &[],
            query: &[],
            headers: &[],
            body: None,
            reply,
            errors: &[],
        }
    }

    /// `GET path` answering `reply`.
    pub const fn get(path: &'static str, reply: Reply) -> Self {
        Self::new("GET", path, reply)
    }

    /// `POST path` answering `reply`.
    pub const fn post(path: &'static str, reply: Reply) -> Self {
        Self::new("POST", path, reply)
    }

    /// With its one-line summary.
    pub const fn summary(mut self, summary: &'static str) -> Self {
        self.summary = summary;
        self
    }

    /// With its path parameters.
    pub const fn path_params(mut self, params: &'static [Param]) -> Self {
        self.path_params = params;
        self
    }

    /// With its query parameters.
    pub const fn query(mut self, query: &'static [Param]) -> Self {
        self.query = query;
        self
    }

    /// With the request headers it reads.
    pub const fn headers(mut self, headers: &'static [Param]) -> Self {
        self.headers = headers;
        self
    }

    /// With its JSON request body.
    pub const fn body(mut self, body: Payload) -> Self {
        self.body = Some(body);
        self
    }

    /// With the refusals particular to it.
    pub const fn errors(mut self, errors: &'static [ErrorCode]) -> Self {
        self.errors = errors;
        self
    }

    /// Every refusal it may give: its own, then the body's and the common ones, each once.
    pub fn all_errors(&self) -> Vec<ErrorCode> {
        let body: &[ErrorCode] = if self.body.is_some() {
            BODY_ERRORS
        } else {
            &[]
        };
        let mut all: Vec<ErrorCode> = Vec::new();
        for e in self.errors.iter().chain(body).chain(COMMON_ERRORS) {
            if !all.contains(e) {
                all.push(*e);
            }
        }
        all
    }
}

/// A query parameter or request header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Param {
    /// Its name.
    pub name: &'static str,
    /// Whether the route refuses a request without it.
    pub required: bool,
    /// Its values.
    pub shape: Shape,
    /// One line for people.
    pub about: &'static str,
}

impl Param {
    /// A required parameter.
    pub const fn required(name: &'static str, shape: Shape, about: &'static str) -> Self {
        Self {
            name,
            required: true,
            shape,
            about,
        }
    }

    /// An optional parameter.
    pub const fn optional(name: &'static str, shape: Shape, about: &'static str) -> Self {
        Self {
            name,
            required: false,
            shape,
            about,
        }
    }
}

/// The values of a parameter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shape {
    /// A session id.
    SessionId,
    /// A transaction id.
    TrxId,
    /// A viewer's id.
    UserId,
    /// A stream id.
    StreamId,
    /// A ledger record's id.
    PaymentId,
    /// Free text.
    Text,
    /// An integer within bounds.
    Int {
        /// Smallest value.
        min: u32,
        /// Largest value.
        max: u32,
    },
    /// One of these words.
    OneOf(&'static [&'static str]),
}

/// What a route answers on success.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reply {
    /// `200 {"success": true, "data": …}`.
    Data(Payload),
    /// The same, public and cacheable: `Cache-Control: public, max-age=…`, an `ETag`, and `304`
    /// without a body on a matching `If-None-Match`.
    Cached(Payload),
    /// The same, or the rows as CSV with `format=csv`.
    DataOrCsv(Payload),
    /// An HTML page.
    Html,
    /// A script the page loads (`text/javascript`).
    Script,
    /// A JSON Web Key Set (`application/jwk-set+json`).
    Jwks,
    /// A media server's hook: its own protocol, not the envelope.
    Hook {
        /// The statuses it answers without a body.
        empty: &'static [u16],
        /// The statuses it answers with a JSON body.
        json: &'static [u16],
    },
}

/// A documented JSON body: a request or the `data` of an answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Payload {
    /// `generate-qris`'s request.
    GenerateQrisRequest,
    /// The signed generic webhook.
    WebhookRequest,
    /// `POST user-sessions`'s request.
    UserAccessRequest,
    /// An operator's approval or grant.
    ForceApproveRequest,
    /// A catalog entry written by an operator.
    StreamRequest,
    /// A revocation.
    RevokeRequest,
    /// An operator's note.
    NoteRequest,
    /// A Midtrans HTTP notification.
    MidtransNotification,
    /// A Xendit QR payment callback.
    XenditCallback,
    /// MediaMTX's authentication request.
    MediamtxHook,
    /// SRS's `on_play` callback.
    SrsHook,
    /// OvenMediaEngine's admission request.
    OmeHook,
    /// A media server's publish event (SRS `on_publish`/`on_unpublish`, or `{path, live}`).
    PublishHook,
    /// A payable QR.
    Qr,
    /// A session's payment status.
    Status,
    /// The outcome of a payment report.
    Report,
    /// An access check.
    Access,
    /// A viewer's sessions.
    UserSessions,
    /// A viewer's access to a stream.
    UserAccess,
    /// The streams on sale.
    Streams,
    /// One stream on sale.
    StreamEntry,
    /// A page of sessions (admin).
    SessionPage,
    /// A session with its audit trail (admin).
    SessionEvents,
    /// An approval or grant (admin).
    Approval,
    /// The whole catalog (admin).
    Catalog,
    /// One catalog entry (admin).
    CatalogEntry,
    /// A revocation (admin).
    Revoke,
    /// A page of refunds (admin).
    RefundPage,
    /// A settled refund (admin).
    Settlement,
    /// A page of the ledger (admin).
    PaymentPage,
    /// The sales of a period (admin).
    Stats,
}
