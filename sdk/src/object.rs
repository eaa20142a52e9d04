//! How generated response types decode: one compact visitor per type (`__object!`), with each
//! field's lenient decoder named by a marker type, and every field the spec does not know kept
//! in `extra_fields`. What `#[derive(Deserialize)]` with `flatten` and a `deserialize_with` per
//! field would do, in a tenth of the generated code (a field is one line of the visitor).
//!
//! A field the spec knows only from weak evidence (below "confirmed") is read through
//! [`Lenient`]: a value of another shape does not fail the response; the field stays unset, the
//! raw value is kept in `extra_fields` under its wire name, and a `tracing` warning names the type
//! and field (inside the call's `douyin_call` span, which names the endpoint).

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::fmt;
use std::marker::PhantomData;

use serde::de::{self, DeserializeOwned, DeserializeSeed, Deserializer, MapAccess, Visitor};
use serde::Deserialize;
use serde_json::Value;

use crate::codec;

/// How one field's value decodes, and what an absent field means.
pub trait Decode {
    /// The field's Rust type.
    type Out;
    /// Decodes a present value.
    fn decode<'de, D: Deserializer<'de>>(d: D) -> Result<Self::Out, D::Error>;
    /// The value of an absent field; `None` when the field is required.
    fn absent() -> Option<Self::Out>;
    /// Reads the field's value from `map` into `slot` (strictly: a bad value is an error).
    fn read<'de, A: MapAccess<'de>>(
        map: &mut A,
        slot: &mut Option<Self::Out>,
        _extra: &mut BTreeMap<String, Value>,
        _ty: &'static str,
        _wire: &'static str,
    ) -> Result<(), A::Error>
    where
        Self: Sized,
    {
        *slot = Some(map.next_value_seed(Seed::<Self>::default())?);
        Ok(())
    }
}

/// Reads one known field with its marker `C` (what each line of `__object!` runs).
pub fn read<'de, C: Decode, A: MapAccess<'de>>(
    map: &mut A,
    slot: &mut Option<C::Out>,
    extra: &mut BTreeMap<String, Value>,
    ty: &'static str,
    wire: &'static str,
) -> Result<(), A::Error> {
    C::read(map, slot, extra, ty, wire)
}

/// A weakly evidenced field read with the marker `M` (one whose absent value is defined: an
/// optional value or a collection): a value `M` cannot read leaves the field as absent and is
/// kept, as it arrived, in `extra_fields`, with a warning.
pub struct Lenient<M>(PhantomData<M>);

impl<M: Decode> Decode for Lenient<M> {
    type Out = M::Out;
    fn decode<'de, D: Deserializer<'de>>(d: D) -> Result<Self::Out, D::Error> {
        M::decode(d)
    }
    fn absent() -> Option<Self::Out> {
        M::absent()
    }
    fn read<'de, A: MapAccess<'de>>(
        map: &mut A,
        slot: &mut Option<Self::Out>,
        extra: &mut BTreeMap<String, Value>,
        ty: &'static str,
        wire: &'static str,
    ) -> Result<(), A::Error> {
        let raw: Value = map.next_value()?;
        match M::decode(&raw) {
            Ok(v) => *slot = Some(v),
            Err(e) => {
                tracing::warn!(
                    r#type = ty,
                    field = wire,
                    error = %e,
                    "a field the spec knows only from weak evidence has another shape; kept in extra_fields"
                );
                extra.insert(wire.to_string(), raw);
                *slot = M::absent();
            }
        }
        Ok(())
    }
}

/// A weakly evidenced integer.
pub type LenientInt<T> = Lenient<OptInt<T>>;
/// A weakly evidenced float.
pub type LenientFloat = Lenient<OptFloat>;
/// A weakly evidenced boolean.
pub type LenientBool = Lenient<OptBool>;
/// A weakly evidenced string.
pub type LenientStr = Lenient<OptStr>;
/// A weakly evidenced value of any other type.
pub type LenientOpt<T> = Lenient<Opt<T>>;
/// A weakly evidenced required list or map (absent, `null` or of another shape: empty).
pub type LenientCollection<T> = Lenient<Collection<T>>;

