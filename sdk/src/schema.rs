//! The spec's types as data, and one validator over JSON values that both sides use: the client
//! checks stated constraints before sending; the sandbox checks everything the platform would.

use std::collections::HashMap;
use std::sync::{Mutex, OnceLock};

use serde_json::Value;

/// A named type of the spec.
#[derive(Debug, Clone, Copy)]
pub struct TypeSchema {
    /// PascalCase name.
    pub name: &'static str,
    /// Object or enum.
    pub kind: SchemaKind,
}

/// Object or enum.
#[derive(Debug, Clone, Copy)]
pub enum SchemaKind {
    /// An object with fields.
    Object(&'static [FieldSchema]),
    /// An enum with documented wire values (integers written as strings).
    Enum {
        /// Whether the wire values are integers.
        int: bool,
        /// Documented values.
        values: &'static [&'static str],
    },
}

/// One field.
#[derive(Debug, Clone, Copy)]
pub struct FieldSchema {
    /// Wire name.
    pub name: &'static str,
    /// Type.
    pub ty: FieldType,
    /// Required.
    pub required: bool,
    /// Smallest value.
    pub min: Option<i64>,
    /// Largest value.
    pub max: Option<i64>,
    /// Longest string, in characters.
    pub max_length: Option<u64>,
    /// Most list items.
    pub max_items: Option<u64>,
    /// Anchored regex.
    pub pattern: Option<&'static str>,
}

/// Field type.
#[derive(Debug, Clone, Copy)]
pub enum FieldType {
    /// String.
    String,
    /// Credential string.
    Secret,
    /// Bool.
    Bool,
    /// 32-bit integer.
    I32,
    /// 64-bit integer.
    I64,
    /// Float.
    F64,
    /// 64-bit id (number or string of digits).
    Id,
    /// Any JSON.
    Json,
    /// Array.
    List(&'static FieldType),
    /// Object with string keys.
    Map(&'static FieldType),
    /// Named type.
    Named(&'static str),
}

/// Every named type, sorted by name.
pub fn types() -> &'static [TypeSchema] {
    crate::generated::schema::TYPES
}

/// The named type `name`.
pub fn find(name: &str) -> Option<&'static TypeSchema> {
    let t = types();
    t.binary_search_by(|s| s.name.cmp(name)).ok().map(|i| &t[i])
}

/// How strictly to check.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// The client before sending: the stated constraints only (the Rust types already fix the
    /// shape, and an `Unknown` enum value is the caller's deliberate choice).
    Constraints,
    /// The sandbox on a JSON or form body: JSON types, required fields, enum values, constraints.
    Strict,
    /// The sandbox on a query string: like `Strict`, but every scalar arrives as a string.
    StrictQuery,
}

/// One problem with a value: the path of the field (`products[2].product_id`) and what is wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Violation {
    /// Dotted path of the field.
    pub field: String,
    /// What is wrong.
    pub problem: String,
}

/// Checks `value` against the named type `type_name`; the first problem found is returned.
pub fn validate(type_name: &str, value: &Value, mode: Mode) -> Result<(), Violation> {
    check_named(type_name, value, mode, &Path::Root)
}

/// Whether a value of the named type can break a stated constraint (`min`, `max`,
/// `max_length`, `max_items`, `pattern`) in any of its fields or nested types. When it cannot,
/// [`Mode::Constraints`] has nothing to check and the client skips it. Unknown types answer
/// `true`, so that checking reports them.
pub fn has_constraints(type_name: &str) -> bool {
    static MEMO: OnceLock<HashMap<&'static str, bool>> = OnceLock::new();
    let memo = MEMO.get_or_init(|| {
        types().iter().map(|t| (t.name, named_constrained(t.name, &mut Vec::new()))).collect()
    });
    memo.get(type_name).copied().unwrap_or(true)
}

fn named_constrained(name: &'static str, seen: &mut Vec<&'static str>) -> bool {
    if seen.contains(&name) {
        return false;
    }
    seen.push(name);
    match find(name).map(|t| t.kind) {
        None => true,
        Some(SchemaKind::Enum { .. }) => false,
        Some(SchemaKind::Object(fields)) => fields.iter().any(|f| {
            f.min.is_some()
                || f.max.is_some()
                || f.max_length.is_some()
                || f.max_items.is_some()
                || f.pattern.is_some()
                || type_constrained(&f.ty, seen)
        }),
    }
}

