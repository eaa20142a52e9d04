//! A durable webhook receiver for the alliance order push, run against the local sandbox in one
//! command (Redis on `REDIS_URL`, default `redis://127.0.0.1:6379`):
//!
//! ```text
//! cargo run -p douyin-alliance-axum --features redis --example webhook_receiver
//! ```
//!
//! It serves the durable route on a free 127.0.0.1 port (each verified push is stored in a
//! Redis stream, then answered), runs one worker that handles the stored events, starts the
//! sandbox with that URL (the sandbox performs the `verify_webhook` handshake), creates orders
//! in the sandbox and settles one, and prints each typed order event as the worker handles it,
//! with its exact 19-digit id, then the queue's state.

use std::sync::Arc;
use std::time::Duration;

use douyin_alliance::types::Event;
use douyin_alliance::webhook::queue::{QueueConfig, RedisQueue};
use douyin_alliance::webhook::{Delivery, WebhookReceiver};
use douyin_sandbox::{Sandbox, SandboxConfig};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let redis = std::env::var("REDIS_URL").unwrap_or_else(|_| "redis://127.0.0.1:6379".into());
    // The app's receiver: the sandbox app's key and secret (its webhook pushes sign with them).
    let receiver = Arc::new(WebhookReceiver::new(Sandbox::CLIENT_KEY, Sandbox::CLIENT_SECRET));
    // A prefix of this run's own, so the demo never meets another run's events.
    let prefix = format!("webhook-demo-{}", std::process::id());
    let queue =
        Arc::new(RedisQueue::open_with_prefix(&redis, &prefix, Sandbox::CLIENT_KEY, QueueConfig::default())?);

    let app = axum::Router::new()
        .nest("/douyin/webhook", douyin_alliance_axum::durable(receiver.clone(), queue.clone()));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let url = format!("http://{}/douyin/webhook", listener.local_addr()?);
    tokio::spawn(async move { axum::serve(listener, app).await });
    println!("durable receiver listening on {url} (stream under `{prefix}`)");

    // The worker: what the app does with each order, idempotently (here: print it).
    let (tx, mut handled) = tokio::sync::mpsc::unbounded_channel();
    let worker = queue.worker(receiver, "demo-worker");
    tokio::spawn(worker.run(move |delivery: Delivery<Event>| {
        let sent = tx.send(delivery).map_err(|_| "the demo stopped");
        async move { sent }
    }));

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
        let delivery = tokio::time::timeout(Duration::from_secs(10), handled.recv())
            .await?
            .ok_or("the worker stopped")?;
        if let Event::AllianceOrder(order) = &delivery.event {
            seen += 1;
            println!(
                "handled: order {} of {} is {} (Msg-Id {})",
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
    tokio::time::sleep(Duration::from_millis(200)).await;
    let stats = queue.stats().await?;
    println!("queue: {} in the stream, {} pending, {} dead letters", stats.length, stats.pending, stats.dead);
    queue.destroy().await?;
    sandbox.shutdown().await;
    Ok(())
}
