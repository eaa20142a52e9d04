//! The decode bench's baseline: what a careful user writes by hand for the same answers, a plain
//! `#[derive(Deserialize)]` struct per type with the same fields, ids and amounts read from
//! numbers or numeric strings and 0/1 booleans through small `deserialize_with` helpers, enum
//! values kept as their wire strings (or integers). Unknown keys are ignored, as derive does.
//!
//! The generated types do more (unknown keys kept, a value of another shape kept raw with a
//! warning); the bench shows what that costs on the common path, where there is none of either.

use std::fmt;
use std::marker::PhantomData;
use std::str::FromStr;

use serde::de::{self, Deserializer, Visitor};
use serde::Deserialize;

/// A number from a JSON number or a numeric string; `null` is `None`.
fn num<'de, D: Deserializer<'de>, T: Num>(d: D) -> Result<Option<T>, D::Error> {
    struct V<T>(PhantomData<T>);
    impl<T: Num> Visitor<'_> for V<T> {
        type Value = Option<T>;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("a number or a numeric string")
        }
        fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
            T::from_u64(v).map(Some).ok_or_else(|| E::custom("out of range"))
        }
        fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
            T::from_i64(v).map(Some).ok_or_else(|| E::custom("out of range"))
        }
        fn visit_f64<E: de::Error>(self, v: f64) -> Result<Self::Value, E> {
            T::from_f64(v).map(Some).ok_or_else(|| E::custom("not a number of this kind"))
        }
        fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
            v.trim().parse().map(Some).map_err(|_| E::custom("not a numeric string"))
        }
        fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }
    }
    d.deserialize_any(V(PhantomData))
}

/// A boolean from `true`/`false` or `0`/`1`; `null` is `None`.
fn flag<'de, D: Deserializer<'de>>(d: D) -> Result<Option<bool>, D::Error> {
    struct V;
    impl Visitor<'_> for V {
        type Value = Option<bool>;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("a boolean or 0/1")
        }
        fn visit_bool<E: de::Error>(self, v: bool) -> Result<Self::Value, E> {
            Ok(Some(v))
        }
        fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
            Ok(Some(v != 0))
        }
        fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
            Ok(Some(v != 0))
        }
        fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }
    }
    d.deserialize_any(V)
}

/// The number types [`num`] reads.
trait Num: FromStr + Sized {
    fn from_u64(v: u64) -> Option<Self>;
    fn from_i64(v: i64) -> Option<Self>;
    fn from_f64(v: f64) -> Option<Self>;
}

impl Num for u64 {
    fn from_u64(v: u64) -> Option<Self> {
        Some(v)
    }
    fn from_i64(v: i64) -> Option<Self> {
        u64::try_from(v).ok()
    }
    fn from_f64(_: f64) -> Option<Self> {
        None
    }
}

impl Num for i64 {
    fn from_u64(v: u64) -> Option<Self> {
        i64::try_from(v).ok()
    }
    fn from_i64(v: i64) -> Option<Self> {
        Some(v)
    }
    fn from_f64(_: f64) -> Option<Self> {
        None
    }
}

impl Num for f64 {
    fn from_u64(v: u64) -> Option<Self> {
        Some(v as f64)
    }
    fn from_i64(v: i64) -> Option<Self> {
        Some(v as f64)
    }
    fn from_f64(v: f64) -> Option<Self> {
        Some(v)
    }
}

/// `types::KolOrdersData` by hand.
#[derive(Debug, Deserialize)]
pub struct OrdersData {
    #[serde(default)]
    pub orders: Vec<Order>,
    #[serde(default)]
    pub cursor: Option<String>,
}

