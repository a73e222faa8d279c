//! `GET /api/streams`: the active streams and their prices. One Query.

use lambda_http::{Body, Request, Response};
use upstream_session::ConfigError;
use upstream_session::FunctionSpec;
use upstream_session::contract::{Payload, Reply, Route};
use upstream_session::edge::{self, ApiError, ApiResult, Cors};
use upstream_session::views::{StreamView, StreamsView};
use upstream_session::{SessionManager, Store};

/// Built once per container.
pub struct State {
    pub store: Store,
    pub cors: Cors,
}

impl State {
    /// From the environment (`TABLE_NAME`, `ALLOWED_ORIGINS`).
    pub async fn from_env() -> Result<Self, ConfigError> {
        let manager: SessionManager = edge::manager_from_env().await?;
        Ok(Self {
            store: manager.store().clone(),
            cors: Cors::from_env(),
        })
    }
}

/// This function, declared once: the local stack, the tests and the template test read it.
pub const SPEC: FunctionSpec = FunctionSpec {
    name: "streams",
    resource: "StreamsFunction",
    routes: &[Route::get("/api/streams", Reply::Data(Payload::Streams))
        .summary("The streams on sale with their prices")],
    secrets: &[],
};

/// The handler: never panics, always answers with the envelope.
pub async fn handler(state: &State, req: Request) -> Response<Body> {
    edge::serve(SPEC.name, &state.cors, req, |req| list(state, req)).await
}

async fn list(state: &State, req: Request) -> ApiResult {
    if req.method() != "GET" {
        return Err(ApiError::method_not_allowed());
    }
    let streams: Vec<_> = state
        .store
        .list_streams()
        .await?
        .into_iter()
        .filter(|s| s.active)
        .map(|s| StreamView::of(&s))
        .collect();
    edge::ok_view(&StreamsView { streams })
}
