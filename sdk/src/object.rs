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

use serde::de::value::{self, MapAccessDeserializer, SeqAccessDeserializer};
use serde::de::{self, DeserializeOwned, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
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

/// A weakly evidenced field of a type read with the marker `M` (a required marker: `Int`,
/// `Str`, `Plain`…); absent or `null`, it is `None`. The value is decoded straight from the
/// deserializer; only a value `M` cannot read (of another shape) is captured, as it arrived,
/// into `extra_fields`, with a warning, and leaves the field unset.
pub struct Lenient<M>(PhantomData<M>);

impl<M: Decode + Shape<Out = <M as Decode>::Out>> Decode for Lenient<M> {
    type Out = Option<<M as Decode>::Out>;
    fn decode<'de, D: Deserializer<'de>>(d: D) -> Result<Self::Out, D::Error> {
        Ok(Some(M::decode(d)?))
    }
    fn absent() -> Option<Self::Out> {
        Some(None)
    }
    fn read<'de, A: MapAccess<'de>>(
        map: &mut A,
        slot: &mut Option<Self::Out>,
        extra: &mut BTreeMap<String, Value>,
        ty: &'static str,
        wire: &'static str,
    ) -> Result<(), A::Error> {
        *slot = Some(match map.next_value_seed(Capture::<M>::default())? {
            Caught::Value(v) => v,
            Caught::Other(other) => {
                let (raw, why) = *other;
                keep_raw(extra, ty, wire, wire.to_string(), raw, &why);
                None
            }
        });
        Ok(())
    }
}

/// A weakly evidenced integer.
pub type LenientInt<T> = Lenient<Int<T>>;
/// A weakly evidenced float.
pub type LenientFloat = Lenient<Float>;
/// A weakly evidenced boolean.
pub type LenientBool = Lenient<Bool>;
/// A weakly evidenced string.
pub type LenientStr = Lenient<Str>;
/// A weakly evidenced optional value of any other type.
pub type LenientOpt<T> = Lenient<Plain<T>>;

/// A weakly evidenced list of `T`, read item by item: an item of another shape (or `null`) is
/// left out and kept raw in `extra_fields` under `wire[index]`, and the good items stay.
/// Absent, `null`, or not a list at all (then kept raw under `wire`): empty.
pub struct LenientList<T>(PhantomData<T>);

/// [`LenientList`] of an optional list: absent, `null` or not a list is `None`.
pub struct LenientOptList<T>(PhantomData<T>);

/// A weakly evidenced map of `T`, read entry by entry like [`LenientList`] (a bad entry is kept
/// under `wire[key]`). Absent, `null` or not an object: empty.
pub struct LenientMap<T>(PhantomData<T>);

/// [`LenientMap`] of an optional map: absent, `null` or not an object is `None`.
pub struct LenientOptMap<T>(PhantomData<T>);

macro_rules! lenient_collections {
    ($($(#[$doc:meta])* $name:ident => $coll:ty, $shape:ident, $out:ty, $wrap:expr, $absent:expr;)*) => {$(
        impl<T: DeserializeOwned> Decode for $name<T> {
            type Out = $out;
            fn decode<'de, D: Deserializer<'de>>(d: D) -> Result<Self::Out, D::Error> {
                <$coll>::deserialize(d).map($wrap)
            }
            fn absent() -> Option<Self::Out> {
                Some($absent)
            }
            fn read<'de, A: MapAccess<'de>>(
                map: &mut A,
                slot: &mut Option<Self::Out>,
                extra: &mut BTreeMap<String, Value>,
                ty: &'static str,
                wire: &'static str,
            ) -> Result<(), A::Error> {
                *slot = Some(match map.next_value_seed(Capture::<$shape<T>>::default())? {
                    Caught::Value(Some((items, bad))) => {
                        for (at, raw, why) in bad {
                            keep_raw(extra, ty, wire, format!("{wire}[{at}]"), raw, &why);
                        }
                        $wrap(items)
                    }
                    Caught::Value(None) => $absent,
                    Caught::Other(other) => {
                        let (raw, why) = *other;
                        keep_raw(extra, ty, wire, wire.to_string(), raw, &why);
                        $absent
                    }
                });
                Ok(())
            }
        }
    )*};
}

lenient_collections! {
    LenientList => Vec<T>, Items, Vec<T>, std::convert::identity, Vec::new();
    LenientOptList => Vec<T>, Items, Option<Vec<T>>, Some, None;
    LenientMap => BTreeMap<String, T>, Entries, BTreeMap<String, T>, std::convert::identity, BTreeMap::new();
    LenientOptMap => BTreeMap<String, T>, Entries, Option<BTreeMap<String, T>>, Some, None;
}

/// Keeps a value of another shape in `extra_fields` under `key`, with the warning.
fn keep_raw(
    extra: &mut BTreeMap<String, Value>,
    ty: &'static str,
    wire: &'static str,
    key: String,
    raw: Value,
    why: &str,
) {
    tracing::warn!(
        r#type = ty,
        field = wire,
        kept_as = %key,
        error = why,
        "a field the spec knows only from weak evidence has another shape; kept in extra_fields"
    );
    note(|r| r.lenient_misses.push(FieldPath { type_name: ty, field: key.clone() }));
    extra.insert(key, raw);
}

/// A field of a generated type: the type's name and the wire key (`results[3]` for an item of
/// a list kept raw).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct FieldPath {
    /// The generated type, e.g. `Order`.
    pub type_name: &'static str,
    /// The wire key.
    pub field: String,
}

impl fmt::Display for FieldPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}", self.type_name, self.field)
    }
}

