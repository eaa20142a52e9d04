//! The Doudian gateway's request signature (doudian-facts §2), in one place for the client that
//! signs and for code that checks (the sandbox).
//!
//! The signed string is `app_secret + "app_key" + app_key + "method" + method + "param_json" +
//! param_json + "timestamp" + timestamp + "v" + "2" + app_secret`, and the sign its HMAC-SHA256
//! with the secret as key (the default), or its MD5, as lowercase hex. `param_json` is the
//! request's [canonical JSON](canonical_json), sent byte for byte as the body.

use hmac::{Hmac, Mac};
use md5::{Digest, Md5};
use serde_json::Value;
use sha2::Sha256;

/// The protocol version the gateway's current protocol names (`v=2`).
pub const VERSION: &str = "2";

/// How the signature is digested (`sign_method`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum SignMethod {
    /// `hmac-sha256` (the default, what the gateway recommends).
    #[default]
    HmacSha256,
    /// `md5` (what the gateway assumes when `sign_method` is absent; to be retired).
    Md5,
}

impl SignMethod {
    /// The `sign_method` query value.
    pub fn as_str(self) -> &'static str {
        match self {
            SignMethod::HmacSha256 => "hmac-sha256",
            SignMethod::Md5 => "md5",
        }
    }

    /// The method the query value names; absent means MD5, as the gateway reads it.
    pub fn from_query(value: Option<&str>) -> Option<SignMethod> {
        match value {
            None | Some("md5") => Some(SignMethod::Md5),
            Some("hmac-sha256") => Some(SignMethod::HmacSha256),
            Some(_) => None,
        }
    }
}

/// What one signature covers.
#[derive(Debug, Clone, Copy)]
pub struct Signed<'a> {
    /// The app's key.
    pub app_key: &'a str,
    /// The `method` name.
    pub method: &'a str,
    /// The body, exactly as sent.
    pub param_json: &'a str,
    /// The timestamp, exactly as sent in the query.
    pub timestamp: &'a str,
}

/// The string that is signed.
pub fn sign_pattern(s: &Signed<'_>, app_secret: &str) -> String {
    let mut out = String::with_capacity(2 * app_secret.len() + s.param_json.len() + 64);
    out.push_str(app_secret);
    for (name, value) in [
        ("app_key", s.app_key),
        ("method", s.method),
        ("param_json", s.param_json),
        ("timestamp", s.timestamp),
    ] {
        out.push_str(name);
        out.push_str(value);
    }
    out.push('v');
    out.push_str(VERSION);
    out.push_str(app_secret);
    out
}

/// The sign: the digest of [`sign_pattern`], lowercase hex.
///
/// ```
/// use douyin_alliance::signing::{sign, SignMethod, Signed};
/// // The official doc's example (doudian-facts §2.6, TV-1).
/// let s = Signed {
///     app_key: "6844048284663924231",
///     method: "product.list",
///     param_json: r#"{"page":"0","size":"20"}"#,
///     timestamp: "2020-07-05 22:33:59",
/// };
/// assert_eq!(
///     sign(&s, "749698a6-fcb3-4358-b241-ec1d93cf9c1f", SignMethod::HmacSha256),
///     "a84fc5747114e63196565192a19f80d9d78819b8c8f5940eeb282bf78260901d"
/// );
/// ```
pub fn sign(s: &Signed<'_>, app_secret: &str, method: SignMethod) -> String {
    let pattern = sign_pattern(s, app_secret);
    let digest: Vec<u8> = match method {
        SignMethod::HmacSha256 => match Hmac::<Sha256>::new_from_slice(app_secret.as_bytes()) {
            Ok(mut mac) => {
                mac.update(pattern.as_bytes());
                mac.finalize().into_bytes().to_vec()
            }
            // HMAC takes keys of any length; this arm is never taken.
            Err(_) => Vec::new(),
        },
        SignMethod::Md5 => Md5::digest(pattern.as_bytes()).to_vec(),
    };
    lower_hex(&digest)
}

/// Lowercase hex of `bytes`.
pub(crate) fn lower_hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Whether `given` is the sign of `s`, compared in constant time.
pub fn verify(s: &Signed<'_>, app_secret: &str, method: SignMethod, given: &str) -> bool {
    use subtle::ConstantTimeEq;
    let expected = sign(s, app_secret, method);
    expected.len() == given.len() && bool::from(expected.as_bytes().ct_eq(given.as_bytes()))
}

/// The canonical `param_json` of a JSON value: compact, keys sorted at every level (objects
/// inside arrays too), strings as raw UTF-8 with only the escapes JSON requires (no HTML
/// escaping), numbers exactly as they are (64-bit integers are never rounded), `null` members
/// left out; an absent or `null` request is `{}`. The same bytes are signed and sent.
///
/// ```
/// use douyin_alliance::signing::canonical_json;
/// let v = serde_json::json!({"z": 1, "a": {"z": false, "a": [1, "汉<>", {"b": 1, "a": null}]}});
/// assert_eq!(canonical_json(&v), r#"{"a":{"a":[1,"汉<>",{"b":1}],"z":false},"z":1}"#);
/// assert_eq!(canonical_json(&serde_json::Value::Null), "{}");
/// ```
pub fn canonical_json(value: &Value) -> String {
    let mut out = String::new();
    match value {
        Value::Null => out.push_str("{}"),
        v => write_value(&mut out, v),
    }
    out
}

