//! Decoding the platforms' response envelopes, and their success rules. The Doudian gateway's
//! envelope is its own codec (`doudian.rs`); the four of open.douyin(ec).com / lianmengapi are
//! here.
//!
//! `data` + `extra` (api-facts §2.1): success is HTTP 2xx **and** `data.error_code == 0` **and**
//! (`extra` absent, or `extra.error_code == 0` and `extra.sub_error_code == 0`); an error may sit
//! on either side and codes may be numeric strings. `err_no`, `code` and `status_code` envelopes
//! succeed on 0. The happy path parses the body once; only failures parse it a second time for
//! the status.
//!
//! An endpoint whose envelope the spec knows only from weak evidence (below confirmed) does not
//! trust it: the envelope of each answer is detected from its top-level keys (`err_no`, then
//! `status_code`, then `code`, then `extra` / `data`), and that envelope's success rule applies.
//! A detected `data` answer without any status field is a success, as under the `data` +
//! `extra` rule: nothing in it says the call failed.

use std::collections::BTreeMap;

use serde::de::DeserializeOwned;
use serde::de::Error as _;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::endpoint::{Endpoint, EnvelopeKind};
use crate::error::{snippet, ApiError, Error, ErrorKind, RawBody, Result};
use crate::ApiObject;

mod doudian;

const SNIPPET_CHARS: usize = 200;

// The envelopes as the platform writes them: `decode` reads these structs, and `Answer` writes
// them, so every field name is spelled once.

#[derive(Deserialize, Serialize)]
struct DataExtra<T, X> {
    #[serde(default = "none", skip_serializing_if = "Option::is_none")]
    data: Option<T>,
    #[serde(default = "none", skip_serializing_if = "Option::is_none")]
    extra: Option<X>,
    /// open.douyin.com's `success` / `error`; the success rule does not read it.
    #[serde(default, skip_deserializing, skip_serializing_if = "Option::is_none")]
    message: Option<&'static str>,
}

/// The codes of `extra`, all the typed parse reads: a success needs nothing else, and an error
/// is read again in full by [`status_only`].
#[derive(Deserialize, Default)]
struct ExtraCodes {
    #[serde(default, deserialize_with = "crate::codec::opt_int")]
    error_code: Option<i64>,
    #[serde(default, deserialize_with = "crate::codec::opt_int")]
    sub_error_code: Option<i64>,
}

fn none<T>() -> Option<T> {
    None
}

#[derive(Deserialize, Serialize, Default)]
struct Extra {
    #[serde(default, deserialize_with = "crate::codec::opt_int", skip_serializing_if = "Option::is_none")]
    error_code: Option<i64>,
    #[serde(default, deserialize_with = "crate::codec::opt_string", skip_serializing_if = "Option::is_none")]
    description: Option<String>,
    #[serde(default, deserialize_with = "crate::codec::opt_int", skip_serializing_if = "Option::is_none")]
    sub_error_code: Option<i64>,
    #[serde(default, deserialize_with = "crate::codec::opt_string", skip_serializing_if = "Option::is_none")]
    sub_description: Option<String>,
    #[serde(default, deserialize_with = "crate::codec::opt_string", skip_serializing_if = "Option::is_none")]
    logid: Option<String>,
    /// Server time in ms; not read by the success rule.
    #[serde(default, skip_deserializing, skip_serializing_if = "Option::is_none")]
    now: Option<i64>,
}

/// The status part of `data`, for error answers whose `data` lacks the business fields.
#[derive(Deserialize, Serialize, Default)]
struct DataStatus {
    #[serde(default, deserialize_with = "crate::codec::opt_int")]
    error_code: Option<i64>,
    #[serde(default, deserialize_with = "crate::codec::opt_string")]
    description: Option<String>,
}

#[derive(Deserialize, Serialize)]
struct ErrNo<T> {
    #[serde(default, deserialize_with = "crate::codec::opt_int")]
    err_no: Option<i64>,
    #[serde(default, deserialize_with = "crate::codec::opt_string")]
    err_msg: Option<String>,
    #[serde(default, deserialize_with = "crate::codec::opt_string", skip_serializing_if = "Option::is_none")]
    log_id: Option<String>,
    #[serde(default = "none")]
    data: Option<T>,
}