/// What decoding one answer found that the spec did not say: keys no field names (kept in
/// `extra_fields`), and weakly evidenced fields whose value had another shape (kept raw). Filled
/// by the decoders while the runtime decodes an answer; what hooks see
/// ([`crate::hooks::Answer::report`]).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DecodeReport {
    /// Keys of the answer no field of their type names.
    pub unknown: Vec<FieldPath>,
    /// Weakly evidenced fields whose value had another shape.
    pub lenient_misses: Vec<FieldPath>,
}

impl DecodeReport {
    /// Whether the answer held nothing the spec did not say.
    pub fn is_empty(&self) -> bool {
        self.unknown.is_empty() && self.lenient_misses.is_empty()
    }
}

thread_local! {
    /// The report of the decode running on this thread, if one is being collected. Decoding is
    /// synchronous, so a decode never moves threads while it writes here.
    static REPORT: std::cell::RefCell<Option<DecodeReport>> = const { std::cell::RefCell::new(None) };
}

/// Runs `decode` and returns what it found besides its result. Only the rare paths (an unknown
/// key, a value of another shape) write to the report; the common path never touches it.
pub fn reporting<T>(decode: impl FnOnce() -> T) -> (T, DecodeReport) {
    let outer = REPORT.with(|r| r.borrow_mut().replace(DecodeReport::default()));
    let out = decode();
    let report = REPORT.with(|r| std::mem::replace(&mut *r.borrow_mut(), outer)).unwrap_or_default();
    (out, report)
}

fn note(f: impl FnOnce(&mut DecodeReport)) {
    REPORT.with(|r| {
        if let Some(report) = r.borrow_mut().as_mut() {
            f(report);
        }
    });
}

/// Takes back the report's unknown `keys` of the top-level type `T`: envelope fields the
/// envelope codec reads from inside `data` (`error_code`, `description`), not fields the spec
/// lacks.
pub(crate) fn forget_unknown<T>(keys: &[&str]) {
    let full = std::any::type_name::<T>();
    let ty = full.rsplit("::").next().unwrap_or(full);
    note(|r| r.unknown.retain(|p| !(p.type_name == ty && keys.contains(&p.field.as_str()))));
}

/// Records a key of `ty` that no field names (generated decoders call it before keeping the
/// key in `extra_fields`).
#[doc(hidden)]
pub fn unknown_key(ty: &'static str, key: &str) {
    note(|r| r.unknown.push(FieldPath { type_name: ty, field: key.to_string() }));
}

/// How many items of the list field `wire` were left out of the decoded list (kept raw in
/// `extra_fields` under `wire[index]`), and whether the list itself arrived in another shape
/// (kept raw under `wire`, so its length is unknown). What the paging streams count.
pub fn left_out(extra: &BTreeMap<String, Value>, wire: &str) -> (usize, bool) {
    let from = format!("{wire}[");
    let after = (std::ops::Bound::Included(from.as_str()), std::ops::Bound::Unbounded);
    let dropped = extra.range::<str, _>(after).take_while(|(k, _)| k.starts_with(&from)).count();
    (dropped, extra.contains_key(wire))
}

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

// Lenient reading: one visitor that decodes the value it is handed and, when the value is of
// another shape, gives it back as JSON instead of failing. Scalars are in hand and cost nothing
// to keep; a map or sequence is handed on through `Tracked`, so a decoder that refuses it
// before reading anything (a number given an object) leaves it whole to be kept raw.

