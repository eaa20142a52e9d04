//! Doudian tokens as the gateway hands them out (doudian-facts §3): authorization codes (10
//! minutes, single use), access_tokens (7 days) and refresh_tokens (14 days), and the refresh
//! rule of §3.4:
//!
//! - more than an hour before the access_token expires, a refresh answers the same tokens,
//!   their lifetimes unchanged;
//! - within its last hour, new tokens, and the old access_token and refresh_token work one
//!   more hour from the refresh (a second refresh with the old refresh_token in that hour
//!   answers the new pair again);
//! - after it expired, new tokens, and the old ones stop at once.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use douyin_alliance::endpoint::Authority;

use super::GatewayError;

/// Lifetime of an access_token.
pub(crate) const ACCESS_LIFETIME: Duration = Duration::from_secs(7 * 86_400);
/// Lifetime of a refresh_token.
pub(crate) const REFRESH_LIFETIME: Duration = Duration::from_secs(14 * 86_400);
/// The last hour of an access_token, in which a refresh makes new tokens; also how long the
/// old ones then keep working.
pub(crate) const REFRESH_WINDOW: Duration = Duration::from_secs(3600);

/// `auth_subject_type` values of `token.create` and the authority each grants (doudian-facts
/// §3.1); a shop is authorized by `shop_id`, a creator only through an authorization code.
pub(crate) const SUBJECT_TYPES: &[(&str, Authority)] =
    &[("Colonel", Authority::Colonel), ("MCN", Authority::Institution), ("DouKe", Authority::Douke)];

/// Who authorized the app, as a token stands for it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Grant {
    /// The kind of authority.
    pub authority: Authority,
    /// The subject's id (`authority_id`).
    pub authority_id: String,
    /// The shop's id and name, for a shop.
    pub shop: Option<(u64, String)>,
}

impl Grant {
    /// A grant of `authority`, with a fresh subject id.
    pub(crate) fn fresh(authority: Authority) -> Self {
        let id = 7_000_000_000_000_000_000 + rand::random::<u64>() % 1_000_000_000_000_000_000;
        match authority {
            Authority::Shop => Grant::shop(id % 100_000_000),
            _ => Grant { authority, authority_id: id.to_string(), shop: None },
        }
    }

    /// A shop's grant.
    pub(crate) fn shop(shop_id: u64) -> Self {
        Grant {
            authority: Authority::Shop,
            authority_id: shop_id.to_string(),
            shop: Some((shop_id, format!("沙盒店铺{shop_id}"))),
        }
    }

    /// The `auth_subject_type` the answers carry: the spelling of [`SUBJECT_TYPES`], empty for
    /// a shop or a creator (the platform's value for those is not documented).
    pub(crate) fn subject_type(&self) -> &'static str {
        SUBJECT_TYPES.iter().find(|(_, a)| *a == self.authority).map_or("", |(t, _)| t)
    }
}

/// Tokens as `token.create` / `token.refresh` answer them.
#[derive(Debug, Clone)]
pub(crate) struct Issued {
    pub access_token: String,
    /// Seconds the access_token has left.
    pub expires_in: u64,
    pub refresh_token: String,
    pub grant: Grant,
}

/// How a replaced token ends.
#[derive(Debug, Clone, Copy)]
struct Replaced {
    /// Until when it still works.
    until: Instant,
    /// Replaced by a refresh after its access_token expired: it stopped at once.
    at_once: bool,
}

struct CodeEntry {
    grant: Grant,
    expires_at: Instant,
    used: bool,
}

struct AccessEntry {
    grant: Grant,
    expires_at: Instant,
    replaced: Option<Replaced>,
}

struct RefreshEntry {
    access_token: String,
    expires_at: Instant,
    /// The refresh_token that replaced it, and how it ends.
    replaced: Option<(String, Replaced)>,
}

/// Every Doudian code and token the sandbox issued.
#[derive(Default)]
pub(crate) struct DoudianAuthState {
    codes: HashMap<String, CodeEntry>,
    access: HashMap<String, AccessEntry>,
    refresh: HashMap<String, RefreshEntry>,
}

fn random_token(prefix: &str) -> String {
    format!("{prefix}{:032x}", rand::random::<u128>())
}

/// Whole seconds from `now` to `at`, rounded to the nearest second.
fn remaining(at: Instant, now: Instant) -> u64 {
    u64::try_from((at.saturating_duration_since(now).as_millis() + 500) / 1000).unwrap_or(u64::MAX)
}

impl DoudianAuthState {
    /// An authorization code for `grant`, valid `lifetime`, as if the subject had authorized
    /// the app.
    pub(crate) fn mint_code(&mut self, grant: Grant, now: Instant, lifetime: Duration) -> String {
        self.codes.retain(|_, c| c.expires_at > now && !c.used);
        let code = random_token("ddc.");
        self.codes.insert(code.clone(), CodeEntry { grant, expires_at: now + lifetime, used: false });
        code
    }

