//! What the media servers send to `/api/playback-auth/<server>`, each in its own format: only the
//! fields the [hooks](crate::playback::hooks) read. Every field is lenient (anything but a string
//! reads as empty), as the servers' optional fields have always been read.

use serde::Deserialize;

use super::field::{lenient_object, text};

/// MediaMTX's external authentication request (`authMethod: http`).
#[derive(Debug, Default, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MediamtxHook {
    /// `read` is the only action allowed (and `api` with the media reaper's credentials).
    #[serde(default, deserialize_with = "text")]
    pub(crate) action: Option<String>,
    /// The user name (Basic auth, or the RTMP `user` query parameter).
    #[serde(default, deserialize_with = "text")]
    pub(crate) user: Option<String>,
    /// The token of an `Authorization: Bearer` header.
    #[serde(default, deserialize_with = "text")]
    pub(crate) token: Option<String>,
    /// A token given as the password (any user name).
    #[serde(default, deserialize_with = "text")]
    pub(crate) password: Option<String>,
    /// The request's query string (`token=` or `jwt=`).
    #[serde(default, deserialize_with = "text")]
    pub(crate) query: Option<String>,
    /// The media path.
    #[serde(default, deserialize_with = "text")]
    pub(crate) path: Option<String>,
    /// `rtsp`, `rtmp`, `hls`, `webrtc`, `srt`: which API list holds the reader.
    #[serde(default, deserialize_with = "text")]
    pub(crate) protocol: Option<String>,
    /// The reader's connection or session UUID (`null` but for `read` and `publish`): its kick id.
    #[serde(default, deserialize_with = "text")]
    pub(crate) id: Option<String>,
}

/// SRS's `http_hooks` request.
#[derive(Debug, Default, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SrsHook {
    /// `on_play` is the only action allowed.
    #[serde(default, deserialize_with = "text")]
    pub(crate) action: Option<String>,
    /// The player's client id, under which `DELETE /api/v1/clients/{id}` ends it.
    #[serde(default, deserialize_with = "text")]
    pub(crate) client_id: Option<String>,
    /// The application (the media path's first part).
    #[serde(default, deserialize_with = "text")]
    pub(crate) app: Option<String>,
    /// The stream (the media path's second part).
    #[serde(default, deserialize_with = "text")]
    pub(crate) stream: Option<String>,
    /// The play URL's query string (`?token=…`).
    #[serde(default, deserialize_with = "text")]
    pub(crate) param: Option<String>,
}

/// OvenMediaEngine's AdmissionWebhooks request, signed with `X-OME-Signature`.
#[derive(Debug, Default, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OmeHook {
    /// What is being admitted.
    #[serde(default, deserialize_with = "lenient_object")]
    pub(crate) request: OmeRequest,
}

/// The `request` of an OvenMediaEngine admission.
#[derive(Debug, Default, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OmeRequest {
    /// `opening` or `closing`.
    #[serde(default, deserialize_with = "text")]
    pub(crate) status: Option<String>,
    /// `outgoing` (playback) is the only direction admitted.
    #[serde(default, deserialize_with = "text")]
    pub(crate) direction: Option<String>,
    /// The play URL: `…/<app>/<stream>?token=…`.
    #[serde(default, deserialize_with = "text")]
    pub(crate) url: Option<String>,
}

/// A publish event (`POST /api/playback-auth/publish`): SRS's `on_publish` / `on_unpublish` hook body
/// (`action`, `app`, `stream`), or anyone's `{"path": "live/2", "live": true}` (MediaMTX's
/// `runOnReady` / `runOnNotReady` with curl, nginx-rtmp's `on_publish` through a small script).
#[derive(Debug, Default, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PublishHook {
    /// SRS: `on_publish` or `on_unpublish`.
    #[serde(default, deserialize_with = "text")]
    pub(crate) action: Option<String>,
    /// SRS: the application (the media path's first part).
    #[serde(default, deserialize_with = "text")]
    pub(crate) app: Option<String>,
    /// SRS: the stream (the media path's second part).
    #[serde(default, deserialize_with = "text")]
    pub(crate) stream: Option<String>,
    /// The media path (e.g. MediaMTX's `$MTX_PATH`).
    #[serde(default, deserialize_with = "text")]
    pub(crate) path: Option<String>,
    /// With `path`: whether it is being published now.
    #[serde(default)]
    pub(crate) live: Option<bool>,
}