/// What a lenient read found: the value (`None` for `null`), or a value of another shape, raw,
/// with the decoder's message.
enum Caught<T> {
    Value(Option<T>),
    /// Boxed: the common path moves only the value.
    Other(Box<(Value, String)>),
}

/// How a lenient read decodes what it finds. The scalar entry points default to decoding
/// through `any`; the scalar markers read their value directly.
trait Shape {
    type Out;
    /// Decodes a scalar, or a map or sequence through its access.
    fn any<'de, D: Deserializer<'de>>(d: D) -> Result<Self::Out, D::Error>;
    #[inline]
    fn bool(v: bool) -> Result<Self::Out, value::Error> {
        Self::any(value::BoolDeserializer::new(v))
    }
    #[inline]
    fn i64(v: i64) -> Result<Self::Out, value::Error> {
        Self::any(value::I64Deserializer::new(v))
    }
    #[inline]
    fn u64(v: u64) -> Result<Self::Out, value::Error> {
        Self::any(value::U64Deserializer::new(v))
    }
    #[inline]
    fn f64(v: f64) -> Result<Self::Out, value::Error> {
        Self::any(value::F64Deserializer::new(v))
    }
    #[inline]
    fn str(v: &str) -> Result<Self::Out, value::Error> {
        Self::any(value::StrDeserializer::new(v))
    }
    /// Decodes a sequence (by default like any value).
    #[inline]
    fn seq<'de, S: SeqAccess<'de>>(seq: S) -> Result<Self::Out, S::Error> {
        Self::any(SeqAccessDeserializer::new(seq))
    }
    /// Decodes a map (by default like any value).
    #[inline]
    fn map<'de, A: MapAccess<'de>>(map: A) -> Result<Self::Out, A::Error> {
        Self::any(MapAccessDeserializer::new(map))
    }
}

// The scalar markers read the value in hand with the codec's conversions; every other type
// decodes through its own `Deserialize`.
macro_rules! scalar_shapes {
    ($($name:ident $(<$t:ident>)? => $scalar:ty, $unwrap:expr;)*) => {$(
        impl$(<$t: TryFrom<i64> + TryFrom<u64>>)? Shape for $name$(<$t>)? {
            type Out = <Self as Decode>::Out;
            #[inline]
            fn any<'de, D: Deserializer<'de>>(d: D) -> Result<Self::Out, D::Error> {
                <Self as Decode>::decode(d)
            }
            #[inline]
            fn bool(v: bool) -> Result<Self::Out, value::Error> {
                codec::from_bool::<$scalar, value::Error>(v).map($unwrap)
            }
            #[inline]
            fn i64(v: i64) -> Result<Self::Out, value::Error> {
                codec::from_i64::<$scalar, value::Error>(v).map($unwrap)
            }
            #[inline]
            fn u64(v: u64) -> Result<Self::Out, value::Error> {
                codec::from_u64::<$scalar, value::Error>(v).map($unwrap)
            }
            #[inline]
            fn f64(v: f64) -> Result<Self::Out, value::Error> {
                codec::from_f64::<$scalar, value::Error>(v).map($unwrap)
            }
            #[inline]
            fn str(v: &str) -> Result<Self::Out, value::Error> {
                codec::from_str::<$scalar, value::Error>(v).map($unwrap)
            }
        }
    )*};
}

scalar_shapes! {
    Int<T> => codec::Int<T>, |i| i.0;
    Float => f64, std::convert::identity;
    Bool => bool, std::convert::identity;
    Str => String, std::convert::identity;
}

impl<T: DeserializeOwned> Shape for Plain<T> {
    type Out = T;
    #[inline]
    fn any<'de, D: Deserializer<'de>>(d: D) -> Result<T, D::Error> {
        T::deserialize(d)
    }
}

/// A position and a raw value left out of a list or map, with why.
type LeftOut = (String, Value, String);

/// A list read item by item: the good items, and the others raw with their index.
struct Items<T>(PhantomData<T>);

impl<T: DeserializeOwned> Shape for Items<T> {
    type Out = (Vec<T>, Vec<LeftOut>);
    #[inline]
    fn any<'de, D: Deserializer<'de>>(_: D) -> Result<Self::Out, D::Error> {
        Err(de::Error::custom("not a list"))
    }
    #[inline]
    fn seq<'de, S: SeqAccess<'de>>(mut seq: S) -> Result<Self::Out, S::Error> {
        let mut items = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(1024));
        let mut bad = Vec::new();
        // Each item goes into the list where it is decoded, not back up through the reader.
        while seq
            .next_element_seed(Capture::<Plain<T>, _>(Push(&mut items, &mut bad), PhantomData))?
            .is_some()
        {}
        Ok((items, bad))
    }
}

