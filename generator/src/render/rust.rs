//! Small token pieces built with `quote`: Rust types, literals, doc attributes, serde attributes.

use proc_macro2::{Literal, TokenStream};
use quote::{format_ident, quote};

use crate::model::{Constraints, Field, Provenance, Ty};
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
    // The spec crate holds the one mapping of spec types to Rust; its text always parses.
    match syn::parse_str::<syn::Type>(&t.rust()) {
        Ok(parsed) => quote!(#parsed),
        Err(e) => {
            let message = format!("spec type {t:?} maps to unparsable Rust `{}`: {e}", t.rust());
            quote!(::core::compile_error!(#message))
        }
    }
}

/// The field's full Rust type (`Option` when not required).
pub fn field_ty(f: &Field) -> String {
    let t = ty(&f.ty);
    if f.optional() {
        quote!(Option<#t>).to_string()
    } else {
        t.to_string()
    }
}

/// The `#[serde(...)]` attribute of a field for `Serialize`, or an empty string: the wire name
/// when it differs from the identifier, and absent optional fields left out. `gated` (a type
/// only received, which serialises only with the `serialize` feature) puts it under that feature.
pub fn serde_attr(f: &Field, gated: bool) -> String {
    let mut parts: Vec<TokenStream> = Vec::new();
    if names::bare(&f.ident) != f.wire {
        let w = &f.wire;
        parts.push(quote!(rename = #w));
    }
    if f.optional() {
        parts.push(quote!(skip_serializing_if = "Option::is_none"));
    }
    match (parts.is_empty(), gated) {
        (true, _) => String::new(),
        (false, false) => quote!(#[serde(#(#parts),*)]).to_string(),
        (false, true) => quote!(#[cfg_attr(feature = "serialize", serde(#(#parts),*))]).to_string(),
    }
}

/// The decoder marker of a received field (a type of `douyin_alliance::object`): lenient
/// scalars, lists and maps that read `null` as empty, and plain `Deserialize` for the rest.
pub fn decode_marker(f: &Field) -> String {
    // Text, not tokens: the `__object!` invocation is printed as written, one field per line
    // (see `render::print_object`).
    let t = f.ty.rust();
    if f.lenient {
        return match (&f.ty, f.optional()) {
            (Ty::I32 | Ty::I64, _) => format!("LenientInt<{t}>"),
            (Ty::F64, _) => "LenientFloat".into(),
            (Ty::Bool, _) => "LenientBool".into(),
            (Ty::String, _) => "LenientStr".into(),
            (Ty::List(item), false) => format!("LenientList<{}>", item.rust()),
            (Ty::List(item), true) => format!("LenientOptList<{}>", item.rust()),
            (Ty::Map(v), false) => format!("LenientMap<{}>", v.rust()),
            (Ty::Map(v), true) => format!("LenientOptMap<{}>", v.rust()),
            (_, _) => format!("LenientOpt<{t}>"),
        };
    }
    match (&f.ty, f.required) {
        (Ty::I32 | Ty::I64, true) => format!("Int<{t}>"),
        (Ty::I32 | Ty::I64, false) => format!("OptInt<{t}>"),
        (Ty::F64, true) => "Float".into(),
        (Ty::F64, false) => "OptFloat".into(),
        (Ty::Bool, true) => "Bool".into(),
        (Ty::Bool, false) => "OptBool".into(),
        (Ty::String, true) => "Str".into(),
        (Ty::String, false) => "OptStr".into(),
        (Ty::List(_) | Ty::Map(_), true) => format!("Collection<{t}>"),
        (_, true) => format!("Plain<{t}>"),
        (_, false) => format!("Opt<{t}>"),
    }
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
pub fn field_docs(f: &Field, evidence_in_type_doc: bool) -> Vec<String> {
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
    if !evidence_in_type_doc {
        facts.push(evidence_sentence(&f.evidence, f.lenient, ["Evidence", "Read leniently"]));
    }
    if !facts.is_empty() {
        p.push(facts.join(" "));
    }
    p
}

/// `Evidence: …` and, when lenient, how it is read, each sentence led by its `words`
/// (`["Evidence", "Read leniently"]` for a field, other words when a type says it for all).
pub fn evidence_sentence(e: &Provenance, lenient: bool, [evidence, read]: [&str; 2]) -> String {
    let mut s = format!("{evidence}: {}.", e.phrase().trim_end_matches('.'));
    if lenient {
        s.push_str(&format!(
            " {read}: absent, or of another shape (then kept in `extra_fields`), it is unset."
        ));
    }
    s
}

/// The statements that check a request field's stated constraints before sending (none when it
/// has none), and a check of its nested values when `nested` says their type has constraints.
pub fn field_checks(f: &Field, nested: bool) -> Vec<String> {
    let i = ident_tokens(&f.ident);
    let wire = &f.wire;
    let value = if f.required { quote!(Some(&self.#i)) } else { quote!(self.#i.as_ref()) };
    let c = &f.constraints;
    let mut out: Vec<TokenStream> = Vec::new();
    if let Some(min) = c.min.map(Literal::i64_unsuffixed) {
        out.push(quote!(crate::check::min(#wire, #value, #min)?;));
    }
    if let Some(max) = c.max.map(Literal::i64_unsuffixed) {
        out.push(quote!(crate::check::max(#wire, #value, #max)?;));
    }
    if let Some(n) = c.max_length.map(Literal::u64_unsuffixed) {
        out.push(quote!(crate::check::max_length(#wire, #value, #n)?;));
    }
    if let Some(n) = c.max_items.map(Literal::u64_unsuffixed) {
        out.push(quote!(crate::check::max_items(#wire, #value, #n)?;));
    }
    if let Some(p) = &c.pattern {
        out.push(quote!(crate::check::pattern(#wire, #value, #p)?;));
    }
    if nested {
        out.push(quote!(crate::check::nested(#wire, &self.#i)?;));
    }
    out.iter().map(ToString::to_string).collect()
}
