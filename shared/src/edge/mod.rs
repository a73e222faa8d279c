//! The Lambda/HTTP edge shared by the functions: the JSON envelope and stable error codes, request
//! parsing, CORS, the per-request log line with its DynamoDB call count, webhook signatures, and
//! API Gateway v2 events for tests and the local stack, and what a function is configured from at
//! init (its environment, its secrets read from Secrets Manager).

mod cache;
mod config;
mod cors;
mod envelope;
pub mod event;
mod init;
mod init_error;
pub mod playback;
mod request;
mod run;
mod secrets;
mod serve;
pub mod signature;
mod viewer;

pub use crate::error_code::ErrorCode;
pub use cache::{PUBLIC_MAX_AGE, cached_view, etag};
pub use config::{ManagerState, manager_from_env};
pub use cors::Cors;
pub use envelope::{ApiError, ApiResult, iso, json_response, ok, ok_view, remaining_ms};
pub use init::{Init, Settings};
pub use init_error::{CONFIG_ERROR_TYPE, report_init_error};
pub use request::{MAX_BODY_BYTES, json_body, query, raw_body, require_query};
pub use run::{RUN_ERROR_TYPE, run_events, run_lambda};
pub use secrets::SecretStore;
pub use serve::{DynamoCalls, DynamoCapacity, ProviderCalls, init_logging, serve};
pub use viewer::{ViewerAuth, verified_subject};