#[derive(Deserialize, Serialize)]
struct CodeMsg<T> {
    #[serde(default, deserialize_with = "crate::codec::opt_int")]
    code: Option<i64>,
    #[serde(default, deserialize_with = "crate::codec::opt_string")]
    msg: Option<String>,
    #[serde(default = "none")]
    data: Option<T>,
}

#[derive(Deserialize, Serialize)]
struct StatusCode<T> {
    #[serde(default, deserialize_with = "crate::codec::opt_int")]
    status_code: Option<i64>,
    #[serde(default, deserialize_with = "crate::codec::opt_string")]
    status_msg: Option<String>,
    #[serde(default = "none", skip_serializing_if = "Option::is_none")]
    data: Option<T>,
}

/// The top-level keys that tell the envelopes apart.
#[derive(Deserialize)]
struct Keys {
    #[serde(default)]
    err_no: Option<serde::de::IgnoredAny>,
    #[serde(default)]
    sub_code: Option<serde::de::IgnoredAny>,
    #[serde(default)]
    status_code: Option<serde::de::IgnoredAny>,
    #[serde(default)]
    code: Option<serde::de::IgnoredAny>,
    #[serde(default)]
    extra: Option<serde::de::IgnoredAny>,
    #[serde(default)]
    data: Option<serde::de::IgnoredAny>,
}

/// The envelope a body is written in, by its top-level keys (`err_no`, `status_code`, `code`
/// with `sub_code` (Doudian), `code`, then `extra` / `data`); `None` when it is not a JSON
/// object or has none of them.
pub fn detect(body: &[u8]) -> Option<EnvelopeKind> {
    if !is_object(body) {
        return None;
    }
    let k: Keys = serde_json::from_slice(body).ok()?;
    if k.err_no.is_some() {
        Some(EnvelopeKind::ErrNo)
    } else if k.status_code.is_some() {
        Some(EnvelopeKind::StatusCode)
    } else if k.code.is_some() && k.sub_code.is_some() {
        Some(EnvelopeKind::Doudian)
    } else if k.code.is_some() {
        Some(EnvelopeKind::CodeMsg)
    } else if k.extra.is_some() || k.data.is_some() {
        Some(EnvelopeKind::DataExtra)
    } else {
        None
    }
}

/// The envelope to read `body` of `endpoint` with: the spec's when it is confirmed, else the
/// one the body is written in.
fn envelope_of(endpoint: &Endpoint, body: &[u8]) -> EnvelopeKind {
    let (envelope, evidence) = endpoint.envelope();
    if evidence.is_confirmed() {
        envelope
    } else {
        detect(body).unwrap_or(envelope)
    }
}

/// An answer in one of the platform's envelopes, written with the very field names [`decode`]
/// reads: for code that plays the platform (the sandbox, a test double of it).
///
/// ```
/// use douyin_alliance::endpoint::EnvelopeKind;
/// use douyin_alliance::envelope::Answer;
/// let ok = Answer::success(EnvelopeKind::ErrNo, serde_json::json!({"id": 1})).to_json();
/// assert_eq!(ok, serde_json::json!({"err_no": 0, "err_msg": "success", "data": {"id": 1}}));
/// let err = Answer::error(EnvelopeKind::DataExtra, 2100005, "bad page").logid("L1").to_json();
/// assert_eq!(err["data"], serde_json::json!({"error_code": 2100005, "description": "bad page"}));
/// assert_eq!(err["extra"]["logid"], "L1");
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Answer {
    kind: EnvelopeKind,
    code: i64,
    description: String,
    data: Option<Value>,
    logid: Option<String>,
    now_ms: Option<i64>,
    oauth: bool,
    /// The Doudian gateway's `sub_code` and `sub_msg`.
    sub: Option<(String, String)>,
}

impl Answer {
    /// A success carrying `data` (for `data`+`extra`, an object the status fields are added to).
    pub fn success(kind: EnvelopeKind, data: Value) -> Self {
        Answer {
            kind,
            code: 0,
            description: String::new(),
            data: Some(data),
            logid: None,
            now_ms: None,
            oauth: false,
            sub: None,
        }
    }

    /// An error with the platform's `code` and `description`.
    pub fn error(kind: EnvelopeKind, code: i64, description: impl Into<String>) -> Self {
        Answer {
            kind,
            code,
            description: description.into(),
            data: None,
            logid: None,
            now_ms: None,
            oauth: false,
            sub: None,
        }
    }

