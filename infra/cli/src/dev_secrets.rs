//! The local stack's secrets: stored in moto's server under the stack `upstream-local` as an operator
//! creates them on AWS, named to the functions as the template names them, and read back through the
//! functions' own init path (`Init::settings`, the AWS SDK's `GetSecretValue`).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use upstream_local::moto::{Moto, REGION};
use upstream_session::edge::playback::PlaybackEnv;
use upstream_session::edge::{Init, SecretStore};
use upstream_session::playback::SigningKey;
use upstream_session::provider::PaymentProvider;
use upstream_session::secrets::{self, PLAYBACK_PUBLIC_KEYS};
use upstream_session::store::local_client;

use crate::dev_cmd::random_secret;
use crate::dev_gateway::DevGateway;

/// The stack name the local secrets are named in (`upstream-local/webhook`, …).
pub const STACK: &str = "upstream-local";

/// What the local stack's functions are built with that secrets hold.
pub struct DevSecrets {
    /// The gateway, configured with the keys read back.
    pub provider: PaymentProvider,
    /// The generic webhook's secret, `None` when that webhook is closed (next to a gateway unless
    /// `GENERIC_WEBHOOK=on`).
    pub webhook_secret: Option<String>,
    /// The playback settings, the signing key read back.
    pub playback: PlaybackEnv,
    /// OvenMediaEngine's secret key.
    pub ome_secret: Option<String>,
    /// The key the publish hooks present.
    pub publish_key: Option<String>,
    /// The media servers' API passwords read back (`SRS_API_PASS`, `MEDIAMTX_API_PASS`), when set.
    pub media_passwords: BTreeMap<&'static str, String>,
}

fn env(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.trim().is_empty())
}

/// Stores the secrets in `moto` (the values: `WEBHOOK_SECRET`, `PLAYBACK_SIGNING_KEY`,
/// `PLAYBACK_PUBLIC_KEYS`, `OME_SECRET_KEY` from the environment, else fresh ones; the media servers'
/// API passwords `SRS_API_PASS`, `MEDIAMTX_API_PASS` when set; the gateway's keys) and reads them back
/// as the functions do.
pub async fn load(
    moto: &Moto,
    gateway: &DevGateway,
    dynamo_endpoint: &str,
    port: u16,
    key_file: Option<PathBuf>,
) -> Result<DevSecrets, String> {
    let webhook = env("WEBHOOK_SECRET")
        .filter(|s| s.len() >= 16)
        .unwrap_or_else(random_secret);
    let ome = env("OME_SECRET_KEY").unwrap_or_else(random_secret);
    let publish = env("PUBLISH_HOOK_KEY").unwrap_or_else(random_secret);
    let key = signing_key(key_file)?;
    let mut values = upstream_registry::local_secrets(STACK, &webhook, &key, &ome, &publish);
    if let Some(more) = env("PLAYBACK_PUBLIC_KEYS") {
        // Keys rotated in: published and trusted next to the signing key's.
        let name = PLAYBACK_PUBLIC_KEYS.name_in(STACK);
        let published = format!("{}{more}", values[&name]);
        values.insert(name, published);
    }
    for (secret, value) in &gateway.keys {
        values.insert(secret.name_in(STACK), value.clone());
    }
    for secret in [secrets::SRS_API, secrets::MEDIAMTX_API] {
        if let Some(password) = secret.settings.iter().find_map(|s| env(s)) {
            values.insert(secret.name_in(STACK), password);
        }
    }
    moto.put_secrets(REGION, &values)
        .map_err(|e| e.to_string())?;
    // The variables as the template sets them: the names of what is stored, the gateway's settings.
    let mut vars: BTreeMap<String, String> = secrets::ALL
        .iter()
        .filter(|s| values.contains_key(&s.name_in(STACK)))
        .map(|s| (s.name_var.to_owned(), s.name_in(STACK)))
        .collect();
    vars.extend(
        gateway
            .settings
            .iter()
            .map(|(k, v)| ((*k).to_owned(), v.clone())),
    );
    let init = Init::new(
        move |name| vars.get(name).cloned().or_else(|| std::env::var(name).ok()),
        SecretStore::local(&moto.endpoint(), REGION),
        local_client(dynamo_endpoint),
    );
    let settings = init
        .settings(secrets::ALL)
        .await
        .map_err(|e| e.to_string())?;
    let provider =
        PaymentProvider::from_lookup(|name| settings.get(name)).map_err(|e| e.to_string())?;
    let open = payment_callback::generic_webhook_open(
        &provider,
        init.var(payment_callback::GENERIC_WEBHOOK).as_deref(),
    )
    .map_err(|e| e.to_string())?;
    let mut playback =
        PlaybackEnv::from_lookup(|name| settings.get(name)).map_err(|e| e.to_string())?;
    if playback.issuer.is_none() {
        playback.issuer = Some(format!("http://127.0.0.1:{port}"));
    }
    Ok(DevSecrets {
        provider,
        webhook_secret: settings.get("WEBHOOK_SECRET").filter(|_| open),
        playback,
        ome_secret: settings.get("OME_SECRET_KEY"),
        publish_key: settings.get("PUBLISH_HOOK_KEY"),
        media_passwords: ["SRS_API_PASS", "MEDIAMTX_API_PASS"]
            .into_iter()
            .filter_map(|name| Some((name, settings.get(name)?)))
            .collect(),
    })
}

/// The playback signing key: `PLAYBACK_SIGNING_KEY`, else the one kept in the data dir (created on
/// first start, mode 0600), else (in memory) a fresh one.
fn signing_key(key_file: Option<PathBuf>) -> Result<SigningKey, String> {
    if let Some(pem) = env("PLAYBACK_SIGNING_KEY") {
        return SigningKey::from_pkcs8_pem(&pem.replace("\\n", "\n"))
            .map_err(|e| format!("PLAYBACK_SIGNING_KEY: {e}"));
    }
    Ok(match key_file {
        Some(path) if path.is_file() => {
            let pem = std::fs::read_to_string(&path).map_err(|e| e.to_string())?;
            SigningKey::from_pkcs8_pem(&pem).map_err(|e| format!("{}: {e}", path.display()))?
        }
        Some(path) => {
            let key = SigningKey::generate();
            write_private(&path, &key.to_pkcs8_pem())?;
            key
        }
        None => SigningKey::generate(),
    })
}

fn write_private(path: &Path, pem: &str) -> Result<(), String> {
    use std::io::Write;
    #[cfg(unix)]
    use std::os::unix::fs::OpenOptionsExt;
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(|e| e.to_string())?;
    }
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    options.mode(0o600);
    let mut file = options
        .open(path)
        .map_err(|e| format!("{}: {e}", path.display()))?;
    file.write_all(pem.as_bytes()).map_err(|e| e.to_string())
}
