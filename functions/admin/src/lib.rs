//! The admin function, behind a Lambda Function URL with `AuthType: AWS_IAM`: approvals,
//! complimentary grants, the session list, the audit trail, the catalog and the `/admin/approve` page.
//! Not routed through the public API.

mod catalog;
mod ledger;
mod page;
mod sales;

use lambda_http::request::RequestContext;
use lambda_http::{Body, Request, RequestExt, Response};
use upstream_session::ConfigError;
use upstream_session::ErrorCode;
use upstream_session::FunctionSpec;
use upstream_session::contract::{Param, Payload, Reply, Route, Shape};
use upstream_session::domain::{RefundStatus, SessionId, Status, StreamId};
use upstream_session::edge::{self, ApiError, ApiResult, Cors, Init};
use upstream_session::media::{MediaApis, Reaper};
use upstream_session::requests::{ApprovalTarget, ForceApproval, ForceApproveRequest};
use upstream_session::rules::Refusal;
use upstream_session::stats::Granularity;
use upstream_session::store::ListFilter;
use upstream_session::views::{
    ApprovalView, SessionCandidate, SessionEventsView, SessionPageView, SessionView,
};
use upstream_session::{GrantOutcome, Origin, PayOutcome, SessionManager, metrics, secrets};

/// Built once per container.
pub struct State {
    pub manager: SessionManager,
    /// Accept requests without an IAM caller (the local stack only; never set from the environment).
    pub allow_local: bool,
    /// Ends a revoked session's media connections (SRS, MediaMTX) at once.
    pub media: Reaper,
}

impl State {
    /// The deployed init: the process environment and Secrets Manager (see [`State::init`]).
    pub async fn from_env() -> Result<Self, ConfigError> {
        Self::init(&Init::from_env().await).await
    }

    /// From `init`: `TABLE_NAME`, the policy variables, the media servers' APIs (`SRS_API_URL`,
    /// `MEDIAMTX_API_URL`, their users; their passwords from Secrets Manager). IAM callers only.
    pub async fn init(init: &Init) -> Result<Self, ConfigError> {
        let manager = init.manager()?;
        let settings = init.settings(SPEC.secrets).await?;
        let media = Reaper::new(
            manager.store().clone(),
            MediaApis::from_lookup(|name| settings.get(name))?,
            manager.clock(),
        );
        Ok(Self {
            manager,
            allow_local: false,
            media,
        })
    }
}

/// The `{sessionId}` of a session route.
const SESSION_PARAM: &[Param] = &[Param::required(
    "sessionId",
    Shape::SessionId,
    "the session",
)];

