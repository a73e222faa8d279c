//! Durations that govern sessions, read from the environment with the seeds' defaults.

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
}

impl Default for Policy {
    fn default() -> Self {
        Self {
            pending_validity: TimeDelta::hours(2),
            access_duration: TimeDelta::hours(2),
            ttl_grace: TimeDelta::hours(24),
        }
    }
}

/// A configuration value that could not be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{name} must be a whole number of seconds between 1 and 31536000, got {value:?}")]
pub struct ConfigError {
    pub name: &'static str,
    pub value: String,
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
                    _ => Err(ConfigError { name, value }),
                },
            }
        };
        Ok(Self {
            pending_validity: read("PENDING_VALIDITY_SECONDS", defaults.pending_validity)?,
            access_duration: read("ACCESS_DURATION_SECONDS", defaults.access_duration)?,
            ttl_grace: read("TTL_GRACE_SECONDS", defaults.ttl_grace)?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_follow_the_seeds() {
        let p = Policy::from_lookup(|_| None).unwrap();
        assert_eq!(p.pending_validity, TimeDelta::hours(2));
        assert_eq!(p.access_duration, TimeDelta::hours(2));
        assert_eq!(p.ttl_grace, TimeDelta::hours(24));
    }

    #[test]
    fn overrides_and_refusals() {
        let p =
            Policy::from_lookup(|n| (n == "ACCESS_DURATION_SECONDS").then(|| "60".into())).unwrap();
        assert_eq!(p.access_duration, TimeDelta::seconds(60));
        let err =
            Policy::from_lookup(|n| (n == "TTL_GRACE_SECONDS").then(|| "soon".into())).unwrap_err();
        assert_eq!(err.name, "TTL_GRACE_SECONDS");
        assert!(Policy::from_lookup(|_| Some("0".into())).is_err());
    }
}
