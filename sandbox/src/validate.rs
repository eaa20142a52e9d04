//! Request checks as the platform makes them: JSON types, required fields, enum values and the
//! stated constraints of the spec's request type. Query and form values arrive as text, so
//! there a number's text counts as the number.

use douyin_alliance::check;
use serde_json::{Map, Value};
use spec_model::model::{Field, Model, Ty, TypeKind};

/// Where the parameters came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Source {
    /// A JSON body: values have their JSON types.
    Json,
    /// A query string or form body: every scalar is text.
    Text,
}

/// One problem: the path of the field (`products[2].product_id`) and what is wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Violation {
    pub field: String,
    pub problem: String,
    /// The field is absent (the platform answers a different code for that).
    pub missing: bool,
}

/// Checks `params` against the object type `type_name`; the first problem found is returned.
pub(crate) fn check(
    m: &'static Model,
    type_name: &str,
    params: &Map<String, Value>,
    source: Source,
) -> Result<(), Violation> {
    object(m, type_name, params, source, "")
}

/// Text that is a number becomes a JSON number for the numeric fields of `type_name`, so that
/// `min` / `max` apply as to a JSON body (text that is not a number stays text and fails the
/// type check, naming the field).
pub(crate) fn numbers_from_text(m: &Model, type_name: &str, params: &mut Map<String, Value>) {
    let Some(TypeKind::Object(fields)) = named_type(m, type_name).map(|t| &t.kind) else { return };
    for f in fields {
        let Some(Value::String(text)) = params.get(&f.wire) else { continue };
        let number = match f.ty {
            Ty::I32 | Ty::I64 => text.trim().parse::<i64>().ok().map(Value::from),
            Ty::F64 => {
                text.trim().parse::<f64>().ok().and_then(serde_json::Number::from_f64).map(Value::Number)
            }
            _ => None,
        };
        if let Some(n) = number {
            params.insert(f.wire.clone(), n);
        }
    }
}

fn at(path: &str, name: &str) -> String {
    if path.is_empty() {
        name.to_string()
    } else {
        format!("{path}.{name}")
    }
}

fn bad(path: &str, problem: impl Into<String>) -> Violation {
    let field = if path.is_empty() { "(body)".to_string() } else { path.to_string() };
    Violation { field, problem: problem.into(), missing: false }
}

/// The named type called `name` in `m`.
fn named_type<'m>(m: &'m Model, name: &str) -> Option<&'m spec_model::model::NamedType> {
    m.types.iter().find(|t| t.name == name)
}

fn object(
    m: &'static Model,
    name: &str,
    obj: &Map<String, Value>,
    source: Source,
    path: &str,
) -> Result<(), Violation> {
    let Some(t) = named_type(m, name) else { return Err(bad(path, format!("has unknown type {name}"))) };
    let TypeKind::Object(fields) = &t.kind else { return Err(bad(path, "must be an object")) };
    for f in fields {
        let p = at(path, &f.wire);
        match obj.get(&f.wire) {
            None | Some(Value::Null) if f.required => {
                return Err(Violation { field: p, problem: "is required".into(), missing: true })
            }
            None | Some(Value::Null) => {}
            Some(v) => field(m, f, v, source, &p)?,
        }
    }
    Ok(())
}

fn named(m: &'static Model, name: &str, v: &Value, source: Source, path: &str) -> Result<(), Violation> {
    match named_type(m, name).map(|t| &t.kind) {
        Some(TypeKind::Enum(e)) => {
            let wire = match (v, e.int) {
                (Value::Number(n), true) if n.is_i64() => n.to_string(),
                (Value::String(s), true) if source == Source::Text && s.parse::<i64>().is_ok() => s.clone(),
                (Value::String(s), false) => s.clone(),
                _ => return Err(bad(path, if e.int { "must be an integer" } else { "must be a string" })),
            };
            if e.values.iter().any(|x| x.wire == wire) {
                Ok(())
            } else {
                let all: Vec<&str> = e.values.iter().map(|x| x.wire.as_str()).collect();
                Err(bad(path, format!("has value `{wire}`, which is not one of {}", all.join(", "))))
            }
        }
        _ => match v.as_object() {
            Some(obj) => object(m, name, obj, source, path),
            None => Err(bad(path, "must be an object")),
        },
    }
}

