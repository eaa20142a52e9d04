//! How a server takes connections: HTTP/1 through hyper with a header read timeout, at most
//! [`crate::SandboxConfig::max_connections`] open at once (for all the servers together), and
//! a graceful shutdown. The body read timeout is the handler's (`handlers::handle`).

use std::sync::Arc;
use std::time::Duration;

use douyin_alliance::endpoint::Server;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use hyper_util::service::TowerToHyperService;
use tokio::net::TcpListener;
use tokio::sync::{watch, Semaphore};

/// Serves `app` on `listener` until `closing` changes or closes; then stops accepting and
/// waits for open connections to finish their requests (idle ones close at once).
pub(crate) async fn serve(
    listener: TcpListener,
    app: axum::Router,
    server: Server,
    header_read_timeout: Duration,
    connections: Arc<Semaphore>,
    mut closing: watch::Receiver<()>,
) {
    let mut http = hyper::server::conn::http1::Builder::new();
    http.timer(TokioTimer::new()).header_read_timeout(header_read_timeout);
    let graceful = GracefulShutdown::new();
    loop {
        // A permit first: at the cap, new connections wait in the listen queue.
        let permit = tokio::select! {
            p = connections.clone().acquire_owned() => match p {
                Ok(p) => p,
                Err(_) => break,
            },
            _ = closing.changed() => break,
        };
        let stream = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => stream,
                Err(e) => {
                    // Out of file descriptors and the like: pause rather than spin.
                    tracing::warn!(%server, error = %e, "cannot accept a connection");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            _ = closing.changed() => break,
        };
        if let Err(e) = stream.set_nodelay(true) {
            tracing::debug!(%server, error = %e, "cannot set TCP_NODELAY");
        }
        let conn = http.serve_connection(TokioIo::new(stream), TowerToHyperService::new(app.clone()));
        let conn = graceful.watch(conn);
        tokio::spawn(async move {
            // Header timeouts, resets and clients that vanish end here; none is the sandbox's
            // failure.
            if let Err(e) = conn.await {
                tracing::debug!(%server, error = %e, "connection ended");
            }
            drop(permit);
        });
    }
    drop(listener);
    graceful.shutdown().await;
}