fn write_value(out: &mut String, v: &Value) {
    match v {
        Value::Object(map) => {
            let mut keys: Vec<&String> = map.iter().filter(|(_, v)| !v.is_null()).map(|(k, _)| k).collect();
            keys.sort();
            out.push('{');
            for (i, k) in keys.into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_string(out, k);
                out.push(':');
                write_value(out, &map[k]);
            }
            out.push('}');
        }
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_value(out, item);
            }
            out.push(']');
        }
        Value::String(s) => write_string(out, s),
        Value::Number(n) => out.push_str(&n.to_string()),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Null => out.push_str("null"),
    }
}

/// A JSON string with only the escapes JSON requires (serde_json's, which never escapes `<>&`
/// or non-ASCII).
fn write_string(out: &mut String, s: &str) {
    // Serialising a `&str` cannot fail.
    out.push_str(&serde_json::to_string(s).unwrap_or_default());
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use serde_json::json;

    /// JSON values with unicode, HTML-special characters, emoji and 64-bit integers.
    fn value() -> impl Strategy<Value = Value> {
        let leaf = prop_oneof![
            any::<bool>().prop_map(Value::from),
            any::<i64>().prop_map(Value::from),
            any::<u64>().prop_map(Value::from),
            "[a-z<>&\"'\\\\/ 汉字😀\u{7}]{0,8}".prop_map(Value::from),
        ];
        leaf.prop_recursive(3, 24, 5, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
                prop::collection::vec(("[a-z_]{1,6}", inner), 0..5)
                    .prop_map(|kv| Value::Object(kv.into_iter().collect())),
            ]
        })
    }

    /// The same object with its members in reverse order, at every level.
    fn reversed(v: &Value) -> Value {
        match v {
            Value::Object(m) => {
                let mut out = serde_json::Map::new();
                for (k, v) in m.iter().rev() {
                    out.insert(k.clone(), reversed(v));
                }
                Value::Object(out)
            }
            Value::Array(items) => Value::Array(items.iter().map(reversed).collect()),
            other => other.clone(),
        }
    }

    proptest! {
        #[test]
        fn any_member_order_gives_one_text_that_reads_back(v in value()) {
            let text = canonical_json(&v);
            prop_assert_eq!(&text, &canonical_json(&reversed(&v)));
            prop_assert!(!text.contains(' ') || text.contains('"'), "whitespace outside strings: {}", text);
            if v.is_object() {
                let back: Value = serde_json::from_str(&text).map_err(|e| TestCaseError::fail(e.to_string()))?;
                prop_assert_eq!(back, v);
            }
        }

        #[test]
        fn the_sign_verifies_only_its_own_text(body in "[a-z{}:\",0-9]{0,40}", other in "[a-z]{1,5}") {
            let s = Signed { app_key: "7043675397937989128", method: "buyin.kolProductShare", param_json: &body, timestamp: "1700000000" };
            for m in [SignMethod::HmacSha256, SignMethod::Md5] {
                let sign = sign(&s, "secret", m);
                prop_assert!(verify(&s, "secret", m, &sign));
                prop_assert!(!verify(&s, &other, m, &sign));
                let changed = format!("{body} ");
                let tampered = Signed { param_json: &changed, ..s };
                prop_assert!(!verify(&tampered, "secret", m, &sign), "a changed body verified");
            }
        }
    }

    #[test]
    fn strings_stay_raw_and_integers_exact() {
        let v = json!({"t": "汉<>&\"😀", "id": 3450632721376902816u64, "neg": -9223372036854775808i64});
        assert_eq!(
            canonical_json(&v),
            r#"{"id":3450632721376902816,"neg":-9223372036854775808,"t":"汉<>&\"😀"}"#
        );
    }

    #[test]
    fn the_official_example_signs_as_published() {
        let s = Signed {
            app_key: "6844048284663924231",
            method: "product.list",
            param_json: r#"{"page":"0","size":"20"}"#,
            timestamp: "2020-07-05 22:33:59",
        };
        let secret = "749698a6-fcb3-4358-b241-ec1d93cf9c1f";
        assert_eq!(
            sign_pattern(&s, secret),
            "749698a6-fcb3-4358-b241-ec1d93cf9c1fapp_key6844048284663924231methodproduct.listparam_json\
             {\"page\":\"0\",\"size\":\"20\"}timestamp2020-07-05 22:33:59v2749698a6-fcb3-4358-b241-ec1d93cf9c1f"
        );
        assert_eq!(
            sign(&s, secret, SignMethod::HmacSha256),
            "a84fc5747114e63196565192a19f80d9d78819b8c8f5940eeb282bf78260901d"
        );
        assert_eq!(sign(&s, secret, SignMethod::Md5).len(), 32);
    }
}
