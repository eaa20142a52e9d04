//! A replica, for the multi-process token tests: makes `CONCURRENCY` concurrent app-level calls
//! with a Redis token store and exits 0 when every call succeeded.
//!
//! Usage: token_worker <base_url> <redis_url> <key_prefix> <concurrency> [lock_ttl_ms]

use std::sync::Arc;
use std::time::Duration;

use douyin_alliance::auth::redis::RedisTokenStore;
use douyin_alliance::endpoint::Server;
use douyin_alliance::{Client, MaterialsProductCategoryRequest};

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [base, redis_url, prefix, concurrency, rest @ ..] = args.as_slice() else {
        eprintln!("usage: token_worker <base_url> <redis_url> <key_prefix> <concurrency> [lock_ttl_ms]");
        return std::process::ExitCode::from(2);
    };
    let n: usize = concurrency.parse().unwrap_or(1);
    let lock_ttl =
        rest.first().and_then(|s| s.parse().ok()).map_or(Duration::from_secs(10), Duration::from_millis);
    let store = match RedisTokenStore::open(redis_url) {
        Ok(s) => s.prefix(prefix.clone()),
        Err(e) => {
            eprintln!("{e}");
            return std::process::ExitCode::from(2);
        }
    };
    let mut builder = Client::builder()
        .credentials("test_client_key", "test_client_secret")
        .token_store(Arc::new(store))
        .token_lock(lock_ttl, Duration::from_millis(20));
    for s in Server::ALL {
        builder = builder.base_url(s, base.clone());
    }
    let client = match builder.build() {
        Ok(c) => c,
        Err(e) => {
            eprintln!("{e}");
            return std::process::ExitCode::from(2);
        }
    };
    let calls = (0..n).map(|_| {
        let c = client.clone();
        tokio::spawn(
            async move { c.materials_product_category(&MaterialsProductCategoryRequest::new(0)).await },
        )
    });
    let mut failed = 0;
    for call in calls.collect::<Vec<_>>() {
        match call.await {
            Ok(Ok(_)) => {}
            Ok(Err(e)) => {
                eprintln!("call failed: {e:#}");
                failed += 1;
            }
            Err(e) => {
                eprintln!("task failed: {e}");
                failed += 1;
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
