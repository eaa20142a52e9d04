//! PIDs (推广位) of each authorized subject, for `buyin.kolPid*` (creators, douke) and
//! `buyin.institutePid*` (an institution's douke role): created, listed a page at a time,
//! renamed and deleted; a PID belongs to the subject whose token made it. The sub-codes are
//! those the spec's docs give (from the generated C# SDK): `isv.business-failed:1054` a site
//! name in use, `:1052` more than 2000 PIDs, `isv.parameter-invalid:1055` no such PID.

use std::collections::HashMap;

use serde_json::{json, Value};

use super::page::{by_number, PageShape};
use super::{example_data, Call, GatewayError};
use crate::{lock, Shared};

/// The most PIDs one subject may have.
const MAX_PIDS: usize = 2000;

/// Every subject's PIDs, oldest first.
#[derive(Default)]
pub(crate) struct PidBook {
    by_subject: HashMap<String, Vec<Pid>>,
    made: u64,
}

#[derive(Clone)]
struct Pid {
    pid: String,
    media_type: i64,
    media_id: u64,
    media_name: String,
    site_name: String,
    created: i64,
    updated: i64,
}

impl Pid {
    /// This PID as an item of a list answer, over the example's item `template`.
    fn item(&self, template: &serde_json::Map<String, Value>) -> Value {
        let mut m = template.clone();
        for (k, v) in [
            ("pid", json!(self.pid)),
            ("media_type", json!(self.media_type)),
            ("media_id", json!(self.media_id)),
            ("media_name", json!(self.media_name)),
            ("site_name", json!(self.site_name)),
            ("create_time", json!(self.created)),
            ("update_time", json!(self.updated)),
        ] {
            m.insert(k.into(), v);
        }
        Value::Object(m)
    }
}

impl PidBook {
    /// Whether `pid` is a PID the sandbox made for a subject other than `subject` (a share
    /// with it is refused). A well-formed PID the sandbox never made is taken as one made on
    /// the platform's own pages.
    pub(crate) fn belongs_to_another(&self, subject: &str, pid: &str) -> bool {
        self.by_subject.iter().any(|(who, pids)| who != subject && pids.iter().any(|p| p.pid == pid))
    }
}

/// The subject a call acts for (its token's `authority_id`).
fn subject(call: &Call<'_>) -> String {
    call.grant.as_ref().map(|g| g.authority_id.clone()).unwrap_or_default()
}

/// `buyin.kolPidCreate` / `buyin.institutePidCreate`: a new PID under a media channel, named
/// `site_name` (unique per subject); its id looks like the platform's, `dy_<digits>_<digits>_<digits>`.
pub(super) fn create(sh: &Shared, call: Call<'_>) -> Result<Value, GatewayError> {
    let p = call.params;
    let who = subject(&call);
    let site_name = p.text("site_name").unwrap_or_else(|| "默认推广位".to_string());
    let media_type = p.int("media_type").unwrap_or(4);
    let now = sh.clock.unix_secs();
    let mut book = lock(&sh.gateway);
    book.pids.made += 1;
    let made = book.pids.made;
    let mine = book.pids.by_subject.entry(who.clone()).or_default();
    if mine.iter().any(|x| x.site_name == site_name) {
        return Err(GatewayError::business(1054, format!("推广位名称已存在: `{site_name}` is taken")));
    }
    if mine.len() >= MAX_PIDS {
        return Err(GatewayError::business(1052, format!("推广位数量超过上限: at most {MAX_PIDS} PIDs")));
    }
    let digits: String = who.chars().filter(char::is_ascii_digit).collect();
    let pid = format!(
        "dy_{}_{}_{}",
        if digits.is_empty() { "0" } else { &digits },
        media_type,
        1_660_000_000 + made
    );
    mine.push(Pid {
        pid: pid.clone(),
        media_type,
        media_id: p.id("media_id").unwrap_or(7_000_000_000_000_000_000 + made),
        media_name: p.text("media_name").unwrap_or_else(|| "抖音".to_string()),
        site_name,
        created: now,
        updated: now,
    });
    let mut data = example_data(sh, call.ep);
    data.insert("pid".into(), json!(pid));
    Ok(Value::Object(data))
}

/// `buyin.kolPidList` / `buyin.institutePidList`: the subject's PIDs, filtered by `media_type`,
/// `pid` or a `site_name` substring, a page at a time with the total.
pub(super) fn list(sh: &Shared, call: Call<'_>) -> Result<Value, GatewayError> {
    let p = call.params;
    let shape =
        PageShape::of(call.ep).ok_or_else(|| GatewayError::api_off("the spec gives this method no page"))?;
    let data = example_data(sh, call.ep);
    let template = shape.item_template(&data);
    let book = lock(&sh.gateway);
    let media_type = p.int("media_type");
    let pid = p.text("pid");
    let site = p.text("site_name");
    let hits: Vec<&Pid> = book
        .pids
        .by_subject
        .get(&subject(&call))
        .map(Vec::as_slice)
        .unwrap_or_default()
        .iter()
        .filter(|x| media_type.is_none_or(|m| x.media_type == m))
        .filter(|x| pid.as_ref().is_none_or(|q| &x.pid == q))
        .filter(|x| site.as_ref().is_none_or(|q| x.site_name.contains(q.as_str())))
        .collect();
    let size = p.int("page_size").unwrap_or(100);
    let items = by_number(&hits, p.int("page"), size).into_iter().map(|x| x.item(&template)).collect();
    Ok(shape.answer(data, items, hits.len(), None))
}

/// `buyin.kolPidEdit`: renames one of the subject's PIDs.
pub(super) fn edit(sh: &Shared, call: Call<'_>) -> Result<Value, GatewayError> {
    let p = call.params;
    let pid = p.text("pid").unwrap_or_default();
    let Some(site_name) = p.text("site_name") else {
        return Err(GatewayError::parameter(1049, "推广位名称不合法: `site_name` is required"));
    };
    let now = sh.clock.unix_secs();
    let mut book = lock(&sh.gateway);
    let mine = book.pids.by_subject.entry(subject(&call)).or_default();
    if mine.iter().any(|x| x.site_name == site_name && x.pid != pid) {
        return Err(GatewayError::business(1054, format!("推广位名称已存在: `{site_name}` is taken")));
    }
    let Some(found) = mine.iter_mut().find(|x| x.pid == pid) else {
        return Err(no_such(&pid));
    };
    found.site_name = site_name;
    found.updated = now;
    Ok(Value::Object(example_data(sh, call.ep)))
}

/// `buyin.kolPidDel`: deletes the subject's PIDs in `pids` (comma-separated); all or none.
pub(super) fn delete(sh: &Shared, call: Call<'_>) -> Result<Value, GatewayError> {
    let text = call.params.text("pids").unwrap_or_default();
    let gone: Vec<&str> = text.split(',').map(str::trim).filter(|s| !s.is_empty()).collect();
    let mut book = lock(&sh.gateway);
    let mine = book.pids.by_subject.entry(subject(&call)).or_default();
    if let Some(missing) = gone.iter().find(|g| !mine.iter().any(|x| x.pid == **g)) {
        return Err(no_such(missing));
    }
    if gone.is_empty() {
        return Err(GatewayError::parameter(257, "参数校验失败: `pids` names no PID"));
    }
    mine.retain(|x| !gone.contains(&x.pid.as_str()));
    Ok(Value::Object(example_data(sh, call.ep)))
}

fn no_such(pid: &str) -> GatewayError {
    GatewayError::parameter(1055, format!("推广位不存在: `{pid}` is not one of this account's PIDs"))
}