macro_rules! markers {
    ($($(#[$doc:meta])* $name:ident $(<$t:ident>)? => $out:ty, $decode:expr, $absent:expr;)*) => {$(
        $(#[$doc])*
        pub struct $name$(<$t>)?(PhantomData<($($t,)?)>);

        impl$(<$t: TryFrom<i64> + TryFrom<u64>>)? Decode for $name$(<$t>)? {
            type Out = $out;
            fn decode<'de, D: Deserializer<'de>>(d: D) -> Result<Self::Out, D::Error> {
                $decode(d)
            }
            fn absent() -> Option<Self::Out> {
                $absent
            }
        }
    )*};
}

markers! {
    /// A required integer, from a number or a string of digits.
    Int<T> => T, codec::int, None;
    /// An optional integer; `null` is absent.
    OptInt<T> => Option<T>, codec::opt_int, Some(None);
    /// A required float, from a number or a numeric string.
    Float => f64, codec::float, None;
    /// An optional float.
    OptFloat => Option<f64>, codec::opt_float, Some(None);
    /// A required boolean, from `true`/`false`, `0`/`1` or those as strings.
    Bool => bool, codec::boolean, None;
    /// An optional boolean.
    OptBool => Option<bool>, codec::opt_boolean, Some(None);
    /// A required string; a number is kept as its digits.
    Str => String, codec::string, None;
    /// An optional string.
    OptStr => Option<String>, codec::opt_string, Some(None);
}

/// A required value of any other type (ids, enums, objects, secrets, JSON).
pub struct Plain<T>(PhantomData<T>);

impl<T: DeserializeOwned> Decode for Plain<T> {
    type Out = T;
    fn decode<'de, D: Deserializer<'de>>(d: D) -> Result<T, D::Error> {
        T::deserialize(d)
    }
    fn absent() -> Option<T> {
        None
    }
}

/// An optional value of any other type; `null` is absent.
pub struct Opt<T>(PhantomData<T>);

impl<T: DeserializeOwned> Decode for Opt<T> {
    type Out = Option<T>;
    fn decode<'de, D: Deserializer<'de>>(d: D) -> Result<Option<T>, D::Error> {
        Option::<T>::deserialize(d)
    }
    fn absent() -> Option<Option<T>> {
        Some(None)
    }
}

/// A required list or map: absent or `null` is empty (Go servers send `null`).
pub struct Collection<T>(PhantomData<T>);

impl<T: DeserializeOwned + Default> Decode for Collection<T> {
    type Out = T;
    fn decode<'de, D: Deserializer<'de>>(d: D) -> Result<T, D::Error> {
        codec::null_as_default(d)
    }
    fn absent() -> Option<T> {
        Some(T::default())
    }
}

/// Decodes the next map value with `C`.
pub struct Seed<C>(PhantomData<C>);

impl<C> Default for Seed<C> {
    fn default() -> Self {
        Seed(PhantomData)
    }
}

impl<'de, C: Decode> DeserializeSeed<'de> for Seed<C> {
    type Value = C::Out;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<C::Out, D::Error> {
        C::decode(d)
    }
}

/// The field's value: as decoded, else what an absent field means, else "missing field".
pub fn finish<C: Decode, E: de::Error>(value: Option<C::Out>, wire: &'static str) -> Result<C::Out, E> {
    match value.or_else(C::absent) {
        Some(v) => Ok(v),
        None => Err(E::missing_field(wire)),
    }
}

/// A key of an object, borrowed from the input where it can be.
pub struct Key<'de>(Cow<'de, str>);

impl<'de> Key<'de> {
    /// The key.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The key, owned.
    pub fn into_string(self) -> String {
        self.0.into_owned()
    }
}

impl<'de> Deserialize<'de> for Key<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct KeyVisitor;
        impl<'de> Visitor<'de> for KeyVisitor {
            type Value = Key<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a field name")
            }
            fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Key<'de>, E> {
                Ok(Key(Cow::Borrowed(v)))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Key<'de>, E> {
                Ok(Key(Cow::Owned(v.to_string())))
            }
            fn visit_string<E: de::Error>(self, v: String) -> Result<Key<'de>, E> {
                Ok(Key(Cow::Owned(v)))
            }
        }
        d.deserialize_str(KeyVisitor)
    }
}

