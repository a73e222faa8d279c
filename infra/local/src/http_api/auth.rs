//! The HTTP API's JWT authorizers as SAM declares them: `Auth.Authorizers.<name>` with a
//! `JwtConfiguration` (`issuer`, `audience`) and `IdentitySource: $request.header.Authorization`,
//! `Auth.DefaultAuthorizer`, and each route's `Auth.Authorizer` (`NONE`: none). `!If` on a whole
//! `Auth` is decided from the parameters, as the `AWS::LanguageExtensions` transform does on AWS.

use std::collections::BTreeMap;

use serde_yaml::Value;

use crate::artifacts::LambdaError;
use crate::jwt_authorizer::JwtConfiguration;
use crate::template::Resolver;

/// The only identity source the emulated authorizer reads.
pub const AUTHORIZATION_HEADER: &str = "$request.header.Authorization";

/// The authorizers of an API and its default one.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(super) struct ApiAuth {
    pub(super) authorizers: BTreeMap<String, JwtConfiguration>,
    pub(super) default: Option<String>,
}

fn bad(m: String) -> LambdaError {
    LambdaError::Template(m)
}

/// A key in either case SAM accepts (`issuer` / `Issuer`).
fn get<'v>(v: &'v Value, key: &str) -> Option<&'v Value> {
    let mut upper = key.to_owned();
    if let Some(first) = upper.get_mut(0..1) {
        first.make_ascii_uppercase();
    }
    v.get(key).or_else(|| v.get(upper.as_str()))
}

/// `Properties.Auth` of the HTTP API (absent, or `!If` to `AWS::NoValue`: no authorizer).
pub(super) fn api_auth(
    props: Option<&Value>,
    resolver: &Resolver<'_>,
) -> Result<ApiAuth, LambdaError> {
    let Some(auth) = props.and_then(|p| p.get("Auth")) else {
        return Ok(ApiAuth::default());
    };
    let Some(auth) = resolver.chosen(auth)? else {
        return Ok(ApiAuth::default());
    };
    let mut out = ApiAuth::default();
    let authorizers = auth.get("Authorizers").and_then(Value::as_mapping);
    for (name, def) in authorizers.into_iter().flatten() {
        let name = name.as_str().unwrap_or_default().to_owned();
        let Some(jwt) = def.get("JwtConfiguration") else {
            return Err(bad(format!(
                "authorizer {name}: only JWT authorizers (JwtConfiguration) are served locally"
            )));
        };
        match def
            .get("IdentitySource")
            .map(|v| resolver.scalar(v))
            .transpose()?
        {
            Some(source) if source == AUTHORIZATION_HEADER => {}
            other => {
                return Err(bad(format!(
                    "authorizer {name}: IdentitySource must be {AUTHORIZATION_HEADER}, not {other:?}"
                )));
            }
        }
        let issuer = get(jwt, "issuer")
            .map(|v| resolver.scalar(v))
            .transpose()?
            .filter(|i| !i.is_empty())
            .ok_or_else(|| bad(format!("authorizer {name}: JwtConfiguration has no issuer")))?;
        let audience = match get(jwt, "audience") {
            Some(v) => resolver.strings(v)?,
            None => Vec::new(),
        };
        if audience.iter().all(String::is_empty) {
            return Err(bad(format!(
                "authorizer {name}: JwtConfiguration has no audience"
            )));
        }
        out.authorizers
            .insert(name, JwtConfiguration { issuer, audience });
    }
    out.default = auth
        .get("DefaultAuthorizer")
        .map(|v| resolver.scalar(v))
        .transpose()?;
    if let Some(default) = out
        .default
        .as_ref()
        .filter(|d| !out.authorizers.contains_key(*d))
    {
        return Err(bad(format!(
            "DefaultAuthorizer {default} is not an authorizer of the API"
        )));
    }
    Ok(out)
}

/// The authorizer of one route from its event's `Properties.Auth` (`None`: open).
pub(super) fn route_authorizer(
    event: &str,
    props: Option<&Value>,
    resolver: &Resolver<'_>,
    api: &ApiAuth,
) -> Result<Option<String>, LambdaError> {
    let named = match props.and_then(|p| p.get("Auth")) {
        None => None,
        Some(auth) => match resolver.chosen(auth)? {
            None => None,
            Some(auth) => auth
                .get("Authorizer")
                .map(|v| resolver.scalar(v))
                .transpose()?,
        },
    };
    match named.as_deref() {
        None => Ok(api.default.clone()),
        Some("NONE") if api.default.is_some() => Ok(None),
        // SAM refuses NONE without a default authorizer, and a name the API does not declare.
        Some("NONE") => Err(bad(format!(
            "{event}: Authorizer NONE is only valid with a DefaultAuthorizer on the API"
        ))),
        Some(name) if api.authorizers.contains_key(name) => Ok(Some(name.to_owned())),
        Some(name) => Err(bad(format!(
            "{event}: authorizer {name} is not declared in the API's Auth.Authorizers"
        ))),
    }
}
