//! The operator's catalog routes: list every stream, create or replace one.

use lambda_http::Request;
use upstream_session::domain::{AuditEvent, StreamId};
use upstream_session::edge::{self, ApiError, ApiResult};
use upstream_session::requests::StreamRequest;
use upstream_session::views::{CatalogEntryView, CatalogView};

use crate::State;

/// `GET /admin/streams`: the whole catalog.
pub async fn list_streams(state: &State) -> ApiResult {
    let streams = state.manager.store().list_streams().await?;
    edge::ok_view(&CatalogView { streams })
}

/// `PUT /admin/streams/{id} {title, price, active?, mediaPath?, description?, thumbnailUrl?,
/// category?, startsAt?, endsAt?, accessUntil?, live?}` (the whole entry), with an audit event.
pub async fn put_stream(state: &State, req: &Request, id: &str, actor: &str) -> ApiResult {
    let stream_id = StreamId::parse(id).map_err(|_| ApiError::invalid("id"))?;
    let stream = edge::json_body::<StreamRequest>(req)?.into_stream(stream_id)?;
    state.manager.store().put_stream(&stream).await?;
    let event = AuditEvent {
        actor: Some(actor.to_owned()),
        amount: Some(stream.price),
        note: Some(format!(
            "title={:?} active={} live={}",
            stream.title, stream.active, stream.live
        )),
        ..AuditEvent::new(state.manager.now(), "catalog_updated", "admin")
    };
    state
        .manager
        .store()
        .put_catalog_event(&stream.stream_id, &event)
        .await?;
    edge::ok_view(&CatalogEntryView { stream })
}
