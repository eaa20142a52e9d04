//! `login`: a creator's web authorization from the command line. It serves the SDK's own login
//! and callback routes (`douyin-alliance-axum::oauth`) on 127.0.0.1, prints the local login
//! URL, and waits: the browser gets the state's binding in a signed cookie there and goes on
//! to the platform's consent page; the platform redirects it back to the callback, which
//! checks the state and the cookie, exchanges the code once and keeps the session in the token
//! store, where later `call`s find it.

use std::time::Duration;

use axum::response::IntoResponse;
use douyin_alliance::oauth::{AuthorizationFlow, Grant, STATE_LIFETIME};
use douyin_alliance::Client;
use douyin_alliance_axum::oauth::{failure_status, OAuthRoutes};
use tokio::sync::mpsc;

/// What the callback ended with.
enum Outcome {
    Done { open_id: String, granted: Vec<String>, missing: Vec<String> },
    Failed(String),
}

/// The scopes `login` asks for when none are given: `user_info`, and every other scope of the
/// SDK's user calls as optional (ticked; the creator may untick them).
fn default_scopes() -> Vec<&'static str> {
    let mut scopes = Vec::new();
    for e in douyin_alliance::ENDPOINTS {
        if let Some(s) = e.scope.filter(|s| *s != "user_info" && *s != "unknown" && !scopes.contains(s)) {
            if e.auth() == douyin_alliance::endpoint::AuthKind::AccessToken {
                scopes.push(s);
            }
        }
    }
    scopes
}

/// Runs the authorization; `redirect_uri` is the callback registered for the app (on
/// 127.0.0.1, its path ending in `/callback`), or `http://127.0.0.1:{port}/callback`.
/// `announce` is given the URL to open as soon as the routes listen.
pub async fn login(
    client: &Client,
    redirect_uri: Option<String>,
    port: u16,
    scopes: &[String],
    wait: Option<Duration>,
    announce: impl FnOnce(&str),
) -> Result<(String, String), String> {
    let (listener, redirect) = match redirect_uri {
        Some(uri) => {
            let url = url::Url::parse(&uri).map_err(|e| format!("redirect_uri `{uri}`: {e}"))?;
            let loopback = matches!(url.host_str(), Some("127.0.0.1" | "localhost" | "[::1]"));
            if !loopback || url.scheme() != "http" {
                return Err(format!(
                    "redirect_uri `{uri}` must be http://127.0.0.1:PORT/…/callback: the command line listens there"
                ));
            }
            let addr = ("127.0.0.1", url.port().unwrap_or(80));
            let l = tokio::net::TcpListener::bind(addr)
                .await
                .map_err(|e| format!("cannot listen on {uri}: {e}"))?;
            (l, url)
        }
        None => {
            let l = tokio::net::TcpListener::bind(("127.0.0.1", port))
                .await
                .map_err(|e| format!("cannot listen on 127.0.0.1:{port}: {e}"))?;
            let port = l.local_addr().map_err(|e| e.to_string())?.port();
            let url =
                url::Url::parse(&format!("http://127.0.0.1:{port}/callback")).map_err(|e| e.to_string())?;
            (l, url)
        }
    };
    let Some(prefix) = redirect.path().strip_suffix("/callback") else {
        return Err(format!("redirect_uri `{redirect}` must end in /callback"));
    };
    let prefix = prefix.to_string();
    let mut flow = AuthorizationFlow::new(client, redirect.as_str());
    if scopes.is_empty() {
        flow = flow.scope("user_info");
        for s in default_scopes() {
            flow = flow.optional_scope(s);
        }
    } else {
        for s in scopes {
            flow = flow.scope(s.clone());
        }
    }
    let (tx, mut rx) = mpsc::channel::<Outcome>(1);
    let failed = tx.clone();
    let key: [u8; 64] = std::array::from_fn(|_| rand::random());
    let routes = OAuthRoutes::new(flow, &key)
        .map_err(|e| e.to_string())?
        .secure_cookie(false)
        .on_success(move |done| {
            let tx = tx.clone();
            async move {
                let missing = match &done.grant {
                    Grant::Missing(m) => m.clone(),
                    _ => Vec::new(),
                };
                let open_id = done.session.open_id().to_string();
                let page = format!("Authorized as {open_id}. You can close this tab.");
                let _ = tx.send(Outcome::Done { open_id, granted: done.granted, missing }).await;
                page.into_response()
            }
        })
        .on_failure(move |e| {
            let tx = failed.clone();
            async move {
                let status = failure_status(&e);
                let _ = tx.send(Outcome::Failed(e.to_string())).await;
                // Plain text: the message may carry the callback's own words.
                (status, format!("The authorization failed: {e}")).into_response()
            }
        });
    let app = if prefix.is_empty() {
        axum::Router::new().merge(routes.router())
    } else {
        axum::Router::new().nest(&prefix, routes.router())
    };
    let server = tokio::spawn(async move { axum::serve(listener, app).await });
    let origin = redirect.origin().ascii_serialization();
    announce(&format!("{origin}{prefix}/login"));
    let outcome = tokio::time::timeout(wait.unwrap_or(STATE_LIFETIME), rx.recv()).await;
    server.abort();
    match outcome {
        Ok(Some(Outcome::Done { open_id, granted, missing })) => {
            let mut text = format!("logged in: open_id {open_id}; granted {}", granted.join(", "));
            if !missing.is_empty() {
                text.push_str(&format!("; not granted: {}", missing.join(", ")));
            }
            Ok((open_id, text))
        }
        Ok(Some(Outcome::Failed(e))) => Err(format!("the authorization failed: {e}")),
        Ok(None) | Err(_) => {
            Err("no authorization came back in time; run `douyin-alliance login` again".into())
        }
    }
}
