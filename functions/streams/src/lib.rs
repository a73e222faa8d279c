//! `GET /api/streams` (the active streams, one Query) and `GET /api/streams/{id}` (one active stream,
//! one GetItem): public and cacheable for [`PUBLIC_MAX_AGE`] seconds, with an `ETag` and `304`.

use lambda_http::{Body, Request, Response};
use upstream_session::ErrorCode;
use upstream_session::FunctionSpec;
use upstream_session::contract::{Param, Payload, Reply, Route, Shape};
use upstream_session::domain::{Phase, StreamId};
use upstream_session::edge::{self, ApiError, ApiResult, ManagerState, PUBLIC_MAX_AGE};
use upstream_session::views::{StreamEntryView, StreamView, StreamsView};

/// Built once per container: the store and the injectable clock (for `?status=`), the origins.
pub type State = ManagerState;

/// The conditional request header of both routes.
const IF_NONE_MATCH: Param = Param::optional(
    "If-None-Match",
    Shape::Text,
    "an ETag of an earlier answer: 304 without a body while it still holds",
);

/// This function, declared once: the local stack, the tests and the template test read it.
pub const SPEC: FunctionSpec = FunctionSpec {
    name: "streams",
    resource: "StreamsFunction",
    routes: &[
        Route::get("/api/streams", Reply::Cached(Payload::Streams))
            .summary("The streams on sale with their prices and schedules")
            .query(&[Param::optional(
                "status",
                Shape::OneOf(Phase::NAMES),
                "only the streams on air (`live`), starting later (`upcoming`) or ended (`past`)",
            )])
            .headers(&[IF_NONE_MATCH])
            .errors(&[ErrorCode::InvalidField]),
        Route::get("/api/streams/{id}", Reply::Cached(Payload::StreamEntry))
            .summary("One stream on sale, with its description and schedule")
            .path_params(&[Param::required("id", Shape::StreamId, "the stream")])
            .headers(&[IF_NONE_MATCH])
            .errors(&[ErrorCode::InvalidField, ErrorCode::StreamNotFound]),
    ],
    secrets: &[],
};

/// The handler: never panics, always answers with the envelope (or `304`).
pub async fn handler(state: &State, req: Request) -> Response<Body> {
    edge::serve(SPEC.name, &state.cors, req, |req| answer(state, req)).await
}

async fn answer(state: &State, req: Request) -> ApiResult {
    let path = req.uri().path().trim_end_matches('/').to_owned();
    let segments: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
    match (req.method().as_str(), segments.as_slice()) {
        ("GET", ["api", "streams"]) => list(state, &req).await,
        ("GET", ["api", "streams", id]) => one(state, &req, id).await,
        (_, ["api", "streams"] | ["api", "streams", _]) => Err(ApiError::method_not_allowed()),
        _ => Err(ApiError::not_found_route()),
    }
}

/// The active streams, ordered by id, optionally only those in one [`Phase`] now.
async fn list(state: &State, req: &Request) -> ApiResult {
    let status = match edge::query(req, "status").filter(|s| !s.is_empty()) {
        None => None,
        Some(s) => Some(Phase::parse(&s).ok_or_else(|| ApiError::invalid("status"))?),
    };
    let now = state.manager.now();
    let streams: Vec<_> = state
        .manager
        .store()
        .list_streams()
        .await?
        .into_iter()
        .filter(|s| s.active)
        .map(|s| StreamView::of(&s, now))
        .filter(|v| status.is_none_or(|want| v.status == Some(want)))
        .collect();
    edge::cached_view(req, &StreamsView { streams }, PUBLIC_MAX_AGE)
}

/// One active stream (404 `STREAM_NOT_FOUND` when unknown or off sale).
async fn one(state: &State, req: &Request, id: &str) -> ApiResult {
    let id = StreamId::parse(id).map_err(|_| ApiError::invalid("id"))?;
    let stream = state
        .manager
        .store()
        .get_stream(&id)
        .await?
        .filter(|s| s.active)
        .ok_or_else(ApiError::stream_not_found)?;
    let view = StreamEntryView {
        stream: StreamView::of(&stream, state.manager.now()),
    };
    edge::cached_view(req, &view, PUBLIC_MAX_AGE)
}
