//! Reading checked request parameters and example values with the SDK's own lenient decoders
//! (numbers as text, 0/1 booleans, ids as numbers or strings), so the sandbox reads the wire
//! exactly as the client does.

use douyin_alliance::{codec, Id};
use serde::de::DeserializeOwned;
use serde::Deserialize;
use serde_json::{Map, Value};

/// A 64-bit id from a JSON number or string of digits.
pub(crate) fn id_of(v: Option<&Value>) -> Option<u64> {
    Id::deserialize(v?).ok().map(Id::get)
}

/// A number from a JSON number or numeric text; 0 when there is none.
pub(crate) fn num(v: Option<&Value>) -> f64 {
    v.and_then(|v| codec::float(v).ok()).unwrap_or(0.0)
}

/// `true`, `1` or their text.
pub(crate) fn truthy(v: Option<&Value>) -> bool {
    v.and_then(|v| codec::boolean(v).ok()).unwrap_or(false)
}

/// A request's parameters after the spec's checks: every value present has its field's type.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Params<'a>(pub &'a Map<String, Value>);

impl<'a> Params<'a> {
    /// The raw value of `name`; `null` counts as absent.
    pub(crate) fn raw(&self, name: &str) -> Option<&'a Value> {
        self.0.get(name).filter(|v| !v.is_null())
    }

    /// The value of `name` as `T` (enums, lists), if present and of that shape.
    pub(crate) fn get<T: DeserializeOwned>(&self, name: &str) -> Option<T> {
        T::deserialize(self.raw(name)?).ok()
    }

    pub(crate) fn int(&self, name: &str) -> Option<i64> {
        codec::int(self.raw(name)?).ok()
    }

    pub(crate) fn string(&self, name: &str) -> Option<String> {
        codec::string(self.raw(name)?).ok()
    }

    /// Non-empty text of `name`.
    pub(crate) fn text(&self, name: &str) -> Option<String> {
        self.string(name).filter(|s| !s.is_empty())
    }

    pub(crate) fn boolean(&self, name: &str) -> Option<bool> {
        codec::boolean(self.raw(name)?).ok()
    }

    /// The objects of the list `name`.
    pub(crate) fn objects(&self, name: &str) -> Vec<Params<'a>> {
        self.raw(name)
            .and_then(Value::as_array)
            .map(|items| items.iter().filter_map(Value::as_object).map(Params).collect())
            .unwrap_or_default()
    }

    /// The id `name`.
    pub(crate) fn id(&self, name: &str) -> Option<u64> {
        id_of(self.raw(name))
    }

    /// The ids of the list `name`.
    pub(crate) fn ids(&self, name: &str) -> Vec<u64> {
        self.raw(name)
            .and_then(Value::as_array)
            .map(|items| items.iter().filter_map(|v| id_of(Some(v))).collect())
            .unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_read_as_the_client_reads_them() {
        let m = serde_json::json!({"a": "12", "b": 1, "c": "7012345678901234567", "d": null, "e": ["1", 2]});
        let p = Params(m.as_object().unwrap());
        assert_eq!(p.int("a"), Some(12));
        assert_eq!(p.boolean("b"), Some(true));
        assert_eq!(id_of(p.raw("c")), Some(7_012_345_678_901_234_567));
        assert_eq!(p.raw("d"), None);
        assert_eq!(p.ids("e"), vec![1, 2]);
        assert_eq!(p.get::<Vec<i64>>("e"), None);
        assert!(truthy(Some(&serde_json::json!("true"))));
        assert_eq!(num(Some(&serde_json::json!("2.5"))), 2.5);
    }
}
