//! Credentials as the platform handles them (api-facts §4): the app's client_tokens with their
//! grace rule and rate limit, and the user OAuth flow (code, access_token, refresh_token,
//! renewals). Every refusal carries the platform's code.

use std::collections::{HashMap, VecDeque};
use std::time::{Duration, Instant};

use douyin_alliance::KnownCode;

use crate::config::SandboxConfig;

/// A refusal: the platform's code and a description.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Denied {
    pub code: i64,
    pub description: String,
}

impl Denied {
    pub(crate) fn new(code: KnownCode, description: impl Into<String>) -> Self {
        Denied { code: code.code(), description: description.into() }
    }
}

/// A user's tokens as the code exchange and refresh return them.
#[derive(Debug, Clone)]
pub(crate) struct UserTokens {
    pub access_token: String,
    pub expires_in: u64,
    pub refresh_token: String,
    pub refresh_expires_in: u64,
    pub open_id: String,
    pub scope: String,
}

struct ClientTokenEntry {
    token: String,
    expires_at: Instant,
    /// Set once a newer token exists: the end of the grace period.
    dies_at: Option<Instant>,
}

struct CodeEntry {
    open_id: String,
    scope: String,
    expires_at: Instant,
    used: bool,
}

struct AccessEntry {
    open_id: String,
    /// The granted scopes, comma-separated.
    scope: String,
    expires_at: Instant,
}

struct RefreshEntry {
    open_id: String,
    scope: String,
    expires_at: Instant,
    renewals: u32,
    access_token: String,
    alive: bool,
}

/// Every credential the sandbox issued.
#[derive(Default)]
pub(crate) struct AuthState {
    client_tokens: Vec<ClientTokenEntry>,
    client_token_calls: VecDeque<Instant>,
    codes: HashMap<String, CodeEntry>,
    access_tokens: HashMap<String, AccessEntry>,
    refresh_tokens: HashMap<String, RefreshEntry>,
}

fn random_token(prefix: &str) -> String {
    format!("{prefix}{:032x}", rand::random::<u128>())
}

fn secs(d: Duration) -> u64 {
    d.as_secs()
}

/// Whole seconds from `now` to `at`, rounded to the nearest second.
fn remaining(at: Instant, now: Instant) -> u64 {
    u64::try_from((at.saturating_duration_since(now).as_millis() + 500) / 1000).unwrap_or(u64::MAX)
}

impl AuthState {
    /// Issues a client_token, unless the endpoint's rate limit is exceeded (10020). The previous
    /// token keeps working for the grace period; older ones die now.
    pub(crate) fn issue_client_token(
        &mut self,
        now: Instant,
        cfg: &SandboxConfig,
    ) -> Result<(String, u64), Denied> {
        if let Some((max, window)) = cfg.client_token_rate_limit {
            while self.client_token_calls.front().is_some_and(|t| now.saturating_duration_since(*t) >= window)
            {
                self.client_token_calls.pop_front();
            }
            self.client_token_calls.push_back(now);
            if self.client_token_calls.len() > max {
                return Err(Denied::new(
                    KnownCode::RenewLimitOrTooFrequent,
                    format!("client_token requested more than {max} times in {}s", window.as_secs()),
                ));
            }
        }
        let n = self.client_tokens.len();
        for (i, t) in self.client_tokens.iter_mut().enumerate() {
            let end = if i + 1 == n { now + cfg.client_token_grace } else { now };
            t.dies_at = Some(t.dies_at.map_or(end, |d| d.min(end)));
        }
        // Forget tokens that can no longer work.
        self.client_tokens.retain(|t| t.dies_at.is_none_or(|d| d > now) && t.expires_at > now);
        let token = random_token("clt.");
        self.client_tokens.push(ClientTokenEntry {
            token: token.clone(),
            expires_at: now + cfg.client_token_lifetime,
            dies_at: None,
        });
        Ok((token, secs(cfg.client_token_lifetime)))
    }

