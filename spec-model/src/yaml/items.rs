//! Reading a spec file item by item, so that one run reports every missing and unknown key of
//! every item instead of serde's first error of the file.
//!
//! serde stays the judge of the format: each top-level key and each item of each list is
//! deserialized on its own, as a one-item [`SpecFile`], from its own YAML text (serde_yaml reads
//! text more leniently than a parsed value: `title: 2024` is a string). serde stops at its first
//! error, so an item is deserialized again after each one, with that error taken out of the way:
//!
//! - an unknown key is recorded and removed;
//! - a missing key is recorded and filled with a stand-in: the first of `""`, `false`, `0`, `[]`
//!   and `{}` that serde accepts there (a `{}` gets stand-ins for its own required keys in
//!   turn). What serde says about a stand-in is about the stand-in, not the spec: not reported;
//! - any other error (a value of the wrong type) is recorded and its value replaced by a stand-in.
//!
//! So every key list and every "required" comes from the `#[derive(Deserialize)]` of
//! [`crate::spec`] itself: there is no second list of keys to keep in step with it.

use serde_yaml::{Mapping, Value};

use crate::positions::Step;
use crate::spec::SpecFile;

/// One problem serde found, at `path` from the top of the file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Problem {
    /// The mapping an unknown or missing key is in, or the value that is wrong.
    pub path: Vec<Step>,
    pub kind: Kind,
}

/// What serde said.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Kind {
    /// `key` is not a key of the struct; `expected` is serde's list of the keys it has.
    Unknown { key: String, expected: Option<String> },
    /// The struct requires `key`.
    Missing { key: String },
    /// Anything else: a value of the wrong type, a duplicate key, a syntax error.
    Other(String),
}

/// Deserializations of one item at most; each one takes one problem out of the way.
const ATTEMPTS: usize = 256;

/// Every problem of the top-level keys and of each item of `root`, item by item in file order.
pub(super) fn check_file(root: &Mapping) -> Vec<Vec<Problem>> {
    let mut out = Vec::new();
    for (key, value) in root {
        // The key itself, with its list emptied: an unknown key is reported once, not per item.
        let shell = if value.is_sequence() { Value::Sequence(Vec::new()) } else { value.clone() };
        let problems = check_doc(one(key, shell));
        if !problems.is_empty() {
            out.push(problems);
            continue;
        }
        for (i, item) in value.as_sequence().into_iter().flatten().enumerate() {
            let mut problems = check_doc(one(key, Value::Sequence(vec![item.clone()])));
            // Deserialized alone, the item is the list's `[0]`.
            for p in &mut problems {
                if let Some(step @ Step::Index(0)) = p.path.get_mut(1) {
                    *step = Step::Index(i);
                }
            }
            if !problems.is_empty() {
                out.push(problems);
            }
        }
    }
    out
}

/// The top-level mapping `{key: value}`.
fn one(key: &Value, value: Value) -> Value {
    let mut m = Mapping::new();
    m.insert(key.clone(), value);
    Value::Mapping(m)
}