/// The field's type, then its stated constraints, checked by the SDK's own checks (the same
/// rules and messages as the client's check before sending).
fn field(
    m: &'static Model,
    f: &'static Field,
    v: &Value,
    source: Source,
    path: &str,
) -> Result<(), Violation> {
    ty(m, &f.ty, v, source, path)?;
    let c = &f.constraints;
    let n = match v {
        Value::Number(n) => n.as_f64(),
        Value::String(s) if source == Source::Text => s.trim().parse().ok(),
        _ => None,
    };
    let text = v.as_str().map(str::to_string);
    let items = v.as_array();
    let broken = || -> Result<(), check::Violation> {
        if let Some(min) = c.min {
            check::min(path, n.as_ref(), min)?;
        }
        if let Some(max) = c.max {
            check::max(path, n.as_ref(), max)?;
        }
        if let Some(max) = c.max_length {
            check::max_length(path, text.as_ref(), max)?;
        }
        if let Some(p) = &c.pattern {
            check::pattern(path, text.as_ref(), p)?;
        }
        if let Some(max) = c.max_items {
            check::max_items(path, items, max)?;
        }
        Ok(())
    };
    broken().map_err(|v| bad(path, v.problem))
}

fn ty(m: &'static Model, t: &Ty, v: &Value, source: Source, path: &str) -> Result<(), Violation> {
    let text = source == Source::Text;
    let ok = match t {
        Ty::String | Ty::Secret => v.is_string(),
        Ty::Bool => v.is_boolean() || (text && matches!(v.as_str(), Some("true" | "false"))),
        Ty::I32 => {
            v.as_i64().is_some_and(|n| i32::try_from(n).is_ok())
                || (text && v.as_str().is_some_and(|s| s.parse::<i32>().is_ok()))
        }
        Ty::I64 => v.is_i64() || (text && v.as_str().is_some_and(|s| s.parse::<i64>().is_ok())),
        Ty::F64 => v.is_number() || (text && v.as_str().is_some_and(|s| s.parse::<f64>().is_ok())),
        Ty::Id => v.is_u64() || v.as_str().is_some_and(|s| !s.is_empty() && s.parse::<u64>().is_ok()),
        Ty::Json => true,
        Ty::List(inner) => {
            let Some(items) = v.as_array() else { return Err(bad(path, "must be an array")) };
            for (i, item) in items.iter().enumerate() {
                ty(m, inner, item, source, &format!("{path}[{i}]"))?;
            }
            true
        }
        Ty::Map(inner) => {
            let Some(obj) = v.as_object() else { return Err(bad(path, "must be an object")) };
            for (k, item) in obj {
                ty(m, inner, item, source, &at(path, k))?;
            }
            true
        }
        Ty::Named(n) => return named(m, n, v, source, path),
    };
    if ok {
        Ok(())
    } else {
        Err(bad(path, format!("must be {}", describe(t))))
    }
}

fn describe(t: &Ty) -> &'static str {
    match t {
        Ty::String | Ty::Secret => "a string",
        Ty::Bool => "a boolean",
        Ty::I32 => "a 32-bit integer",
        Ty::I64 => "a 64-bit integer",
        Ty::F64 => "a number",
        Ty::Id => "a 64-bit id (a non-negative integer or a string of digits)",
        Ty::Json => "JSON",
        Ty::List(_) => "an array",
        Ty::Map(_) | Ty::Named(_) => "an object",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn obj(v: Value) -> Map<String, Value> {
        v.as_object().cloned().unwrap()
    }

    #[test]
    fn bounds_apply_to_query_text_as_to_json_numbers() {
        let q = obj(serde_json::json!({"task_id": "7", "page": "1", "page_size": "50"}));
        let v = check(crate::spec::model().unwrap(), "CaptainTaskProductListRequest", &q, Source::Text)
            .unwrap_err();
        assert_eq!(v.field, "page_size");
        assert!(v.problem.contains("at most 20"), "{}", v.problem);
        let ok = obj(serde_json::json!({"task_id": "7", "page": "1", "page_size": "20"}));
        assert_eq!(
            check(crate::spec::model().unwrap(), "CaptainTaskProductListRequest", &ok, Source::Text),
            Ok(())
        );
        let json = obj(serde_json::json!({"task_id": "7", "page": 1, "page_size": 50}));
        assert_eq!(
            check(crate::spec::model().unwrap(), "CaptainTaskProductListRequest", &json, Source::Json)
                .unwrap_err()
                .field,
            "page_size"
        );
    }

    #[test]
    fn a_missing_field_says_so() {
        let v =
            check(crate::spec::model().unwrap(), "CaptainTaskProductListRequest", &Map::new(), Source::Json)
                .unwrap_err();
        assert!(v.missing);
        assert_eq!(v.problem, "is required");
    }
}
