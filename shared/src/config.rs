//! Durations that govern sessions, read from the environment with the product's defaults (2 h payable QR, 2 h access), and the
//! configuration errors of the product (a payment gateway's among them).

use chrono::TimeDelta;

/// How long things last.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Policy {
    /// How long a pending session (its QR) stays payable: `PENDING_VALIDITY_SECONDS`, default 2 h.
    pub pending_validity: TimeDelta,
    /// Access granted by a payment, counted from the payment: `ACCESS_DURATION_SECONDS`, default 2 h.
    pub access_duration: TimeDelta,
    /// How long an item outlives its expiry before DynamoDB TTL may delete it (keeps a pending session
    /// findable for late gateway callbacks): `TTL_GRACE_SECONDS`, default 24 h.
    pub ttl_grace: TimeDelta,
    /// For a stream sold with `accessUntil: event_end`, how long access outlasts the event's end
    /// (`EVENT_END_GRACE_SECONDS`, default 30 min).
    pub event_end_grace: TimeDelta,
}

impl Default for Policy {
    fn default() -> Self {
        Self {
            pending_validity: TimeDelta::hours(2),
            access_duration: TimeDelta::hours(2),
            ttl_grace: TimeDelta::hours(24),
            event_end_grace: TimeDelta::minutes(30),
        }
    }
}

/// The one configuration error of the product: a missing or unusable setting. A function refuses to
/// start with it (one log line); the CLI prints it. Never contains a secret's value.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConfigError {
    /// A required setting is absent or blank.
    #[error("{0} is not set")]
    Missing(String),
    /// A duration that is not a whole number of seconds in range.
    #[error("{name} must be a whole number of seconds between 1 and 31536000, got {value:?}")]
    Seconds {
        /// The variable.
        name: &'static str,
        /// What it held.
        value: String,
    },
    /// A setting present but unusable; `why` continues the sentence after the name.
    #[error("{name} {why}")]
    Invalid {
        /// The variable.
        name: &'static str,
        /// What is wrong, e.g. `is not a number: "x"`.
        why: String,
    },
    /// The payment gateway's settings.
    #[error(transparent)]
    Provider(#[from] ProviderConfigError),
    /// A secret the function reads at init could not be read (missing, not text, no permission,
    /// Secrets Manager unreachable).
    #[error("the secret {name:?} ({var}) could not be read: {why}")]
    Secret {
        /// The variable naming it (`WEBHOOK_SECRET_NAME`).
        var: &'static str,
        /// Its name.
        name: String,
        /// Why, as Secrets Manager said it.
        why: String,
    },
}

/// A configuration the provider cannot start with. Never contains a secret's value.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProviderConfigError {
    #[error("PAYMENT_PROVIDER must be static, midtrans or xendit, got {0:?}")]
    /// `PAYMENT_PROVIDER` names no known gateway.
    UnknownProvider(String),
    #[error("{0} must be set for this payment provider")]
    /// A required setting is absent.
    Missing(&'static str),
    #[error("{name} is not valid: {why}")]
    /// A setting present but unusable.
    Invalid {
        /// The variable.
        name: &'static str,
        /// What is wrong.
        why: String,
    },
    #[error("cannot build the HTTP client: {0}")]
    /// The HTTP client cannot be built.
    Client(String),
}

impl ConfigError {
    /// A setting present but unusable.
    pub fn invalid(name: &'static str, why: impl Into<String>) -> Self {
        Self::Invalid {
            name,
            why: why.into(),
        }
    }

    /// The variable at fault, when one is.
    pub fn name(&self) -> Option<&str> {
        match self {
            Self::Missing(name) => Some(name),
            Self::Seconds { name, .. } | Self::Invalid { name, .. } => Some(name),
            Self::Secret { var, .. } => Some(var),
            Self::Provider(ProviderConfigError::Missing(name))
            | Self::Provider(ProviderConfigError::Invalid { name, .. }) => Some(name),
            Self::Provider(_) => Some("PAYMENT_PROVIDER"),
        }
    }
}

impl Policy {
    /// Reads the policy from the process environment.
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// Reads the policy through `lookup` (the environment, or a map in tests).
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let defaults = Self::default();
        let read = |name: &'static str, default: TimeDelta| -> Result<TimeDelta, ConfigError> {
            match lookup(name) {
                None => Ok(default),
                Some(value) => match value.trim().parse::<i64>() {
                    Ok(secs) if (1..=31_536_000).contains(&secs) => Ok(TimeDelta::seconds(secs)),
                    _ => Err(ConfigError::Seconds { name, value }),
                },
            }
        };
        Ok(Self {
            pending_validity: read("PENDING_VALIDITY_SECONDS", defaults.pending_validity)?,
            access_duration: read("ACCESS_DURATION_SECONDS", defaults.access_duration)?,
            ttl_grace: read("TTL_GRACE_SECONDS", defaults.ttl_grace)?,
            event_end_grace: read("EVENT_END_GRACE_SECONDS", defaults.event_end_grace)?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_two_hours() {
        let p = Policy::from_lookup(|_| None).unwrap();
        assert_eq!(p.pending_validity, TimeDelta::hours(2));
        assert_eq!(p.access_duration, TimeDelta::hours(2));
        assert_eq!(p.ttl_grace, TimeDelta::hours(24));
        assert_eq!(p.event_end_grace, TimeDelta::minutes(30));
    }

    #[test]
    fn overrides_and_refusals() {
        let p =
            Policy::from_lookup(|n| (n == "ACCESS_DURATION_SECONDS").then(|| "60".into())).unwrap();
        assert_eq!(p.access_duration, TimeDelta::seconds(60));
        let p = Policy::from_lookup(|n| (n == "EVENT_END_GRACE_SECONDS").then(|| "900".into()))
            .unwrap();
        assert_eq!(p.event_end_grace, TimeDelta::minutes(15));
        let err =
            Policy::from_lookup(|n| (n == "TTL_GRACE_SECONDS").then(|| "soon".into())).unwrap_err();
        assert_eq!(err.name(), Some("TTL_GRACE_SECONDS"));
        assert!(Policy::from_lookup(|_| Some("0".into())).is_err());
    }

    #[test]
    fn one_error_type_names_the_variable_at_fault() {
        let missing: ConfigError = ProviderConfigError::Missing("MIDTRANS_SERVER_KEY").into();
        assert_eq!(missing.name(), Some("MIDTRANS_SERVER_KEY"));
        assert_eq!(
            missing.to_string(),
            "MIDTRANS_SERVER_KEY must be set for this payment provider"
        );
        let bad = ConfigError::invalid("QRIS_MAX_AMOUNT", "is not a number: \"x\"");
        assert_eq!(bad.to_string(), "QRIS_MAX_AMOUNT is not a number: \"x\"");
        assert_eq!(
            ConfigError::Missing("TABLE_NAME".into()).to_string(),
            "TABLE_NAME is not set"
        );
    }
}
