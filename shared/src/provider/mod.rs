//! Payment gateways: create a charge (a QR string for a session), verify a gateway's notification
//! and confirm what it claims — behind one enum chosen by `PAYMENT_PROVIDER` (`static`,
//! `midtrans` or `xendit`). The adapters only speak HTTP and state the ledger's
//! [`PaymentReport`](crate::domain::PaymentReport); what a report means for a session is the
//! ledger's business.

pub mod http;
mod midtrans;
#[cfg(test)]
mod tests;
mod types;
mod wire;
mod xendit;

pub use http::{HttpClient, HttpPolicy, Idempotency};
pub use midtrans::{Midtrans, MidtransConfig, midtrans_signature_key};
pub use xendit::{XENDIT_API_VERSION, XENDIT_TOKEN_HEADER, Xendit, XenditConfig};

pub use types::{
    Charge, ChargeRequest, Notification, ProviderConfigError, ProviderError, Secret, Statement,
    VerifyError,
};
pub(crate) use wire::{base_url, basic_auth, ct_eq, endpoint, parse_rupiah, secret};

/// The configured payment gateway.
#[derive(Debug, Clone)]
pub enum PaymentProvider {
    /// Today's static→dynamic QRIS, confirmed by an operator or the generic signed webhook.
    Static,
    /// Midtrans (Core API QRIS).
    Midtrans(Midtrans),
    /// Xendit (QR codes API).
    Xendit(Xendit),
}

impl PaymentProvider {
    /// Reads the process environment (see [`PaymentProvider::from_lookup`]).
    pub fn from_env() -> Result<Self, ProviderConfigError> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// Reads `PAYMENT_PROVIDER` (default `static`) and the chosen gateway's settings through `lookup`:
    /// Midtrans `MIDTRANS_SERVER_KEY`, `MIDTRANS_IS_PRODUCTION` (default false), `MIDTRANS_API_BASE`
    /// (overrides both); Xendit `XENDIT_SECRET_KEY`, `XENDIT_CALLBACK_TOKEN` (optional: see
    /// [`PaymentProvider::require_notification_key`]), `XENDIT_API_BASE`.
    pub fn from_lookup(
        lookup: impl Fn(&str) -> Option<String>,
    ) -> Result<Self, ProviderConfigError> {
        Self::from_lookup_with(lookup, HttpPolicy::default())
    }

    /// As [`PaymentProvider::from_lookup`], with explicit timeouts and retries.
    pub fn from_lookup_with(
        lookup: impl Fn(&str) -> Option<String>,
        policy: HttpPolicy,
    ) -> Result<Self, ProviderConfigError> {
        let choice = lookup("PAYMENT_PROVIDER").unwrap_or_default();
        match choice.trim().to_ascii_lowercase().as_str() {
            "" | "static" => Ok(Self::Static),
            "midtrans" => {
                let config = MidtransConfig::from_lookup(&lookup)?;
                Ok(Self::Midtrans(Midtrans::new(
                    config,
                    HttpClient::new(policy)?,
                )))
            }
            "xendit" => {
                let config = XenditConfig::from_lookup(&lookup)?;
                Ok(Self::Xendit(Xendit::new(config, HttpClient::new(policy)?)))
            }
            _ => Err(ProviderConfigError::UnknownProvider(choice)),
        }
    }

    /// `static` | `midtrans` | `xendit`.
    pub fn name(&self) -> &'static str {
        match self {
            Self::Static => "static",
            Self::Midtrans(_) => midtrans::NAME,
            Self::Xendit(_) => xendit::NAME,
        }
    }

    /// Checks that it can verify its gateway's notifications, as the function receiving them needs:
    /// Xendit's callback token is set (Midtrans signs with the server key it always has).
    pub fn require_notification_key(&self) -> Result<(), ProviderConfigError> {
        match self {
            Self::Xendit(x) if !x.verifies_callbacks() => {
                Err(ProviderConfigError::Missing("XENDIT_CALLBACK_TOKEN"))
            }
            _ => Ok(()),
        }
    }

    /// True for `static`: no charge to create, the caller keeps the static→dynamic QRIS.
    pub fn is_static(&self) -> bool {
        matches!(self, Self::Static)
    }

    /// Creates a charge at the gateway. Midtrans: sent once (a charge is not idempotent);
    /// Xendit: retried with the trxId as idempotency key.
    pub async fn create_charge(&self, request: &ChargeRequest) -> Result<Charge, ProviderError> {
        match self {
            Self::Static => Err(ProviderError::Unsupported("static")),
            Self::Midtrans(m) => m.create_charge(request).await,
            Self::Xendit(x) => x.create_charge(request).await,
        }
    }

    /// Checks a notification's signature (Midtrans `signature_key`) or token (Xendit
    /// `x-callback-token`) in constant time, then parses it. No I/O.
    pub fn verify_notification(
        &self,
        headers: &::http::HeaderMap,
        body: &[u8],
    ) -> Result<Notification, VerifyError> {
        match self {
            Self::Static => Err(VerifyError::Malformed(
                "no payment gateway is configured (PAYMENT_PROVIDER=static)".into(),
            )),
            Self::Midtrans(m) => m.verify_notification(body),
            Self::Xendit(x) => x.verify_notification(headers, body),
        }
    }

    /// What to grant on, asked of the gateway (the notification is only a hint; one GET): Midtrans
    /// its status API, Xendit the payments of the QR code the callback names (check
    /// [`Notification::is_for`] first: that QR code must be the session's).
    pub async fn confirm(&self, notification: &Notification) -> Result<Statement, ProviderError> {
        match self {
            Self::Static => Err(ProviderError::Unsupported("static")),
            Self::Midtrans(m) => m.confirm(notification).await,
            Self::Xendit(x) => x.confirm(notification).await,
        }
    }
}
