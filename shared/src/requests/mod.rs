//! The JSON request bodies, one type each, named by the routes' contracts; the `openapi` feature
//! derives the documented schemas from the same types. The API's own bodies keep each field raw
//! ([`Field`]) and are checked into what the handler works with, so a refusal names the first bad
//! field in the body's own order with the same code as ever; the gateways' and media servers'
//! bodies are read by their adapters and hooks.

mod admin;
mod field;
mod gateway;
mod hooks;
mod session;
mod stream;
#[cfg(test)]
mod tests;
mod webhook;

pub use admin::{
    ApprovalTarget, ForceApproval, ForceApproveRequest, NoteRequest, Revocation, RevokeRequest,
};
pub use field::{Field, from_object, object_into};
pub use gateway::{MidtransNotification, XenditCallback, XenditPayment};
pub use hooks::{MediamtxHook, OmeHook, OmeRequest, PublishHook, SrsHook};
pub use session::{AccessQuery, GenerateQrisRequest, QrisOrder, UserAccessRequest};
pub use stream::StreamRequest;
pub use webhook::{WebhookRequest, WebhookStatus};
