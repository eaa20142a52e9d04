//! `cargo xtask drift SNAPSHOT.json…`: what recorded answers say about the spec. The snapshots
//! are the SDK's `drift::DriftSnapshot` (written by `DriftRecorder`), merged; each endpoint's
//! `data` paths are walked through its response type, and the report says, per type and field:
//! a field the spec types one way that came another ("`Order.shop_id`: spec id, seen string in
//! 812 of 1,000"), a key the spec does not have ("new field `Order.ad_type`: string, 1,000 of
//! 1,000"), a field never present, and the envelope each endpoint's answers had when it is not
//! the spec's. Nothing is edited; absences are reported, never acted on.
//!
//! The snapshot format is read here by its own small serde mirror: xtask does not link the SDK.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::Path;

use codegen::model::{Model, NamedType, Ty, TypeKind};
use serde::Deserialize;

/// The fields of a `PathStats` the report reads.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(default)]
pub struct Kinds {
    pub seen: u64,
    pub null: u64,
    pub bool: u64,
    pub int: u64,
    pub float: u64,
    pub string: u64,
    pub numeric_string: u64,
    pub integer_string: u64,
    pub object: u64,
    pub array: u64,
}

/// The fields of an `EndpointDrift` the report reads.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct Endpoint {
    pub answers: u64,
    /// Answers handed to the recorder, sampled or not (0 in older snapshots).
    pub offered: u64,
    pub envelopes: BTreeMap<String, u64>,
    pub paths: BTreeMap<String, Kinds>,
}

/// A `DriftSnapshot`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct Snapshot {
    pub endpoints: BTreeMap<String, Endpoint>,
}

fn add(into: &mut Kinds, k: &Kinds) {
    into.seen += k.seen;
    into.null += k.null;
    into.bool += k.bool;
    into.int += k.int;
    into.float += k.float;
    into.string += k.string;
    into.numeric_string += k.numeric_string;
    into.integer_string += k.integer_string;
    into.object += k.object;
    into.array += k.array;
}

/// The snapshots at `paths`, merged.
pub fn load(paths: &[impl AsRef<Path>]) -> Result<Snapshot, String> {
    let mut all = Snapshot::default();
    for p in paths {
        let p = p.as_ref();
        let text = std::fs::read_to_string(p).map_err(|e| format!("cannot read {}: {e}", p.display()))?;
        let s: Snapshot = serde_json::from_str(&text)
            .map_err(|e| format!("{} is not a drift snapshot: {e}", p.display()))?;
        for (name, e) in s.endpoints {
            let mine = all.endpoints.entry(name).or_default();
            mine.answers += e.answers;
            mine.offered += e.offered;
            for (k, n) in e.envelopes {
                *mine.envelopes.entry(k).or_default() += n;
            }
            for (path, k) in e.paths {
                add(mine.paths.entry(path).or_default(), &k);
            }
        }
    }
    Ok(all)
}

/// One finding of the report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Finding {
    /// A field seen with kinds its spec type does not take.
    OtherShape { endpoint: String, field: String, spec: String, seen: String },
    /// A key the type does not have.
    NewField { endpoint: String, field: String, seen: String },
    /// A field present with a value (never `null`) in every object of its type, with kinds its
    /// spec type takes (not reported; `--patch` raises its evidence to `observed`).
    Holds { endpoint: String, field: String, seen: String },
    /// A field of the type never present where its object was.
    NeverPresent { endpoint: String, field: String, objects: u64 },
    /// An envelope other than the spec's.
    Envelope { endpoint: String, spec: String, seen: String },
}

impl std::fmt::Display for Finding {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Finding::OtherShape { endpoint, field, spec, seen } => {
                write!(f, "{endpoint}: `{field}`: spec {spec}, seen {seen}")
            }
            Finding::NewField { endpoint, field, seen } => {
                write!(f, "{endpoint}: new field `{field}`: {seen}")
            }
            Finding::NeverPresent { endpoint, field, objects } => {
                write!(f, "{endpoint}: `{field}`: never present in {objects}")
            }
            Finding::Envelope { endpoint, spec, seen } => {
                write!(f, "{endpoint}: envelope: spec {spec}, seen {seen}")
            }
            Finding::Holds { endpoint, field, seen } => write!(f, "{endpoint}: `{field}` holds: {seen}"),
        }
    }
}

