//! Upstream Pay's session core: domain types, pure rules, the QRIS engine and the DynamoDB store,
//! shared by every Lambda function and the operator CLI.

#![warn(missing_docs)]

pub mod calls;
pub mod capacity;
pub mod catalog;
pub mod clock;
pub mod config;
pub mod contract;
pub mod domain;
pub mod edge;
pub mod error_code;
pub mod function_spec;
pub mod manager;
pub mod media;
pub mod metrics;
#[cfg(feature = "openapi")]
pub mod openapi;
pub mod playback;
pub mod provider;
pub mod qris;
pub mod refusal;
pub mod requests;
pub mod rules;
pub mod secrets;
pub mod stats;
pub mod store;
pub mod views;

pub use clock::{Clock, ManualClock, SharedClock, SystemClock};
pub use config::{ConfigError, Policy};
pub use error_code::ErrorCode;
pub use function_spec::FunctionSpec;
pub use manager::{
    AccessCheck, CreateOutcome, GrantOutcome, NewSession, Origin, PayOutcome, Recorded,
    RevokeOutcome, SessionKey, SessionManager,
};
pub use store::{Store, StoreError};
