//! Each media server's authorization hook as a pure function: what it sends in, what it expects
//! back. The verifier Lambda (`functions/playback-auth`) is only the HTTP edge around these.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Utc};
use hmac::{Hmac, Mac};
use serde_json::{Value, json};

use super::token::{Claims, Verifier};
use crate::domain::{ClientId, Connection, MediamtxList, Target};
use crate::requests::{MediamtxHook, OmeHook, SrsHook, from_object};

/// Cookie carrying the token for players that cannot set headers (Safari's native HLS).
pub const COOKIE: &str = "upstream_playback";
/// `PLAYBACK_PATH_PREFIX` default: the URL prefix of the HLS folder.
pub const DEFAULT_PATH_PREFIX: &str = "/hls/";

/// What to answer a media server: status, JSON body (none: empty), and why, for the log line.
#[derive(Debug, Clone, PartialEq)]
pub struct Decision {
    /// The HTTP status to answer.
    pub status: u16,
    /// The JSON body to answer, if any.
    pub body: Option<Value>,
    /// Why (for the log line).
    pub reason: String,
    /// The token's claims when access was allowed.
    pub claims: Option<Claims>,
    /// A connection the server admits once (SRS, MediaMTX): to record before answering, so that it
    /// can be ended when access ends or is revoked.
    pub connection: Option<Connection>,
}

impl Decision {
    fn new(status: u16, body: Option<Value>, reason: impl Into<String>) -> Self {
        Self {
            status,
            body,
            reason: reason.into(),
            claims: None,
            connection: None,
        }
    }

    /// This allowing decision, for the connection `target` the server admits once.
    fn admitting(mut self, target: Target, now: DateTime<Utc>) -> Self {
        if let Some(c) = &self.claims {
            self.connection = Some(Connection {
                target,
                sid: c.sid.clone(),
                stream: c.stream.clone(),
                user: c.sub.clone(),
                // A verified `exp` is in range; a stray value ends the connection at the next run.
                access_end: DateTime::from_timestamp(c.access_end(), 0).unwrap_or(now),
                admitted_at: now,
            });
        }
        self
    }

    /// Whether the media server will let the viewer in.
    pub fn allowed(&self) -> bool {
        self.claims.is_some()
    }
}

/// The headers nginx's `auth_request` subrequest passes on.
#[derive(Debug, Clone, Copy, Default)]
pub struct NginxRequest<'a> {
    /// The request's `Authorization` header.
    pub authorization: Option<&'a str>,
    /// The request's `Cookie` header.
    pub cookie: Option<&'a str>,
    /// `X-Original-URI: $request_uri` (path and query as the viewer sent them).
    pub original_uri: Option<&'a str>,
}

/// nginx `auth_request`: 204 allow, 401 no valid token, 403 a valid token for another path
/// (nginx turns any other status into a 500). The token comes from `Authorization: Bearer`, the
/// `upstream_playback` cookie or the `token` query parameter of the original URI; the media path is
/// what lies between `prefix` and the file name.
pub fn nginx(
    verifier: &Verifier,
    prefix: &str,
    req: &NginxRequest<'_>,
    now: DateTime<Utc>,
) -> Decision {
    let (path, query) = match req.original_uri {
        Some(uri) => uri.split_once('?').unwrap_or((uri, "")),
        None => return Decision::new(403, None, "no X-Original-URI"),
    };
    let token = bearer(req.authorization)
        .or_else(|| req.cookie.and_then(|c| cookie(c, COOKIE)))
        .or_else(|| query_param(query, "token"))
        .unwrap_or_default();
    let Some(media_path) = hls_media_path(prefix, path) else {
        // Outside the gated folder, or a path that could escape it: never allowed.
        return Decision::new(403, None, "path outside the prefix or unsafe");
    };
    match verifier.authorize(&token, media_path, now) {
        Ok(claims) => allow(204, None, claims),
        Err(why) => Decision::new(why.status(), None, why.to_string()),
    }
}

/// The media path of an HLS request `<prefix><mediaPath>/<file>`: `None` outside the prefix or
/// when any segment is empty, `.`, `..`, or holds `%`, `\` or a control character.
pub fn hls_media_path<'a>(prefix: &str, path: &'a str) -> Option<&'a str> {
    let prefix = prefix.trim_end_matches('/');
    let rest = path.strip_prefix(prefix)?.strip_prefix('/')?;
    let safe = rest.split('/').all(|s| {
        !s.is_empty()
            && s != "."
            && s != ".."
            && !s
                .bytes()
                .any(|b| b == b'%' || b == b'\\' || b.is_ascii_control())
    });
    if !safe {
        return None;
    }
    let (media, _file) = rest.rsplit_once('/')?;
    Some(media)
}

