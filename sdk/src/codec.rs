//! Lenient decoders the generated types use: numbers that arrive as numeric strings, booleans
//! as `0`/`1`, strings as numbers, and `null` lists. The platform's docs show all of these.

use std::fmt;
use std::marker::PhantomData;

use serde::de::{self, DeserializeOwned, Deserializer, Visitor};
use serde::Deserialize;

/// Integer from a number or a numeric string.
pub fn int<'de, D: Deserializer<'de>, T: TryFrom<i64> + TryFrom<u64>>(d: D) -> Result<T, D::Error> {
    Lenient::<Int<T>>::deserialize(d).map(|l| l.0 .0)
}

/// Optional integer; `null` and absence are `None`.
pub fn opt_int<'de, D: Deserializer<'de>, T: TryFrom<i64> + TryFrom<u64>>(
    d: D,
) -> Result<Option<T>, D::Error> {
    Option::<Lenient<Int<T>>>::deserialize(d).map(|o| o.map(|l| l.0 .0))
}

/// Float from a number or a numeric string.
pub fn float<'de, D: Deserializer<'de>>(d: D) -> Result<f64, D::Error> {
    Lenient::<f64>::deserialize(d).map(|l| l.0)
}

/// Optional float.
pub fn opt_float<'de, D: Deserializer<'de>>(d: D) -> Result<Option<f64>, D::Error> {
    Option::<Lenient<f64>>::deserialize(d).map(|o| o.map(|l| l.0))
}

/// Bool from `true`/`false`, `0`/`1`, or those as strings.
pub fn boolean<'de, D: Deserializer<'de>>(d: D) -> Result<bool, D::Error> {
    Lenient::<bool>::deserialize(d).map(|l| l.0)
}

/// Optional bool.
pub fn opt_boolean<'de, D: Deserializer<'de>>(d: D) -> Result<Option<bool>, D::Error> {
    Option::<Lenient<bool>>::deserialize(d).map(|o| o.map(|l| l.0))
}

/// String; a number is accepted and kept as its digits.
pub fn string<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    Lenient::<String>::deserialize(d).map(|l| l.0)
}

/// Optional string.
pub fn opt_string<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    Option::<Lenient<String>>::deserialize(d).map(|o| o.map(|l| l.0))
}

/// `null` reads as the default (an empty list or map).
pub fn null_as_default<'de, D: Deserializer<'de>, T: DeserializeOwned + Default>(
    d: D,
) -> Result<T, D::Error> {
    Option::<T>::deserialize(d).map(Option::unwrap_or_default)
}

/// A string value handed to `f` without copying it where the input allows (what string enums
/// decode with: a known value allocates nothing); a number is handed on as its digits.
pub fn with_str<'de, D: Deserializer<'de>, T>(d: D, f: fn(&str) -> T) -> Result<T, D::Error> {
    struct StrWith<T>(fn(&str) -> T);
    impl<T> Visitor<'_> for StrWith<T> {
        type Value = T;
        fn expecting(&self, fmt: &mut fmt::Formatter<'_>) -> fmt::Result {
            fmt.write_str("a string")
        }
        fn visit_str<E: de::Error>(self, v: &str) -> Result<T, E> {
            Ok((self.0)(v))
        }
        fn visit_i64<E: de::Error>(self, v: i64) -> Result<T, E> {
            Ok((self.0)(&v.to_string()))
        }
        fn visit_u64<E: de::Error>(self, v: u64) -> Result<T, E> {
            Ok((self.0)(&v.to_string()))
        }
        fn visit_f64<E: de::Error>(self, v: f64) -> Result<T, E> {
            Ok((self.0)(&v.to_string()))
        }
    }
    d.deserialize_any(StrWith(f))
}

/// The integer an integer enum's wire value spells (evaluated at compile time by the generated
/// enums, whose wire values the generator checked to be integers).
pub const fn wire_int(wire: &str) -> i64 {
    let b = wire.as_bytes();
    let (negative, mut i) = if !b.is_empty() && b[0] == b'-' { (true, 1) } else { (false, 0) };
    assert!(i < b.len(), "an integer enum's wire value is empty");
    let mut n: i64 = 0;
    while i < b.len() {
        assert!(b[i].is_ascii_digit(), "an integer enum's wire value is not an integer");
        n = n * 10 + (b[i] - b'0') as i64;
        i += 1;
    }
    if negative {
        -n
    } else {
        n
    }
}

/// Marker for an integer type decoded leniently.
pub struct Int<T>(pub(crate) T);

struct Lenient<T>(T);

struct LenientVisitor<T>(PhantomData<T>);

/// A scalar type the lenient decoders read from any JSON scalar.
pub(crate) trait FromScalar: Sized {
    const EXPECTING: &'static str;
    fn from_i64(v: i64) -> Option<Self>;
    fn from_u64(v: u64) -> Option<Self>;
    fn from_f64(v: f64) -> Option<Self>;
    fn from_str(v: &str) -> Option<Self>;
    fn from_bool(_: bool) -> Option<Self> {
        None
    }
}

impl<T: TryFrom<i64> + TryFrom<u64>> FromScalar for Int<T> {
    const EXPECTING: &'static str = "an integer or a string of digits";
    fn from_i64(v: i64) -> Option<Self> {
        T::try_from(v).ok().map(Int)
    }
    fn from_u64(v: u64) -> Option<Self> {
        T::try_from(v).ok().map(Int)
    }
    fn from_f64(v: f64) -> Option<Self> {
        if v.fract() == 0.0 && v.abs() <= 9_007_199_254_740_992.0 {
            Self::from_i64(v as i64)
        } else {
            None
        }
    }
    fn from_str(v: &str) -> Option<Self> {
        let v = v.trim();
        match v.parse::<i64>() {
            Ok(n) => Self::from_i64(n),
            Err(_) => v.parse::<u64>().ok().and_then(Self::from_u64),
        }
    }
}

