//! What the platform really sends, counted: a [`Hook`] that records, per endpoint and JSON
//! path of each answer, how often a key was present and which JSON kinds it had (for strings
//! their lengths, never their values), which keys the spec's types did not know and which
//! weakly evidenced fields came in another shape, and which envelope each answer had. Turn it
//! on with [`crate::ClientBuilder::record_drift`]; take a [`DriftSnapshot`] now and then, merge
//! the snapshots of a fleet, and feed them to `cargo xtask drift` (a later step).
//!
//! Nothing secret can enter it: kinds, counts and lengths only. Its memory is bounded whatever
//! the traffic: at most [`MAX_PATHS`] paths per endpoint (then the endpoint is marked
//! `truncated`), at most [`MAX_ITEMS`] items of each array per answer, and keys made only of
//! digits (ids used as map keys) are counted as one key `*`.
//!
//! Its cost is bounded too: walking an answer costs about what decoding it does, so the
//! recorder walks every answer of an endpoint only until it has recorded
//! [`Sampling::first`] of them, then one in [`Sampling::every`] ([`Sampling::default`]: the
//! first 100, then 1 in 100; the call benchmark's `recorder_user_*` figures). An endpoint's
//! `offered` counts every answer it was handed, `answers` the ones recorded.

use std::collections::BTreeMap;
use std::sync::Mutex;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::hooks::{Answer, Hook};

/// Paths kept per endpoint.
pub const MAX_PATHS: usize = 2_048;
/// Items of one array walked per answer.
pub const MAX_ITEMS: usize = 32;

/// The kinds one JSON path was seen with, and how often.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PathStats {
    /// Times the key was present (an object path counts the objects there).
    pub seen: u64,
    /// `null`.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub null: u64,
    /// `true` / `false`.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub bool: u64,
    /// Integers.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub int: u64,
    /// Other numbers.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub float: u64,
    /// Strings (of which `numeric_string` read as numbers).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub string: u64,
    /// Strings that read as numbers (`"3450632721376902816"`, `"0.50"`): what float fields read.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub numeric_string: u64,
    /// Strings that read as integers (`"3450632721376902816"`, not `"0.50"`): what integer and
    /// id fields read.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub integer_string: u64,
    /// Objects.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub object: u64,
    /// Arrays.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub array: u64,
    /// The shortest string seen, in characters.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_len: Option<u32>,
    /// The longest string seen, in characters.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_len: Option<u32>,
}

fn is_zero(n: &u64) -> bool {
    *n == 0
}

impl PathStats {
    fn count(&mut self, v: &Value) {
        self.seen += 1;
        match v {
            Value::Null => self.null += 1,
            Value::Bool(_) => self.bool += 1,
            Value::Number(n) if n.is_i64() || n.is_u64() => self.int += 1,
            Value::Number(_) => self.float += 1,
            Value::String(s) => {
                self.string += 1;
                let t = s.trim();
                if !t.is_empty() && t.parse::<f64>().is_ok() {
                    self.numeric_string += 1;
                    if t.parse::<i64>().is_ok() || t.parse::<u64>().is_ok() {
                        self.integer_string += 1;
                    }
                }
                let len = u32::try_from(s.chars().count()).unwrap_or(u32::MAX);
                self.min_len = Some(self.min_len.map_or(len, |m| m.min(len)));
                self.max_len = Some(self.max_len.map_or(len, |m| m.max(len)));
            }
            Value::Object(_) => self.object += 1,
            Value::Array(_) => self.array += 1,
        }
    }

    fn merge(&mut self, o: &PathStats) {
        self.seen += o.seen;
        self.null += o.null;
        self.bool += o.bool;
        self.int += o.int;
        self.float += o.float;
        self.string += o.string;
        self.numeric_string += o.numeric_string;
        self.integer_string += o.integer_string;
        self.object += o.object;
        self.array += o.array;
        self.min_len = match (self.min_len, o.min_len) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        self.max_len = match (self.max_len, o.max_len) {
            (Some(a), Some(b)) => Some(a.max(b)),
            (a, b) => a.or(b),
        };
    }
}

/// Which answers the recorder walks: every answer of an endpoint until `first` are recorded,
/// then one in `every`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Sampling {
    /// Answers of each endpoint recorded before sampling starts.
    pub first: u64,
    /// Then one answer in this many is recorded (at least 1).
    pub every: u64,
}

impl Sampling {
    /// Every answer (for tests and short runs; it costs about a second decode per answer).
    pub const ALL: Sampling = Sampling { first: u64::MAX, every: 1 };

    /// Whether the `n`th answer (from 1) an endpoint was handed is recorded.
    fn takes(&self, n: u64) -> bool {
        n <= self.first || (n - self.first) % self.every.max(1) == 0
    }
}