/// The user and password the media reaper calls MediaMTX's API with (`MEDIAMTX_API_USER`,
/// `MEDIAMTX_API_PASS`): with `authMethod: http`, MediaMTX asks this hook about its API calls too.
#[derive(Debug, Clone, Copy)]
pub struct ApiLogin<'a> {
    /// The user name.
    pub user: &'a str,
    /// The password.
    pub password: &'a str,
}

/// MediaMTX `authMethod: http`: 200 allow, 401 deny. The token is `token` (from `Authorization:
/// Bearer`), else `password`, else the `token`/`jwt` query parameter; only `read` of the token's
/// path is allowed, and `api` with `api_login`. A `read` with an `id` is a connection MediaMTX admits
/// once: allowed only over a protocol whose readers its API can end (the decision carries it).
pub fn mediamtx(
    verifier: &Verifier,
    api_login: Option<ApiLogin<'_>>,
    body: &[u8],
    now: DateTime<Utc>,
) -> Decision {
    let Ok(req) = from_object::<MediamtxHook>(body) else {
        return Decision::new(400, Some(json!({"error": "invalid JSON"})), "invalid JSON");
    };
    let action = field(&req.action);
    if action == "api" {
        return mediamtx_api(api_login, field(&req.user), field(&req.password));
    }
    if action != "read" {
        return Decision::new(401, None, format!("action {action:?} not allowed"));
    }
    let query = field(&req.query);
    let token = [field(&req.token), field(&req.password)]
        .into_iter()
        .find(|t| !t.is_empty())
        .map(str::to_owned)
        .or_else(|| query_param(query, "token"))
        .or_else(|| query_param(query, "jwt"))
        .unwrap_or_default();
    let allowed = match verifier.authorize(&token, field(&req.path), now) {
        Ok(claims) => allow(200, None, claims),
        Err(why) => return Decision::new(401, None, why.to_string()),
    };
    let id = field(&req.id);
    if id.is_empty() {
        // No reader (the HLS index page): nothing to end.
        return allowed;
    }
    let protocol = field(&req.protocol);
    match (
        MediamtxList::of_protocol(protocol),
        ClientId::parse(id.to_owned()),
    ) {
        (Some(list), Ok(id)) => allowed.admitting(Target::Mediamtx(list, id), now),
        (None, _) => Decision::new(
            401,
            None,
            format!("protocol {protocol:?}: its readers cannot be ended"),
        ),
        (_, Err(_)) => Decision::new(401, None, "an id that is not a MediaMTX UUID"),
    }
}

/// MediaMTX's own API call (kicks): allowed with the reaper's credentials only.
fn mediamtx_api(login: Option<ApiLogin<'_>>, user: &str, password: &str) -> Decision {
    use subtle::ConstantTimeEq;
    let matches = login.is_some_and(|l| {
        let user_ok = l.user.as_bytes().ct_eq(user.as_bytes());
        let password_ok = l.password.as_bytes().ct_eq(password.as_bytes());
        !l.password.is_empty() && bool::from(user_ok & password_ok)
    });
    if matches {
        Decision::new(200, None, "the media reaper's API call")
    } else {
        Decision::new(401, None, "API call without the reaper's credentials")
    }
}

/// SRS `http_hooks` `on_play`: 200 `{"code": 0}` allow, anything else deny. The token is the `token`
/// parameter of `param` (`?token=…`); the media path is `<app>/<stream>`. SRS asks once per player:
/// the decision carries the connection (`client_id`) to end when access ends.
pub fn srs(verifier: &Verifier, body: &[u8], now: DateTime<Utc>) -> Decision {
    let Ok(req) = from_object::<SrsHook>(body) else {
        return Decision::new(400, Some(json!({"code": 400})), "invalid JSON");
    };
    let action = field(&req.action);
    if action != "on_play" {
        return Decision::new(
            403,
            Some(json!({"code": 403})),
            format!("action {action:?} not allowed"),
        );
    }
    let param = field(&req.param);
    let token = query_param(param.trim_start_matches('?'), "token").unwrap_or_default();
    let path = format!("{}/{}", field(&req.app), field(&req.stream));
    let allowed = match verifier.authorize(&token, &path, now) {
        Ok(claims) => allow(200, Some(json!({"code": 0})), claims),
        Err(why) => {
            return Decision::new(
                why.status(),
                Some(json!({"code": why.status()})),
                why.to_string(),
            );
        }
    };
    match ClientId::parse(field(&req.client_id).to_owned()) {
        Ok(id) => allowed.admitting(Target::Srs(id), now),
        Err(_) => Decision::new(
            400,
            Some(json!({"code": 400})),
            "no usable client_id: the connection could not be ended",
        ),
    }
}