/// `k`'s kinds as text: "string in 812 of 1000", the largest first.
fn kinds_text(k: &Kinds) -> String {
    let mut parts: Vec<(u64, String)> = [
        (k.string, "string"),
        (k.int, "integer"),
        (k.float, "float"),
        (k.bool, "bool"),
        (k.null, "null"),
        (k.object, "object"),
        (k.array, "array"),
    ]
    .into_iter()
    .filter(|(n, _)| *n > 0)
    .map(|(n, name)| {
        let numeric = if name == "string" && k.numeric_string > 0 {
            format!(" ({} numeric)", k.numeric_string)
        } else {
            String::new()
        };
        (n, format!("{name} in {n} of {}{numeric}", k.seen))
    })
    .collect();
    parts.sort_by_key(|p| std::cmp::Reverse(p.0));
    parts.into_iter().map(|(_, t)| t).collect::<Vec<_>>().join(", ")
}

/// Whether a value of kinds `k` reads as `ty` (the SDK's leniency: numbers as strings and back,
/// 0/1 booleans; `null` is an absent value).
fn fits(ty: &Ty, k: &Kinds, types: &BTreeMap<&str, &NamedType>) -> bool {
    let other = |allowed: u64| k.seen.saturating_sub(k.null).saturating_sub(allowed) == 0;
    match ty {
        Ty::String | Ty::Secret => other(k.string + k.int + k.float),
        Ty::Id | Ty::I32 | Ty::I64 => other(k.int + k.integer_string),
        Ty::F64 => other(k.int + k.float + k.numeric_string),
        Ty::Bool => other(k.bool + k.int + k.string),
        Ty::Json => true,
        Ty::List(_) => other(k.array),
        Ty::Map(_) => other(k.object),
        Ty::Named(n) => match types.get(n.as_str()).map(|t| &t.kind) {
            Some(TypeKind::Object(_)) => other(k.object),
            Some(TypeKind::Enum(e)) if e.int => other(k.int + k.integer_string),
            Some(TypeKind::Enum(_)) => other(k.string + k.int),
            None => true,
        },
    }
}

fn ty_text(ty: &Ty) -> String {
    match ty {
        Ty::String => "string".into(),
        Ty::Secret => "secret".into(),
        Ty::Bool => "bool".into(),
        Ty::I32 => "i32".into(),
        Ty::I64 => "i64".into(),
        Ty::F64 => "f64".into(),
        Ty::Id => "id".into(),
        Ty::Json => "json".into(),
        Ty::List(t) => format!("list<{}>", ty_text(t)),
        Ty::Map(t) => format!("map<{}>", ty_text(t)),
        Ty::Named(n) => n.clone(),
    }
}

/// The object type a field of type `ty` leads into (through lists), and the path suffix.
fn object_of<'m>(ty: &Ty, types: &BTreeMap<&str, &'m NamedType>) -> Option<(&'m NamedType, &'static str)> {
    match ty {
        Ty::List(inner) => object_of(inner, types).map(|(t, _)| (t, "[]")),
        Ty::Named(n) => {
            types.get(n.as_str()).filter(|t| matches!(t.kind, TypeKind::Object(_))).map(|t| (*t, ""))
        }
        _ => None,
    }
}

/// The findings of `snapshot` against `model`, in endpoint order (fields that hold left out).
pub fn findings(model: &Model, snapshot: &Snapshot) -> Vec<Finding> {
    all_findings(model, snapshot).into_iter().filter(|f| !matches!(f, Finding::Holds { .. })).collect()
}

