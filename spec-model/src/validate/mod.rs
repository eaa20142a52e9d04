//! Spec files -> validated [`Model`]. Every check that needs more than one key lives here, and
//! every error names the file, the endpoint or type, and the field.

use std::collections::{BTreeMap, BTreeSet};

use crate::error::{Errors, SpecError};
use crate::model::*;
use crate::names;
use crate::spec::{EndpointSpec, EvidenceSpec, FieldSpec, LoadedFile, TypeSpec};

mod endpoints;
mod events;
mod evidence;
mod paging;
mod rest;
mod signed;
mod types;

use crate::positions::*;

/// The field name every generated object reserves for fields the spec does not know.
pub const EXTRA_FIELDS: &str = "extra_fields";

/// Validates the loaded files and resolves them into a model, or returns every problem found.
pub fn validate(files: &[LoadedFile]) -> Result<Model, Errors> {
    let mut cx = Cx { errors: Vec::new(), broken: BTreeSet::new(), sources: BTreeSet::new() };
    let sources = cx.sources(files);
    let types = cx.types(files);
    let endpoints = cx.endpoints(files, &types);
    let events = cx.events(files, &types);
    if !cx.errors.is_empty() {
        return Err(Errors(cx.errors));
    }
    let mut model = Model { endpoints, types: types.into_values().collect(), sources, events };
    mark_lenient(&mut model);
    Ok(model)
}

/// Marks the fields that decode leniently (received, below confirmed), and sets the
/// optionality of the page fields that name them.
fn mark_lenient(m: &mut Model) {
    let sent: BTreeSet<String> = m
        .reachable(m.endpoints.iter().filter_map(|e| e.request_type.as_deref()))
        .into_iter()
        .map(String::from)
        .collect();
    for t in &mut m.types {
        if let TypeKind::Object(fields) = &mut t.kind {
            for f in fields.iter_mut() {
                f.lenient = !sent.contains(&t.name) && !f.evidence.level.is_confirmed();
            }
        }
    }
    // A type reached through a weakly evidenced field is read leniently throughout: that its
    // value is this type at all is the weak fact, so none of its fields may fail the answer.
    let under_weak: BTreeSet<String> = m
        .reachable(
            m.types
                .iter()
                .filter_map(|t| match &t.kind {
                    TypeKind::Object(fields) => Some(fields),
                    TypeKind::Enum(_) => None,
                })
                .flatten()
                .filter(|f| f.lenient)
                .filter_map(|f| f.ty.named()),
        )
        .into_iter()
        .map(String::from)
        .collect();
    for t in &mut m.types {
        if let TypeKind::Object(fields) = &mut t.kind {
            if under_weak.contains(&t.name) && !sent.contains(&t.name) {
                fields.iter_mut().for_each(|f| f.lenient = true);
            }
        }
    }
    let optional: BTreeMap<(String, String), bool> = m
        .types
        .iter()
        .filter_map(|t| match &t.kind {
            TypeKind::Object(fields) => {
                Some(fields.iter().map(|f| ((t.name.clone(), f.wire.clone()), f.optional())))
            }
            TypeKind::Enum(_) => None,
        })
        .flatten()
        .collect();
    for e in &mut m.endpoints {
        let response = e.response_type.clone();
        if let Some(p) = &mut e.pagination {
            for f in [&mut p.total, &mut p.next_cursor].into_iter().flatten().chain([&mut p.items]) {
                if let Some(o) = optional.get(&(response.clone(), f.wire.clone())) {
                    f.optional = *o;
                }
            }
        }
    }
}

struct Cx {
    errors: Vec<SpecError>,
    /// The ids of the source register.
    sources: BTreeSet<String>,
    /// Types with errors of their own: checks that look into them are skipped, so one mistake
    /// gives one message.
    broken: BTreeSet<String>,
}

/// Where one spec item sits, for messages.
struct At<'a> {
    file: &'a LoadedFile,
    item: &'a str,
    /// 1-based line of the item's `name:`.
    line: Option<usize>,
}

impl At<'_> {
    fn make(&self, field: &str, line: Option<usize>, message: impl Into<String>) -> SpecError {
        let mut e = SpecError::new(&self.file.path, message).item(self.item);
        if !field.is_empty() {
            e = e.field(field);
        }
        e.line(line.or(self.line))
    }

    /// An error about the spec key `path` of this item (dotted, e.g. `pagination.total`), placed
    /// on that key's line when the item writes it out, else on the item's line.
    fn err(&self, path: &str, message: impl Into<String>) -> SpecError {
        let line = match (path, self.line) {
            ("", _) | (_, None) => None,
            (_, Some(l)) => key_line(&self.file.text, l, path),
        };
        self.make(path, line, message)
    }

    /// An error about the object field whose `name:` is `wire`, placed on the line of its
    /// `nth` definition (1-based) in this item.
    fn field(&self, wire: &str, nth: usize, message: impl Into<String>) -> SpecError {
        let line = self.line.and_then(|l| entry_line(&self.file.text, l, "name", wire, nth));
        self.make(wire, line, message)
    }

    /// An error about the enum value `wire` (its `nth` listing), placed on its `value:` line.
    fn value(&self, wire: &str, nth: usize, message: impl Into<String>) -> SpecError {
        let line = self.line.and_then(|l| entry_line(&self.file.text, l, "value", wire, nth));
        self.make(
            "enum.values",
            line.or_else(|| self.line.and_then(|l| key_line(&self.file.text, l, "enum.values"))),
            message,
        )
    }
}

/// The vocabulary word `value` spells, or the hint listing every spelling.
macro_rules! spelled {
    ($ty:ty, $value:expr) => {
        <$ty>::from_spec($value).ok_or_else(<$ty>::spellings)
    };
}
use spelled;
