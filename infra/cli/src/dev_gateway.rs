//! The gateway `upstream dev --provider midtrans|xendit` talks to. With the gateway's key in the
//! environment (`MIDTRANS_SERVER_KEY`; `XENDIT_SECRET_KEY` with `XENDIT_CALLBACK_TOKEN`): that
//! gateway, the real sandbox or any compatible server `MIDTRANS_API_BASE` / `XENDIT_API_BASE` names.
//! Without one: a simulator started on a free loopback port with its own keys.

use std::collections::BTreeMap;

use upstream_session::secrets::{self, SecretRef};

use crate::gateway_sim::{self, Gateway};
use crate::server;

/// The chosen gateway: its settings and keys as the functions will read them.
pub struct DevGateway {
    /// `PAYMENT_PROVIDER`, the API base, `MIDTRANS_IS_PRODUCTION` (what is set).
    pub settings: BTreeMap<&'static str, String>,
    /// Its keys, each with the secret that holds it.
    pub keys: Vec<(SecretRef, String)>,
    /// The simulator's URL, when one was started.
    pub simulator: Option<String>,
}

/// The settings of the environment, non-blank.
fn env(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.trim().is_empty())
}

/// The secret holding the setting `name`.
fn secret_of(name: &str) -> Result<SecretRef, String> {
    secrets::ALL
        .iter()
        .find(|s| s.settings.contains(&name))
        .copied()
        .ok_or_else(|| format!("no secret holds {name}"))
}

/// Chooses the gateway for `provider` (`static`, `midtrans`, `xendit`); a simulator's notifications
/// go to the local stack on `port`.
pub async fn choose(provider: &str, port: u16) -> Result<DevGateway, String> {
    let (keys, base): (&[&str], &str) = match provider {
        "midtrans" => (&["MIDTRANS_SERVER_KEY"], "MIDTRANS_API_BASE"),
        "xendit" => (
            &["XENDIT_SECRET_KEY", "XENDIT_CALLBACK_TOKEN"],
            "XENDIT_API_BASE",
        ),
        _ => {
            return Ok(DevGateway {
                settings: BTreeMap::from([("PAYMENT_PROVIDER", "static".to_owned())]),
                keys: Vec::new(),
                simulator: None,
            });
        }
    };
    let mut settings = BTreeMap::from([("PAYMENT_PROVIDER", provider.to_owned())]);
    if env(keys[0]).is_some() {
        for name in [base, "MIDTRANS_IS_PRODUCTION"] {
            if let Some(v) = env(name) {
                settings.insert(name, v);
            }
        }
        let keys = keys
            .iter()
            .map(|name| {
                let value =
                    env(name).ok_or_else(|| format!("{name} must be set with {}", keys[0]))?;
                Ok((secret_of(name)?, value))
            })
            .collect::<Result<_, String>>()?;
        return Ok(DevGateway {
            settings,
            keys,
            simulator: None,
        });
    }
    if let Some(url) = env(base) {
        return Err(format!(
            "{base} is {url} but {} is not set: set the key to use that gateway, or unset {base} \
             for the local simulator",
            keys[0]
        ));
    }
    let (gateway, values): (Gateway, &[(&str, &str)]) = match provider {
        "midtrans" => (
            Gateway::Midtrans {
                server_key: gateway_sim::DEV_MIDTRANS_SERVER_KEY.into(),
            },
            &[("MIDTRANS_SERVER_KEY", gateway_sim::DEV_MIDTRANS_SERVER_KEY)],
        ),
        _ => (
            Gateway::Xendit {
                secret_key: gateway_sim::DEV_XENDIT_SECRET_KEY.into(),
                callback_token: gateway_sim::DEV_XENDIT_CALLBACK_TOKEN.into(),
            },
            &[
                ("XENDIT_SECRET_KEY", gateway_sim::DEV_XENDIT_SECRET_KEY),
                (
                    "XENDIT_CALLBACK_TOKEN",
                    gateway_sim::DEV_XENDIT_CALLBACK_TOKEN,
                ),
            ],
        ),
    };
    let listener = server::bind(0).await?;
    let sim = format!(
        "http://{}",
        listener.local_addr().map_err(|e| e.to_string())?
    );
    let callback = format!("http://127.0.0.1:{port}/api/payment-callback/{provider}");
    tokio::spawn(gateway_sim::serve(listener, gateway, callback));
    settings.insert(base, sim.clone());
    let keys = values
        .iter()
        .map(|(name, value)| Ok((secret_of(name)?, (*value).to_owned())))
        .collect::<Result<_, String>>()?;
    Ok(DevGateway {
        settings,
        keys,
        simulator: Some(sim),
    })
}
