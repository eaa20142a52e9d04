//! One call of any endpoint, through the client of its credential: the app's, a user's (the
//! environment's token, else the session `login` kept), or a Doudian authority's; and
//! `--all`, which walks the pages of a paged endpoint by its spec's paging fields.

use std::sync::Arc;

use douyin_alliance::drift::DriftRecorder;
use douyin_alliance::endpoint::{AuthKind, Authority, Endpoint, EnvelopeKind};
use douyin_alliance::{Client, DoudianAuth, UserAuth, UserSession};
use douyin_sandbox::{spec, Sandbox};
use serde_json::{Map, Value};
use tokio::sync::{Mutex, OnceCell};

use crate::settings::Settings;

fn env(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.trim().is_empty())
}

/// Where calls go: the built-in sandbox, or the platform with the settings' credentials.
pub enum Target<'a> {
    /// The sandbox, with its own app and a creator who granted everything.
    Sandbox(&'a Sandbox),
    /// The platform (or the hosts the settings name).
    Platform(&'a Settings),
}

/// What a call prints: the typed answer (as the endpoint's method reads it), or the `data` as
/// it arrived.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shape {
    /// Read as the endpoint's response type, written back as JSON.
    Typed,
    /// As it arrived.
    Raw,
}

/// One command's calls, of every credential kind: one client, and each credential resolved
/// once (the user's, and each Doudian authority's), however many calls or pages follow.
pub struct Caller<'a> {
    target: Target<'a>,
    /// The client every call goes through.
    pub client: Client,
    user: OnceCell<UserAuth>,
    authorities: Mutex<Vec<DoudianAuth>>,
}

impl<'a> Caller<'a> {
    /// A caller of `target`, recording into `recorder` when given.
    pub async fn new(target: Target<'a>, recorder: Option<Arc<DriftRecorder>>) -> Result<Self, String> {
        let builder = match &target {
            Target::Sandbox(s) => s.client_builder(),
            Target::Platform(settings) => settings.client_builder().await?,
        };
        let builder = match recorder {
            Some(r) => builder.record_drift(r),
            None => builder,
        };
        let client = builder.build().map_err(|e| e.to_string())?;
        Ok(Caller { target, client, user: OnceCell::new(), authorities: Mutex::new(Vec::new()) })
    }

    /// Calls `e` with `params` and answers its `data`, in `shape`.
    pub async fn call(
        &self,
        e: &'static Endpoint,
        params: Option<&Value>,
        shape: Shape,
    ) -> Result<Value, String> {
        let data = self.raw(e, params).await?;
        if shape == Shape::Raw {
            return Ok(data);
        }
        match douyin_alliance::endpoints::typed_json(e.name, data) {
            Some(Ok(mut typed)) => {
                // The envelope's own fields inside `data`, which the typed method takes out.
                if let (Value::Object(m), EnvelopeKind::DataExtra) = (&mut typed, e.envelope().0) {
                    m.remove("error_code");
                    m.remove("description");
                }
                Ok(typed)
            }
            Some(Err(err)) => Err(format!(
                "{}: the answer does not read as its type, so its method fails too: {err} (--raw prints it as it arrived)",
                e.name
            )),
            None => Err(format!("no endpoint `{}`", e.name)),
        }
    }

    /// Calls `e` with `params` and answers its `data` as it arrived.
    async fn raw(&self, e: &'static Endpoint, params: Option<&Value>) -> Result<Value, String> {
        let client = &self.client;
        let answer = match e.auth() {
            AuthKind::AccessToken => client.user(&self.user_auth(e).await?).call_json(e, params).await,
            AuthKind::DoudianToken => client.doudian(&self.doudian_auth(e).await?).call_json(e, params).await,
            _ => client.call_json(e, params).await,
        };
        answer.map_err(|e| e.to_string())
    }

    /// A user's credentials (resolved once): the sandbox creator's; `DOUYIN_OPEN_ID` with
    /// `DOUYIN_ACCESS_TOKEN`; else the session of the settings' open_id in the token store
    /// (refreshed when due).
    async fn user_auth(&self, e: &Endpoint) -> Result<UserAuth, String> {
        let auth = self.user.get_or_try_init(|| async {
            let settings = match &self.target {
                Target::Sandbox(s) => {
                    let code = s.authorize_all(Sandbox::DEFAULT_OPEN_ID);
                    let t = self
                        .client
                        .oauth_access_token(&douyin_alliance::types::AccessTokenRequest::new(code))
                        .await
                        .map_err(|e| e.to_string())?;
                    return Ok(UserAuth::new(t.open_id, t.access_token));
                }
                Target::Platform(settings) => settings,
            };
            let open_id = settings.open_id();
            if let (Some(o), Some(t)) = (open_id.clone(), env("DOUYIN_ACCESS_TOKEN")) {
                return Ok(UserAuth::new(o, t));
            }
            let Some(open_id) = open_id else {
                return Err(format!(
                    "`{}` is a user's call: run `douyin-alliance login`, or set DOUYIN_OPEN_ID and DOUYIN_ACCESS_TOKEN",
                    e.name
                ));
            };
            UserSession::resume(&self.client, &open_id).auth().await.map_err(|err| {
                format!(
                    "`{}` is a user's call and the session of {open_id} is not usable ({err}): run `douyin-alliance login`",
                    e.name
                )
            })
        });
        auth.await.cloned()
    }