/// This function, declared once: the local stack, the tests and the template test read it.
pub const SPEC: FunctionSpec = FunctionSpec {
    name: "admin",
    resource: "AdminFunction",
    routes: &[
        Route::post("/api/force-approve", Reply::Data(Payload::Approval))
            .summary("Approve a session as paid (by sessionId or trxId), or a viewer's one pending session of a stream (several: 409 AMBIGUOUS_SESSION with the candidates' trxIds), or grant a viewer access to a stream")
            .body(Payload::ForceApproveRequest)
            .errors(&[
                ErrorCode::Forbidden,
                ErrorCode::InvalidField,
                ErrorCode::MissingSessionRef,
                ErrorCode::SessionNotFound,
                ErrorCode::StreamNotFound,
                ErrorCode::UserAlreadyHasAccess,
                ErrorCode::AmbiguousSession,
                ErrorCode::SessionClosed,
                ErrorCode::SessionTooOld,
            ]),
        Route::get("/admin/approve", Reply::Html)
            .summary("The admin page")
            .errors(&[ErrorCode::Forbidden]),
        Route::get("/admin/sessions", Reply::Data(Payload::SessionPage))
            .summary("Sessions, newest first, by stream and status, a page at a time")
            .query(&[
                Param::optional("streamId", Shape::StreamId, "only this stream"),
                Param::optional(
                    "status",
                    Shape::OneOf(Status::NAMES),
                    "only this status (as of now)",
                ),
                Param::optional("limit", Shape::Int { min: 1, max: 100 }, "page size (50)"),
                Param::optional("cursor", Shape::Text, "the previous page's nextCursor"),
            ])
            .errors(&[ErrorCode::Forbidden, ErrorCode::InvalidField]),
        Route::get("/admin/sessions/{sessionId}/events", Reply::Data(Payload::SessionEvents))
            .summary("A session with its audit trail")
            .path_params(SESSION_PARAM)
            .errors(&[
                ErrorCode::Forbidden,
                ErrorCode::InvalidField,
                ErrorCode::SessionNotFound,
            ]),
        Route::get("/admin/streams", Reply::Data(Payload::Catalog))
            .summary("The whole catalog, inactive streams included")
            .errors(&[ErrorCode::Forbidden]),
        Route::new("PUT", "/admin/streams/{id}", Reply::Data(Payload::CatalogEntry))
            .summary("Create or replace a stream of the catalog")
            .path_params(&[Param::required("id", Shape::StreamId, "the stream")])
            .body(Payload::StreamRequest)
            .errors(&[
                ErrorCode::Forbidden,
                ErrorCode::MissingField,
                ErrorCode::InvalidField,
            ]),
        Route::post("/admin/sessions/{sessionId}/revoke", Reply::Data(Payload::Revoke))
            .summary("End a session's access now, optionally owing its payment back")
            .path_params(SESSION_PARAM)
            .body(Payload::RevokeRequest)
            .errors(&[
                ErrorCode::Forbidden,
                ErrorCode::InvalidField,
                ErrorCode::SessionNotFound,
                ErrorCode::SessionNotRevocable,
            ]),
        Route::get("/admin/refunds", Reply::Data(Payload::RefundPage))
            .summary("Refunds owed (open) or settled, newest first")
            .query(&[
                Param::optional("status", Shape::OneOf(RefundStatus::NAMES), "open (default) or settled"),
                Param::optional("limit", Shape::Int { min: 1, max: 100 }, "page size (50)"),
                Param::optional("cursor", Shape::Text, "the previous page's cursor"),
            ])
            .errors(&[ErrorCode::Forbidden, ErrorCode::InvalidField]),
        Route::post("/admin/refunds/{paymentId}/settle", Reply::Data(Payload::Settlement))
            .summary("Mark a refund as paid back (idempotent)")
            .path_params(&[Param::required("paymentId", Shape::PaymentId, "the refund's ledger record")])
            .body(Payload::NoteRequest)
            .errors(&[
                ErrorCode::Forbidden,
                ErrorCode::InvalidField,
                ErrorCode::PaymentNotFound,
                ErrorCode::NotARefund,
            ]),
        Route::get("/admin/payments", Reply::DataOrCsv(Payload::PaymentPage))
            .summary("The ledger of a period, oldest first (JSON pages or CSV)")
            .query(&[
                Param::required("from", Shape::Text, "a WIB day (2026-11-23) or an RFC 3339 instant"),
                Param::optional("to", Shape::Text, "a WIB day (inclusive) or an RFC 3339 instant"),
                Param::optional("format", Shape::OneOf(&["json", "csv"]), "csv: every row as CSV"),
                Param::optional("limit", Shape::Int { min: 1, max: 1000 }, "page size"),
                Param::optional("cursor", Shape::Text, "the previous page's cursor"),
            ])
            .errors(&[
                ErrorCode::Forbidden,
                ErrorCode::MissingField,
                ErrorCode::InvalidField,
            ]),
        Route::get("/admin/vendor/uPlot.iife.min.js", Reply::Script)
            .summary("The chart library the admin page draws with (uPlot, MIT)")
            .errors(&[ErrorCode::Forbidden]),
        Route::get("/admin/stats", Reply::Data(Payload::Stats))
            .summary("Sales of a period per WIB hour or day and per stream, refunds opened and settled, QR opened to paid")
            .query(&[
                Param::optional("from", Shape::Text, "a WIB day or an RFC 3339 instant (default: 48 hours or 30 days back)"),
                Param::optional("to", Shape::Text, "a WIB day (inclusive) or an RFC 3339 instant (default: now)"),
                Param::optional("granularity", Shape::OneOf(Granularity::NAMES), "hour (default; at most 7 days) or day (at most 31 days)"),
            ])
            .errors(&[ErrorCode::Forbidden, ErrorCode::InvalidField]),
    ],
    secrets: &[secrets::SRS_API, secrets::MEDIAMTX_API],
};

/// The handler: never panics, always answers.
pub async fn handler(state: &State, req: Request) -> Response<Body> {
    edge::serve(SPEC.name, &Cors::default(), req, |req| route(state, req)).await
}