    /// The Doudian gateway's `sub_code` and `sub_msg` of an error.
    pub fn sub_code(mut self, sub_code: impl Into<String>, sub_msg: impl Into<String>) -> Self {
        self.sub = Some((sub_code.into(), sub_msg.into()));
        self
    }

    /// The trace id (`extra.logid`, or `log_id`).
    pub fn logid(mut self, logid: impl Into<String>) -> Self {
        self.logid = Some(logid.into());
        self
    }

    /// The server time in milliseconds (`extra.now`).
    pub fn now_ms(mut self, now_ms: i64) -> Self {
        self.now_ms = Some(now_ms);
        self
    }

    /// open.douyin.com's form of `data`+`extra`: a top-level `message`, and an `extra` with only
    /// the trace id and time, on errors only.
    pub fn oauth(mut self) -> Self {
        self.oauth = true;
        self
    }

    /// The answer as JSON.
    pub fn to_json(&self) -> Value {
        let ok = self.code == 0;
        let msg = || {
            Some(if ok && self.description.is_empty() { "success".into() } else { self.description.clone() })
        };
        let written = match self.kind {
            EnvelopeKind::DataExtra => {
                let status =
                    DataStatus { error_code: Some(self.code), description: Some(self.description.clone()) };
                let mut data = match serde_json::to_value(status) {
                    Ok(Value::Object(m)) => m,
                    _ => Map::new(),
                };
                if let Some(Value::Object(payload)) = &self.data {
                    data.extend(payload.clone());
                }
                let traced = self.logid.is_some() || self.now_ms.is_some();
                let extra = match (self.oauth, ok) {
                    (true, false) if traced => {
                        Some(Extra { logid: self.logid.clone(), now: self.now_ms, ..Extra::default() })
                    }
                    (true, _) => None,
                    (false, _) => Some(Extra {
                        error_code: Some(self.code),
                        description: Some(self.description.clone()),
                        sub_error_code: Some(0),
                        sub_description: Some(String::new()),
                        logid: self.logid.clone(),
                        now: self.now_ms,
                    }),
                };
                let message = self.oauth.then_some(if ok { "success" } else { "error" });
                serde_json::to_value(DataExtra { data: Some(data), extra, message })
            }
            EnvelopeKind::ErrNo => serde_json::to_value(ErrNo {
                err_no: Some(self.code),
                err_msg: msg(),
                log_id: self.logid.clone(),
                data: self.data.clone(),
            }),
            EnvelopeKind::CodeMsg => {
                serde_json::to_value(CodeMsg { code: Some(self.code), msg: msg(), data: self.data.clone() })
            }
            EnvelopeKind::StatusCode => serde_json::to_value(StatusCode {
                status_code: Some(self.code),
                status_msg: msg(),
                data: self.data.clone(),
            }),
            EnvelopeKind::Doudian => doudian::write(self),
        };
        // Plain data structures with string keys always serialise.
        written.unwrap_or(Value::Null)
    }
}

/// Sets the trace id and server time of an answer (`extra.logid` / `extra.now`, or `log_id`)
/// where it already has them: a recorded or example answer made fresh.
pub fn refresh_trace(body: &mut Value, logid: &str, now_ms: i64) {
    let extra = Extra { logid: Some(logid.to_string()), now: Some(now_ms), ..Extra::default() };
    let patches = [
        serde_json::to_value(DataExtra::<(), Extra> { data: None, extra: Some(extra), message: None }),
        serde_json::to_value(ErrNo::<()> {
            err_no: None,
            err_msg: None,
            log_id: Some(logid.to_string()),
            data: None,
        }),
    ];
    for patch in patches.into_iter().flatten() {
        overlay(body, &patch);
    }
}

/// Writes the non-null values of `patch` over the keys `body` already has, object by object.
fn overlay(body: &mut Value, patch: &Value) {
    let (Some(body), Some(patch)) = (body.as_object_mut(), patch.as_object()) else { return };
    for (k, v) in patch.iter().filter(|(_, v)| !v.is_null()) {
        match body.get_mut(k) {
            Some(existing) if existing.is_object() && v.is_object() => overlay(existing, v),
            Some(existing) => *existing = v.clone(),
            None => {}
        }
    }
}

/// What the status fields of an envelope say.
enum Status {
    Ok,
    Failed(ApiError),
    /// The body has no recognisable status at all.
    Missing,
    /// An error code, whose details only the full status parse reads.
    Unread,
}

