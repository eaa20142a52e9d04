//! A replica, for the multi-process Doudian session test: resumes one authority's session from
//! a Redis token store and asks for its credential from CALLS concurrent callers, then prints
//! `token <access_token>` once per caller and exits 0 when every caller got one.
//!
//! Usage: doudian_worker <gateway base> <redis_url> <key_prefix> <authority_id> <calls>
//! The app_key is `e2e_tests::DOUDIAN_APP_KEY`; the app_secret is read from
//! DOUDIAN_WORKER_SECRET (kept out of the process list).

use std::sync::Arc;
use std::time::Duration;

use douyin_alliance::auth::redis::RedisTokenStore;
use douyin_alliance::auth::DoudianSession;
use douyin_alliance::endpoint::{Authority, Server};
use douyin_alliance::Client;

const USAGE: &str = "usage: doudian_worker <gateway_base> <redis_url> <key_prefix> <authority_id> <calls>";

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [gateway, redis_url, prefix, authority_id, calls] = args.as_slice() else {
        eprintln!("{USAGE}");
        return std::process::ExitCode::from(2);
    };
    let Ok(n) = calls.parse::<usize>() else {
        eprintln!("{USAGE}");
        return std::process::ExitCode::from(2);
    };
    let secret = std::env::var("DOUDIAN_WORKER_SECRET").unwrap_or_default();
    let store = match RedisTokenStore::open(redis_url) {
        Ok(s) => s.prefix(prefix.clone()),
        Err(e) => {
            eprintln!("{e}");
            return std::process::ExitCode::from(2);
        }
    };
    let client = Client::builder()
        .doudian_credentials(e2e_tests::DOUDIAN_APP_KEY, secret)
        .base_url(Server::Doudian, gateway.clone())
        .token_store(Arc::new(store))
        .token_lock(Duration::from_secs(5), Duration::from_millis(20))
        .build();
    let client = match client {
        Ok(c) => c,
        Err(e) => {
            eprintln!("{e}");
            return std::process::ExitCode::from(2);
        }
    };
    // All spawned before any is awaited, so they run at once.
    let callers: Vec<_> = (0..n.max(1))
        .map(|_| {
            let session = DoudianSession::resume(&client, Authority::Institution, authority_id);
            tokio::spawn(async move { session.auth().await })
        })
        .collect();
    let mut failed = 0;
    for caller in callers {
        match caller.await {
            Ok(Ok(auth)) => println!("token {}", auth.access_token.expose()),
            Ok(Err(e)) => {
                eprintln!("{e}");
                failed += 1;
            }
            Err(e) => {
                eprintln!("caller panicked: {e}");
                failed += 1;
            }
        }
    }
    if failed == 0 {
        std::process::ExitCode::SUCCESS
    } else {
        std::process::ExitCode::FAILURE
    }
}