/// A map read entry by entry: the good entries, and the others raw with their key.
struct Entries<T>(PhantomData<T>);

impl<T: DeserializeOwned> Shape for Entries<T> {
    type Out = (BTreeMap<String, T>, Vec<LeftOut>);
    #[inline]
    fn any<'de, D: Deserializer<'de>>(_: D) -> Result<Self::Out, D::Error> {
        Err(de::Error::custom("not an object"))
    }
    #[inline]
    fn map<'de, A: MapAccess<'de>>(mut map: A) -> Result<Self::Out, A::Error> {
        let mut entries = BTreeMap::new();
        let mut bad = Vec::new();
        while let Some(key) = map.next_key::<String>()? {
            match map.next_value_seed(Capture::<Plain<T>>::default())? {
                Caught::Value(Some(v)) => {
                    entries.insert(key, v);
                }
                Caught::Value(None) => bad.push((key, Value::Null, "a null entry".into())),
                Caught::Other(other) => bad.push((key, other.0, other.1)),
            }
        }
        Ok((entries, bad))
    }
}

/// Where a lenient read's outcome goes: back to the reader ([`Keep`]), or into the list being
/// read ([`Push`]).
trait Sink<T> {
    type Out;
    fn take(self, caught: Caught<T>) -> Self::Out;
}

/// The outcome handed back.
struct Keep;

impl<T> Sink<T> for Keep {
    type Out = Caught<T>;
    #[inline]
    fn take(self, caught: Caught<T>) -> Caught<T> {
        caught
    }
}

/// A list item pushed into the list being read; `null` or of another shape, into the items
/// left out, with its index.
struct Push<'a, T>(&'a mut Vec<T>, &'a mut Vec<LeftOut>);

impl<T> Sink<T> for Push<'_, T> {
    type Out = ();
    #[inline]
    fn take(self, caught: Caught<T>) {
        let Push(items, bad) = self;
        match caught {
            Caught::Value(Some(v)) => items.push(v),
            Caught::Value(None) => {
                bad.push(((items.len() + bad.len()).to_string(), Value::Null, "a null item".into()))
            }
            Caught::Other(other) => {
                let at = (items.len() + bad.len()).to_string();
                let (raw, why) = *other;
                bad.push((at, raw, why));
            }
        }
    }
}

/// Reads one value leniently with `S` (see [`Caught`]), its outcome going to `K`.
struct Capture<S, K = Keep>(K, PhantomData<S>);

impl<S> Default for Capture<S> {
    fn default() -> Self {
        Capture(Keep, PhantomData)
    }
}

impl<'de, S: Shape, K: Sink<S::Out>> DeserializeSeed<'de> for Capture<S, K> {
    type Value = K::Out;
    #[inline]
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_any(self)
    }
}

/// The outcome of decoding a scalar that is in hand: kept raw on failure.
#[inline]
fn scalar<T>(decoded: Result<T, value::Error>, raw: impl FnOnce() -> Value) -> Caught<T> {
    match decoded {
        Ok(v) => Caught::Value(Some(v)),
        Err(e) => Caught::Other(Box::new((raw(), e.to_string()))),
    }
}

impl<'de, S: Shape, K: Sink<S::Out>> Visitor<'de> for Capture<S, K> {
    type Value = K::Out;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }
    #[inline]
    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Self::Value, E> {
        Ok(self.0.take(scalar(S::bool(v), || Value::Bool(v))))
    }
    #[inline]
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
        Ok(self.0.take(scalar(S::i64(v), || Value::from(v))))
    }
    #[inline]
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
        Ok(self.0.take(scalar(S::u64(v), || Value::from(v))))
    }
    #[inline]
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Self::Value, E> {
        Ok(self.0.take(scalar(S::f64(v), || Value::from(v))))
    }
    #[inline]
    fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Self::Value, E> {
        Ok(self.0.take(scalar(S::str(v), || Value::from(v))))
    }
    #[inline]
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
        Ok(self.0.take(scalar(S::str(v), || Value::from(v))))
    }
    #[inline]
    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(self.0.take(Caught::Value(None)))
    }
    #[inline]
    fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(self.0.take(Caught::Value(None)))
    }
    #[inline]
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_any(self)
    }
    #[inline]
    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Self::Value, A::Error> {
        let mut seq = Tracked { inner: seq, used: false };
        match S::seq(&mut seq) {
            Ok(v) => Ok(self.0.take(Caught::Value(Some(v)))),
            Err(e) if !seq.used => {
                let raw = Value::deserialize(SeqAccessDeserializer::new(seq.inner))?;
                Ok(self.0.take(Caught::Other(Box::new((raw, e.to_string())))))
            }
            Err(e) => Err(e),
        }
    }
    #[inline]
    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
        let mut map = Tracked { inner: map, used: false };
        match S::map(&mut map) {
            Ok(v) => Ok(self.0.take(Caught::Value(Some(v)))),
            Err(e) if !map.used => {
                let raw = Value::deserialize(MapAccessDeserializer::new(map.inner))?;
                Ok(self.0.take(Caught::Other(Box::new((raw, e.to_string())))))
            }
            Err(e) => Err(e),
        }
    }
}

