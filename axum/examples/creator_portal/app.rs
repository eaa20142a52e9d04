//! The creator portal: "Log in with Douyin" → the platform's consent page → the callback
//! (`douyin_alliance_axum::oauth`) → a dashboard with the creator's showcase and latest orders.
//! Only the app's own pages are here; the flow, the state and the session are the SDK's.
//!
//! The app remembers who is logged in with its own signed cookie (`portal_creator`, the
//! creator's open_id); the tokens stay in the client's token store (SQLite in the example).

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::Router;
use axum_extra::extract::cookie::{Cookie, Key, SameSite, SignedCookieJar};
use douyin_alliance::auth::UserSession;
use douyin_alliance::oauth::{AuthorizationFlow, CallbackError};
use douyin_alliance::types::{KolOrdersRequest, KolStoreListRequest};
use douyin_alliance::{endpoints, Client};
use douyin_alliance_axum::oauth::{failure_status, OAuthRoutes};

/// The app's own cookie: who is logged in.
const CREATOR: &str = "portal_creator";
/// The optional scope the orders panel needs.
const ORDERS_SCOPE: &str = "alliance.kol.orders";

#[derive(Clone)]
struct Portal {
    client: Client,
    key: Key,
}

/// `text` safe in HTML.
fn esc(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

fn page(title: &str, body: &str) -> Html<String> {
    Html(format!(
        "<!doctype html><html lang=\"zh-CN\"><head><meta charset=\"utf-8\"><title>{t}</title>\
         <style>body{{font-family:sans-serif;max-width:44em;margin:2em auto}}td,th{{padding:.2em .6em;text-align:left}}</style>\
         </head><body><h1>{t}</h1>{body}</body></html>",
        t = esc(title)
    ))
}

/// The portal's routes, for `client` (whose token store keeps the sessions), served at `base`
/// (`http://127.0.0.1:8080`; the callback is `{base}/douyin/callback`), signing its cookies with
/// `cookie_key` (64 random bytes).
pub fn router(client: Client, base: &str, cookie_key: &[u8; 64]) -> Router {
    let flow = AuthorizationFlow::new(&client, format!("{base}/douyin/callback"))
        .endpoints([&endpoints::KOL_STORE_LIST])
        .optional_scope(ORDERS_SCOPE);
    let key = Key::from(cookie_key);
    let login_key = key.clone();
    let oauth = OAuthRoutes::new(flow, cookie_key)
        .expect("a 64-byte key")
        .secure_cookie(base.starts_with("https://"))
        .on_success(move |done| {
            let key = login_key.clone();
            async move {
                let cookie = Cookie::build((CREATOR, done.session.open_id().to_string()))
                    .http_only(true)
                    .same_site(SameSite::Lax)
                    .path("/");
                let jar = SignedCookieJar::new(key).add(cookie);
                (jar, Redirect::to("/dashboard")).into_response()
            }
        })
        .on_failure(|e: CallbackError| async move {
            let body = format!("<p id=\"error\">{}</p><p><a href=\"/\">Back</a></p>", esc(&e.to_string()));
            (failure_status(&e), page("登录失败 · Login failed", &body)).into_response()
        });
    Router::new()
        .route("/", get(home))
        .route("/dashboard", get(dashboard))
        .route("/logout", get(logout))
        .with_state(Portal { client, key })
        .nest("/douyin", oauth.router())
}

async fn home() -> Html<String> {
    page(
        "达人工作台 · Creator portal",
        "<p>See your showcase and your latest orders.</p>\
         <p><a id=\"login\" href=\"/douyin/login\">用抖音登录 · Log in with Douyin</a></p>",
    )
}

async fn logout(State(p): State<Portal>, headers: HeaderMap) -> Response {
    let jar = SignedCookieJar::from_headers(&headers, p.key).remove(Cookie::build(CREATOR).path("/"));
    (jar, Redirect::to("/")).into_response()
}

async fn dashboard(State(p): State<Portal>, headers: HeaderMap) -> Response {
    let jar = SignedCookieJar::from_headers(&headers, p.key.clone());
    let Some(open_id) = jar.get(CREATOR).map(|c| c.value().to_string()) else {
        return Redirect::to("/").into_response();
    };
    let user = p.client.user_session(&UserSession::resume(&p.client, &open_id));
    let showcase = match user.kol_store_list(&KolStoreListRequest::new(1, 20)).await {
        Ok(list) => {
            let rows: String = list
                .results
                .iter()
                .map(|item| {
                    format!(
                        "<tr><td>{}</td><td>{}</td></tr>",
                        esc(item.title.as_deref().unwrap_or("-")),
                        item.price.map_or("-".to_string(), |f| format!("¥{}.{:02}", f / 100, f % 100))
                    )
                })
                .collect();
            format!("<h2>橱窗 · Showcase</h2><table id=\"showcase\"><tr><th>Product</th><th>Price</th></tr>{rows}</table>")
        }
        Err(e) if matches!(e.kind(), douyin_alliance::ErrorKind::ReauthorizationRequired { .. }) => {
            return Redirect::to("/douyin/login").into_response()
        }
        Err(e) => {
            return (
                StatusCode::BAD_GATEWAY,
                page("Showcase unavailable", &format!("<p id=\"error\">{}</p>", esc(&e.to_string()))),
            )
                .into_response()
        }
    };
    let orders = match user.kol_orders(&KolOrdersRequest::new().with_size(5)).await {
        Ok(page) => {
            let rows: String = page
                .orders
                .iter()
                .map(|o| {
                    format!(
                        "<li>{} · {} · {}</li>",
                        esc(o.product_name.as_deref().unwrap_or("-")),
                        o.total_pay_amount.map_or("-".to_string(), |f| format!("¥{}.{:02}", f / 100, f % 100)),
                        esc(o.pay_success_time.as_deref().unwrap_or("-"))
                    )
                })
                .collect();
            format!("<h2>最新订单 · Latest orders</h2><ul id=\"orders\">{rows}</ul>")
        }
        Err(e) if e.missing_scope() == Some(ORDERS_SCOPE) => format!(
            "<p id=\"orders-off\">订单功能未开启 · Orders are off: you did not grant <code>{ORDERS_SCOPE}</code>. \
             <a href=\"/douyin/login\">Log in again</a> to turn them on.</p>"
        ),
        Err(e) => format!("<p id=\"orders-error\">{}</p>", esc(&e.to_string())),
    };
    let body = format!(
        "<p>Logged in as <code id=\"creator\">{}</code> · <a href=\"/logout\">Log out</a></p>{showcase}{orders}",
        esc(&open_id)
    );
    page("达人工作台 · Creator portal", &body).into_response()
}