/// The IAM principal that signed the request, from the Function URL request context.
pub fn principal(req: &Request) -> Option<String> {
    match req.request_context_ref()? {
        RequestContext::ApiGatewayV2(ctx) => {
            let iam = ctx.authorizer.as_ref()?.iam.as_ref()?;
            iam.user_arn
                .clone()
                .or_else(|| iam.caller_id.clone())
                .filter(|a| !a.is_empty())
        }
        #[allow(unreachable_patterns)]
        _ => None,
    }
}

async fn route(state: &State, req: Request) -> ApiResult {
    // Defence in depth: the Function URL already refuses unsigned requests.
    let actor = match principal(&req) {
        Some(arn) => arn,
        None if state.allow_local => "local".to_owned(),
        None => {
            return Err(ApiError::of(ErrorCode::Forbidden));
        }
    };
    let path = req.uri().path().trim_end_matches('/').to_owned();
    let segments: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
    match (req.method().as_str(), segments.as_slice()) {
        ("POST", ["api", "force-approve"]) => force_approve(state, &req, &actor).await,
        ("GET", ["admin", "approve"]) => approve_page(state).await,
        ("GET", ["admin", "sessions"]) => list_sessions(state, &req).await,
        ("GET", ["admin", "sessions", id, "events"]) => events(state, id).await,
        ("GET", ["admin", "streams"]) => catalog::list_streams(state).await,
        ("PUT", ["admin", "streams", id]) => catalog::put_stream(state, &req, id, &actor).await,
        ("POST", ["admin", "sessions", id, "revoke"]) => {
            ledger::revoke(state, &req, id, &actor).await
        }
        ("GET", ["admin", "refunds"]) => ledger::list_refunds(state, &req).await,
        ("POST", ["admin", "refunds", id, "settle"]) => {
            ledger::settle(state, &req, id, &actor).await
        }
        ("GET", ["admin", "payments"]) => ledger::list_payments(state, &req).await,
        ("GET", ["admin", "stats"]) => sales::stats(state, &req).await,
        ("GET", ["admin", "vendor", "uPlot.iife.min.js"]) => sales::chart_library(),
        (_, ["api", "force-approve"] | ["admin", ..]) => Err(ApiError::method_not_allowed()),
        _ => Err(ApiError::not_found_route()),
    }
}

pub(crate) fn admin_origin(actor: &str, note: Option<String>) -> Origin {
    Origin {
        source: "admin".into(),
        actor: Some(actor.to_owned()),
        note,
        provider_ref: None,
    }
}

fn already_has_access() -> ApiError {
    ApiError::of(ErrorCode::UserAlreadyHasAccess)
}

async fn force_approve(state: &State, req: &Request, actor: &str) -> ApiResult {
    let approval = ForceApproval::try_from(edge::json_body::<ForceApproveRequest>(req)?)?;
    let origin = admin_origin(actor, approval.note);
    let now = state.manager.now();
    let (user, stream) = match approval.target {
        ApprovalTarget::Session {
            key,
            user_id,
            stream_id,
        } => {
            let session = state
                .manager
                .find(&key)
                .await?
                .filter(|s| user_id.as_ref().is_none_or(|u| u == &s.user_id))
                .filter(|s| stream_id.as_ref().is_none_or(|st| st == &s.stream_id))
                .ok_or_else(ApiError::session_not_found)?;
            return approved(state.manager.approve(session, &origin).await?, now);
        }
        ApprovalTarget::Viewer { user_id, stream_id } => (user_id, stream_id),
    };
    if state
        .manager
        .has_active_session_for_stream(&user, &stream)
        .await?
        .is_some()
    {
        return Err(already_has_access());
    }
    // The userId is the client's choice: anyone may have opened a pending session under it. Only
    // one names the payment; several are the viewer's to tell apart, by the trxId on their screen.
    match state
        .manager
        .pending_sessions(&user, &stream)
        .await?
        .as_slice()
    {
        [] => {}
        [one] => return approved(state.manager.approve(one.clone(), &origin).await?, now),
        several => {
            let candidates: Vec<_> = several.iter().map(SessionCandidate::of).collect();
            return Err(ApiError::of(ErrorCode::AmbiguousSession).with_field(
                "candidates",
                serde_json::to_value(candidates).map_err(|_| ApiError::internal())?,
            ));
        }
    }
    // No pending session: a complimentary grant, through the same guard, on the ledger at Rp 0.
    let entry = state
        .manager
        .store()
        .get_stream(&stream)
        .await?
        .ok_or_else(ApiError::stream_not_found)?;
    let grant = Origin {
        note: Some(
            origin
                .note
                .clone()
                .unwrap_or_else(|| "complimentary".into()),
        ),
        ..origin
    };
    let granted = state
        .manager
        .grant(user, stream, entry.price, entry.schedule(), &grant)
        .await?;
    match granted {
        GrantOutcome::Granted(session) => edge::ok_view(&ApprovalView {
            session: SessionView::of(&session, now),
            already_paid: false,
            complimentary: true,
        }),
        GrantOutcome::HasAccess(_) => Err(already_has_access()),
    }
}