/// Every problem of `doc` (a top-level mapping holding one item), as described in the module.
fn check_doc(mut doc: Value) -> Vec<Problem> {
    let stand_ins = || {
        [
            Value::from(""),
            Value::from(false),
            Value::from(0),
            Value::Sequence(Vec::new()),
            Mapping::new().into(),
        ]
    };
    // Paths that hold a stand-in, each with the index of the one tried.
    let mut standing: Vec<(Vec<Step>, usize)> = Vec::new();
    let mut found = Vec::new();
    let mut last = None;
    for _ in 0..ATTEMPTS {
        let Err(e) = serde_yaml::to_string(&doc).and_then(|t| serde_yaml::from_str::<SpecFile>(&t)) else {
            last = None;
            break;
        };
        let problem = classify(&e);
        last = Some(problem.clone());
        let in_stand_in = standing.iter().any(|(p, _)| problem.path.starts_with(p));
        let Problem { path, kind } = problem.clone();
        let fixed = match kind {
            Kind::Unknown { key, .. } => {
                found.push(problem);
                node(&mut doc, &path).and_then(Value::as_mapping_mut).and_then(|m| m.remove(&key)).is_some()
            }
            Kind::Missing { key } => {
                if !in_stand_in {
                    found.push(problem);
                }
                let at = [path.as_slice(), &[Step::Key(key.clone())]].concat();
                standing.push((at, 0));
                let m = node(&mut doc, &path).and_then(Value::as_mapping_mut);
                m.map(|m| m.insert(Value::from(key), stand_ins()[0].clone())).is_some()
            }
            Kind::Other(_) => {
                let tried = match standing.iter_mut().find(|(p, _)| *p == path) {
                    // A stand-in that does not fit: the next one.
                    Some((_, n)) => {
                        *n += 1;
                        *n
                    }
                    None if in_stand_in => stand_ins().len(),
                    None => {
                        found.push(problem);
                        standing.push((path.clone(), 0));
                        0
                    }
                };
                match (stand_ins().get(tried), node(&mut doc, &path)) {
                    (Some(s), Some(v)) => {
                        *v = s.clone();
                        true
                    }
                    _ => false,
                }
            }
        };
        if !fixed {
            break;
        }
    }
    // The item still fails but nothing was recorded: report what serde says last.
    if found.is_empty() {
        found.extend(last);
    }
    drop_typo_twins(found)
}

/// An unknown key that is a near miss of a missing one (`sumary` for `summary`) is one mistake:
/// the "did you mean" of the unknown key says it, so the missing key is not reported again.
fn drop_typo_twins(found: Vec<Problem>) -> Vec<Problem> {
    let meant: Vec<(Vec<Step>, String)> = found
        .iter()
        .filter_map(|p| match &p.kind {
            Kind::Unknown { key, expected: Some(x) } => {
                crate::names::nearest(key, expected_keys(x)).map(|k| (p.path.clone(), k.to_string()))
            }
            _ => None,
        })
        .collect();
    found
        .into_iter()
        .filter(|p| match &p.kind {
            Kind::Missing { key } => !meant.iter().any(|(path, k)| *path == p.path && k == key),
            _ => true,
        })
        .collect()
}

/// The keys of serde's "expected" list: "one of `a`, `b`", "`a` or `b`" or "`a`".
pub(super) fn expected_keys(expected: &str) -> impl Iterator<Item = &str> {
    expected.split('`').skip(1).step_by(2)
}

/// The value at `path` in `doc`.
fn node<'a>(doc: &'a mut Value, path: &[Step]) -> Option<&'a mut Value> {
    path.iter().try_fold(doc, |v, step| match step {
        Step::Key(k) => v.get_mut(k.as_str()),
        Step::Index(i) => v.get_mut(*i),
    })
}

/// serde_yaml's message as a [`Problem`]: it starts with the path of the value concerned
/// (`endpoints[0].request: ...`) and holds the location (dropped: the caller places it).
pub(super) fn classify(e: &serde_yaml::Error) -> Problem {
    let raw = e.to_string();
    // The location may be followed by context: `... at line 2 column 1, while parsing a flow node`.
    let msg = match e.location() {
        Some(l) => raw.replacen(&format!(" at line {} column {}", l.line(), l.column()), "", 1),
        None => raw,
    };
    let msg = msg.as_str();
    let (path, rest) = match msg.split_once(": ").and_then(|(p, r)| Some((parse_path(p)?, r))) {
        Some(found) => found,
        None => (Vec::new(), msg),
    };
    let kind = if let Some(r) = rest.strip_prefix("unknown field ") {
        let (key, expected) = match r.split_once(", expected ") {
            Some((k, x)) => (k, Some(x.to_string())),
            None => (r.split_once(',').map_or(r, |(k, _)| k), None),
        };
        Kind::Unknown { key: unquote(key), expected }
    } else if let Some(r) = rest.strip_prefix("missing field ") {
        Kind::Missing { key: unquote(r) }
    } else {
        Kind::Other(rest.to_string())
    };
    Problem { path, kind }
}

