//! Checks of a request before it is sent: the constraints the platform's docs state (`min`,
//! `max`, `max_length`, `max_items`, `pattern`). Generated code implements [`Check`] for every
//! request type, with one statement per stated constraint and none for fields without one; the
//! runtime runs it before encoding, so a call that would be refused is never sent.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Mutex, OnceLock};

/// One problem with a request: the path of the field (`products[2].product_id`) and what is
/// wrong. It becomes [`crate::ErrorKind::InvalidInput`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Violation {
    /// Dotted path of the field.
    pub field: String,
    /// What is wrong.
    pub problem: String,
}

impl Violation {
    fn new(field: &str, problem: String) -> Self {
        Violation { field: field.to_string(), problem }
    }

    /// The same problem, one level down: `products` + `[2].product_id`.
    fn under(self, parent: &str) -> Self {
        let sep = if self.field.starts_with('[') { "" } else { "." };
        Violation { field: format!("{parent}{sep}{}", self.field), problem: self.problem }
    }
}

/// A value whose stated constraints can be checked before sending. Generated for every request
/// type; the default (no statement) is what a type without constraints gets.
pub trait Check {
    /// The first broken constraint, if any.
    fn check(&self) -> Result<(), Violation> {
        Ok(())
    }
}

/// Nothing to send, nothing to check.
impl Check for () {}

/// A request given as JSON (`dynamic`): its constraints are the platform's to check.
impl Check for serde_json::Value {}

impl<T: Check + ?Sized> Check for &T {
    fn check(&self) -> Result<(), Violation> {
        (**self).check()
    }
}

impl<T: Check> Check for Option<T> {
    fn check(&self) -> Result<(), Violation> {
        self.as_ref().map_or(Ok(()), Check::check)
    }
}

impl<T: Check> Check for Vec<T> {
    fn check(&self) -> Result<(), Violation> {
        for (i, item) in self.iter().enumerate() {
            item.check().map_err(|v| v.under(&format!("[{i}]")))?;
        }
        Ok(())
    }
}

impl<T: Check> Check for BTreeMap<String, T> {
    fn check(&self) -> Result<(), Violation> {
        for (k, item) in self {
            item.check().map_err(|v| v.under(k))?;
        }
        Ok(())
    }
}

/// A number a bound applies to.
pub trait Number {
    /// The value, for comparing with a bound.
    fn to_f64(&self) -> f64;
}

impl Number for i32 {
    fn to_f64(&self) -> f64 {
        f64::from(*self)
    }
}

impl Number for i64 {
    fn to_f64(&self) -> f64 {
        *self as f64
    }
}

impl Number for f64 {
    fn to_f64(&self) -> f64 {
        *self
    }
}

impl Number for crate::Id {
    fn to_f64(&self) -> f64 {
        self.get() as f64
    }
}

/// `field` is at least `min`.
pub fn min<N: Number>(field: &str, value: Option<&N>, min: i64) -> Result<(), Violation> {
    match value.map(Number::to_f64) {
        Some(n) if n < min as f64 => Err(Violation::new(field, format!("must be at least {min}, got {n}"))),
        _ => Ok(()),
    }
}

/// `field` is at most `max`.
pub fn max<N: Number>(field: &str, value: Option<&N>, max: i64) -> Result<(), Violation> {
    match value.map(Number::to_f64) {
        Some(n) if n > max as f64 => Err(Violation::new(field, format!("must be at most {max}, got {n}"))),
        _ => Ok(()),
    }
}

/// `field` has at most `max` characters.
pub fn max_length(field: &str, value: Option<&String>, max: u64) -> Result<(), Violation> {
    let len = value.map_or(0, |s| s.chars().count() as u64);
    if len > max {
        return Err(Violation::new(field, format!("must be at most {max} characters, got {len}")));
    }
    Ok(())
}

/// `field` has at most `max` items.
pub fn max_items<T>(field: &str, value: Option<&Vec<T>>, max: u64) -> Result<(), Violation> {
    let len = value.map_or(0, Vec::len);
    if len as u64 > max {
        return Err(Violation::new(field, format!("must have at most {max} items, got {len}")));
    }
    Ok(())
}

/// `field` matches the anchored `pattern`. Patterns are compiled once and cached; one that does
/// not compile (the generator refuses those) rejects nothing rather than everything.
pub fn pattern(field: &str, value: Option<&String>, pattern: &'static str) -> Result<(), Violation> {
    let Some(s) = value else { return Ok(()) };
    static CACHE: OnceLock<Mutex<HashMap<&'static str, Option<regex::Regex>>>> = OnceLock::new();
    let mut cache = CACHE.get_or_init(Default::default).lock().unwrap_or_else(|p| p.into_inner());
    let re = cache.entry(pattern).or_insert_with(|| regex::Regex::new(pattern).ok());
    if re.as_ref().is_none_or(|re| re.is_match(s)) {
        Ok(())
    } else {
        Err(Violation::new(field, format!("must match `{pattern}`")))
    }
}

/// The checks of the values nested in `field`, with their paths under it.
pub fn nested<T: Check>(field: &str, value: &T) -> Result<(), Violation> {
    value.check().map_err(|v| v.under(field))
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Item(i64);
    impl Check for Item {
        fn check(&self) -> Result<(), Violation> {
            max("product_id", Some(&self.0), 10)
        }
    }

    #[test]
    fn nested_problems_name_their_path() {
        let items = vec![Item(1), Item(2), Item(30)];
        let v = nested("products", &items).unwrap_err();
        assert_eq!(v.field, "products[2].product_id");
        assert_eq!(v.problem, "must be at most 10, got 30");
        assert_eq!(nested("products", &Some(vec![Item(1)])), Ok(()));
    }

    #[test]
    fn absent_values_break_no_bound() {
        assert_eq!(min::<i64>("page", None, 1), Ok(()));
        assert_eq!(max_length("keyword", None, 0), Ok(()));
        assert_eq!(pattern("id", None, "^[0-9]+$"), Ok(()));
        assert!(pattern("id", Some(&"12a".to_string()), "^[0-9]+$").is_err());
        assert!(max_items("ids", Some(&vec![1, 2, 3]), 2).is_err());
    }
}