fn approved(outcome: PayOutcome, now: chrono::DateTime<chrono::Utc>) -> ApiResult {
    let (session, already) = match outcome {
        PayOutcome::Paid { session, .. } => {
            // A payment newly on the ledger (an approval met again is `AlreadyPaid`: nothing).
            metrics::emit(SPEC.name, &metrics::granted(session.amount.rupiah()), now);
            (session, false)
        }
        PayOutcome::AlreadyPaid(session) => (session, true),
        PayOutcome::HasAccess { .. } => return Err(already_has_access()),
        PayOutcome::Refused { refusal, .. } => {
            let code = match refusal {
                Refusal::TooLate => ErrorCode::SessionTooOld,
                _ => ErrorCode::SessionClosed,
            };
            return Err(ApiError::of(code));
        }
        PayOutcome::NotFound => return Err(ApiError::session_not_found()),
    };
    edge::ok_view(&ApprovalView {
        session: SessionView::of(&session, now),
        already_paid: already,
        complimentary: false,
    })
}

fn filter_from(req: &Request) -> Result<ListFilter, ApiError> {
    let status = match edge::query(req, "status").filter(|s| !s.is_empty()) {
        Some(s) => {
            Some(Status::parse(&s.to_lowercase()).ok_or_else(|| ApiError::invalid("status"))?)
        }
        None => None,
    };
    let stream = match edge::query(req, "streamId").filter(|s| !s.is_empty()) {
        Some(s) => Some(StreamId::parse(s).map_err(|_| ApiError::invalid("streamId"))?),
        None => None,
    };
    let limit = match edge::query(req, "limit") {
        Some(l) => l
            .parse::<usize>()
            .ok()
            .filter(|l| (1..=100).contains(l))
            .ok_or_else(|| ApiError::invalid("limit"))?,
        None => 50,
    };
    Ok(ListFilter {
        stream,
        status,
        limit,
        cursor: edge::query(req, "cursor").filter(|c| !c.is_empty()),
    })
}

async fn list_sessions(state: &State, req: &Request) -> ApiResult {
    let filter = filter_from(req)?;
    let now = state.manager.now();
    let page = state.manager.store().list_sessions(&filter, now).await?;
    edge::ok_view(&SessionPageView {
        sessions: page
            .sessions
            .iter()
            .map(|s| SessionView::of(s, now))
            .collect(),
        next_cursor: page.next_cursor,
    })
}

async fn events(state: &State, id: &str) -> ApiResult {
    let id = SessionId::parse(id).map_err(|_| ApiError::invalid("sessionId"))?;
    let session = state
        .manager
        .get_payment_session(&id)
        .await?
        .ok_or_else(ApiError::session_not_found)?;
    let events = state.manager.events(&id).await?;
    edge::ok_view(&SessionEventsView {
        session: SessionView::of(&session, state.manager.now()),
        events,
    })
}

async fn approve_page(state: &State) -> ApiResult {
    let now = state.manager.now();
    let filter = ListFilter {
        stream: None,
        status: None,
        limit: 50,
        cursor: None,
    };
    let page = state.manager.store().list_sessions(&filter, now).await?;
    let refunds = state
        .manager
        .store()
        .list_refunds(RefundStatus::Open, 100, None)
        .await?;
    let streams = state.manager.store().list_streams().await?;
    let html = page::render(&page.sessions, &refunds.records, &streams, now);
    Ok(Response::builder()
        .status(200)
        .header("content-type", "text/html; charset=utf-8")
        .header("cache-control", "no-store")
        .header("content-security-policy", "default-src 'none'; script-src 'self' 'unsafe-inline'; style-src 'unsafe-inline'; connect-src 'self'; img-src data:")
        .header("x-frame-options", "DENY")
        .header("x-content-type-options", "nosniff")
        .header("referrer-policy", "no-referrer")
        .body(Body::Text(html))
        .expect("static headers"))
}