    /// The current client_token while it is valid and no newer one exists, else a new one
    /// (`/oauth/stable_client_token/`).
    pub(crate) fn stable_client_token(
        &mut self,
        now: Instant,
        cfg: &SandboxConfig,
    ) -> Result<(String, u64), Denied> {
        match self.client_tokens.last().filter(|t| t.dies_at.is_none() && t.expires_at > now) {
            Some(t) => Ok((t.token.clone(), secs(t.expires_at.saturating_duration_since(now)))),
            None => self.issue_client_token(now, cfg),
        }
    }

    /// Checks the `access-token` of an app-level call.
    pub(crate) fn check_client_token(&self, token: Option<&str>, now: Instant) -> Result<(), Denied> {
        let Some(token) = token.filter(|t| !t.is_empty()) else {
            return Err(Denied::new(
                KnownCode::AccessTokenInvalid,
                "the access-token header (client_token) is missing",
            ));
        };
        let Some(entry) = self.client_tokens.iter().find(|t| t.token == token) else {
            return Err(if self.access_tokens.contains_key(token) {
                Denied::new(
                    KnownCode::AccessTokenInvalid,
                    "a user access_token was sent; this endpoint needs the app's client_token",
                )
            } else {
                Denied::new(KnownCode::AccessTokenInvalid, "client_token invalid")
            });
        };
        if entry.expires_at <= now {
            return Err(Denied::new(KnownCode::AccessTokenExpired, "client_token expired"));
        }
        if entry.dies_at.is_some_and(|d| d <= now) {
            return Err(Denied::new(KnownCode::AccessTokenInvalid, "client_token replaced by a newer one"));
        }
        Ok(())
    }

    /// An authorization code for `open_id`, as if the user had authorized the app.
    pub(crate) fn authorize(
        &mut self,
        open_id: &str,
        scope: &str,
        now: Instant,
        cfg: &SandboxConfig,
    ) -> String {
        self.codes.retain(|_, c| c.expires_at > now && !c.used);
        let code = format!("{:032x}", rand::random::<u128>());
        self.codes.insert(
            code.clone(),
            CodeEntry {
                open_id: open_id.to_string(),
                scope: scope.to_string(),
                expires_at: now + cfg.code_lifetime,
                used: false,
            },
        );
        code
    }

    /// Exchanges an authorization code (once) for an access_token and a refresh_token.
    pub(crate) fn exchange_code(
        &mut self,
        code: &str,
        now: Instant,
        cfg: &SandboxConfig,
    ) -> Result<UserTokens, Denied> {
        let expired =
            |why: &str| Denied::new(KnownCode::AuthorizationCodeExpired, format!("authorization code {why}"));
        let Some(entry) = self.codes.get_mut(code) else {
            return Err(expired("invalid"));
        };
        if entry.used {
            return Err(expired("already used"));
        }
        if entry.expires_at <= now {
            return Err(expired("expired"));
        }
        entry.used = true;
        let (open_id, scope) = (entry.open_id.clone(), entry.scope.clone());
        let access_token = random_token("act.");
        let refresh_token = random_token("rft.");
        self.access_tokens.insert(
            access_token.clone(),
            AccessEntry {
                open_id: open_id.clone(),
                scope: scope.clone(),
                expires_at: now + cfg.access_token_lifetime,
            },
        );
        self.refresh_tokens.insert(
            refresh_token.clone(),
            RefreshEntry {
                open_id: open_id.clone(),
                scope: scope.clone(),
                expires_at: now + cfg.refresh_token_lifetime,
                renewals: 0,
                access_token: access_token.clone(),
                alive: true,
            },
        );
        Ok(UserTokens {
            access_token,
            expires_in: secs(cfg.access_token_lifetime),
            refresh_token,
            refresh_expires_in: secs(cfg.refresh_token_lifetime),
            open_id,
            scope,
        })
    }

    fn live_refresh(&mut self, refresh_token: &str, now: Instant) -> Result<&mut RefreshEntry, Denied> {
        match self.refresh_tokens.get_mut(refresh_token) {
            Some(e) if e.alive && e.expires_at > now => Ok(e),
            Some(e) if e.alive => Err(Denied::new(
                KnownCode::RefreshTokenExpired,
                "refresh_token expired; the user must authorize again",
            )),
            Some(_) => Err(Denied::new(
                KnownCode::RefreshTokenExpired,
                "refresh_token was renewed and no longer works",
            )),
            None => Err(Denied::new(KnownCode::RefreshTokenExpired, "refresh_token invalid")),
        }
    }

