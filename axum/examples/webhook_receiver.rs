//! A webhook receiver for the alliance order push, run against the local sandbox in one command:
//!
//! ```text
//! cargo run -p douyin-alliance-axum --example webhook_receiver
//! ```
//!
//! It serves the receiver on a free 127.0.0.1 port, starts the sandbox with that URL (the
//! sandbox performs the `verify_webhook` handshake), creates orders in the sandbox and settles
//! one, and prints each typed order event as it arrives, with its exact 19-digit id.

use std::sync::Arc;
use std::time::Duration;

use douyin_alliance::types::Event;
use douyin_alliance::webhook::WebhookReceiver;
use douyin_sandbox::{Sandbox, SandboxConfig};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    // The app's receiver: the sandbox app's key and secret (its webhook pushes sign with them).
    let receiver = Arc::new(WebhookReceiver::new(Sandbox::CLIENT_KEY, Sandbox::CLIENT_SECRET));
    let (routes, mut events) = douyin_alliance_axum::channel(receiver, 64);
    let app = axum::Router::new().nest("/douyin/webhook", routes);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let url = format!("http://{}/douyin/webhook", listener.local_addr()?);
    tokio::spawn(async move { axum::serve(listener, app).await });
    println!("receiver listening on {url}");

    let sandbox = Sandbox::start_with(SandboxConfig::default().webhook_url(url)).await?;
    let creator = "creator-webhook-demo";
    let mut created = Vec::new();
    for _ in 0..3 {
        let order = sandbox.create_order(creator);
        created.push(order["order_id"].as_str().unwrap_or_default().to_string());
    }
    let settled: u64 = created[0].parse()?;
    sandbox.set_order_flow_point(settled, "SETTLE");

    let mut seen = 0;
    while seen < 4 {
        let delivery = tokio::time::timeout(Duration::from_secs(10), events.recv())
            .await?
            .ok_or("the receiver stopped")?;
        if let Event::AllianceOrder(order) = &delivery.event {
            seen += 1;
            println!(
                "order {} of {} is {} (Msg-Id {})",
                order.order_id.map_or("?".into(), |id| id.to_string()),
                delivery.from_user_id.as_deref().unwrap_or("?"),
                order.flow_point.as_ref().map_or("?", |f| f.as_str()),
                delivery.msg_id.as_deref().unwrap_or("-"),
            );
        }
    }
    let handshake = sandbox.push_attempts().into_iter().find(|a| a.event == "verify_webhook");
    println!(
        "handshake: {}",
        handshake.map_or("not recorded".into(), |a| format!(
            "answered {} with {}",
            a.status.unwrap_or(0),
            a.answer
        ))
    );
    sandbox.shutdown().await;
    Ok(())
}