fn type_constrained(ty: &FieldType, seen: &mut Vec<&'static str>) -> bool {
    match ty {
        FieldType::List(inner) | FieldType::Map(inner) => type_constrained(inner, seen),
        FieldType::Named(n) => named_constrained(n, seen),
        _ => false,
    }
}

/// Where a value sits (`products[2].product_id`), written out only for a violation.
#[derive(Clone, Copy)]
enum Path<'a> {
    Root,
    Field(&'a Path<'a>, &'a str),
    Index(&'a Path<'a>, usize),
}

impl std::fmt::Display for Path<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Path::Root => Ok(()),
            Path::Field(Path::Root, name) => f.write_str(name),
            Path::Field(parent, name) => write!(f, "{parent}.{name}"),
            Path::Index(parent, i) => write!(f, "{parent}[{i}]"),
        }
    }
}

fn violation(path: &Path<'_>, problem: impl Into<String>) -> Violation {
    Violation {
        field: match path {
            Path::Root => "(body)".into(),
            _ => path.to_string(),
        },
        problem: problem.into(),
    }
}

fn check_named(name: &str, value: &Value, mode: Mode, path: &Path<'_>) -> Result<(), Violation> {
    let Some(schema) = find(name) else {
        return Err(violation(path, format!("has unknown type {name}")));
    };
    match schema.kind {
        SchemaKind::Object(fields) => {
            let Some(obj) = value.as_object() else {
                return if mode == Mode::Constraints {
                    Ok(())
                } else {
                    Err(violation(path, "must be an object"))
                };
            };
            for f in fields {
                let p = Path::Field(path, f.name);
                match obj.get(f.name) {
                    None | Some(Value::Null) => {
                        if f.required && mode != Mode::Constraints {
                            return Err(violation(&p, "is required"));
                        }
                    }
                    Some(v) => check_field(f, v, mode, &p)?,
                }
            }
            Ok(())
        }
        SchemaKind::Enum { int, values } => {
            if mode == Mode::Constraints {
                return Ok(());
            }
            let wire = match (value, int) {
                (Value::Number(n), true) if n.is_i64() => n.to_string(),
                (Value::String(s), true) if mode == Mode::StrictQuery && s.parse::<i64>().is_ok() => {
                    s.clone()
                }
                (Value::String(s), false) => s.clone(),
                _ => {
                    return Err(violation(path, if int { "must be an integer" } else { "must be a string" }))
                }
            };
            if values.contains(&wire.as_str()) {
                Ok(())
            } else {
                Err(violation(path, format!("has value `{wire}`, which is not one of {}", values.join(", "))))
            }
        }
    }
}

fn check_field(f: &FieldSchema, v: &Value, mode: Mode, path: &Path<'_>) -> Result<(), Violation> {
    check_type(&f.ty, v, mode, path)?;
    if let Some(n) = number(v, mode) {
        if let Some(min) = f.min {
            if n < min as f64 {
                return Err(violation(path, format!("must be at least {min}, got {n}")));
            }
        }
        if let Some(max) = f.max {
            if n > max as f64 {
                return Err(violation(path, format!("must be at most {max}, got {n}")));
            }
        }
    }
    if let Value::String(s) = v {
        if let Some(max) = f.max_length {
            let len = s.chars().count() as u64;
            if len > max {
                return Err(violation(path, format!("must be at most {max} characters, got {len}")));
            }
        }
        if let Some(p) = f.pattern {
            if !matches_pattern(p, s) {
                return Err(violation(path, format!("must match `{p}`")));
            }
        }
    }
    if let (Value::Array(items), Some(max)) = (v, f.max_items) {
        if items.len() as u64 > max {
            return Err(violation(path, format!("must have at most {max} items, got {}", items.len())));
        }
    }
    Ok(())
}

/// The numeric value bounds apply to: a JSON number, or in a query string its text.
fn number(v: &Value, mode: Mode) -> Option<f64> {
    match v {
        Value::Number(n) => n.as_f64(),
        Value::String(s) if mode == Mode::StrictQuery => s.trim().parse().ok(),
        _ => None,
    }
}