impl FromScalar for f64 {
    const EXPECTING: &'static str = "a number or a numeric string";
    fn from_i64(v: i64) -> Option<Self> {
        Some(v as f64)
    }
    fn from_u64(v: u64) -> Option<Self> {
        Some(v as f64)
    }
    fn from_f64(v: f64) -> Option<Self> {
        Some(v)
    }
    fn from_str(v: &str) -> Option<Self> {
        v.trim().parse::<f64>().ok().filter(|f| f.is_finite())
    }
}

impl FromScalar for bool {
    const EXPECTING: &'static str = "a boolean, 0/1, or \"true\"/\"false\"";
    fn from_i64(v: i64) -> Option<Self> {
        match v {
            0 => Some(false),
            1 => Some(true),
            _ => None,
        }
    }
    fn from_u64(v: u64) -> Option<Self> {
        Self::from_i64(i64::try_from(v).ok()?)
    }
    fn from_f64(_: f64) -> Option<Self> {
        None
    }
    fn from_str(v: &str) -> Option<Self> {
        match v.trim() {
            "true" | "1" => Some(true),
            "false" | "0" => Some(false),
            _ => None,
        }
    }
    fn from_bool(v: bool) -> Option<Self> {
        Some(v)
    }
}

impl FromScalar for String {
    const EXPECTING: &'static str = "a string";
    fn from_i64(v: i64) -> Option<Self> {
        Some(v.to_string())
    }
    fn from_u64(v: u64) -> Option<Self> {
        Some(v.to_string())
    }
    fn from_f64(v: f64) -> Option<Self> {
        Some(v.to_string())
    }
    fn from_str(v: &str) -> Option<Self> {
        Some(v.to_string())
    }
}

// One conversion per JSON scalar, with the message of a value that does not convert (built
// only on failure: these run for every lenient field).

pub(crate) fn from_i64<T: FromScalar, E: de::Error>(v: i64) -> Result<T, E> {
    T::from_i64(v).ok_or_else(|| E::custom(format!("{v} is out of range for {}", T::EXPECTING)))
}

pub(crate) fn from_u64<T: FromScalar, E: de::Error>(v: u64) -> Result<T, E> {
    T::from_u64(v).ok_or_else(|| E::custom(format!("{v} is out of range for {}", T::EXPECTING)))
}

pub(crate) fn from_f64<T: FromScalar, E: de::Error>(v: f64) -> Result<T, E> {
    T::from_f64(v).ok_or_else(|| E::custom(format!("{v} is not {}", T::EXPECTING)))
}

pub(crate) fn from_str<T: FromScalar, E: de::Error>(v: &str) -> Result<T, E> {
    T::from_str(v).ok_or_else(|| {
        let shown: String = v.chars().take(40).collect();
        E::custom(format!("\"{shown}\" is not {}", T::EXPECTING))
    })
}

pub(crate) fn from_bool<T: FromScalar, E: de::Error>(v: bool) -> Result<T, E> {
    T::from_bool(v).ok_or_else(|| E::custom(format!("{v} is not {}", T::EXPECTING)))
}

impl<T: FromScalar> Visitor<'_> for LenientVisitor<T> {
    type Value = Lenient<T>;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(T::EXPECTING)
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
        from_i64(v).map(Lenient)
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
        from_u64(v).map(Lenient)
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Self::Value, E> {
        from_f64(v).map(Lenient)
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
        from_str(v).map(Lenient)
    }
    fn visit_string<E: de::Error>(self, v: String) -> Result<Self::Value, E> {
        self.visit_str(&v)
    }
    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Self::Value, E> {
        from_bool(v).map(Lenient)
    }
}

impl<'de, T: FromScalar> Deserialize<'de> for Lenient<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(LenientVisitor(PhantomData))
    }
}

#[cfg(test)]
mod tests {
    use serde::Deserialize;

    #[derive(Deserialize, Debug, PartialEq)]
    struct T {
        #[serde(deserialize_with = "super::int")]
        a: i64,
        #[serde(default, deserialize_with = "super::opt_int")]
        b: Option<i32>,
        #[serde(deserialize_with = "super::boolean")]
        c: bool,
        #[serde(deserialize_with = "super::float")]
        d: f64,
        #[serde(deserialize_with = "super::string")]
        e: String,
    }

    #[test]
    fn numbers_as_strings_and_strings_as_numbers_decode() {
        let t: T = serde_json::from_str(r#"{"a":"7200","b":null,"c":"1","d":"10.00","e":12}"#).unwrap();
        assert_eq!(t, T { a: 7200, b: None, c: true, d: 10.0, e: "12".into() });
        let t: T = serde_json::from_str(r#"{"a":7200,"b":"3","c":0,"d":1,"e":"x"}"#).unwrap();
        assert_eq!(t.b, Some(3));
        assert!(!t.c);
        assert!(serde_json::from_str::<T>(r#"{"a":"x","c":true,"d":1,"e":""}"#).is_err());
        assert!(serde_json::from_str::<T>(r#"{"a":1,"b":99999999999,"c":true,"d":1,"e":""}"#).is_err());
    }
}
