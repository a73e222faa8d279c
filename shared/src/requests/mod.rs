//! The JSON request bodies, one type each, named by the routes' contracts: deserialized as sent
//! (each field kept raw), then checked into what the handler works with, so a refusal names the
//! first bad field in the body's own order with the same code as ever. The `openapi` feature
//! derives the documented schemas from the same types.

mod admin;
mod field;
mod gateway;
mod session;
#[cfg(test)]
mod tests;
mod webhook;

pub use admin::{
    ApprovalTarget, ForceApproval, ForceApproveRequest, NoteRequest, Revocation, RevokeRequest,
    StreamRequest,
};
pub use field::{Field, from_object, object_into};
pub use gateway::{MidtransNotification, XenditCallback, XenditPayment};
pub use session::{AccessQuery, GenerateQrisRequest, QrisOrder, UserAccessRequest};
pub use webhook::{WebhookRequest, WebhookStatus};
