//! The local stack's functions as a SAM template declares them: each one's environment, resolved as
//! the emulator runs resolve it (parameters from the caller's environment or their defaults), then
//! what the stack sets itself; and each one's DynamoDB client
//! through its own IAM proxy, which enforces the function's template policy.

use std::collections::BTreeMap;
use std::sync::Arc;

use chrono::TimeDelta;
use upstream_local::iam::IamProxy;
use upstream_local::template::{LocalValues, Template};
use upstream_registry::{Inputs, Stack};
use upstream_session::edge::{Cors, ViewerAuth};
use upstream_session::media::MediaApis;
use upstream_session::store::local_client;
use upstream_session::{SessionManager, Store, SystemClock};

use crate::dev_secrets::DevSecrets;

/// Template parameters taken from the caller's environment variable of the same meaning (the
/// variable the deployed function reads), when set and not blank.
pub const PARAMETERS_FROM_ENV: &[(&str, &str)] = &[
    ("QRIS_STATIC_PAYLOAD", "StaticQrisPayload"),
    ("QRIS_MAX_AMOUNT", "QrisMaxAmount"),
    ("ALLOWED_ORIGINS", "AllowedOrigins"),
    ("PENDING_VALIDITY_SECONDS", "PendingValiditySeconds"),
    ("ACCESS_DURATION_SECONDS", "AccessDurationSeconds"),
    ("TTL_GRACE_SECONDS", "TtlGraceSeconds"),
    ("PLAYBACK_ISSUER", "PlaybackIssuer"),
    ("PLAYBACK_AUDIENCE", "PlaybackAudience"),
    ("PLAYBACK_TOKEN_TTL", "PlaybackTokenTtl"),
    ("PLAYBACK_PATH_PREFIX", "PlaybackPathPrefix"),
    ("SRS_API_URL", "SrsApiUrl"),
    ("SRS_API_USER", "SrsApiUser"),
    ("MEDIAMTX_API_URL", "MediamtxApiUrl"),
    ("MEDIAMTX_API_USER", "MediamtxApiUser"),
    ("VIEWER_AUTH", "ViewerAuth"),
    ("OIDC_ISSUER", "OidcIssuer"),
    ("OIDC_AUDIENCE", "OidcAudience"),
];

/// Every function's environment and session manager, and the IAM proxies they call through.
pub struct Functions {
    envs: BTreeMap<&'static str, BTreeMap<String, String>>,
    managers: BTreeMap<&'static str, SessionManager>,
    /// Kept for the stack's life: each function's DynamoDB endpoint.
    _proxies: Vec<IamProxy>,
}

impl Functions {
    /// Each function of the registry from its `template` resource resolved with `values`, then
    /// `overrides` (what the stack sets itself), its DynamoDB calls through an IAM proxy in front of
    /// `dynamodb` (DynamoDB Local's endpoint).
    pub fn new(
        template: &Template,
        values: &LocalValues,
        dynamodb: &str,
        overrides: &BTreeMap<String, String>,
    ) -> Result<Self, String> {
        let mut envs = BTreeMap::new();
        let mut managers = BTreeMap::new();
        let mut proxies = Vec::new();
        for name in upstream_registry::names() {
            let resource = template
                .function(name, values)
                .map_err(|e| format!("{name}: {e}"))?;
            let access = resource.access;
            let proxy = IamProxy::start(dynamodb, access.identity, access.policy)
                .map_err(|e| format!("{name}: the IAM proxy: {e}"))?;
            let mut env = resource.environment;
            env.extend(overrides.clone());
            env.insert("DYNAMODB_ENDPOINT".into(), proxy.endpoint());
            let lookup = |k: &str| env.get(k).cloned();
            let table = lookup("TABLE_NAME").ok_or(format!("{name}: no TABLE_NAME"))?;
            let policy = upstream_session::Policy::from_lookup(lookup)
                .map_err(|e| format!("{name}: {e}"))?;
            let store = Store::new(local_client(&proxy.endpoint()), table, policy);
            managers.insert(name, SessionManager::new(store, Arc::new(SystemClock)));
            envs.insert(name, env);
            proxies.push(proxy);
        }
        Ok(Self {
            envs,
            managers,
            _proxies: proxies,
        })
    }

    /// The variable `key` of `function`'s environment.
    pub fn var(&self, function: &str, key: &str) -> Option<String> {
        self.envs
            .get(function)
            .and_then(|env| env.get(key))
            .cloned()
    }

    /// The stack's inputs read from each function's environment, as the function reads them, and
    /// what its secrets hold (read back from moto through the functions' init path).
    pub fn inputs(
        &self,
        secrets: DevSecrets,
        catalog_cache: TimeDelta,
        allow_local: bool,
    ) -> Result<Inputs, String> {
        let qris = |k: &str| self.var(generate_qris::SPEC.name, k);
        let verifier = |k: &str| self.var("playback-auth", k);
        let managers = self.managers.clone();
        Ok(Inputs {
            manager: Box::new(move |name| {
                managers
                    .get(name)
                    .cloned()
                    .expect("a manager for every registry function")
            }),
            cors: Cors::new(&qris("ALLOWED_ORIGINS").unwrap_or_default()),
            qris: generate_qris::static_qris(&qris("QRIS_STATIC_PAYLOAD").unwrap_or_default())
                .map_err(|e| e.to_string())?,
            catalog_cache,
            provider: secrets.provider,
            webhook_secret: secrets.webhook_secret.map(String::into_bytes),
            playback: secrets.playback,
            playback_tokens: true,
            playback_prefix: verifier("PLAYBACK_PATH_PREFIX").unwrap_or_else(|| "/hls/".into()),
            ome_secret: secrets.ome_secret,
            publish_key: secrets.publish_key,
            allow_local,
            viewer_auth: ViewerAuth::parse(self.var("check-access", ViewerAuth::VAR).as_deref())
                .map_err(|e| e.to_string())?,
            // The reaper's view of the media servers (the admin function's revoke reads the same).
            media: MediaApis::from_lookup(|k| {
                secrets
                    .media_passwords
                    .get(k)
                    .cloned()
                    .or_else(|| self.var("media-reaper", k))
            })
            .map_err(|e| e.to_string())?,
        })
    }

    /// What [`Inputs`] does not carry: generate-qris's `QRIS_MAX_AMOUNT`.
    pub fn configure(&self, stack: &mut Stack) -> Result<(), String> {
        if let Some(max) = self.var(generate_qris::SPEC.name, "QRIS_MAX_AMOUNT") {
            stack.generate_qris.max_amount = max
                .trim()
                .parse()
                .map_err(|_| format!("QRIS_MAX_AMOUNT is not a number: {max:?}"))?;
        }
        Ok(())
    }
}

/// The template parameters set by the caller's environment ([`PARAMETERS_FROM_ENV`]).
pub fn parameters_from_env() -> BTreeMap<String, String> {
    PARAMETERS_FROM_ENV
        .iter()
        .filter_map(|(var, param)| Some(((*param).to_owned(), set_var(var)?)))
        .collect()
}

/// The caller's environment variable `name`, unless unset or blank (as the functions read theirs).
pub fn set_var(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.trim().is_empty())
}