    /// A Doudian authority's credentials (resolved once per authority): a fresh sandbox grant,
    /// or `DOUDIAN_ACCESS_TOKEN` (with `DOUDIAN_AUTHORITY`, default the endpoint's first).
    async fn doudian_auth(&self, e: &Endpoint) -> Result<DoudianAuth, String> {
        let takes = e.signed().map(|s| s.authorities).unwrap_or_default();
        let mut known = self.authorities.lock().await;
        let sandbox = match &self.target {
            Target::Sandbox(s) => s,
            Target::Platform(_) => {
                let authority = env("DOUDIAN_AUTHORITY")
                    .and_then(|a| Authority::from_spec(&a))
                    .or_else(|| takes.first().copied())
                    .unwrap_or(Authority::Kol);
                let Some(token) = env("DOUDIAN_ACCESS_TOKEN") else {
                    return Err(format!("`{}` takes an authority's token: set DOUDIAN_ACCESS_TOKEN", e.name));
                };
                return Ok(DoudianAuth::new(authority, token));
            }
        };
        let authority = takes.first().copied().unwrap_or(Authority::Kol);
        if let Some(a) = known.iter().find(|a| a.authority == authority) {
            return Ok(a.clone());
        }
        let code = sandbox.doudian_code(authority);
        let req = douyin_alliance::types::DoudianTokenCreateRequest::new(code, "authorization_code");
        let t = self.client.doudian_token_create(&req).await.map_err(|e| e.to_string())?;
        let auth = DoudianAuth::new(authority, t.access_token);
        known.push(auth.clone());
        Ok(auth)
    }
}

/// The parameters of a call: the file's object, then each `key=value` over it.
pub fn params(json: Option<&std::path::Path>, pairs: &[String]) -> Result<Option<Value>, String> {
    let mut map = match json {
        Some(p) => {
            let text = std::fs::read_to_string(p).map_err(|e| format!("cannot read {}: {e}", p.display()))?;
            match serde_json::from_str::<Value>(&text) {
                Ok(Value::Object(m)) => m,
                Ok(_) => return Err(format!("{} holds no JSON object", p.display())),
                Err(e) => return Err(format!("{} is not JSON: {e}", p.display())),
            }
        }
        None => Map::new(),
    };
    for pair in pairs {
        let Some((k, v)) = pair.split_once('=') else {
            return Err(format!("`--param {pair}` is not key=value"));
        };
        let value = serde_json::from_str(v).unwrap_or_else(|_| Value::String(v.to_string()));
        map.insert(k.to_string(), value);
    }
    Ok(if map.is_empty() && json.is_none() { None } else { Some(Value::Object(map)) })
}

/// `call --all`: every page of `e` from `params` on (at most `max_pages`), its items in one
/// array, with a progress bar on stderr (hidden when it is no terminal).
pub async fn all_pages(
    caller: &Caller<'_>,
    e: &'static Endpoint,
    params: Option<&Value>,
    max_pages: usize,
    shape: Shape,
) -> Result<Value, String> {
    let model = spec::model().map_err(|e| e.to_string())?;
    let paging = model
        .endpoints
        .iter()
        .find(|o| o.name == e.name)
        .and_then(|o| o.pagination.as_ref())
        .ok_or_else(|| format!("`{}` is not paged: call it without --all", e.name))?;
    let mut params = match params {
        Some(Value::Object(m)) => m.clone(),
        _ => Map::new(),
    };
    let size = params.get(&paging.page_size.wire).and_then(Value::as_i64).unwrap_or(paging.max_page_size);
    params.insert(paging.page_size.wire.clone(), Value::from(size));
    let mut page = params.get(paging.page.as_ref().map_or("", |p| p.wire.as_str())).and_then(Value::as_i64);
    let bar = indicatif::ProgressBar::new_spinner();
    bar.set_message(format!("{}: page 1", e.name));
    let mut items = Vec::new();
    for n in 1..=max_pages {
        if let Some(p) = &paging.page {
            let current = *page.get_or_insert(1);
            params.insert(p.wire.clone(), Value::from(current));
        }
        let data = caller.call(e, Some(&Value::Object(params.clone())), shape).await?;
        let fields = match &paging.within {
            Some(w) => data.get(&w.wire).cloned().unwrap_or(Value::Null),
            None => data,
        };
        let got = fields.get(&paging.items.wire).and_then(Value::as_array).cloned().unwrap_or_default();
        let count = got.len();
        items.extend(got);
        let total = paging.total.as_ref().and_then(|t| fields.get(&t.wire)).and_then(Value::as_u64);
        match total {
            Some(t) => bar.set_message(format!("{}: page {n}, {} of {t} items", e.name, items.len())),
            None => bar.set_message(format!("{}: page {n}, {} items", e.name, items.len())),
        }
        bar.tick();
        let short = (count as i64) < size || count == 0;
        let reached = total.is_some_and(|t| items.len() as u64 >= t);
        if short || reached {
            break;
        }
        match (&paging.cursor, &paging.next_cursor) {
            (Some(c), Some(next)) => {
                let next = fields.get(&next.wire).cloned().unwrap_or(Value::Null);
                let empty = next.is_null() || next.as_str().is_some_and(str::is_empty);
                if empty || params.get(&c.wire) == Some(&next) {
                    break;
                }
                params.insert(c.wire.clone(), next);
            }
            _ => page = page.map(|p| p + 1),
        }
    }
    bar.finish_and_clear();
    Ok(Value::Array(items))
}