impl Default for Sampling {
    /// The first 100 answers of each endpoint, then 1 in 100.
    fn default() -> Self {
        Sampling { first: 100, every: 100 }
    }
}

/// What one endpoint's answers carried.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct EndpointDrift {
    /// Answers recorded.
    pub answers: u64,
    /// Answers the recorder was handed: recorded, or passed over by its [`Sampling`].
    #[serde(default)]
    pub offered: u64,
    /// Answers that did not decode into the typed data.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub undecoded: u64,
    /// The envelope each answer had (`data_extra`, `doudian`, …; `none` when not an object).
    pub envelopes: BTreeMap<String, u64>,
    /// Every JSON path (`data.results[].title`) with its kinds.
    pub paths: BTreeMap<String, PathStats>,
    /// Keys no field of their type named, by path, as the decoders reported them.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub unknown: BTreeMap<String, u64>,
    /// Weakly evidenced fields whose value had another shape, by path.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub lenient_misses: BTreeMap<String, u64>,
    /// Paths were left out: the endpoint reached [`MAX_PATHS`].
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub truncated: bool,
}

impl EndpointDrift {
    fn merge(&mut self, o: &EndpointDrift) {
        self.answers += o.answers;
        self.offered += o.offered;
        self.undecoded += o.undecoded;
        for (k, n) in &o.envelopes {
            *self.envelopes.entry(k.clone()).or_default() += n;
        }
        for (k, n) in &o.unknown {
            *self.unknown.entry(k.clone()).or_default() += n;
        }
        for (k, n) in &o.lenient_misses {
            *self.lenient_misses.entry(k.clone()).or_default() += n;
        }
        for (path, s) in &o.paths {
            if let Some(mine) = self.paths.get_mut(path) {
                mine.merge(s);
            } else if self.paths.len() < MAX_PATHS {
                self.paths.insert(path.clone(), s.clone());
            } else {
                self.truncated = true;
            }
        }
        self.truncated |= o.truncated;
    }
}

/// Everything recorded, per endpoint: what a snapshot file holds.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DriftSnapshot {
    /// Per endpoint name.
    pub endpoints: BTreeMap<String, EndpointDrift>,
}

impl DriftSnapshot {
    /// Adds `other`'s counts (another replica's, another day's).
    pub fn merge(&mut self, other: &DriftSnapshot) {
        for (name, d) in &other.endpoints {
            self.endpoints.entry(name.clone()).or_default().merge(d);
        }
    }

    /// The snapshot as pretty JSON.
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_default()
    }

    /// A snapshot read back from [`Self::to_json`].
    pub fn from_json(text: &str) -> Result<Self, serde_json::Error> {
        serde_json::from_str(text)
    }
}

/// The recorder: a [`Hook`] that counts each answer it samples into its [`DriftSnapshot`].
#[derive(Debug, Default)]
pub struct DriftRecorder {
    state: Mutex<DriftSnapshot>,
    sampling: Sampling,
}

impl DriftRecorder {
    /// An empty recorder with the default [`Sampling`].
    pub fn new() -> Self {
        Self::default()
    }

    /// An empty recorder that walks the answers `sampling` picks.
    pub fn with_sampling(sampling: Sampling) -> Self {
        DriftRecorder { state: Mutex::default(), sampling }
    }

    /// What was recorded so far.
    pub fn snapshot(&self) -> DriftSnapshot {
        self.state.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }

    /// What was recorded so far, and a fresh start.
    pub fn take(&self) -> DriftSnapshot {
        std::mem::take(&mut *self.state.lock().unwrap_or_else(|p| p.into_inner()))
    }

    /// Counts one answer of `endpoint`, when the sampling picks it.
    fn record(&self, endpoint: &str, answer: &Answer<'_>) {
        {
            let mut state = self.state.lock().unwrap_or_else(|p| p.into_inner());
            if !state.endpoints.contains_key(endpoint) {
                state.endpoints.insert(endpoint.to_string(), EndpointDrift::default());
            }
            let Some(d) = state.endpoints.get_mut(endpoint) else { return };
            d.offered += 1;
            if !self.sampling.takes(d.offered) {
                return;
            }
        }
        let envelope = crate::envelope::detect(answer.body).map_or("none", |k| k.as_str());
        // Walked outside the lock; only the counts go in under it.
        let mut seen: Vec<(String, PathStats)> = Vec::new();
        if let Ok(v) = serde_json::from_slice::<Value>(answer.body) {
            let mut path = String::new();
            walk(&v, &mut path, &mut seen);
        }
        let mut state = self.state.lock().unwrap_or_else(|p| p.into_inner());
        let Some(d) = state.endpoints.get_mut(endpoint) else { return };
        d.answers += 1;
        d.undecoded += u64::from(!answer.decoded);
        *d.envelopes.entry(envelope.to_string()).or_default() += 1;
        for p in &answer.report.unknown {
            *d.unknown.entry(p.to_string()).or_default() += 1;
        }
        for p in &answer.report.lenient_misses {
            *d.lenient_misses.entry(p.to_string()).or_default() += 1;
        }
        for (path, s) in seen {
            if let Some(mine) = d.paths.get_mut(&path) {
                mine.merge(&s);
            } else if d.paths.len() < MAX_PATHS {
                d.paths.insert(path, s);
            } else {
                d.truncated = true;
            }
        }
    }
}