/// Decodes `body` of `endpoint` into its `data` type, or the error the answer carries.
pub fn decode<T: DeserializeOwned + ApiObject>(
    endpoint: &'static Endpoint,
    http_status: u16,
    body: &[u8],
) -> Result<T> {
    let fail = |kind| Err(Error::new(endpoint.name, kind).with_scope_of(endpoint.scope));
    let success_status = (200..300).contains(&http_status);
    let envelope = envelope_of(endpoint, body);
    let parsed = if success_status { Some(parse::<T>(envelope, http_status, body)) } else { None };
    match parsed {
        Some(Ok((Status::Ok, Some(data)))) => return Ok(data),
        Some(Ok((Status::Failed(api), _))) => return fail(ErrorKind::Api(Box::new(api))),
        _ => {}
    }
    // The typed parse failed, or the status was not 2xx: read only the status.
    match status_only(envelope, http_status, body) {
        Some(Status::Failed(api)) => return fail(ErrorKind::Api(Box::new(api))),
        _ if !success_status => {
            return fail(ErrorKind::HttpStatus {
                status: http_status,
                snippet: snippet(body, SNIPPET_CHARS),
                location_host: None,
            });
        }
        _ => {}
    }
    let message = match parsed {
        Some(Err(e)) => e.to_string(),
        Some(Ok((Status::Missing, _))) => "no status fields of the expected envelope".to_string(),
        Some(Ok((Status::Unread, _))) => "the envelope's error status cannot be read".to_string(),
        _ => "the envelope has no `data`".to_string(),
    };
    fail(ErrorKind::Decode {
        message,
        snippet: snippet(body, SNIPPET_CHARS),
        body: RawBody(bytes::Bytes::copy_from_slice(body)),
    })
}

fn api(code: i64, description: Option<String>, http_status: u16) -> ApiError {
    ApiError {
        code,
        description: description.unwrap_or_default(),
        sub_code: None,
        sub_description: None,
        logid: None,
        http_status,
        gateway_sub_code: None,
    }
}

/// Parses the full envelope with typed data.
fn parse<T: DeserializeOwned + ApiObject>(
    kind: EnvelopeKind,
    http: u16,
    body: &[u8],
) -> serde_json::Result<(Status, Option<T>)> {
    if !is_object(body) {
        return Err(serde_json::Error::custom("the body is not a JSON object"));
    }
    Ok(match kind {
        EnvelopeKind::DataExtra => {
            let env: DataExtra<T, ExtraCodes> = serde_json::from_slice(body)?;
            let mut data = env.data;
            let code = match data.as_mut() {
                Some(d) => take_status(d.extra_fields_mut())?,
                None => None,
            };
            crate::object::forget_unknown::<T>(&["error_code", "description"]);
            let extra = env.extra.unwrap_or_default();
            let status = no_error(code, extra.error_code, extra.sub_error_code, data.is_some())
                .unwrap_or(Status::Unread);
            (status, data)
        }
        EnvelopeKind::ErrNo => {
            let env: ErrNo<T> = serde_json::from_slice(body)?;
            let status = coded(env.err_no, env.err_msg, env.log_id, http);
            (status, env.data.or_else(empty_object))
        }
        EnvelopeKind::CodeMsg => {
            let env: CodeMsg<T> = serde_json::from_slice(body)?;
            let status = coded(env.code, env.msg, None, http);
            (status, env.data.or_else(empty_object))
        }
        EnvelopeKind::StatusCode => {
            let env: StatusCode<T> = serde_json::from_slice(body)?;
            let status = coded(env.status_code, env.status_msg, None, http);
            let data = match (env.data, &status) {
                (Some(d), _) => Some(d),
                // No `data`: the business fields sit beside the status.
                (None, Status::Ok) => {
                    let mut d: T = serde_json::from_slice(body)?;
                    const KEYS: [&str; 3] = ["status_code", "status_msg", "data"];
                    for key in KEYS {
                        d.extra_fields_mut().remove(key);
                    }
                    crate::object::forget_unknown::<T>(&KEYS);
                    Some(d)
                }
                (None, _) => None,
            };
            (status, data)
        }
        EnvelopeKind::Doudian => doudian::parse(http, body)?,
    })
}

/// `err_no`/`code` answers may omit `data` on success; an empty object stands in when the type
/// allows it.
fn empty_object<T: DeserializeOwned>() -> Option<T> {
    // From bytes, as the body is read: one instantiation of the type's decoder serves both.
    serde_json::from_slice(b"{}").ok()
}

