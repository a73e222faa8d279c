//! The secrets of a local stack, as `upstream dev`, `upstream invoke`, the emulator tests and the
//! bench store them in moto's server for the functions to read at init.

use std::collections::BTreeMap;

use upstream_session::playback::SigningKey;
use upstream_session::secrets::{
    OME, PLAYBACK_PUBLIC_KEYS, PLAYBACK_SIGNING_KEY, PUBLISH_HOOK, WEBHOOK,
};

/// By name in the stack `stack`: the webhook secret, the playback key pair (`key` signs, its public
/// half is published), OvenMediaEngine's secret and the publish hooks' key. A gateway's keys are the
/// caller's to add.
pub fn local_secrets(
    stack: &str,
    webhook_secret: &str,
    key: &SigningKey,
    ome_secret: &str,
    publish_key: &str,
) -> BTreeMap<String, String> {
    BTreeMap::from([
        (WEBHOOK.name_in(stack), webhook_secret.to_owned()),
        (PLAYBACK_SIGNING_KEY.name_in(stack), key.to_pkcs8_pem()),
        (
            PLAYBACK_PUBLIC_KEYS.name_in(stack),
            key.verifying_key().to_pem(),
        ),
        (OME.name_in(stack), ome_secret.to_owned()),
        (PUBLISH_HOOK.name_in(stack), publish_key.to_owned()),
    ])
}
