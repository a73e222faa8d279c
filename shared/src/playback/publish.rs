//! Live state from the media servers' publish hooks (`POST /api/playback-auth/publish`): an event names
//! a media path and whether it is being published now; the caller proves it holds the stack's publish
//! key (the secret `<stack>/publish-hook`), as `Authorization: Bearer <key>` or `?key=<key>` (SRS's
//! hook URLs carry no headers).

use subtle::ConstantTimeEq;

use crate::domain::MediaPath;
use crate::requests::{PublishHook, from_object};

/// What a publish hook reports.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublishEvent {
    /// The media path published or unpublished.
    pub path: MediaPath,
    /// Published now.
    pub live: bool,
}

/// Whether the request holds `key` (constant time): in `authorization` (`Bearer <key>`) or in the
/// query's `key`. Without a configured key nobody does.
pub fn authorized(key: Option<&[u8]>, authorization: Option<&str>, query: &str) -> bool {
    let Some(key) = key.filter(|k| !k.is_empty()) else {
        return false;
    };
    let bearer = authorization.and_then(|h| h.strip_prefix("Bearer "));
    let in_query = url::form_urlencoded::parse(query.as_bytes())
        .find(|(k, _)| k == "key")
        .map(|(_, v)| v.into_owned());
    [bearer.map(str::to_owned), in_query]
        .into_iter()
        .flatten()
        .any(|given| {
            let given = given.trim().as_bytes();
            given.len() == key.len() && bool::from(given.ct_eq(key))
        })
}

/// The event in `body`: SRS's `on_publish` / `on_unpublish` (`app`/`stream`), or `{path, live}`.
pub fn parse(body: &[u8]) -> Result<PublishEvent, &'static str> {
    let hook: PublishHook = from_object(body).map_err(|_| "not a JSON object")?;
    let (raw, live) = match hook.action.as_deref() {
        Some("on_publish") | Some("on_unpublish") => (
            format!(
                "{}/{}",
                hook.app.as_deref().unwrap_or_default(),
                hook.stream.as_deref().unwrap_or_default()
            ),
            hook.action.as_deref() == Some("on_publish"),
        ),
        Some(_) => return Err("action must be on_publish or on_unpublish"),
        None => (
            hook.path
                .ok_or("path (or SRS's action, app, stream) is required")?,
            hook.live
                .ok_or("live (true or false) is required with path")?,
        ),
    };
    let path = MediaPath::parse(raw.trim_matches('/')).map_err(|_| "not a valid media path")?;
    Ok(PublishEvent { path, live })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn srs_and_generic_events() {
        // SRS http_hooks on_publish / on_unpublish bodies (trunk/conf/full.conf's fields).
        let srs = |action: &str| {
            format!(
                r#"{{"server_id":"vid-0xk989d","action":"{action}","client_id":"341w361a","ip":"127.0.0.1","vhost":"__defaultVhost__","app":"live","tcUrl":"rtmp://127.0.0.1:1935/live","stream":"2","param":"","stream_url":"/live/2","stream_id":"vid-124q9y3"}}"#
            )
        };
        let on = parse(srs("on_publish").as_bytes()).unwrap();
        assert_eq!((on.path.as_str(), on.live), ("live/2", true));
        let off = parse(srs("on_unpublish").as_bytes()).unwrap();
        assert_eq!((off.path.as_str(), off.live), ("live/2", false));
        assert!(parse(srs("on_play").as_bytes()).is_err());
        // MediaMTX's runOnReady with curl: $MTX_PATH.
        let ready = parse(br#"{"path":"live/2","live":true}"#).unwrap();
        assert_eq!((ready.path.as_str(), ready.live), ("live/2", true));
        assert!(parse(br#"{"path":"live/2"}"#).is_err(), "live is required");
        assert!(parse(br#"{"path":"../etc","live":true}"#).is_err());
        assert!(parse(b"[]").is_err());
    }

    #[test]
    fn only_the_key_holder_is_authorized() {
        let key = Some(b"k3y-of-this-stack".as_slice());
        assert!(authorized(key, Some("Bearer k3y-of-this-stack"), ""));
        assert!(authorized(key, None, "a=1&key=k3y-of-this-stack"));
        assert!(!authorized(key, Some("Bearer wrong"), "key=wrong"));
        assert!(!authorized(key, None, ""));
        assert!(
            !authorized(None, Some("Bearer "), "key="),
            "no key configured: nobody"
        );
        assert!(!authorized(Some(b""), Some("Bearer "), "key="));
    }
}
