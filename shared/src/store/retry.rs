//! Retrying transaction conflicts: a bounded number of attempts, each wait drawn with full jitter
//! (uniform between zero and an exponentially growing cap), so colliding writers spread out.

use std::time::Duration;

/// Attempts of one transaction before giving up with [`super::StoreError::Unavailable`].
pub const MAX_ATTEMPTS: u32 = 8;
/// The first wait's cap.
pub const BASE_DELAY: Duration = Duration::from_millis(10);
/// No single wait is longer.
pub const MAX_DELAY: Duration = Duration::from_millis(400);

/// The wait before retry number `attempt` (0-based) given a random value: full jitter,
/// `random % (min(MAX_DELAY, BASE_DELAY × 2^attempt) + 1)` milliseconds. Never overflows.
pub fn full_jitter(attempt: u32, random: u64) -> Duration {
    let base = BASE_DELAY.as_millis() as u64;
    let cap = base
        .checked_shl(attempt.min(32))
        .unwrap_or(u64::MAX)
        .min(MAX_DELAY.as_millis() as u64);
    Duration::from_millis(random % (cap + 1))
}

/// Sleeps before retry number `attempt`.
pub async fn backoff(attempt: u32) {
    let mut b = [0u8; 8];
    getrandom::fill(&mut b).expect("the operating system's random source is available");
    tokio::time::sleep(full_jitter(attempt, u64::from_le_bytes(b))).await;
}

/// The longest the retries of one transaction can wait in all.
pub fn worst_case_wait() -> Duration {
    (0..MAX_ATTEMPTS).map(|a| full_jitter(a, u64::MAX)).sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn waits_are_full_jitter_within_a_growing_cap() {
        assert_eq!(full_jitter(0, 0), Duration::ZERO);
        assert_eq!(full_jitter(0, 10), Duration::from_millis(10));
        assert_eq!(full_jitter(0, 11), Duration::ZERO);
        assert_eq!(full_jitter(3, 80), Duration::from_millis(80));
        for attempt in [0, 1, 5, 31, 32, 63, 64, u32::MAX] {
            for random in [0, 1, 12_345, u64::MAX] {
                assert!(
                    full_jitter(attempt, random) <= MAX_DELAY,
                    "{attempt} {random}"
                );
            }
        }
        // Bounded in all: a conflicting transaction gives up in well under the operation timeout.
        assert!(
            worst_case_wait() < Duration::from_secs(2),
            "{:?}",
            worst_case_wait()
        );
    }
}
