//! The authorization page of open.douyin.com (`/platform/oauth/connect/`,
//! `coverage-facts.md` B.1–B.8), played as a consent page a browser can click through.
//!
//! `GET` with the platform's parameters (`client_key`, `response_type=code`, comma-joined
//! `scope`, `optionalScope` as `scope,flag` pairs with 1 ticked by default, `redirect_uri`,
//! `state`) renders the app, each requested scope by its Chinese and English name, the optional
//! ones as checkboxes, and Approve and Deny. The `redirect_uri` must be registered
//! ([`crate::SandboxConfig::redirect_uri`]; loopback `http` URLs are allowed): another answers
//! `10006`. Approve (`POST`) redirects to `redirect_uri?code=…&state=…&scopes=…` with the scopes
//! actually granted (B.4). The facts say nothing of Deny (B.4: no documented callback); the
//! sandbox's reading is a redirect with `error=access_denied`, `error_description` and `state`,
//! the form the OAuth habit and one public client expect.
//!
//! Without `redirect_uri` the page answers a JSON body with the code at once (the shortcut the
//! tests use). The sandbox-only parameter `open_id` picks the creator (default
//! [`Sandbox::DEFAULT_OPEN_ID`]).

use axum::body::Body;
use axum::response::Response;
use http::header::{CONTENT_TYPE, LOCATION};
use http::request::Parts;
use http::{HeaderValue, StatusCode};
use serde_json::json;

use crate::handlers::{query_pairs, query_value};
use crate::reply::json_response;
use crate::spec::EnvelopeKind;
use crate::{lock, Sandbox, Shared};
use douyin_alliance::envelope;
use douyin_alliance::KnownCode;

/// Scopes the consent page names (`api-facts.md` §10.1; the names are the sandbox's
/// descriptions, the platform's page text is known only as images).
const SCOPE_NAMES: &[(&str, &str, &str)] = &[
    ("user_info", "获取你的公开信息（昵称、头像）", "your public profile (nickname, avatar)"),
    ("alliance.kol.store_manage", "管理你的商品橱窗", "manage your product showcase"),
    ("alliance.kol.orders", "查看你的带货订单", "see your alliance orders"),
    ("alliance.kol.reputation", "查看你的带货口碑", "see your seller reputation"),
    ("alliance.kol.buyin_id", "获取你的百应ID", "read your Buyin id"),
    ("alliance.picksource.convert", "商品选品来源转链", "convert product pick-source links"),
];

/// One authorization request, as the page got it (and as its form sends it back).
struct Ask {
    scopes: Vec<String>,
    /// Optional scopes and whether each is ticked by default.
    optional: Vec<(String, bool)>,
    redirect: Option<url::Url>,
    state: String,
    open_id: String,
}

/// `/platform/oauth/connect/`: the page (`GET`) or the user's decision (`POST`).
pub(crate) fn authorize_page(sh: &Shared, parts: &Parts, body: &[u8]) -> Response {
    let pairs: Vec<(String, String)> = match parts.method {
        http::Method::GET => query_pairs(parts),
        http::Method::POST => url::form_urlencoded::parse(body).into_owned().collect(),
        _ => {
            return fail(
                StatusCode::METHOD_NOT_ALLOWED,
                KnownCode::ParameterError,
                format!("method {} not allowed: use GET", parts.method),
            )
        }
    };
    let ask = match read(sh, &pairs) {
        Ok(a) => a,
        Err(r) => return *r,
    };
    let Some(redirect) = ask.redirect.clone() else {
        // The shortcut: authorized at once, as JSON.
        let scope = granted(&ask, ask.optional.iter().filter(|(_, on)| *on).map(|(s, _)| s.as_str()));
        let code = lock(&sh.auth).authorize(&ask.open_id, &scope, sh.clock.now(), &sh.config);
        let body = json!({"code": code, "state": ask.state, "open_id": ask.open_id, "scope": scope});
        return json_response(
            StatusCode::OK,
            &envelope::Answer::success(EnvelopeKind::DataExtra, body).oauth().to_json(),
        );
    };
    if parts.method == http::Method::GET {
        return page(&ask);
    }
    let mut url = redirect;
    match query_value(&pairs, "decision") {
        Some("approve") => {
            let ticked: Vec<&str> =
                pairs.iter().filter(|(k, _)| k == "grant").map(|(_, v)| v.as_str()).collect();
            let offered = ask.optional.iter().map(|(s, _)| s.as_str()).filter(|s| ticked.contains(s));
            let scope = granted(&ask, offered);
            let code = lock(&sh.auth).authorize(&ask.open_id, &scope, sh.clock.now(), &sh.config);
            url.query_pairs_mut()
                .append_pair("code", &code)
                .append_pair("state", &ask.state)
                .append_pair("scopes", &scope);
        }
        _ => {
            url.query_pairs_mut()
                .append_pair("error", "access_denied")
                .append_pair("error_description", "the user declined the authorization")
                .append_pair("state", &ask.state);
        }
    }
    let mut r = Response::new(Body::empty());
    *r.status_mut() = StatusCode::FOUND;
    if let Ok(v) = HeaderValue::from_str(url.as_str()) {
        r.headers_mut().insert(LOCATION, v);
    }
    r
}

