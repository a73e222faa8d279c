//! The operator's catalog routes: list every stream, create or replace one.

use lambda_http::Request;
use serde_json::Value;
use upstream_session::domain::{Amount, AuditEvent, MediaPath, Stream, StreamId};
use upstream_session::edge::{self, ApiError, ApiResult};
use upstream_session::views::{CatalogEntryView, CatalogView};

use crate::State;

/// `GET /admin/streams`: the whole catalog.
pub async fn list_streams(state: &State) -> ApiResult {
    let streams = state.manager.store().list_streams().await?;
    edge::ok_view(&CatalogView { streams })
}

/// `PUT /admin/streams/{id} {title, price, active?, mediaPath?}`, with an audit event.
pub async fn put_stream(state: &State, req: &Request, id: &str, actor: &str) -> ApiResult {
    let stream_id = StreamId::parse(id).map_err(|_| ApiError::invalid("id"))?;
    let body = edge::json_body(req)?;
    let title = match body.get("title") {
        Some(Value::String(t))
            if !t.trim().is_empty()
                && t.chars().count() <= 120
                && !t.chars().any(char::is_control) =>
        {
            t.trim().to_owned()
        }
        None => return Err(ApiError::missing("title")),
        Some(_) => return Err(ApiError::invalid("title")),
    };
    let price = match body.get("price") {
        None => return Err(ApiError::missing("price")),
        Some(v) => Amount::from_json(v).map_err(|_| ApiError::invalid("price"))?,
    };
    let active = match body.get("active") {
        None => true,
        Some(Value::Bool(b)) => *b,
        Some(_) => return Err(ApiError::invalid("active")),
    };
    let media_path = match body.get("mediaPath") {
        None | Some(Value::Null) => None,
        Some(Value::String(p)) => {
            Some(MediaPath::parse(p.clone()).map_err(|_| ApiError::invalid("mediaPath"))?)
        }
        Some(_) => return Err(ApiError::invalid("mediaPath")),
    };
    let stream = Stream {
        stream_id: stream_id.clone(),
        title,
        price,
        active,
        media_path,
    };
    state.manager.store().put_stream(&stream).await?;
    let event = AuditEvent {
        actor: Some(actor.to_owned()),
        amount: Some(price),
        note: Some(format!("title={:?} active={active}", stream.title)),
        ..AuditEvent::new(state.manager.now(), "catalog_updated", "admin")
    };
    state
        .manager
        .store()
        .put_catalog_event(&stream_id, &event)
        .await?;
    edge::ok_view(&CatalogEntryView { stream })
}
