//! 64-bit identifiers that keep full precision whatever JSON form they arrive in.

use std::fmt;
use std::str::FromStr;

use serde::de::{self, Visitor};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A 64-bit platform id (product, promotion, order, shop, …).
///
/// The platform sends ids as JSON numbers on some endpoints and as strings on others; 19-digit
/// values exceed the 53 bits a float keeps. `Id` reads both forms exactly and writes a number.
///
/// ```
/// use douyin_alliance::Id;
/// let a: Id = serde_json::from_str("3450632721376902816").unwrap();
/// let b: Id = serde_json::from_str("\"3450632721376902816\"").unwrap();
/// assert_eq!(a, b);
/// assert_eq!(a.get(), 3450632721376902816);
/// assert_eq!(serde_json::to_string(&a).unwrap(), "3450632721376902816");
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct Id(pub u64);

impl Id {
    /// The numeric value.
    pub fn get(self) -> u64 {
        self.0
    }
}

impl fmt::Debug for Id {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Id({})", self.0)
    }
}

impl fmt::Display for Id {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

impl From<u64> for Id {
    fn from(v: u64) -> Self {
        Id(v)
    }
}

impl From<Id> for u64 {
    fn from(v: Id) -> Self {
        v.0
    }
}

/// The text is not a non-negative 64-bit integer.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{0}` is not a 64-bit id")]
pub struct ParseIdError(pub String);

impl FromStr for Id {
    type Err = ParseIdError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        s.trim().parse::<u64>().map(Id).map_err(|_| ParseIdError(s.chars().take(40).collect()))
    }
}

impl Serialize for Id {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_u64(self.0)
    }
}

struct IdVisitor;

impl Visitor<'_> for IdVisitor {
    type Value = Id;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a 64-bit id as a number or a string of digits")
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Id, E> {
        Ok(Id(v))
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Id, E> {
        u64::try_from(v).map(Id).map_err(|_| E::custom(format!("negative id {v}")))
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Id, E> {
        // Only floats that are exact integers within 2^53 can be trusted.
        if v.fract() == 0.0 && (0.0..=9_007_199_254_740_992.0).contains(&v) {
            Ok(Id(v as u64))
        } else {
            Err(E::custom(format!("id {v} is not an exact integer")))
        }
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Id, E> {
        v.parse().map_err(E::custom)
    }
}

impl<'de> Deserialize<'de> for Id {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(IdVisitor)
    }
}
