//! Who a viewer request acts for (`VIEWER_AUTH`): `anonymous`, the `userId` the client sends (the
//! seeds' flow); `oidc`, the subject the HTTP API's JWT authorizer verified (its `sub` claim in
//! `requestContext.authorizer.jwt.claims`), which a `userId` sent beside it must equal.

use lambda_http::request::RequestContext;
use lambda_http::{Request, RequestExt};

use crate::ConfigError;
use crate::domain::UserId;
use crate::error_code::ErrorCode;

use super::ApiError;

/// How viewers are identified, per stack (template parameter `ViewerAuth`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum ViewerAuth {
    /// The client-chosen `userId`.
    #[default]
    Anonymous,
    /// The verified `sub` of a bearer token (the HTTP API's JWT authorizer runs first).
    Oidc,
}

impl ViewerAuth {
    /// The environment variable that sets it.
    pub const VAR: &'static str = "VIEWER_AUTH";

    /// `anonymous` (or unset) / `oidc`.
    pub fn parse(raw: Option<&str>) -> Result<Self, ConfigError> {
        match raw.map(str::trim).filter(|r| !r.is_empty()) {
            None | Some("anonymous") => Ok(Self::Anonymous),
            Some("oidc") => Ok(Self::Oidc),
            Some(other) => Err(ConfigError::invalid(
                Self::VAR,
                format!("must be anonymous or oidc, got {other:?}"),
            )),
        }
    }

    /// The viewer `req` acts for. Anonymous: `given` (the userId the client sent). Oidc: the verified
    /// subject; a `given` userId that differs is 403 `FORBIDDEN`, and a request without a verified
    /// subject (not through the authorizer) or whose subject is not a usable user id is 403 too.
    pub fn viewer(self, req: &Request, given: Option<UserId>) -> Result<Option<UserId>, ApiError> {
        match self {
            ViewerAuth::Anonymous => Ok(given),
            ViewerAuth::Oidc => {
                let subject = verified_subject(req)
                    .and_then(|s| UserId::parse(s).ok())
                    .ok_or_else(|| ApiError::of(ErrorCode::Forbidden))?;
                match given {
                    Some(given) if given != subject => Err(ApiError::of(ErrorCode::Forbidden)),
                    _ => Ok(Some(subject)),
                }
            }
        }
    }
}

/// The `sub` claim the HTTP API's JWT authorizer verified, if the request came through one.
pub fn verified_subject(req: &Request) -> Option<String> {
    match req.request_context_ref()? {
        RequestContext::ApiGatewayV2(ctx) => ctx
            .authorizer
            .as_ref()?
            .jwt
            .as_ref()?
            .claims
            .get("sub")
            .filter(|s| !s.is_empty())
            .cloned(),
        #[allow(unreachable_patterns)]
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::edge::event::{http_v2_event, request_from_event};

    fn request(sub: Option<&str>) -> Request {
        let mut ev = http_v2_event("GET", "/api/check-access", "", &[], None);
        if let Some(sub) = sub {
            ev["requestContext"]["authorizer"] =
                json!({"jwt": {"claims": {"sub": sub}, "scopes": null}});
        }
        request_from_event(&ev).unwrap()
    }

    fn user(id: &str) -> UserId {
        UserId::parse(id).unwrap()
    }

    #[test]
    fn anonymous_takes_the_given_user() {
        let mode = ViewerAuth::parse(None).unwrap();
        assert_eq!(mode, ViewerAuth::Anonymous);
        assert_eq!(
            mode.viewer(&request(Some("ana")), Some(user("budi")))
                .unwrap(),
            Some(user("budi"))
        );
        assert_eq!(mode.viewer(&request(None), None).unwrap(), None);
    }

    #[test]
    fn oidc_takes_the_verified_subject_and_refuses_another_user() {
        let mode = ViewerAuth::parse(Some("oidc")).unwrap();
        let req = request(Some("ana"));
        assert_eq!(mode.viewer(&req, None).unwrap(), Some(user("ana")));
        assert_eq!(
            mode.viewer(&req, Some(user("ana"))).unwrap(),
            Some(user("ana"))
        );
        let other = mode.viewer(&req, Some(user("budi"))).unwrap_err();
        assert_eq!((other.status, other.code), (403, "FORBIDDEN"));
        let none = mode.viewer(&request(None), Some(user("ana"))).unwrap_err();
        assert_eq!(none.code, "FORBIDDEN", "no verified subject");
        assert!(ViewerAuth::parse(Some("cognito")).is_err());
    }
}