impl Hook for DriftRecorder {
    fn on_answer(&self, answer: &Answer<'_>) {
        self.record(answer.endpoint.name, answer);
    }
}

impl Hook for std::sync::Arc<DriftRecorder> {
    fn on_answer(&self, answer: &Answer<'_>) {
        self.record(answer.endpoint.name, answer);
    }
}

/// Counts `v` at `path` and below, into `out` (one entry per path of this answer).
fn walk(v: &Value, path: &mut String, out: &mut Vec<(String, PathStats)>) {
    if !path.is_empty() {
        match out.iter_mut().find(|(p, _)| p == path) {
            Some((_, s)) => s.count(v),
            None => {
                let mut s = PathStats::default();
                s.count(v);
                out.push((path.clone(), s));
            }
        }
    }
    match v {
        Value::Object(m) => {
            for (k, child) in m {
                let len = path.len();
                if !path.is_empty() {
                    path.push('.');
                }
                // Ids used as keys (a map keyed by SKU id) are one key.
                if !k.is_empty() && k.bytes().all(|b| b.is_ascii_digit()) {
                    path.push('*');
                } else {
                    path.push_str(k);
                }
                walk(child, path, out);
                path.truncate(len);
            }
        }
        Value::Array(items) => {
            let len = path.len();
            path.push_str("[]");
            for item in items.iter().take(MAX_ITEMS) {
                walk(item, path, out);
            }
            path.truncate(len);
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn walked(v: Value) -> BTreeMap<String, PathStats> {
        let mut out = Vec::new();
        walk(&v, &mut String::new(), &mut out);
        out.into_iter().collect()
    }

    #[test]
    fn paths_count_kinds_and_lengths_never_values() {
        let paths = walked(serde_json::json!({
            "data": {"results": [
                {"product_id": "3450632721376902816", "title": "secret-looking title"},
                {"product_id": 3450632721376902817u64, "title": null},
            ], "skus": {"1234": {"p": 1}, "5678": {"p": 2}}},
        }));
        let id = &paths["data.results[].product_id"];
        assert_eq!((id.seen, id.string, id.numeric_string, id.integer_string, id.int), (2, 1, 1, 1, 1));
        let price = &walked(serde_json::json!({"price": "0.50"}))["price"];
        assert_eq!((price.numeric_string, price.integer_string), (1, 0), "a decimal is no integer");
        let title = &paths["data.results[].title"];
        assert_eq!((title.seen, title.string, title.null, title.min_len), (2, 1, 1, Some(20)));
        assert_eq!(paths["data.results[]"].object, 2);
        assert_eq!(paths["data.skus.*.p"].seen, 2, "digit keys are one key");
        let text = serde_json::to_string(&paths).unwrap();
        assert!(!text.contains("secret-looking") && !text.contains("3450632721376902816"), "{text}");
    }

    #[test]
    fn sampling_records_the_first_answers_then_one_in_every() {
        let s = Sampling { first: 3, every: 4 };
        let taken: Vec<u64> = (1..=15).filter(|n| s.takes(*n)).collect();
        assert_eq!(taken, [1, 2, 3, 7, 11, 15]);
        assert!((1..1000).all(|n| Sampling::ALL.takes(n)));
        assert!(Sampling { first: 0, every: 0 }.takes(5), "every 0 is every 1");
    }

    #[test]
    fn snapshots_merge_and_stay_bounded() {
        let mut a = EndpointDrift::default();
        let wide: serde_json::Map<String, Value> =
            (0..MAX_PATHS + 100).map(|i| (format!("k{i}"), Value::Null)).collect();
        let mut out = Vec::new();
        walk(&Value::Object(wide), &mut String::new(), &mut out);
        a.merge(&EndpointDrift { answers: 1, paths: out.into_iter().collect(), ..Default::default() });
        assert_eq!(a.paths.len(), MAX_PATHS);
        assert!(a.truncated);
        let mut s = DriftSnapshot::default();
        s.endpoints.insert("e".into(), a.clone());
        let mut twice = s.clone();
        twice.merge(&s);
        assert_eq!(twice.endpoints["e"].answers, 2);
        assert_eq!(twice.endpoints["e"].paths["k0"].seen, 2);
        assert_eq!(DriftSnapshot::from_json(&twice.to_json()).unwrap(), twice);
    }
}