/// A map or sequence access that notes whether anything was read from it.
struct Tracked<A> {
    inner: A,
    used: bool,
}

impl<'de, A: MapAccess<'de>> MapAccess<'de> for Tracked<A> {
    type Error = A::Error;
    #[inline]
    fn next_key_seed<K: DeserializeSeed<'de>>(&mut self, seed: K) -> Result<Option<K::Value>, A::Error> {
        self.used = true;
        self.inner.next_key_seed(seed)
    }
    #[inline]
    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, A::Error> {
        self.inner.next_value_seed(seed)
    }
    fn size_hint(&self) -> Option<usize> {
        self.inner.size_hint()
    }
}

impl<'de, A: SeqAccess<'de>> SeqAccess<'de> for Tracked<A> {
    type Error = A::Error;
    #[inline]
    fn next_element_seed<T: DeserializeSeed<'de>>(&mut self, seed: T) -> Result<Option<T::Value>, A::Error> {
        self.used = true;
        self.inner.next_element_seed(seed)
    }
    fn size_hint(&self) -> Option<usize> {
        self.inner.size_hint()
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
                                    $crate::object::unknown_key(stringify!($name), key.as_str());
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

    crate::__object!(W { n: "n" => LenientInt<i64>, s: "s" => LenientStr, list: "list" => LenientList<i64> });

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

    #[derive(Debug, PartialEq)]
    struct Item {
        id: Option<i64>,
        extra_fields: BTreeMap<String, serde_json::Value>,
    }

    crate::__object!(Item { id: "id" => LenientInt<i64> });

    #[derive(Debug, PartialEq)]
    struct Page {
        results: Vec<Item>,
        more: Option<Vec<Item>>,
        by_key: BTreeMap<String, Item>,
        extra_fields: BTreeMap<String, serde_json::Value>,
    }

    crate::__object!(Page { results: "results" => LenientList<Item>, more: "more" => LenientOptList<Item>, by_key: "by_key" => LenientMap<Item> });

    #[test]
    fn a_bad_list_item_is_left_out_and_kept_raw_and_the_good_ones_stay() {
        let body = r#"{"results":[{"id":"7"},null,5,{"id":{"x":1}},[1]],"more":"none","by_key":{"a":{"id":1},"b":"x"}}"#;
        for p in [
            serde_json::from_str::<Page>(body).unwrap(),
            serde_json::from_value::<Page>(serde_json::from_str(body).unwrap()).unwrap(),
        ] {
            let ids: Vec<_> = p.results.iter().map(|i| i.id).collect();
            assert_eq!(ids, [Some(7), None], "good items stay, in order");
            assert_eq!(p.results[1].extra_fields["id"], serde_json::json!({"x": 1}), "inside an item too");
            assert_eq!(p.extra_fields["results[1]"], serde_json::Value::Null);
            assert_eq!(p.extra_fields["results[2]"], 5);
            assert_eq!(p.extra_fields["results[4]"], serde_json::json!([1]));
            assert_eq!(super::left_out(&p.extra_fields, "results"), (3, false));
            assert_eq!(p.more, None);
            assert_eq!(p.extra_fields["more"], "none");
            assert_eq!(super::left_out(&p.extra_fields, "more"), (0, true));
            assert_eq!(p.by_key.len(), 1);
            assert_eq!(p.extra_fields["by_key[b]"], "x");
        }
        let p: Page = serde_json::from_str(r#"{"results":null,"more":[{"id":1}]}"#).unwrap();
        assert!(p.results.is_empty() && p.extra_fields.is_empty());
        assert_eq!(p.more.map(|m| m.len()), Some(1));
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