    /// Extends the user's access_token: the same string if it is still valid, a new one
    /// otherwise. The refresh_token's expiry does not change.
    pub(crate) fn refresh(
        &mut self,
        refresh_token: &str,
        now: Instant,
        cfg: &SandboxConfig,
    ) -> Result<UserTokens, Denied> {
        let entry = self.live_refresh(refresh_token, now)?;
        let (open_id, scope, old) = (entry.open_id.clone(), entry.scope.clone(), entry.access_token.clone());
        let refresh_expires_in = remaining(entry.expires_at, now);
        let new_expiry = now + cfg.access_token_lifetime;
        let access_token = match self.access_tokens.get_mut(&old) {
            Some(a) if a.expires_at > now => {
                a.expires_at = new_expiry;
                old
            }
            _ => {
                self.access_tokens.remove(&old);
                let t = random_token("act.");
                self.access_tokens.insert(
                    t.clone(),
                    AccessEntry { open_id: open_id.clone(), scope: scope.clone(), expires_at: new_expiry },
                );
                t
            }
        };
        if let Some(e) = self.refresh_tokens.get_mut(refresh_token) {
            e.access_token = access_token.clone();
        }
        Ok(UserTokens {
            access_token,
            expires_in: secs(cfg.access_token_lifetime),
            refresh_token: refresh_token.to_string(),
            refresh_expires_in,
            open_id,
            scope,
        })
    }

    /// A new refresh_token for another full lifetime; the old one dies. At most
    /// `max_renewals` per authorization (then 10020).
    pub(crate) fn renew(
        &mut self,
        refresh_token: &str,
        now: Instant,
        cfg: &SandboxConfig,
    ) -> Result<(String, u64), Denied> {
        let entry = self.live_refresh(refresh_token, now)?;
        if entry.renewals >= cfg.max_renewals {
            return Err(Denied::new(
                KnownCode::RenewLimitOrTooFrequent,
                format!(
                    "refresh_token renewed {} times already; the user must authorize again",
                    entry.renewals
                ),
            ));
        }
        entry.alive = false;
        let renewed = RefreshEntry {
            open_id: entry.open_id.clone(),
            scope: entry.scope.clone(),
            expires_at: now + cfg.refresh_token_lifetime,
            renewals: entry.renewals + 1,
            access_token: entry.access_token.clone(),
            alive: true,
        };
        let token = random_token("rft.");
        self.refresh_tokens.insert(token.clone(), renewed);
        Ok((token, secs(cfg.refresh_token_lifetime)))
    }