/// Every finding, with the fields that hold.
fn all_findings(model: &Model, snapshot: &Snapshot) -> Vec<Finding> {
    let types: BTreeMap<&str, &NamedType> = model.types.iter().map(|t| (t.name.as_str(), t)).collect();
    let mut out = Vec::new();
    for e in &model.endpoints {
        let Some(d) = snapshot.endpoints.get(&e.name) else { continue };
        let spec_envelope = e.envelope().0.as_str().to_string();
        let others: Vec<String> = d
            .envelopes
            .iter()
            .filter(|(k, _)| **k != spec_envelope)
            .map(|(k, n)| format!("{k} in {n} of {}", d.answers))
            .collect();
        if !others.is_empty() {
            out.push(Finding::Envelope {
                endpoint: e.name.clone(),
                spec: spec_envelope,
                seen: others.join(", "),
            });
        }
        let Some(root) = types.get(e.response_type.as_str()) else { continue };
        walk(&e.name, root, "data", d, &types, &mut out);
    }
    out
}

/// Checks the object `t` found at `path` (an object path of the snapshot), then its children.
fn walk(
    endpoint: &str,
    t: &NamedType,
    path: &str,
    d: &Endpoint,
    types: &BTreeMap<&str, &NamedType>,
    out: &mut Vec<Finding>,
) {
    let TypeKind::Object(fields) = &t.kind else { return };
    let objects = d.paths.get(path).map_or(0, |k| k.object);
    if objects == 0 {
        return;
    }
    for f in fields {
        let p = format!("{path}.{}", f.wire);
        let name = format!("{}.{}", t.name, f.wire);
        match d.paths.get(&p) {
            None => out.push(Finding::NeverPresent { endpoint: endpoint.into(), field: name, objects }),
            Some(k) => {
                // Present with a value in every object: a null, read as absent, would not hold
                // a field that is strict afterwards.
                let always = k.seen >= objects && k.null == 0;
                if fits(&f.ty, k, types) && always && object_of(&f.ty, types).is_none() {
                    out.push(Finding::Holds {
                        endpoint: endpoint.into(),
                        field: name.clone(),
                        seen: kinds_text(k),
                    });
                }
                if !fits(&f.ty, k, types) {
                    out.push(Finding::OtherShape {
                        endpoint: endpoint.into(),
                        field: name,
                        spec: ty_text(&f.ty),
                        seen: kinds_text(k),
                    });
                }
                if let Some((inner, suffix)) = object_of(&f.ty, types) {
                    walk(endpoint, inner, &format!("{p}{suffix}"), d, types, out);
                }
            }
        }
    }
    // Keys of this object the type does not have: the direct children of `path`.
    let prefix = format!("{path}.");
    for (p, k) in d.paths.range(prefix.clone()..) {
        let Some(key) = p.strip_prefix(&prefix) else { break };
        if key.contains('.') || key.contains("[]") {
            continue;
        }
        if !fields.iter().any(|f| f.wire == key) && !matches!(key, "error_code" | "description") {
            out.push(Finding::NewField {
                endpoint: endpoint.into(),
                field: format!("{}.{key}", t.name),
                seen: kinds_text(k),
            });
        }
    }
}

/// `cargo xtask drift [--patch]`: the report of the snapshots at `paths` against `root`'s spec,
/// and with `patch_spec` its edits written into `spec/*.yaml`.
pub fn run(root: &Path, paths: &[std::path::PathBuf], patch_spec: bool) -> (String, bool) {
    if paths.is_empty() {
        return ("give one or more drift snapshots (DriftRecorder::snapshot().to_json())".into(), false);
    }
    let model =
        match codegen::yaml::load_dir(&root.join("spec")).and_then(|f| codegen::validate::validate(&f)) {
            Ok(m) => m,
            Err(e) => return (format!("{e}"), false),
        };
    let snapshot = match load(paths) {
        Ok(s) => s,
        Err(e) => return (e, false),
    };
    let found = findings(&model, &snapshot);
    let mut report = String::new();
    let answers: u64 = snapshot.endpoints.values().map(|e| e.answers).sum();
    let offered: u64 = snapshot.endpoints.values().map(|e| e.offered.max(e.answers)).sum();
    let _ = write!(report, "{} answers of {} endpoints recorded", answers, snapshot.endpoints.len());
    let _ = if offered > answers { writeln!(report, " (sampled from {offered})") } else { writeln!(report) };
    if found.is_empty() {
        report.push_str("no drift: every recorded answer is what the spec says");
    } else {
        for f in &found {
            let _ = writeln!(report, "{f}");
        }
        let _ = write!(report, "{} finding(s)", found.len());
    }
    if patch_spec {
        match patch(&root.join("spec"), &snapshot, &today()) {
            Ok(edits) => {
                let _ = write!(
                    report,
                    "\n\n{} spec edit(s):\n{}\nnow run `cargo xtask codegen` and `cargo xtask api-diff`",
                    edits.len(),
                    edits.join("\n")
                );
            }
            Err(e) => return (format!("{report}\n\npatching failed: {e}"), false),
        }
    }
    (report, true)
}

