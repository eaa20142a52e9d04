//! A webhook receiver replica, for the fleet dedupe test: serves the axum receiver of
//! `douyin-alliance-axum` for the sandbox app on a free 127.0.0.1 port, deduplicating through
//! Redis, and prints `listening <addr>` once, then `handled <msg_id>` for each event it handles.
//!
//! Usage: webhook_worker <redis_url> <key_prefix>

use std::io::Write;
use std::sync::Arc;

use douyin_alliance::auth::redis::RedisTokenStore;
use douyin_alliance::types::Event;
use douyin_alliance::webhook::{Delivery, WebhookReceiver};
use douyin_sandbox::Sandbox;

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [redis_url, prefix] = args.as_slice() else {
        eprintln!("usage: webhook_worker <redis_url> <key_prefix>");
        return std::process::ExitCode::from(2);
    };
    let store = match RedisTokenStore::open(redis_url) {
        Ok(s) => s.prefix(prefix.clone()),
        Err(e) => {
            eprintln!("{e}");
            return std::process::ExitCode::from(2);
        }
    };
    let receiver =
        Arc::new(WebhookReceiver::new(Sandbox::CLIENT_KEY, Sandbox::CLIENT_SECRET).dedupe(Arc::new(store)));
    let app = douyin_alliance_axum::router(receiver, |d: Delivery<Event>| async move {
        println!("handled {}", d.msg_id.unwrap_or_default());
        let _ = std::io::stdout().flush();
        Ok::<(), String>(())
    });
    let listener = match tokio::net::TcpListener::bind("127.0.0.1:0").await {
        Ok(l) => l,
        Err(e) => {
            eprintln!("cannot listen: {e}");
            return std::process::ExitCode::from(2);
        }
    };
    match listener.local_addr() {
        Ok(addr) => println!("listening {addr}"),
        Err(e) => {
            eprintln!("{e}");
            return std::process::ExitCode::from(2);
        }
    }
    let _ = std::io::stdout().flush();
    match axum::serve(listener, app).await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("{e}");
            std::process::ExitCode::FAILURE
        }
    }
}
