//! A replica, for the multi-process Doudian session test: resumes one authority's session from
//! a Redis token store and asks for its credential from CALLS concurrent callers, then prints
//! `token <access_token>` once per caller and exits 0 when every caller got one.
//!
//! Usage: doudian_worker <gateway base> <store_url> <key_prefix> <authority_id> <calls>
//! The store is Redis (`redis://…`, keys under the prefix) or SQL (`postgres://…`, `sqlite://…`,
//! tables under the prefix, tokens sealed with the key in DOUDIAN_WORKER_STORE_KEY, 64 hex digits).
//! The app_key is `e2e_tests::DOUDIAN_APP_KEY`; the app_secret is read from
//! DOUDIAN_WORKER_SECRET (kept out of the process list).

use std::sync::Arc;
use std::time::Duration;

use douyin_alliance::auth::redis::RedisTokenStore;
use douyin_alliance::auth::DoudianSession;
use douyin_alliance::endpoint::{Authority, Server};
use douyin_alliance::Client;

const USAGE: &str = "usage: doudian_worker <gateway_base> <store_url> <key_prefix> <authority_id> <calls>";

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [gateway, store_url, prefix, authority_id, calls] = args.as_slice() else {
        eprintln!("{USAGE}");
        return std::process::ExitCode::from(2);
    };
    let Ok(n) = calls.parse::<usize>() else {
        eprintln!("{USAGE}");
        return std::process::ExitCode::from(2);
    };
    let secret = std::env::var("DOUDIAN_WORKER_SECRET").unwrap_or_default();
    let store: Arc<dyn douyin_alliance::TokenStore> = if store_url.starts_with("redis") {
        match RedisTokenStore::open(store_url) {
            Ok(s) => Arc::new(s.prefix(prefix.clone())),
            Err(e) => {
                eprintln!("{e}");
                return std::process::ExitCode::from(2);
            }
        }
    } else {
        let hex = std::env::var("DOUDIAN_WORKER_STORE_KEY").unwrap_or_default();
        let mut key = [0u8; 32];
        for (i, b) in key.iter_mut().enumerate() {
            *b = hex.get(i * 2..i * 2 + 2).and_then(|h| u8::from_str_radix(h, 16).ok()).unwrap_or(0);
        }
        let key = douyin_alliance_sql::EncryptionKey::from_bytes(key);
        match douyin_alliance_sql::SqlTokenStore::connect_with_prefix(store_url, key, prefix).await {
            Ok(s) => Arc::new(s),
            Err(e) => {
                eprintln!("{e}");
                return std::process::ExitCode::from(2);
            }
        }
    };
    let client = Client::builder()
        .doudian_credentials(e2e_tests::DOUDIAN_APP_KEY, secret)
        .base_url(Server::Doudian, gateway.clone())
        .token_store(store)
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