fn check_type(ty: &FieldType, v: &Value, mode: Mode, path: &Path<'_>) -> Result<(), Violation> {
    let query = mode == Mode::StrictQuery;
    let ok = match ty {
        _ if mode == Mode::Constraints
            && !matches!(ty, FieldType::List(_) | FieldType::Map(_) | FieldType::Named(_)) =>
        {
            true
        }
        FieldType::String | FieldType::Secret => v.is_string(),
        FieldType::Bool => v.is_boolean() || (query && matches!(v.as_str(), Some("true" | "false"))),
        FieldType::I32 => {
            v.as_i64().is_some_and(|n| i32::try_from(n).is_ok())
                || (query && v.as_str().is_some_and(|s| s.parse::<i32>().is_ok()))
        }
        FieldType::I64 => {
            v.is_i64()
                || v.is_u64() && v.as_u64().is_some_and(|n| i64::try_from(n).is_ok())
                || (query && v.as_str().is_some_and(|s| s.parse::<i64>().is_ok()))
        }
        FieldType::F64 => v.is_number() || (query && v.as_str().is_some_and(|s| s.parse::<f64>().is_ok())),
        FieldType::Id => v.is_u64() || v.as_str().is_some_and(|s| !s.is_empty() && s.parse::<u64>().is_ok()),
        FieldType::Json => true,
        FieldType::List(inner) => {
            let Some(items) = v.as_array() else {
                return if mode == Mode::Constraints {
                    Ok(())
                } else {
                    Err(violation(path, "must be an array"))
                };
            };
            for (i, item) in items.iter().enumerate() {
                check_type(inner, item, mode, &Path::Index(path, i))?;
            }
            true
        }
        FieldType::Map(inner) => {
            let Some(obj) = v.as_object() else {
                return if mode == Mode::Constraints {
                    Ok(())
                } else {
                    Err(violation(path, "must be an object"))
                };
            };
            for (k, item) in obj {
                check_type(inner, item, mode, &Path::Field(path, k))?;
            }
            true
        }
        FieldType::Named(n) => return check_named(n, v, mode, path),
    };
    if ok {
        Ok(())
    } else {
        Err(violation(path, format!("must be {}", describe(ty))))
    }
}

fn describe(ty: &FieldType) -> &'static str {
    match ty {
        FieldType::String | FieldType::Secret => "a string",
        FieldType::Bool => "a boolean",
        FieldType::I32 => "a 32-bit integer",
        FieldType::I64 => "a 64-bit integer",
        FieldType::F64 => "a number",
        FieldType::Id => "a 64-bit id (a non-negative integer or a string of digits)",
        FieldType::Json => "JSON",
        FieldType::List(_) => "an array",
        FieldType::Map(_) | FieldType::Named(_) => "an object",
    }
}

/// Whether `s` matches the anchored pattern `p`; patterns are compiled once and cached.
fn matches_pattern(p: &'static str, s: &str) -> bool {
    static CACHE: OnceLock<Mutex<HashMap<&'static str, Option<regex::Regex>>>> = OnceLock::new();
    let cache = CACHE.get_or_init(Default::default);
    let mut map = match cache.lock() {
        Ok(m) => m,
        Err(poisoned) => poisoned.into_inner(),
    };
    // A pattern that does not compile is a spec bug; it rejects nothing rather than everything.
    map.entry(p).or_insert_with(|| regex::Regex::new(p).ok()).as_ref().is_none_or(|re| re.is_match(s))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bounds_apply_to_query_text_as_to_json_numbers() {
        let q = serde_json::json!({"task_id": "7", "page": "1", "page_size": "50"});
        let v = validate("CaptainTaskProductListRequest", &q, Mode::StrictQuery).unwrap_err();
        assert_eq!(v.field, "page_size");
        assert!(v.problem.contains("at most 20"), "{}", v.problem);
        let ok = serde_json::json!({"task_id": "7", "page": "1", "page_size": "20"});
        assert_eq!(validate("CaptainTaskProductListRequest", &ok, Mode::StrictQuery), Ok(()));
        let json = serde_json::json!({"task_id": "7", "page": 1, "page_size": 50});
        assert_eq!(
            validate("CaptainTaskProductListRequest", &json, Mode::Strict).unwrap_err().field,
            "page_size"
        );
    }
}