fn unquote(s: &str) -> String {
    s.trim().trim_matches('`').to_string()
}

/// Parses `endpoints[0].request.inject[1]`; `None` when `s` is not such a path.
fn parse_path(s: &str) -> Option<Vec<Step>> {
    let mut steps = Vec::new();
    for part in s.split('.') {
        let (key, mut indexes) = match part.find('[') {
            Some(i) => (&part[..i], &part[i..]),
            None => (part, ""),
        };
        if key.is_empty() || !key.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
            return None;
        }
        steps.push(Step::Key(key.to_string()));
        while !indexes.is_empty() {
            let close = indexes.find(']')?;
            steps.push(Step::Index(indexes.get(1..close)?.parse().ok()?));
            indexes = &indexes[close + 1..];
            if !indexes.is_empty() && !indexes.starts_with('[') {
                return None;
            }
        }
    }
    Some(steps)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(k: &str) -> Step {
        Step::Key(k.to_string())
    }

    fn problems(text: &str) -> Vec<Vec<Problem>> {
        let root: Value = serde_yaml::from_str(text).unwrap();
        check_file(root.as_mapping().unwrap())
    }

    #[test]
    fn every_missing_and_unknown_key_of_an_item_is_found_and_the_next_item_is_read() {
        let text = "sources:\n  - {titl: One}\n  - {id: S2}\n  - {id: S3, title: Three}\n";
        let missing = |i, k: &str| Problem {
            path: vec![key("sources"), Step::Index(i)],
            kind: Kind::Missing { key: k.to_string() },
        };
        let unknown = Problem {
            path: vec![key("sources"), Step::Index(0)],
            kind: Kind::Unknown { key: "titl".to_string(), expected: Some("`id` or `title`".to_string()) },
        };
        // `titl` names `title`, so `title` is not reported missing as well; `id` is.
        assert_eq!(problems(text), [vec![unknown, missing(0, "id")], vec![missing(1, "title")]]);
    }

    #[test]
    fn stand_ins_fill_missing_structs_and_their_errors_are_not_reported() {
        // `response` is a required struct; `retry_safe` a required bool given a string.
        let text = "endpoints:\n  - name: a\n    summary: s\n    title_zh: t\n    doc_url: u\n    \
                    server: x\n    method: GET\n    path: /p\n    auth: none\n    retry_safe: often\n";
        let all = problems(text);
        let item = vec![key("endpoints"), Step::Index(0)];
        let bool_path = [item.as_slice(), &[key("retry_safe")]].concat();
        assert_eq!(
            all,
            [vec![
                Problem {
                    path: bool_path,
                    kind: Kind::Other("invalid type: string \"often\", expected a boolean".to_string())
                },
                Problem { path: item, kind: Kind::Missing { key: "response".to_string() } },
            ]]
        );
    }

    #[test]
    fn an_unknown_top_level_key_is_reported_once() {
        let all = problems("typse:\n  - name: A\n  - name: B\n");
        assert_eq!(all.len(), 1, "{all:#?}");
        assert!(
            matches!(&all[0][..], [Problem { path, kind: Kind::Unknown { key, .. } }] if path.is_empty() && key == "typse")
        );
    }

    #[test]
    fn serde_yaml_messages_are_split_into_path_and_kind() {
        let e = serde_yaml::from_str::<SpecFile>(
            "types:\n  - name: A\n    doc: d\n    fields:\n      - {name: x}\n",
        )
        .unwrap_err();
        let p = classify(&e);
        assert_eq!(p.path, [key("types"), Step::Index(0), key("fields"), Step::Index(0)]);
        assert_eq!(p.kind, Kind::Missing { key: "type".to_string() });
        assert_eq!(expected_keys("one of `a`, `b`").collect::<Vec<_>>(), ["a", "b"]);
        assert_eq!(expected_keys("`a` or `b`").collect::<Vec<_>>(), ["a", "b"]);
    }
}