/// `types::Order` by hand: the same 42 fields.
#[allow(missing_docs)]
#[derive(Debug, Deserialize)]
pub struct Order {
    #[serde(default, deserialize_with = "num")]
    pub order_id: Option<u64>,
    #[serde(default, deserialize_with = "num")]
    pub product_id: Option<u64>,
    #[serde(default)]
    pub product_name: Option<String>,
    #[serde(default)]
    pub product_img: Option<String>,
    #[serde(default)]
    pub author_account: Option<String>,
    #[serde(default)]
    pub author_openid: Option<String>,
    #[serde(default)]
    pub author_short_id: Option<String>,
    #[serde(default)]
    pub author_buyin_id: Option<String>,
    #[serde(default, deserialize_with = "num")]
    pub shop_id: Option<u64>,
    #[serde(default)]
    pub shop_name: Option<String>,
    #[serde(default, deserialize_with = "num")]
    pub total_pay_amount: Option<i64>,
    #[serde(default, deserialize_with = "num")]
    pub commission_rate: Option<i64>,
    #[serde(default)]
    pub flow_point: Option<String>,
    #[serde(default)]
    pub app: Option<String>,
    #[serde(default)]
    pub update_time: Option<String>,
    #[serde(default)]
    pub pay_success_time: Option<String>,
    #[serde(default)]
    pub settle_time: Option<String>,
    #[serde(default)]
    pub refund_time: Option<String>,
    #[serde(default)]
    pub confirm_time: Option<String>,
    #[serde(default, deserialize_with = "num")]
    pub pay_goods_amount: Option<i64>,
    #[serde(default, deserialize_with = "num")]
    pub settled_goods_amount: Option<i64>,
    #[serde(default, deserialize_with = "num")]
    pub estimated_commission: Option<i64>,
    #[serde(default, deserialize_with = "num")]
    pub real_commission: Option<i64>,
    #[serde(default, deserialize_with = "num")]
    pub estimated_total_commission: Option<i64>,
    #[serde(default, deserialize_with = "num")]
    pub estimated_tech_service_fee: Option<i64>,
    #[serde(default, deserialize_with = "num")]
    pub item_num: Option<i64>,
    #[serde(default)]
    pub extra: Option<String>,
    #[serde(default)]
    pub pid_info: Option<PidInfo>,
    #[serde(default)]
    pub pick_source_client_key: Option<String>,
    #[serde(default)]
    pub pick_extra: Option<String>,
    #[serde(default)]
    pub media_type: Option<String>,
    #[serde(default, deserialize_with = "num")]
    pub media_id: Option<u64>,
    #[serde(default, deserialize_with = "flag")]
    pub is_stepped_plan: Option<bool>,
    #[serde(default, deserialize_with = "num")]
    pub platform_subsidy: Option<i64>,
    #[serde(default, deserialize_with = "num")]
    pub author_subsidy: Option<i64>,
    #[serde(default, deserialize_with = "num")]
    pub pay_subsidy: Option<i64>,
    #[serde(default, deserialize_with = "num")]
    pub settle_user_stepped_commission: Option<i64>,
    #[serde(default, deserialize_with = "num")]
    pub settle_inst_stepped_commission: Option<i64>,
    #[serde(default, deserialize_with = "num")]
    pub estimated_user_stepped_commission: Option<i64>,
    #[serde(default, deserialize_with = "num")]
    pub estimated_inst_stepped_commission: Option<i64>,
    #[serde(default)]
    pub product_activity_id: Option<String>,
    #[serde(default, deserialize_with = "num")]
    pub app_id: Option<i64>,
}

/// `types::OrderPidInfo` by hand.
#[allow(missing_docs)]
#[derive(Debug, Deserialize)]
pub struct PidInfo {
    #[serde(default)]
    pub pid: Option<String>,
    #[serde(default)]
    pub external_info: Option<String>,
    #[serde(default)]
    pub media_type_name: Option<String>,
}

/// `types::KolStoreListData` by hand.
#[derive(Debug, Deserialize)]
pub struct StoreListData {
    #[serde(default, deserialize_with = "num")]
    pub total: Option<i64>,
    #[serde(default)]
    pub results: Vec<StoreProduct>,
}

/// `types::StoreProduct` by hand: the same 10 fields.
#[allow(missing_docs)]
#[derive(Debug, Deserialize)]
pub struct StoreProduct {
    #[serde(default, deserialize_with = "num")]
    pub product_id: Option<u64>,
    #[serde(default, deserialize_with = "num")]
    pub promotion_id: Option<u64>,
    #[serde(default)]
    pub title: Option<String>,
    #[serde(default)]
    pub cover: Option<String>,
    #[serde(default, deserialize_with = "num")]
    pub promotion_type: Option<i64>,
    #[serde(default, deserialize_with = "num")]
    pub price: Option<i64>,
    #[serde(default, deserialize_with = "num")]
    pub cos_type: Option<i64>,
    #[serde(default, deserialize_with = "num")]
    pub cos_ratio: Option<f64>,
    #[serde(default, deserialize_with = "num")]
    pub colonel_activity_id: Option<u64>,
    #[serde(default, deserialize_with = "flag")]
    pub hide_status: Option<bool>,
}
