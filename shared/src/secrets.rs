//! The secrets of the product, declared once: which environment variable names each one, which
//! setting its value is, and its name in a stack. A function reads the secrets its
//! [`FunctionSpec`](crate::FunctionSpec) lists from Secrets Manager at init (`edge::Init`), never a
//! value from its environment; `template.yaml` puts only the names there and grants
//! `secretsmanager:GetSecretValue` on exactly those (a test compares the two).

/// One secret a function may read at init.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SecretRef {
    /// The environment variable that holds the secret's *name* (`WEBHOOK_SECRET_NAME`). Unset: the
    /// function does not read the secret (the template sets it only where the secret is needed).
    pub name_var: &'static str,
    /// The setting its value is (`WEBHOOK_SECRET`), as the configuration readers know it; the
    /// gateway key is the key of whichever gateway `PAYMENT_PROVIDER` chooses.
    pub settings: &'static [&'static str],
    /// Its name in a stack after `<stack name>/`: `webhook` is `upstream-pay/webhook`.
    pub suffix: &'static str,
}

impl SecretRef {
    /// Its name in the stack `stack` (the template's `${AWS::StackName}/<suffix>`).
    pub fn name_in(&self, stack: &str) -> String {
        format!("{stack}/{}", self.suffix)
    }
}

/// The HMAC key of the generic signed webhook (≥ 16 characters; created by the template).
pub const WEBHOOK: SecretRef = SecretRef {
    name_var: "WEBHOOK_SECRET_NAME",
    settings: &["WEBHOOK_SECRET"],
    suffix: "webhook",
};

/// The payment gateway's API key: Midtrans's server key or Xendit's secret API key.
pub const GATEWAY_KEY: SecretRef = SecretRef {
    name_var: "GATEWAY_SECRET_NAME",
    settings: &["MIDTRANS_SERVER_KEY", "XENDIT_SECRET_KEY"],
    suffix: "gateway-key",
};

/// Xendit's callback verification token (only the function receiving callbacks reads it).
pub const XENDIT_CALLBACK_TOKEN: SecretRef = SecretRef {
    name_var: "XENDIT_CALLBACK_SECRET_NAME",
    settings: &["XENDIT_CALLBACK_TOKEN"],
    suffix: "xendit-callback-token",
};

/// The playback token signing key (PKCS#8 PEM; the issuers only).
pub const PLAYBACK_SIGNING_KEY: SecretRef = SecretRef {
    name_var: "PLAYBACK_KEY_SECRET_NAME",
    settings: &["PLAYBACK_SIGNING_KEY"],
    suffix: "playback-signing-key",
};

/// The public keys the verifier publishes and trusts (PEMs; the signing key's and any rotated in).
pub const PLAYBACK_PUBLIC_KEYS: SecretRef = SecretRef {
    name_var: "PLAYBACK_PUBLIC_KEYS_SECRET_NAME",
    settings: &["PLAYBACK_PUBLIC_KEYS"],
    suffix: "playback-public-keys",
};

/// OvenMediaEngine's AdmissionWebhooks secret key (created by the template).
pub const OME: SecretRef = SecretRef {
    name_var: "OME_SECRET_NAME",
    settings: &["OME_SECRET_KEY"],
    suffix: "ome",
};

/// The password of SRS's HTTP API (the reaper's and a revoke's kicks; created by the template
/// when `SrsApiUrl` is set: put it in srs.conf).
pub const SRS_API: SecretRef = SecretRef {
    name_var: "SRS_API_SECRET_NAME",
    settings: &["SRS_API_PASS"],
    suffix: "srs-api-password",
};

/// The password of MediaMTX's control API (the reaper's and a revoke's kicks; the MediaMTX hook
/// lets that login through; created by the template when `MediamtxApiUrl` is set).
pub const MEDIAMTX_API: SecretRef = SecretRef {
    name_var: "MEDIAMTX_API_SECRET_NAME",
    settings: &["MEDIAMTX_API_PASS"],
    suffix: "mediamtx-api-password",
};

/// The key the media servers' publish hooks present (`POST /api/playback-auth/publish`, marking a
/// stream live); created by the template: put it in the hook URLs.
pub const PUBLISH_HOOK: SecretRef = SecretRef {
    name_var: "PUBLISH_HOOK_SECRET_NAME",
    settings: &["PUBLISH_HOOK_KEY"],
    suffix: "publish-hook",
};

/// Every secret of the product.
pub const ALL: &[SecretRef] = &[
    WEBHOOK,
    GATEWAY_KEY,
    XENDIT_CALLBACK_TOKEN,
    PLAYBACK_SIGNING_KEY,
    PLAYBACK_PUBLIC_KEYS,
    OME,
    SRS_API,
    MEDIAMTX_API,
    PUBLISH_HOOK,
];

/// Whether a secret holds `setting` (so that it is never taken from the environment).
pub fn is_secret_setting(setting: &str) -> bool {
    ALL.iter().any(|s| s.settings.contains(&setting))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_settings_are_unique() {
        let mut vars: Vec<_> = ALL.iter().map(|s| s.name_var).collect();
        let mut suffixes: Vec<_> = ALL.iter().map(|s| s.suffix).collect();
        let mut settings: Vec<_> = ALL.iter().flat_map(|s| s.settings.iter()).collect();
        for list in [&mut vars, &mut suffixes] {
            let n = list.len();
            list.sort_unstable();
            list.dedup();
            assert_eq!(list.len(), n);
        }
        let n = settings.len();
        settings.sort_unstable();
        settings.dedup();
        assert_eq!(settings.len(), n);
        assert!(vars.iter().all(|v| v.ends_with("_SECRET_NAME")));
        assert_eq!(WEBHOOK.name_in("upstream-pay"), "upstream-pay/webhook");
        assert!(is_secret_setting("XENDIT_CALLBACK_TOKEN"));
        assert!(!is_secret_setting("XENDIT_API_BASE"));
    }
}