/// OvenMediaEngine AdmissionWebhooks: `X-OME-Signature` must be the URL-safe base64 HMAC-SHA1 of
/// the body with the shared secret (401 otherwise). `closing` gets `{}`; an `outgoing` (playback)
/// `opening` is allowed with `lifetime` = milliseconds until the token expires; the token is the
/// `token` query parameter of `request.url`, the media path its `app/stream`.
pub fn ome(
    verifier: &Verifier,
    secret: &[u8],
    signature: Option<&str>,
    body: &[u8],
    now: DateTime<Utc>,
) -> Decision {
    if !ome_signature_valid(secret, signature, body) {
        return Decision::new(
            401,
            Some(json!({"allowed": false, "reason": "invalid signature"})),
            "invalid X-OME-Signature",
        );
    }
    let deny = |reason: String| {
        Decision::new(
            200,
            Some(json!({"allowed": false, "reason": reason})),
            reason,
        )
    };
    let Ok(OmeHook { request }) = from_object::<OmeHook>(body) else {
        return deny("invalid JSON".into());
    };
    let status = field(&request.status);
    if status == "closing" {
        return Decision::new(200, Some(json!({})), "closing");
    }
    if status != "opening" || field(&request.direction) != "outgoing" {
        return deny("only playback (outgoing) is admitted".into());
    }
    let Ok(url) = url::Url::parse(field(&request.url)) else {
        return deny("invalid url".into());
    };
    let token = url
        .query_pairs()
        .find(|(k, _)| k == "token")
        .map(|(_, v)| v.into_owned())
        .unwrap_or_default();
    let mut segments = url.path_segments().into_iter().flatten();
    let path = match (segments.next(), segments.next()) {
        (Some(app), Some(stream)) if !app.is_empty() && !stream.is_empty() => {
            format!("{app}/{stream}")
        }
        _ => return deny("url has no app/stream".into()),
    };
    match verifier.authorize(&token, &path, now) {
        Ok(claims) => {
            let lifetime = claims
                .exp
                .checked_sub(now.timestamp())
                .and_then(|s| s.checked_mul(1000))
                .unwrap_or(0)
                .max(1);
            allow(
                200,
                Some(json!({"allowed": true, "lifetime": lifetime, "reason": "authorized"})),
                claims,
            )
        }
        Err(why) => deny(why.to_string()),
    }
}

/// URL-safe base64 (unpadded, as OvenMediaEngine sends it) HMAC-SHA1 of `body`.
pub fn ome_signature(secret: &[u8], body: &[u8]) -> String {
    let mut mac = Hmac::<sha1::Sha1>::new_from_slice(secret).expect("HMAC takes any key length");
    mac.update(body);
    URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes())
}

fn ome_signature_valid(secret: &[u8], signature: Option<&str>, body: &[u8]) -> bool {
    let Some(sig) = signature.map(|s| s.trim().trim_end_matches('=')) else {
        return false;
    };
    let Ok(given) = URL_SAFE_NO_PAD.decode(sig) else {
        return false;
    };
    let mut mac = Hmac::<sha1::Sha1>::new_from_slice(secret).expect("HMAC takes any key length");
    mac.update(body);
    // Constant-time comparison.
    mac.verify_slice(&given).is_ok()
}

fn allow(status: u16, body: Option<Value>, claims: Claims) -> Decision {
    Decision {
        status,
        body,
        reason: "allowed".into(),
        claims: Some(claims),
        connection: None,
    }
}

/// A hook body's text field: empty when absent or not a string.
fn field(value: &Option<String>) -> &str {
    value.as_deref().unwrap_or_default()
}

/// The token of an `Authorization: Bearer …` header.
fn bearer(header: Option<&str>) -> Option<String> {
    let header = header?.trim();
    let (scheme, token) = header.split_once(' ')?;
    (scheme.eq_ignore_ascii_case("bearer") && !token.trim().is_empty())
        .then(|| token.trim().to_owned())
}

/// A cookie's value from a `Cookie` header.
fn cookie(header: &str, name: &str) -> Option<String> {
    header
        .split(';')
        .filter_map(|c| c.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.trim().trim_matches('"').to_owned())
        .filter(|v| !v.is_empty())
}

/// A query parameter (form-decoded) of a raw query string.
fn query_param(query: &str, name: &str) -> Option<String> {
    url::form_urlencoded::parse(query.as_bytes())
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.into_owned())
        .filter(|v| !v.is_empty())
}