/// The spec type a new field's kinds read as.
fn observed_type(key: &str, k: &Kinds) -> &'static str {
    let rest = k.seen.saturating_sub(k.null);
    if rest == 0 || k.object + k.array > 0 {
        "json"
    } else if k.bool == rest {
        "bool"
    } else if k.int + k.integer_string == rest {
        if key == "id" || key.ends_with("_id") {
            "id"
        } else {
            "i64"
        }
    } else if k.int + k.float + k.numeric_string == rest {
        "f64"
    } else if k.string + k.int + k.float == rest {
        "string"
    } else {
        "json"
    }
}

/// The spec type a field of spec type `spec` widens to when it came as `k`: an integer that
/// came as decimals (numbers or their text) becomes `f64`; a scalar that came as other text
/// becomes `string`; anything else `json`.
fn widened(spec: &str, k: &Kinds) -> &'static str {
    let scalar = k.object + k.array == 0;
    let numbers = k.seen.saturating_sub(k.null) == k.int + k.float + k.numeric_string;
    if scalar && numbers && matches!(spec, "i32" | "i64") {
        "f64"
    } else if scalar && k.string > 0 && matches!(spec, "i32" | "i64" | "id" | "f64" | "bool") {
        "string"
    } else {
        "json"
    }
}

/// `cargo xtask drift --patch`: the spec edits the findings call for, written into the spec
/// files under `spec_dir`: new fields added with their observed type, fields of another shape
/// widened, fields that hold raised to `observed`, and an endpoint whose every answer came in
/// one other envelope given that envelope; each with `sources: [live]` and a note of the
/// counts and `date`. Nothing is removed: absences are only reported. Returns one line per
/// edit.
pub fn patch(spec_dir: &Path, snapshot: &Snapshot, date: &str) -> Result<Vec<String>, String> {
    let files = codegen::yaml::load_dir(spec_dir).map_err(|e| e.to_string())?;
    let model = codegen::validate::validate(&files).map_err(|e| e.to_string())?;
    let types: BTreeMap<&str, &NamedType> = model.types.iter().map(|t| (t.name.as_str(), t)).collect();
    let mut texts: BTreeMap<std::path::PathBuf, String> = BTreeMap::new();
    let mut done = Vec::new();
    let mut touched = std::collections::BTreeSet::new();
    let read = |texts: &BTreeMap<std::path::PathBuf, String>, name: &Path| match texts.get(name) {
        Some(t) => Ok(t.clone()),
        None => std::fs::read_to_string(name).map_err(|e| format!("cannot read {}: {e}", name.display())),
    };
    let file_of =
        |file: &str| Path::new(file).file_name().map(|n| spec_dir.join(n)).ok_or("an item without a file");
    for f in all_findings(&model, snapshot) {
        if let Finding::Envelope { endpoint, .. } = &f {
            let (Some(e), Some(d)) =
                (model.endpoints.iter().find(|e| &e.name == endpoint), snapshot.endpoints.get(endpoint))
            else {
                continue;
            };
            // Only when one envelope, not the spec's, carried every answer.
            let [(seen, n)] = d.envelopes.iter().collect::<Vec<_>>()[..] else { continue };
            if seen == "none" || *n != d.answers {
                continue;
            }
            let name = file_of(&e.file)?;
            let text = read(&texts, &name)?;
            let evidence =
                format!("{{level: observed, sources: [live], note: \"{seen} in {n} of {n}, {date}\"}}");
            match codegen::edit::set_response_envelope(&text, endpoint, seen, &evidence) {
                Some(t) => {
                    texts.insert(name, t);
                    done.push(format!("`{endpoint}`: envelope {} -> {seen}", e.envelope().0.as_str()));
                }
                None => {
                    done.push(format!("could not place the envelope of `{endpoint}` in {}", name.display()))
                }
            }
            continue;
        }
        let (field, seen, edit) = match &f {
            Finding::NewField { field, seen, .. } => (field, seen, "new"),
            Finding::OtherShape { field, seen, .. } => (field, seen, "widen"),
            Finding::Holds { field, seen, .. } => (field, seen, "holds"),
            _ => continue,
        };
        // One edit per field, whichever endpoints share its type.
        if !touched.insert(field.clone()) {
            continue;
        }
        let Some((type_name, key)) = field.split_once('.') else { continue };
        let Some(t) = types.get(type_name) else { continue };
        let name = file_of(&t.file)?;
        let text = read(&texts, &name)?;
        let evidence = format!("{{level: observed, sources: [live], note: \"{seen}, {date}\"}}");
        let kinds = kinds_of(snapshot, &f);
        let edited = match edit {
            "new" => {
                let ty = observed_type(key, &kinds);
                let yaml = format!(
                    "name: {key}\ntype: {ty}\ndoc: Seen in live answers; no source of the facts names it.\nevidence: {evidence}"
                );
                codegen::edit::add_field(&text, type_name, &yaml)
                    .map(|t| (t, format!("added `{field}`: {ty}")))
            }
            "widen" => {
                let spec = match &t.kind {
                    TypeKind::Object(fs) => {
                        fs.iter().find(|x| x.wire == key).map(|x| ty_text(&x.ty)).unwrap_or_default()
                    }
                    TypeKind::Enum(_) => String::new(),
                };
                let ty = widened(&spec, &kinds);
                codegen::edit::set_field_key(&text, type_name, key, "type", ty)
                    .and_then(|t| codegen::edit::set_field_key(&t, type_name, key, "evidence", &evidence))
                    .map(|t| (t, format!("widened `{field}`: {spec} -> {ty}")))
            }
            _ => codegen::edit::set_field_key(&text, type_name, key, "evidence", &evidence)
                .map(|t| (t, format!("`{field}`: evidence observed"))),
        };
        match edited {
            Some((t, line)) => {
                texts.insert(name, t);
                done.push(line);
            }
            None => done.push(format!("could not place the edit of `{field}` in {}", name.display())),
        }
    }
    for (path, text) in &texts {
        std::fs::write(path, text).map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    }
    Ok(done)
}

/// The kinds behind a finding: its field's paths in its endpoint's snapshot, merged.
fn kinds_of(snapshot: &Snapshot, f: &Finding) -> Kinds {
    let (Finding::NewField { endpoint, field, .. }
    | Finding::OtherShape { endpoint, field, .. }
    | Finding::Holds { endpoint, field, .. }) = f
    else {
        return Kinds::default();
    };
    let key = field.split_once('.').map_or("", |(_, k)| k);
    let mut k = Kinds::default();
    if let Some(e) = snapshot.endpoints.get(endpoint) {
        for (p, kinds) in &e.paths {
            if p.rsplit_once('.').is_some_and(|(_, last)| last == key) {
                add(&mut k, kinds);
            }
        }
    }
    k
}

/// Today's date (UTC), `YYYY-MM-DD`.
pub fn today() -> String {
    let secs = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs());
    let days = i64::try_from(secs / 86_400).unwrap_or(0);
    // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!("{y:04}-{m:02}-{d:02}")
}