    /// Exchanges a code (once) for tokens.
    pub(crate) fn exchange_code(&mut self, code: &str, now: Instant) -> Result<Issued, GatewayError> {
        let Some(entry) = self.codes.get_mut(code) else {
            return Err(GatewayError::token_generate(
                "code-invalid",
                format!("code无效: the sandbox never issued the code `{code}`"),
            ));
        };
        if entry.used {
            return Err(GatewayError::token_generate("code-invalid", "code无效: the code was already used"));
        }
        if entry.expires_at <= now {
            return Err(GatewayError::token_generate(
                "code-expired",
                "code已过期: a code works for 10 minutes (code有效期10分钟)",
            ));
        }
        entry.used = true;
        let grant = entry.grant.clone();
        Ok(self.issue(grant, now))
    }

    /// New tokens for `grant`.
    pub(crate) fn issue(&mut self, grant: Grant, now: Instant) -> Issued {
        let access_token = random_token("dda.");
        let refresh_token = random_token("ddr.");
        self.access.insert(
            access_token.clone(),
            AccessEntry { grant: grant.clone(), expires_at: now + ACCESS_LIFETIME, replaced: None },
        );
        self.refresh.insert(
            refresh_token.clone(),
            RefreshEntry {
                access_token: access_token.clone(),
                expires_at: now + REFRESH_LIFETIME,
                replaced: None,
            },
        );
        Issued { access_token, expires_in: ACCESS_LIFETIME.as_secs(), refresh_token, grant }
    }

    /// `token.refresh` by the rule of the module doc.
    pub(crate) fn refresh(&mut self, refresh_token: &str, now: Instant) -> Result<Issued, GatewayError> {
        // A refresh_token replaced within its hour stands for the one that replaced it.
        let mut current = refresh_token.to_string();
        let entry = loop {
            let Some(entry) = self.refresh.get(&current) else {
                return Err(GatewayError::token_generate(
                    "token-invalid",
                    "token不存在: the sandbox never issued this refresh_token",
                ));
            };
            match &entry.replaced {
                None if entry.expires_at <= now => {
                    return Err(GatewayError::token_generate(
                        "token-expired",
                        "生成token失败，token已过期: a refresh_token lives 14 days",
                    ))
                }
                None => break entry,
                Some((_, r)) if r.at_once => {
                    return Err(GatewayError::token_generate(
                        "token-invalid",
                        "token不存在: a refresh after the access_token expired replaced this refresh_token",
                    ))
                }
                Some((_, r)) if r.until <= now => return Err(GatewayError::token_generate(
                    "token-expired",
                    "生成token失败，token已过期: a refresh replaced this refresh_token more than an hour ago",
                )),
                Some((next, _)) => current = next.clone(),
            }
        };
        let old_access = entry.access_token.clone();
        let Some(access) = self.access.get_mut(&old_access) else {
            return Err(GatewayError::token_generate(
                "token-invalid",
                "token不存在: its access_token is gone",
            ));
        };
        let left = access.expires_at.saturating_duration_since(now);
        if left > REFRESH_WINDOW {
            return Ok(Issued {
                access_token: old_access,
                expires_in: remaining(access.expires_at, now),
                refresh_token: current,
                grant: access.grant.clone(),
            });
        }
        let replaced = if left.is_zero() {
            Replaced { until: now, at_once: true }
        } else {
            Replaced { until: now + REFRESH_WINDOW, at_once: false }
        };
        access.replaced = Some(replaced);
        let grant = access.grant.clone();
        let issued = self.issue(grant, now);
        if let Some(e) = self.refresh.get_mut(&current) {
            e.replaced = Some((issued.refresh_token.clone(), replaced));
        }
        Ok(issued)
    }