    /// Checks the `access-token` of a user call; with `open_id`, also that the token is that
    /// user's. Returns the token's open_id.
    pub(crate) fn check_user_token(
        &self,
        token: Option<&str>,
        open_id: Option<&str>,
        scope: Option<&str>,
        now: Instant,
    ) -> Result<String, Denied> {
        let Some(token) = token.filter(|t| !t.is_empty()) else {
            return Err(Denied::new(
                KnownCode::AccessTokenInvalid,
                "the access-token header (user access_token) is missing",
            ));
        };
        let Some(entry) = self.access_tokens.get(token) else {
            return Err(if self.client_tokens.iter().any(|t| t.token == token) {
                Denied::new(
                    KnownCode::AccessTokenInvalid,
                    "a client_token was sent; this endpoint needs the user's access_token",
                )
            } else {
                Denied::new(KnownCode::AccessTokenInvalid, "access_token invalid")
            });
        };
        if entry.expires_at <= now {
            return Err(Denied::new(
                KnownCode::AccessTokenExpired,
                "access_token expired; refresh it or authorize again",
            ));
        }
        if let Some(o) = open_id {
            if o != entry.open_id {
                return Err(Denied::new(
                    KnownCode::TokenOpenIdMismatch,
                    "access_token and open_id do not match",
                ));
            }
        }
        if let Some(s) = scope {
            if !entry.scope.split(',').any(|granted| granted.trim() == s) {
                return Err(Denied::new(
                    KnownCode::ScopeNotAuthorized,
                    format!("the user has not authorized the scope `{s}`"),
                ));
            }
        }
        Ok(entry.open_id.clone())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cfg() -> SandboxConfig {
        SandboxConfig::default()
    }

    #[test]
    fn a_new_client_token_leaves_the_previous_one_a_grace_period_and_kills_older_ones() {
        let (mut s, c, t0) = (AuthState::default(), cfg(), Instant::now());
        let (a, _) = s.issue_client_token(t0, &c).unwrap();
        let (b, _) = s.issue_client_token(t0, &c).unwrap();
        assert!(s.check_client_token(Some(&a), t0).is_ok());
        let later = t0 + Duration::from_secs(301);
        assert_eq!(s.check_client_token(Some(&a), later).unwrap_err().code, 10008);
        assert!(s.check_client_token(Some(&b), later).is_ok());
        let (_c2, _) = s.issue_client_token(t0, &c).unwrap();
        let (_d, _) = s.issue_client_token(t0, &c).unwrap();
        // b is now third newest: dead at once.
        assert_eq!(s.check_client_token(Some(&b), t0).unwrap_err().code, 10008);
        assert_eq!(
            s.check_client_token(Some(&_d), t0 + Duration::from_secs(7201)).unwrap_err().code,
            2190008
        );
    }

    #[test]
    fn the_client_token_endpoint_is_rate_limited() {
        let c = cfg().client_token_rate_limit(Some((2, Duration::from_secs(60))));
        let (mut s, t0) = (AuthState::default(), Instant::now());
        assert!(s.issue_client_token(t0, &c).is_ok());
        assert!(s.issue_client_token(t0, &c).is_ok());
        assert_eq!(s.issue_client_token(t0, &c).unwrap_err().code, 10020);
        assert!(s.issue_client_token(t0 + Duration::from_secs(61), &c).is_ok());
    }

    #[test]
    fn codes_work_once_and_refresh_keeps_a_live_token() {
        let (mut s, c, t0) = (AuthState::default(), cfg(), Instant::now());
        let code = s.authorize("u1", "user_info", t0, &c);
        let t = s.exchange_code(&code, t0, &c).unwrap();
        assert!(t.access_token.starts_with("act.") && t.refresh_token.starts_with("rft."));
        assert_eq!(s.exchange_code(&code, t0, &c).unwrap_err().code, 10007);
        let r = s.refresh(&t.refresh_token, t0 + Duration::from_secs(10), &c).unwrap();
        assert_eq!(r.access_token, t.access_token);
        assert_eq!(r.refresh_expires_in, 30 * 86_400 - 10);
        let late = t0 + Duration::from_secs(16 * 86_400);
        let r2 = s.refresh(&t.refresh_token, late, &c).unwrap();
        assert_ne!(r2.access_token, t.access_token);
        assert_eq!(s.check_user_token(Some(&r2.access_token), Some("u1"), None, late).unwrap(), "u1");
        assert_eq!(
            s.check_user_token(Some(&r2.access_token), Some("u2"), None, late).unwrap_err().code,
            2190015
        );
    }

    #[test]
    fn renewals_are_limited_and_kill_the_old_refresh_token() {
        let (mut s, c, t0) = (AuthState::default(), cfg(), Instant::now());
        let code = s.authorize("u1", "", t0, &c);
        let mut rt = s.exchange_code(&code, t0, &c).unwrap().refresh_token;
        for _ in 0..5 {
            let (next, _) = s.renew(&rt, t0, &c).unwrap();
            assert_eq!(s.renew(&rt, t0, &c).unwrap_err().code, 10010);
            rt = next;
        }
        assert_eq!(s.renew(&rt, t0, &c).unwrap_err().code, 10020);
        assert_eq!(s.renew(&rt, t0 + Duration::from_secs(31 * 86_400), &c).unwrap_err().code, 10010);
    }
}
