//! Ending playback that a media server admitted once, at connect: SRS (`on_play`) and MediaMTX
//! (`authMethod: http`) ask the verifier only when a player connects, so the connections they admit
//! are recorded (`store`) and ended through the servers' own APIs when access ends (the reaper's
//! scheduled run, each minute) or at once when a session is revoked.
//!
//! - [`apis`]: the media servers' kick calls, from `SRS_API_URL` / `MEDIAMTX_API_URL` and credentials
//! - [`reaper`]: what ends which connections, and the report of a run

pub mod apis;
pub mod reaper;

pub use apis::{Ended, KickError, MediaApis};
pub use reaper::{Reaper, Report, end_soon};
