//! Retry policy: exponential backoff with full jitter, bounded in attempts and total time.

use std::time::Duration;

/// When and how often a failed call is repeated.
///
/// Only calls the spec marks `retry_safe` are retried, and only for errors that
/// [`crate::Error::is_retryable`] accepts. A request that certainly never left the machine
/// (connection refused) may be sent again even when it is a mutation.
///
/// ```
/// use std::time::Duration;
/// use douyin_alliance::RetryPolicy;
/// let p = RetryPolicy::default().max_attempts(5).initial_backoff(Duration::from_millis(50));
/// assert_eq!(p.get_max_attempts(), 5);
/// assert_eq!(RetryPolicy::disabled().get_max_attempts(), 1);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    max_attempts: u32,
    initial_backoff: Duration,
    max_backoff: Duration,
    max_elapsed: Duration,
}

impl Default for RetryPolicy {
    /// 3 attempts, backoff from 200 ms doubling up to 5 s, at most 30 s in all.
    fn default() -> Self {
        RetryPolicy {
            max_attempts: 3,
            initial_backoff: Duration::from_millis(200),
            max_backoff: Duration::from_secs(5),
            max_elapsed: Duration::from_secs(30),
        }
    }
}

impl RetryPolicy {
    /// No retries: every call is sent once.
    pub fn disabled() -> Self {
        RetryPolicy { max_attempts: 1, ..Self::default() }
    }

    /// Attempts in all, the first included (at least 1).
    pub fn max_attempts(mut self, n: u32) -> Self {
        self.max_attempts = n.max(1);
        self
    }

    /// Backoff before the first retry.
    pub fn initial_backoff(mut self, d: Duration) -> Self {
        self.initial_backoff = d;
        self
    }

    /// Largest backoff between two attempts.
    pub fn max_backoff(mut self, d: Duration) -> Self {
        self.max_backoff = d;
        self
    }

    /// No retry starts after this much time since the first attempt.
    pub fn max_elapsed(mut self, d: Duration) -> Self {
        self.max_elapsed = d;
        self
    }

    /// Attempts in all.
    pub fn get_max_attempts(&self) -> u32 {
        self.max_attempts
    }

    /// The total time budget.
    pub fn get_max_elapsed(&self) -> Duration {
        self.max_elapsed
    }

    /// The pause before attempt `attempt + 1` (1-based `attempt` just failed): a random
    /// duration up to `initial * 2^(attempt-1)`, capped at `max_backoff` ("full jitter").
    pub fn backoff(&self, attempt: u32) -> Duration {
        let exp = self.initial_backoff.saturating_mul(2u32.saturating_pow(attempt.saturating_sub(1)));
        let cap = exp.min(self.max_backoff);
        let nanos = u64::try_from(cap.as_nanos()).unwrap_or(u64::MAX);
        if nanos == 0 {
            return Duration::ZERO;
        }
        // Half fixed, half random: never a zero pause, never more than the cap.
        let half = nanos / 2;
        Duration::from_nanos(half + rand::random_range(0..=nanos - half))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_grows_and_is_capped() {
        let p = RetryPolicy::default()
            .initial_backoff(Duration::from_millis(100))
            .max_backoff(Duration::from_millis(300));
        for _ in 0..100 {
            let b1 = p.backoff(1);
            assert!(b1 >= Duration::from_millis(50) && b1 <= Duration::from_millis(100));
            let b5 = p.backoff(5);
            assert!(b5 >= Duration::from_millis(150) && b5 <= Duration::from_millis(300));
        }
    }
}
