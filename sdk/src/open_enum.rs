//! Open enums: the generated enums of the spec accept values this SDK version does not know
//! (see [`UnknownValue`]).

use std::fmt;

/// A value of an open enum that this version of the SDK does not know, exactly as it arrived.
///
/// Every generated enum has one variant per documented value and `Unknown(UnknownValue)` for
/// anything else, and is `#[non_exhaustive]`. Match the variants you handle and end with a
/// wildcard arm; read an unknown value's wire text with [`UnknownValue::as_str`]. Do not match
/// on `Unknown` itself: when a later version documents the value, it becomes a named variant
/// and such an arm would silently stop matching. That is why an `UnknownValue` cannot be built
/// outside the SDK:
///
/// ```compile_fail
/// use douyin_alliance::types::{ProductSortType, UnknownValue};
/// let sort = ProductSortType::Unknown(UnknownValue("7".to_string()));
/// ```
///
/// while the supported way compiles, and gives the same value:
///
/// ```
/// use douyin_alliance::types::ProductSortType;
/// let sort: ProductSortType = "7".parse().unwrap();
/// assert!(sort.is_unknown());
/// assert_eq!(sort.as_str(), "7");
/// assert_eq!(ProductSortType::values(), &["0", "1"]);
/// match sort {
///     ProductSortType::Ascending => {}
///     _ => println!("not ascending: {sort}"),
/// }
/// ```
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct UnknownValue(String);

impl UnknownValue {
    /// The value as it travels on the wire (an integer's digits for integer enums).
    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub(crate) fn new(wire: impl Into<String>) -> Self {
        UnknownValue(wire.into())
    }
}

impl fmt::Debug for UnknownValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.0, f)
    }
}

impl fmt::Display for UnknownValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The impls every generated enum has, from its variants and their wire values: `as_str`,
/// `values`, `is_unknown` (and `as_i64` for integer enums), `From<&str>`, `FromStr`
/// (infallible), `AsRef<str>`, `Display`, `Serialize` and a lenient `Deserialize`. Expanded
/// where the enum is generated: `crate::UnknownValue` is that crate's, whose constructor is
/// private to it.
#[doc(hidden)]
#[macro_export]
// `crate::UnknownValue` on purpose: the expanding crate's, so that only it can make one.
#[allow(clippy::crate_in_macro_def)]
macro_rules! __open_enum {
    ($name:ident, int, [$($variant:ident = $wire:literal),* $(,)?]) => {
        $crate::__open_enum!(@common $name, [$($variant = $wire),*]);

        impl $name {
            /// The wire value as an integer (`None` for an unknown value that is not one).
            pub fn as_i64(&self) -> Option<i64> {
                self.as_str().parse().ok()
            }
        }

        impl From<i64> for $name {
            fn from(v: i64) -> Self {
                $(if v == const { $crate::codec::wire_int($wire) } {
                    return Self::$variant;
                })*
                Self::from(v.to_string().as_str())
            }
        }

        impl ::serde::Serialize for $name {
            fn serialize<S: ::serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                match self.as_i64() {
                    Some(n) => s.serialize_i64(n),
                    None => s.serialize_str(self.as_str()),
                }
            }
        }

        impl<'de> ::serde::Deserialize<'de> for $name {
            fn deserialize<D: ::serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                $crate::codec::int::<D, i64>(d).map(Self::from)
            }
        }
    };
    ($name:ident, str, [$($variant:ident = $wire:literal),* $(,)?]) => {
        $crate::__open_enum!(@common $name, [$($variant = $wire),*]);

        impl ::serde::Serialize for $name {
            fn serialize<S: ::serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }

        impl<'de> ::serde::Deserialize<'de> for $name {
            fn deserialize<D: ::serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                $crate::codec::with_str(d, |s: &str| Self::from(s))
            }
        }
    };
    (@common $name:ident, [$($variant:ident = $wire:literal),*]) => {
        impl $name {
            /// The wire value.
            pub fn as_str(&self) -> &str {
                match self {
                    $(Self::$variant => $wire,)*
                    Self::Unknown(v) => v.as_str(),
                }
            }

            /// Every documented wire value, in the spec's order.
            pub const fn values() -> &'static [&'static str] {
                &[$($wire),*]
            }

            /// Whether the value is not one this SDK version documents.
            pub fn is_unknown(&self) -> bool {
                matches!(self, Self::Unknown(_))
            }
        }

        impl From<&str> for $name {
            fn from(v: &str) -> Self {
                match v {
                    $($wire => Self::$variant,)*
                    other => Self::Unknown(crate::UnknownValue::new(other)),
                }
            }
        }

        impl ::std::str::FromStr for $name {
            type Err = ::std::convert::Infallible;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Ok(Self::from(s))
            }
        }

        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                self.as_str()
            }
        }

        impl ::std::fmt::Display for $name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}