/// The required scopes and the optional ones given, comma-joined.
fn granted<'a>(ask: &'a Ask, optional: impl Iterator<Item = &'a str>) -> String {
    let mut all: Vec<&str> = ask.scopes.iter().map(String::as_str).collect();
    all.extend(optional.filter(|s| !ask.scopes.iter().any(|r| r == s)));
    all.join(",")
}

/// The request's parameters, checked as the platform checks them.
fn read(sh: &Shared, q: &[(String, String)]) -> Result<Ask, Box<Response>> {
    let get = |k: &str| query_value(q, k).filter(|v| !v.is_empty());
    match get("client_key") {
        None => {
            return Err(Box::new(fail(
                StatusCode::OK,
                KnownCode::MissingParameter,
                "parameter invalid: `client_key` is required".into(),
            )))
        }
        Some(k) if k != Sandbox::CLIENT_KEY => {
            return Err(Box::new(fail(
                StatusCode::OK,
                KnownCode::InvalidClientKey,
                format!("client_key `{k}` does not exist"),
            )))
        }
        Some(_) => {}
    }
    if get("response_type") != Some("code") {
        return Err(Box::new(fail(
            StatusCode::OK,
            KnownCode::ParameterError,
            "parameter invalid: `response_type` must be `code`".into(),
        )));
    }
    let Some(scope) = get("scope") else {
        return Err(Box::new(fail(
            StatusCode::OK,
            KnownCode::MissingParameter,
            "parameter invalid: `scope` is required".into(),
        )));
    };
    let split =
        |s: &str| s.split(',').map(str::trim).filter(|s| !s.is_empty()).map(String::from).collect::<Vec<_>>();
    let scopes = split(scope);
    // `scope,flag` pairs; a scope without its flag counts as ticked.
    let mut optional = Vec::new();
    let mut items = get("optionalScope").map(split).unwrap_or_default().into_iter().peekable();
    while let Some(s) = items.next() {
        let on = match items.peek().map(String::as_str) {
            Some("1") => {
                items.next();
                true
            }
            Some("0") => {
                items.next();
                false
            }
            _ => true,
        };
        optional.push((s, on));
    }
    let redirect = match get("redirect_uri") {
        None => None,
        Some(r) => Some(registered(sh, r).map_err(|why| {
            Box::new(fail(StatusCode::OK, KnownCode::IllegalRedirectUri, format!("非法重定向 URI: {why}")))
        })?),
    };
    Ok(Ask {
        scopes,
        optional,
        redirect,
        state: query_value(q, "state").unwrap_or_default().to_string(),
        open_id: get("open_id").unwrap_or(Sandbox::DEFAULT_OPEN_ID).to_string(),
    })
}

/// The redirect URI when it is one the app registered (B.3: the part before `#` is compared,
/// and custom query parameters are not supported).
fn registered(sh: &Shared, uri: &str) -> Result<url::Url, String> {
    let url = url::Url::parse(uri).map_err(|e| format!("`{uri}` is not a URL ({e})"))?;
    let before_fragment = uri.split('#').next().unwrap_or_default();
    if sh.config.redirect_uris.iter().any(|r| r == before_fragment) {
        return Ok(url);
    }
    let loopback = url.scheme() == "http" && matches!(url.host_str(), Some("127.0.0.1" | "localhost"));
    if loopback && url.query().is_none() {
        return Ok(url);
    }
    Err(format!(
        "`{uri}` is not a registered callback of the app (registered: {}; loopback http URLs without a query are allowed)",
        if sh.config.redirect_uris.is_empty() { "none".to_string() } else { sh.config.redirect_uris.join(", ") }
    ))
}