/// `Deserialize` for a generated object type: `__object!(Type { field: "wire" => Marker, … })`,
/// `Marker` one of this module's decoders.
/// Keys may come in any order; a repeated key keeps its last value; unknown keys go to
/// `extra_fields` as JSON.
#[doc(hidden)]
#[macro_export]
macro_rules! __object {
    ($name:ident { $($field:ident : $wire:literal => $marker:ident $(<$t:ty>)?),* $(,)? }) => {
        impl<'de> ::serde::Deserialize<'de> for $name {
            fn deserialize<D: ::serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                struct ObjectVisitor;
                impl<'de> ::serde::de::Visitor<'de> for ObjectVisitor {
                    type Value = $name;
                    fn expecting(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                        f.write_str(concat!("an object (", stringify!($name), ")"))
                    }
                    fn visit_map<A: ::serde::de::MapAccess<'de>>(self, mut map: A) -> Result<$name, A::Error> {
                        $(let mut $field = None;)*
                        let mut extra_fields = ::std::collections::BTreeMap::new();
                        while let Some(key) = map.next_key::<$crate::object::Key<'de>>()? {
                            match key.as_str() {
                                $($wire => $crate::object::read::<$crate::object::$marker$(<$t>)?, A>(&mut map, &mut $field, &mut extra_fields, stringify!($name), $wire)?,)*
                                _ => {
                                    let value: ::serde_json::Value = map.next_value()?;
                                    extra_fields.insert(key.into_string(), value);
                                }
                            }
                        }
                        Ok($name {
                            $($field: $crate::object::finish::<$crate::object::$marker$(<$t>)?, A::Error>($field, $wire)?,)*
                            extra_fields,
                        })
                    }
                }
                d.deserialize_map(ObjectVisitor)
            }
        }
    };
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    #[derive(Debug, PartialEq)]
    struct T {
        a: i64,
        b: Option<i32>,
        c: Option<bool>,
        e: String,
        list: Vec<i64>,
        extra_fields: BTreeMap<String, serde_json::Value>,
    }

    crate::__object!(T { a: "a" => Int<i64>, b: "b" => OptInt<i32>, c: "c" => OptBool, e: "e" => Str, list: "list" => Collection<Vec<i64>> });

    #[test]
    fn fields_decode_leniently_and_unknown_ones_are_kept() {
        let t: T = serde_json::from_str(r#"{"a":"7200","b":null,"c":"1","e":12,"list":null,"new":{"x":1}}"#)
            .unwrap();
        assert_eq!((t.a, t.b, t.c, t.e.as_str()), (7200, None, Some(true), "12"));
        assert!(t.list.is_empty());
        assert_eq!(t.extra_fields["new"], serde_json::json!({"x": 1}));
        let t: T = serde_json::from_str(r#"{"e":"x","a":1,"b":"3"}"#).unwrap();
        assert_eq!((t.a, t.b, t.c), (1, Some(3), None));
    }

    #[derive(Debug, PartialEq)]
    struct W {
        n: Option<i64>,
        s: Option<String>,
        list: Vec<i64>,
        extra_fields: BTreeMap<String, serde_json::Value>,
    }

    crate::__object!(W { n: "n" => LenientInt<i64>, s: "s" => LenientStr, list: "list" => LenientCollection<Vec<i64>> });

    #[test]
    fn a_lenient_field_of_another_shape_is_kept_raw_and_fails_nothing() {
        let w: W = serde_json::from_str(r#"{"n":"1.2万","s":{"x":1},"list":"none"}"#).unwrap();
        assert_eq!((w.n, w.s, w.list.len()), (None, None, 0));
        assert_eq!(w.extra_fields["n"], "1.2万");
        assert_eq!(w.extra_fields["s"], serde_json::json!({"x": 1}));
        assert_eq!(w.extra_fields["list"], "none");
        let w: W = serde_json::from_str(r#"{"n":"12","s":"a","list":[1]}"#).unwrap();
        assert_eq!((w.n, w.s.as_deref(), w.list), (Some(12), Some("a"), vec![1]));
        assert!(w.extra_fields.is_empty());
        let w: W = serde_json::from_str("{}").unwrap();
        assert_eq!((w.n, w.s, w.list.len()), (None, None, 0));
    }

    #[test]
    fn a_missing_required_field_or_a_bad_value_is_an_error() {
        let err = serde_json::from_str::<T>(r#"{"e":"x"}"#).unwrap_err().to_string();
        assert!(err.contains("missing field `a`"), "{err}");
        let err = serde_json::from_str::<T>(r#"{"a":"x","e":""}"#).unwrap_err().to_string();
        assert!(err.contains("is not an integer"), "{err}");
        assert!(serde_json::from_str::<T>("[1]").is_err());
        let from_value: T = serde_json::from_value(serde_json::json!({"a": 1, "e": "v"})).unwrap();
        assert_eq!(from_value.a, 1);
    }
}
