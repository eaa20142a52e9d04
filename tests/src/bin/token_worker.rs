//! A replica, for the multi-process token tests: makes CALLS concurrent app-level calls with a
//! Redis token store and exits 0 when every call succeeded.
//!
//! Usage: token_worker <open.douyin.com base> <open.douyinec.com base> <redis_url> <key_prefix>
//!        <calls> <lock_ttl_ms> <client_key>
//! The client_secret is read from TOKEN_WORKER_SECRET (kept out of the process list).
//! With TOKEN_WORKER_RATE=N (and TOKEN_WORKER_REPLICAS=R), the calls share a limit of N per
//! second on their endpoint through the same Redis (each process falls back to N/R alone), and
//! run 8 at a time instead of all at once.

use std::sync::Arc;
use std::time::Duration;

use douyin_alliance::auth::redis::RedisTokenStore;
use douyin_alliance::endpoint::Server;
use douyin_alliance::limit::{RateLimit, RateLimits};
use douyin_alliance::types::MaterialsProductCategoryRequest;
use douyin_alliance::Client;

const USAGE: &str =
    "usage: token_worker <oauth_base> <api_base> <redis_url> <key_prefix> <calls> <lock_ttl_ms> <client_key>";

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [oauth, api, redis_url, prefix, calls, lock_ttl, client_key] = args.as_slice() else {
        eprintln!("{USAGE}");
        return std::process::ExitCode::from(2);
    };
    let (Ok(n), Ok(lock_ttl)) = (calls.parse::<usize>(), lock_ttl.parse::<u64>()) else {
        eprintln!("{USAGE}");
        return std::process::ExitCode::from(2);
    };
    let secret = std::env::var("TOKEN_WORKER_SECRET").unwrap_or_default();
    let store = match RedisTokenStore::open(redis_url) {
        Ok(s) => s.prefix(prefix.clone()),
        Err(e) => {
            eprintln!("{e}");
            return std::process::ExitCode::from(2);
        }
    };
    let rate: Option<u32> = std::env::var("TOKEN_WORKER_RATE").ok().and_then(|r| r.parse().ok());
    let replicas: f64 =
        std::env::var("TOKEN_WORKER_REPLICAS").ok().and_then(|r| r.parse().ok()).unwrap_or(1.0);
    let mut limits = RateLimits::new();
    if let Some(rate) = rate {
        let shared = match RedisTokenStore::open(redis_url) {
            Ok(s) => Arc::new(s.prefix(prefix.clone())),
            Err(e) => {
                eprintln!("{e}");
                return std::process::ExitCode::from(2);
            }
        };
        limits = limits
            .endpoint("materials_product_category", RateLimit::per_second(rate))
            .shared(shared, 1.0 / replicas.max(1.0));
    }
    let client = Client::builder()
        .rate_limits(limits)
        .credentials(client_key.clone(), secret)
        .base_url(Server::OpenDouyin, oauth.clone())
        .base_url(Server::OpenDouyinEc, api.clone())
        .token_store(Arc::new(store))
        .token_lock(Duration::from_millis(lock_ttl), Duration::from_millis(20))
        .build();
    let client = match client {
        Ok(c) => c,
        Err(e) => {
            eprintln!("{e}");
            return std::process::ExitCode::from(2);
        }
    };
    // All at once, or (rate-limited) 8 lanes of calls one after the other.
    let lanes = if rate.is_some() { 8.min(n.max(1)) } else { n.max(1) };
    let tasks: Vec<_> = (0..lanes)
        .map(|lane| {
            let c = client.clone();
            let count = n / lanes + usize::from(lane < n % lanes);
            tokio::spawn(async move {
                let mut failed = 0;
                for _ in 0..count {
                    if let Err(e) =
                        c.materials_product_category(&MaterialsProductCategoryRequest::new(0)).await
                    {
                        eprintln!("call failed: {e:#}");
                        failed += 1;
                    }
                }
                failed
            })
        })
        .collect();
    let mut failed = 0;
    for task in tasks {
        match task.await {
            Ok(f) => failed += f,
            Err(e) => {
                eprintln!("task failed: {e}");
                failed += n / lanes;
            }
        }
    }
    println!("ok={} failed={failed}", n - failed);
    if failed == 0 {
        std::process::ExitCode::SUCCESS
    } else {
        std::process::ExitCode::FAILURE
    }
}
