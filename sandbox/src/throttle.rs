//! The platform's rate limits, played: a per-app and per-endpoint ceiling of requests per
//! second (a sliding one-second window) that answers 28003018 ("request frequency too high")
//! past it, and counts what it refused.

use std::collections::{HashMap, VecDeque};
use std::time::{Duration, Instant};

use douyin_alliance::KnownCode;

use crate::auth::Denied;

/// Requests per second allowed per app and per endpoint.
#[derive(Debug, Clone, Default)]
pub(crate) struct Limits {
    pub(crate) app: Option<u32>,
    pub(crate) endpoints: HashMap<String, u32>,
}

/// The recent requests of each scope, and how many were refused.
#[derive(Debug, Default)]
pub(crate) struct Throttle {
    recent: HashMap<String, VecDeque<Instant>>,
    refused: HashMap<String, usize>,
}

const WINDOW: Duration = Duration::from_secs(1);

impl Throttle {
    /// Admits one request of `endpoint` at `now`, or refuses it with 28003018.
    pub(crate) fn admit(&mut self, limits: &Limits, endpoint: &str, now: Instant) -> Result<(), Denied> {
        let scopes = [("app", limits.app), (endpoint, limits.endpoints.get(endpoint).copied())];
        for (scope, max) in scopes {
            let Some(max) = max else { continue };
            let recent = self.recent.entry(scope.to_string()).or_default();
            while recent.front().is_some_and(|t| now.saturating_duration_since(*t) >= WINDOW) {
                recent.pop_front();
            }
            if recent.len() >= max as usize {
                *self.refused.entry(endpoint.to_string()).or_default() += 1;
                return Err(Denied::new(
                    KnownCode::TooFrequent,
                    format!("请求频率过高: more than {max} requests per second ({scope})"),
                ));
            }
        }
        for (scope, max) in scopes {
            if max.is_some() {
                self.recent.entry(scope.to_string()).or_default().push_back(now);
            }
        }
        Ok(())
    }

    /// How many requests of `endpoint` were refused.
    pub(crate) fn refused(&self, endpoint: &str) -> usize {
        self.refused.get(endpoint).copied().unwrap_or(0)
    }
}