    /// The grant of a call's access_token: present (`40001 isv.access-token-missing`), issued by
    /// the sandbox (`40003 isv.access-token-no-existed`) and still working
    /// (`40003 isv.access-token-expired`).
    pub(crate) fn check_access(&self, token: Option<&str>, now: Instant) -> Result<Grant, GatewayError> {
        let Some(token) = token.filter(|t| !t.is_empty()) else {
            return Err(GatewayError::missing(
                "isv.access-token-missing",
                "缺少access_token: this method acts for an authority; send its access_token",
            ));
        };
        let Some(entry) = self.access.get(token) else {
            return Err(GatewayError::invalid(
                "isv.access-token-no-existed",
                "access_token不存在，请使用最新的access_token: the sandbox never issued it",
            ));
        };
        match entry.replaced {
            Some(r) if r.at_once => Err(GatewayError::invalid(
                "isv.access-token-no-existed",
                "access_token不存在，请使用最新的access_token: a refresh after it expired replaced it",
            )),
            Some(r) if r.until <= now => Err(GatewayError::invalid(
                "isv.access-token-expired",
                "access_token已过期: a refresh replaced it more than an hour ago",
            )),
            Some(_) => Ok(entry.grant.clone()),
            None if entry.expires_at <= now => Err(GatewayError::invalid(
                "isv.access-token-expired",
                "access_token已过期: an access_token lives 7 days; refresh it",
            )),
            None => Ok(entry.grant.clone()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const HOUR: Duration = Duration::from_secs(3600);

    fn sub(e: GatewayError) -> String {
        e.sub_code
    }

    #[test]
    fn codes_work_once_and_for_ten_minutes() {
        let (mut s, t0) = (DoudianAuthState::default(), Instant::now());
        let ten = Duration::from_secs(600);
        let code = s.mint_code(Grant::fresh(Authority::Kol), t0, ten);
        let t = s.exchange_code(&code, t0).unwrap();
        assert_eq!((t.grant.authority, t.expires_in), (Authority::Kol, 7 * 86_400));
        assert_eq!(sub(s.exchange_code(&code, t0).unwrap_err()), "dop.token-generate-failed:code-invalid");
        assert_eq!(sub(s.exchange_code("nope", t0).unwrap_err()), "dop.token-generate-failed:code-invalid");
        let late = s.mint_code(Grant::fresh(Authority::Colonel), t0, ten);
        let err = s.exchange_code(&late, t0 + ten).unwrap_err();
        assert_eq!(sub(err), "dop.token-generate-failed:code-expired");
    }

    #[test]
    fn an_early_refresh_answers_the_same_tokens() {
        let (mut s, t0) = (DoudianAuthState::default(), Instant::now());
        let t = s.issue(Grant::shop(42), t0);
        let r = s.refresh(&t.refresh_token, t0 + Duration::from_secs(86_400)).unwrap();
        assert_eq!((&r.access_token, &r.refresh_token), (&t.access_token, &t.refresh_token));
        assert_eq!(r.expires_in, 6 * 86_400);
        assert_eq!(
            s.check_access(Some(&t.access_token), t0 + ACCESS_LIFETIME).map_err(sub).unwrap_err(),
            "isv.access-token-expired"
        );
    }

    #[test]
    fn a_refresh_in_the_last_hour_leaves_the_old_tokens_an_hour() {
        let (mut s, t0) = (DoudianAuthState::default(), Instant::now());
        let t = s.issue(Grant::fresh(Authority::Douke), t0);
        let at = t0 + ACCESS_LIFETIME - HOUR / 2;
        let r = s.refresh(&t.refresh_token, at).unwrap();
        assert_ne!(r.access_token, t.access_token);
        assert_ne!(r.refresh_token, t.refresh_token);
        assert_eq!(r.expires_in, 7 * 86_400);
        // The old access_token outlives its own expiry by the hour of grace.
        assert!(s.check_access(Some(&t.access_token), at + HOUR - Duration::from_secs(1)).is_ok());
        assert_eq!(
            sub(s.check_access(Some(&t.access_token), at + HOUR).unwrap_err()),
            "isv.access-token-expired"
        );
        // The old refresh_token, within the hour, answers the new pair again; after it, nothing.
        let again = s.refresh(&t.refresh_token, at + HOUR / 2).unwrap();
        assert_eq!((again.access_token, again.refresh_token), (r.access_token.clone(), r.refresh_token));
        let err = s.refresh(&t.refresh_token, at + HOUR).unwrap_err();
        assert_eq!(sub(err), "dop.token-generate-failed:token-expired");
        assert!(s.check_access(Some(&r.access_token), at + HOUR).is_ok());
    }

    #[test]
    fn a_refresh_after_expiry_stops_the_old_tokens_at_once() {
        let (mut s, t0) = (DoudianAuthState::default(), Instant::now());
        let t = s.issue(Grant::fresh(Authority::Institution), t0);
        let at = t0 + ACCESS_LIFETIME + HOUR;
        let r = s.refresh(&t.refresh_token, at).unwrap();
        assert_ne!(r.access_token, t.access_token);
        assert_eq!(
            sub(s.check_access(Some(&t.access_token), at).unwrap_err()),
            "isv.access-token-no-existed"
        );
        assert_eq!(
            sub(s.refresh(&t.refresh_token, at).unwrap_err()),
            "dop.token-generate-failed:token-invalid"
        );
        assert_eq!(s.check_access(Some(&r.access_token), at).unwrap().authority, Authority::Institution);
        // A refresh_token lives 14 days.
        let err = s.refresh(&r.refresh_token, at + REFRESH_LIFETIME).unwrap_err();
        assert_eq!(sub(err), "dop.token-generate-failed:token-expired");
        assert_eq!(sub(s.check_access(None, at).unwrap_err()), "isv.access-token-missing");
        assert_eq!(sub(s.check_access(Some("dda.nope"), at).unwrap_err()), "isv.access-token-no-existed");
    }
}
