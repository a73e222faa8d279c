//! A viewer's connection that a media server asked about once, at connect (SRS `on_play`, MediaMTX's
//! `read`), and how that server's own API ends it: what the hooks record and the reaper ends.

use std::fmt;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::ClientId;

/// A media server that admits a viewer once and can end the connection through its API. Its wire
/// and storage names are the variants' names in lowercase (serde and strum alike).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
#[derive(strum::IntoStaticStr, strum::EnumString, strum::VariantArray, strum::VariantNames)]
#[strum(serialize_all = "lowercase")]
pub enum MediaServer {
    /// SRS (`http_hooks on_play`, `DELETE /api/v1/clients/{id}`).
    Srs,
    /// MediaMTX (`authMethod: http`, `POST /v3/{list}/kick/{id}`).
    Mediamtx,
}

super::wire_names!(MediaServer);

/// The list of MediaMTX's API (`/v3/<list>/kick/<id>`) that holds a reader, named as in its paths.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
#[derive(strum::IntoStaticStr, strum::EnumString, strum::VariantArray, strum::VariantNames)]
#[strum(serialize_all = "lowercase")]
pub enum MediamtxList {
    /// RTMP connections.
    Rtmpconns,
    /// RTMPS connections (the hook reports them as `rtmp`).
    Rtmpsconns,
    /// RTSP sessions (not `rtspconns`: those cannot be kicked).
    Rtspsessions,
    /// RTSPS sessions (the hook reports them as `rtsp`).
    Rtspssessions,
    /// WebRTC sessions.
    Webrtcsessions,
    /// SRT connections.
    Srtconns,
    /// HLS sessions (MediaMTX ≥ 1.18).
    Hlssessions,
}

super::wire_names!(MediamtxList);

impl MediamtxList {
    /// The list of a reader admitted over `protocol` (the hook's `protocol` field); `None` for a
    /// protocol whose readers this product cannot end.
    pub fn of_protocol(protocol: &str) -> Option<Self> {
        match protocol {
            "rtmp" => Some(Self::Rtmpconns),
            "rtsp" => Some(Self::Rtspsessions),
            "webrtc" => Some(Self::Webrtcsessions),
            "srt" => Some(Self::Srtconns),
            "hls" => Some(Self::Hlssessions),
            _ => None,
        }
    }

    /// The same protocol's list over TLS, where a reader the plain list does not know may be: the
    /// hook names RTMPS and RTSPS readers `rtmp` and `rtsp`.
    pub fn over_tls(self) -> Option<Self> {
        match self {
            Self::Rtmpconns => Some(Self::Rtmpsconns),
            Self::Rtspsessions => Some(Self::Rtspssessions),
            _ => None,
        }
    }
}

/// How a media server's API ends one connection.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Target {
    /// SRS: `DELETE /api/v1/clients/{id}` (RTMP, HTTP-FLV, SRT, WebRTC players).
    Srs(ClientId),
    /// MediaMTX: `POST /v3/{list}/kick/{id}`.
    Mediamtx(MediamtxList, ClientId),
}

impl Target {
    /// The server it is on.
    pub fn server(&self) -> MediaServer {
        match self {
            Self::Srs(_) => MediaServer::Srs,
            Self::Mediamtx(..) => MediaServer::Mediamtx,
        }
    }

    /// The id the server's API knows it by.
    pub fn client(&self) -> &ClientId {
        match self {
            Self::Srs(id) | Self::Mediamtx(_, id) => id,
        }
    }

    /// The MediaMTX list, if on MediaMTX.
    pub fn list(&self) -> Option<MediamtxList> {
        match self {
            Self::Srs(_) => None,
            Self::Mediamtx(list, _) => Some(*list),
        }
    }
}

/// `srs/9308h583`, `mediamtx/rtmpconns/<uuid>` (for logs).
impl fmt::Display for Target {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Srs(id) => write!(f, "srs/{id}"),
            Self::Mediamtx(list, id) => write!(f, "mediamtx/{}/{id}", list.as_str()),
        }
    }
}

/// A viewer's connection a hook admitted with a playback token: how to end it, whose it is and when
/// its access ends.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Connection {
    /// How to end it.
    pub target: Target,
    /// The token's `sid` (a hash of the sessionId): a revoke finds the session's connections by it.
    pub sid: String,
    /// The token's stream.
    pub stream: String,
    /// The token's viewer.
    pub user: String,
    /// When the session's access ends: the connection must end then.
    pub access_end: DateTime<Utc>,
    /// When the hook admitted it.
    pub admitted_at: DateTime<Utc>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_protocol_maps_to_its_kick_list() {
        let list = |p| MediamtxList::of_protocol(p).map(MediamtxList::as_str);
        assert_eq!(list("rtmp"), Some("rtmpconns"));
        assert_eq!(list("rtsp"), Some("rtspsessions"));
        assert_eq!(list("webrtc"), Some("webrtcsessions"));
        assert_eq!(list("srt"), Some("srtconns"));
        assert_eq!(list("hls"), Some("hlssessions"));
        assert_eq!(list("moq"), None);
        assert_eq!(list(""), None);
        assert_eq!(
            MediamtxList::Rtmpconns.over_tls(),
            Some(MediamtxList::Rtmpsconns)
        );
        assert_eq!(
            MediamtxList::Rtspsessions.over_tls(),
            Some(MediamtxList::Rtspssessions)
        );
        assert_eq!(MediamtxList::Webrtcsessions.over_tls(), None);
    }

    #[test]
    fn a_target_names_its_server_and_client() {
        let id = ClientId::parse("9308h583").unwrap();
        let srs = Target::Srs(id.clone());
        assert_eq!(srs.server(), MediaServer::Srs);
        assert_eq!(srs.to_string(), "srs/9308h583");
        let mtx = Target::Mediamtx(MediamtxList::Srtconns, id.clone());
        assert_eq!(mtx.server().as_str(), "mediamtx");
        assert_eq!(mtx.client(), &id);
        assert_eq!(mtx.to_string(), "mediamtx/srtconns/9308h583");
        assert!(ClientId::parse("../x").is_err() && ClientId::parse("").is_err());
    }
}
