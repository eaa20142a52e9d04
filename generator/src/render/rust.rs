//! Small token pieces built with `quote`: Rust types, literals, doc attributes, serde attributes.

use proc_macro2::{Literal, TokenStream};
use quote::{format_ident, quote};

use crate::model::{Constraints, Field, Ty};
use crate::names;

/// A Rust string literal for `s`, escaped.
pub fn lit(s: &str) -> String {
    Literal::string(s).to_string()
}

/// `#[doc = "..."]` attributes, one per line of `text`, with blank lines kept as paragraph breaks.
pub fn doc_attrs(paragraphs: &[String]) -> String {
    let mut lines: Vec<String> = Vec::new();
    for p in paragraphs.iter().filter(|p| !p.trim().is_empty()) {
        if !lines.is_empty() {
            lines.push(String::new());
        }
        lines.extend(p.trim().lines().map(|l| l.trim_end().to_string()));
    }
    lines
        .iter()
        .map(|l| {
            let text = if l.is_empty() { String::new() } else { format!(" {l}") };
            let t: TokenStream = quote!(#[doc = #text]);
            t.to_string()
        })
        .collect::<Vec<_>>()
        .join("\n")
}

fn ident_tokens(ident: &str) -> TokenStream {
    match ident.strip_prefix("r#") {
        Some(raw) => {
            let i = format_ident!("r#{}", raw);
            quote!(#i)
        }
        None => {
            let i = format_ident!("{}", ident);
            quote!(#i)
        }
    }
}

/// The Rust identifier as tokens (checked by `format_ident!`), as a string.
pub fn ident(ident: &str) -> String {
    ident_tokens(ident).to_string()
}

/// The Rust type of a spec type, without `Option`.
pub fn ty(t: &Ty) -> TokenStream {
    match t {
        Ty::String => quote!(String),
        Ty::Secret => quote!(crate::Secret),
        Ty::Bool => quote!(bool),
        Ty::I32 => quote!(i32),
        Ty::I64 => quote!(i64),
        Ty::F64 => quote!(f64),
        Ty::Id => quote!(crate::Id),
        Ty::Json => quote!(::serde_json::Value),
        Ty::List(inner) => {
            let i = ty(inner);
            quote!(Vec<#i>)
        }
        Ty::Map(inner) => {
            let i = ty(inner);
            quote!(::std::collections::BTreeMap<String, #i>)
        }
        Ty::Named(n) => {
            let i = format_ident!("{}", n);
            quote!(#i)
        }
    }
}

/// The field's full Rust type (`Option` when not required).
pub fn field_ty(f: &Field) -> String {
    let t = ty(&f.ty);
    if f.required {
        t.to_string()
    } else {
        quote!(Option<#t>).to_string()
    }
}

/// The lenient decoder of a scalar, if it has one.
fn codec(t: &Ty) -> Option<&'static str> {
    match t {
        Ty::I32 | Ty::I64 => Some("int"),
        Ty::F64 => Some("float"),
        Ty::Bool => Some("boolean"),
        Ty::String => Some("string"),
        _ => None,
    }
}

/// The `#[serde(...)]` attribute of a field, or an empty string.
pub fn serde_attr(f: &Field) -> String {
    let mut parts: Vec<TokenStream> = Vec::new();
    if names::bare(&f.ident) != f.wire {
        let w = &f.wire;
        parts.push(quote!(rename = #w));
    }
    let collection = matches!(f.ty, Ty::List(_) | Ty::Map(_));
    if f.required {
        if let Some(c) = codec(&f.ty) {
            let path = format!("crate::codec::{c}");
            parts.push(quote!(deserialize_with = #path));
        } else if collection {
            // Go servers send `null` for empty lists: absent or null both mean empty.
            parts.push(quote!(default));
            parts.push(quote!(deserialize_with = "crate::codec::null_as_default"));
        }
    } else {
        parts.push(quote!(default));
        parts.push(quote!(skip_serializing_if = "Option::is_none"));
        if let Some(c) = codec(&f.ty) {
            let path = format!("crate::codec::opt_{c}");
            parts.push(quote!(deserialize_with = #path));
        }
    }
    if parts.is_empty() {
        String::new()
    } else {
        quote!(#[serde(#(#parts),*)]).to_string()
    }
}

/// The expression of a spec type in the runtime schema table (`crate::schema::FieldType`).
pub fn schema_ty(t: &Ty) -> String {
    fn go(t: &Ty) -> TokenStream {
        match t {
            Ty::String => quote!(FieldType::String),
            Ty::Secret => quote!(FieldType::Secret),
            Ty::Bool => quote!(FieldType::Bool),
            Ty::I32 => quote!(FieldType::I32),
            Ty::I64 => quote!(FieldType::I64),
            Ty::F64 => quote!(FieldType::F64),
            Ty::Id => quote!(FieldType::Id),
            Ty::Json => quote!(FieldType::Json),
            Ty::List(i) => {
                let i = go(i);
                quote!(FieldType::List(&#i))
            }
            Ty::Map(i) => {
                let i = go(i);
                quote!(FieldType::Map(&#i))
            }
            Ty::Named(n) => quote!(FieldType::Named(#n)),
        }
    }
    go(t).to_string()
}

/// `Some(x)` / `None` for an optional number.
pub fn opt_num<T: std::fmt::Display>(v: Option<T>) -> String {
    v.map_or_else(|| "None".to_string(), |v| format!("Some({v})"))
}

/// `Some("..")` / `None` for an optional string.
pub fn opt_str(v: Option<&str>) -> String {
    v.map_or_else(|| "None".to_string(), |v| format!("Some({})", lit(v)))
}

/// Human sentence of the constraints, for docs.
pub fn constraints_sentence(c: &Constraints) -> Option<String> {
    let mut parts = Vec::new();
    match (c.min, c.max) {
        (Some(a), Some(b)) => parts.push(format!("between {a} and {b}")),
        (Some(a), None) => parts.push(format!("at least {a}")),
        (None, Some(b)) => parts.push(format!("at most {b}")),
        (None, None) => {}
    }
    if let Some(n) = c.max_length {
        parts.push(format!("at most {n} characters"));
    }
    if let Some(n) = c.max_items {
        parts.push(format!("at most {n} items"));
    }
    if let Some(p) = &c.pattern {
        parts.push(format!("matches `{p}`"));
    }
    (!parts.is_empty()).then(|| format!("Constraints: {}; checked before sending.", parts.join(", ")))
}

/// Documentation paragraphs of a field.
pub fn field_docs(f: &Field) -> Vec<String> {
    let mut p = vec![f.doc.clone()];
    if let Some(zh) = &f.doc_zh {
        p.push(zh.clone());
    }
    let mut facts = Vec::new();
    if let Some(u) = f.unit {
        facts.push(u.sentence().to_string());
    }
    if let Some(c) = constraints_sentence(&f.constraints) {
        facts.push(c);
    }
    if let Some(e) = &f.example {
        facts.push(format!("Example: `{e}`."));
    }
    if !facts.is_empty() {
        p.push(facts.join(" "));
    }
    p
}