fn coded(code: Option<i64>, msg: Option<String>, logid: Option<String>, http: u16) -> Status {
    match code {
        None => Status::Missing,
        Some(0) => Status::Ok,
        Some(c) => Status::Failed(ApiError { logid, ..api(c, msg, http) }),
    }
}

/// Whether the body is a JSON object (envelopes are; serde would also read an array into them).
fn is_object(body: &[u8]) -> bool {
    body.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'{')
}

/// Removes `error_code` / `description` (envelope fields) from the data's unknown fields and
/// returns the code. The code is read as leniently as everywhere else (number, numeric string,
/// integral float); a code that cannot be read is an error, never a success.
fn take_status(extra: &mut BTreeMap<String, Value>) -> serde_json::Result<Option<i64>> {
    extra.remove("description");
    match extra.remove("error_code") {
        None | Some(Value::Null) => Ok(None),
        Some(v) => {
            let code = crate::codec::int::<_, i64>(v);
            Ok(Some(code.map_err(|e| serde_json::Error::custom(format!("data.error_code: {e}")))?))
        }
    }
}

/// The success rule of `data` + `extra` when no code is an error: `Ok` if there is `data` or
/// an `extra.error_code` of 0, `Missing` if the body has neither. `None` when a code is non-zero.
fn no_error(
    data_code: Option<i64>,
    extra_code: Option<i64>,
    sub_code: Option<i64>,
    has_data: bool,
) -> Option<Status> {
    if [data_code, extra_code, sub_code].iter().any(|c| c.is_some_and(|c| c != 0)) {
        None
    } else if has_data || extra_code.is_some() {
        Some(Status::Ok)
    } else {
        Some(Status::Missing)
    }
}

fn data_extra_status(
    code: Option<i64>,
    description: Option<String>,
    extra: Option<Extra>,
    http: u16,
    has_data: bool,
) -> Status {
    let extra = extra.unwrap_or_default();
    if let Some(status) = no_error(code, extra.error_code, extra.sub_error_code, has_data) {
        return status;
    }
    let logid = extra.logid.clone().filter(|l| !l.is_empty());
    let data_code = code.unwrap_or(0);
    let extra_code = extra.error_code.unwrap_or(0);
    let sub_code = extra.sub_error_code.unwrap_or(0);
    // Prefer the data-side code, then the gateway's.
    let (code, description) = if data_code != 0 {
        (data_code, description.filter(|d| !d.is_empty()).or(extra.description.clone()))
    } else if extra_code != 0 {
        (extra_code, extra.description.clone().filter(|d| !d.is_empty()).or(description))
    } else {
        (sub_code, extra.sub_description.clone().or(extra.description.clone()))
    };
    Status::Failed(ApiError {
        code,
        description: description.unwrap_or_default(),
        sub_code: extra.sub_error_code.filter(|c| *c != 0),
        sub_description: extra.sub_description.filter(|d| !d.is_empty()),
        logid,
        http_status: http,
        gateway_sub_code: None,
    })
}

/// Parses only the status fields; `None` when the body is not JSON of the envelope's shape.
fn status_only(kind: EnvelopeKind, http: u16, body: &[u8]) -> Option<Status> {
    if !is_object(body) {
        return None;
    }
    match kind {
        EnvelopeKind::DataExtra => {
            let env: DataExtra<DataStatus, Extra> = serde_json::from_slice(body).ok()?;
            let has = env.data.is_some();
            let d = env.data.unwrap_or_default();
            Some(data_extra_status(d.error_code, d.description, env.extra, http, has))
        }
        EnvelopeKind::ErrNo => {
            let env: ErrNo<serde::de::IgnoredAny> = serde_json::from_slice(body).ok()?;
            Some(coded(env.err_no, env.err_msg, env.log_id, http))
        }
        EnvelopeKind::CodeMsg => {
            let env: CodeMsg<serde::de::IgnoredAny> = serde_json::from_slice(body).ok()?;
            Some(coded(env.code, env.msg, None, http))
        }
        EnvelopeKind::StatusCode => {
            let env: StatusCode<serde::de::IgnoredAny> = serde_json::from_slice(body).ok()?;
            Some(coded(env.status_code, env.status_msg, None, http))
        }
        EnvelopeKind::Doudian => doudian::status_only(http, body),
    }
}