fn fail(status: StatusCode, code: KnownCode, text: String) -> Response {
    json_response(
        status,
        &envelope::Answer::error(EnvelopeKind::DataExtra, code.code(), text).oauth().to_json(),
    )
}

/// `text` safe inside HTML text and attribute values.
fn esc(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

fn scope_line(scope: &str) -> String {
    match SCOPE_NAMES.iter().find(|(s, _, _)| *s == scope) {
        Some((_, zh, en)) => format!("{} <small>({}; <code>{}</code>)</small>", esc(zh), esc(en), esc(scope)),
        None => format!("<code>{}</code>", esc(scope)),
    }
}

fn hidden(name: &str, value: &str) -> String {
    format!(r#"<input type="hidden" name="{}" value="{}">"#, esc(name), esc(value))
}

/// The hidden fields of a consent page's form, as a browser posts them back (to which a test
/// adds `decision` and the `grant`s it ticks), read from the page's HTML.
pub fn consent_form(html: &str) -> Vec<(String, String)> {
    html.split("<input type=\"hidden\" ")
        .skip(1)
        .filter_map(|part| {
            let attr = |name: &str| {
                let start = part.find(&format!("{name}=\""))? + name.len() + 2;
                let end = part[start..].find('"')? + start;
                Some(unescape(&part[start..end]))
            };
            Some((attr("name")?, attr("value")?))
        })
        .collect()
}

/// The text [`esc`] wrote.
fn unescape(text: &str) -> String {
    text.replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

/// The consent page of `ask`.
fn page(ask: &Ask) -> Response {
    let required: String =
        ask.scopes.iter().map(|s| format!("<li class=\"required\">{}</li>", scope_line(s))).collect();
    let optional: String = ask
        .optional
        .iter()
        .map(|(s, on)| {
            format!(
                r#"<li><label><input type="checkbox" name="grant" value="{}"{}> {}</label></li>"#,
                esc(s),
                if *on { " checked" } else { "" },
                scope_line(s)
            )
        })
        .collect();
    let optional_text: Vec<String> =
        ask.optional.iter().map(|(s, on)| format!("{s},{}", u8::from(*on))).collect();
    let fields = [
        hidden("client_key", Sandbox::CLIENT_KEY),
        hidden("response_type", "code"),
        hidden("scope", &ask.scopes.join(",")),
        hidden("optionalScope", &optional_text.join(",")),
        hidden("redirect_uri", ask.redirect.as_ref().map_or("", |u| u.as_str())),
        hidden("state", &ask.state),
        hidden("open_id", &ask.open_id),
    ]
    .concat();
    let html = format!(
        r#"<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>抖音授权 · Douyin authorization (sandbox)</title>
<style>body{{font-family:sans-serif;max-width:36em;margin:3em auto}}li{{margin:.4em 0}}button{{font-size:1.1em;margin-right:1em}}</style></head>
<body>
<h1>抖音授权 <small>Douyin authorization · sandbox</small></h1>
<p>应用 <strong id="app">{app}</strong> 申请以下权限 · the app asks to:</p>
<form method="post" action="{path}">
{fields}
<ul id="required">{required}</ul>
<p>可选权限 · optional (untick to refuse):</p>
<ul id="optional">{optional}</ul>
<p>授权用户 · as the creator <code id="open-id">{open_id}</code></p>
<button type="submit" name="decision" value="approve" id="approve">同意授权 Approve</button>
<button type="submit" name="decision" value="deny" id="deny">拒绝 Deny</button>
</form>
</body></html>"#,
        app = esc(Sandbox::CLIENT_KEY),
        path = douyin_alliance::oauth::AUTHORIZE_PATH,
        open_id = esc(&ask.open_id),
    );
    let mut r = Response::new(Body::from(html));
    r.headers_mut().insert(CONTENT_TYPE, HeaderValue::from_static("text/html; charset=utf-8"));
    r
}

#[cfg(test)]
mod tests {
    use super::esc;

    #[test]
    fn the_form_reads_back_what_the_page_wrote() {
        let html =
            format!("<form>{}{}</form>", super::hidden("state", "a&b\"<c>'"), super::hidden("scope", "x,y"));
        let fields = super::consent_form(&html);
        assert_eq!(fields, [("state".to_string(), "a&b\"<c>'".to_string()), ("scope".into(), "x,y".into())]);
    }

    #[test]
    fn page_text_is_escaped() {
        assert_eq!(esc(r#"<script>"x"&'y'"#), "&lt;script&gt;&quot;x&quot;&amp;&#39;y&#39;");
    }
}
