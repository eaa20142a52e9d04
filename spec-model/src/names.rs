//! Identifiers made safe in one place: case conversion with `heck`, keywords escaped.

use heck::{ToSnakeCase, ToUpperCamelCase};

/// Rust keywords (strict and reserved, 2021 edition plus `gen` of 2024).
const KEYWORDS: &[&str] = &[
    "as", "async", "await", "break", "const", "continue", "crate", "dyn", "else", "enum", "extern", "false",
    "fn", "for", "if", "impl", "in", "let", "loop", "match", "mod", "move", "mut", "pub", "ref", "return",
    "self", "Self", "static", "struct", "super", "trait", "true", "type", "unsafe", "use", "where", "while",
    "abstract", "become", "box", "do", "final", "macro", "override", "priv", "try", "typeof", "unsized",
    "virtual", "yield", "gen",
];

/// Keywords that cannot be raw identifiers; they get a trailing underscore instead.
const NOT_RAW: &[&str] = &["crate", "self", "Self", "super"];

/// The snake_case Rust field identifier for a wire name: `type` becomes `r#type`, `1st-name`
/// becomes `_1st_name`. The caller keeps the wire name for `#[serde(rename)]`.
pub fn field_ident(wire: &str) -> String {
    let cleaned: String = wire.chars().map(|c| if c.is_ascii_alphanumeric() { c } else { '_' }).collect();
    let mut snake = cleaned.to_snake_case();
    if snake.is_empty() {
        snake = "field".to_string();
    }
    if snake.starts_with(|c: char| c.is_ascii_digit()) {
        snake.insert(0, '_');
    }
    escape_keyword(snake)
}

/// The PascalCase variant identifier for an enum value.
pub fn variant_ident(value: &str) -> String {
    let cleaned: String = value.chars().map(|c| if c.is_ascii_alphanumeric() { c } else { '_' }).collect();
    let mut camel = cleaned.to_upper_camel_case();
    if camel.is_empty() || camel.starts_with(|c: char| c.is_ascii_digit()) {
        camel.insert(0, 'V');
    }
    escape_keyword(camel)
}

/// The identifier without a raw prefix, for comparisons.
pub fn bare(ident: &str) -> &str {
    ident.strip_prefix("r#").unwrap_or(ident)
}

fn escape_keyword(s: String) -> String {
    if NOT_RAW.contains(&s.as_str()) {
        format!("{s}_")
    } else if KEYWORDS.contains(&s.as_str()) {
        format!("r#{s}")
    } else {
        s
    }
}

/// Whether `s` is lowercase snake_case starting with a letter.
pub fn is_snake(s: &str) -> bool {
    s.starts_with(|c: char| c.is_ascii_lowercase())
        && s.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
        && !s.contains("__")
        && !s.ends_with('_')
}

/// Whether `s` is PascalCase starting with an uppercase letter.
pub fn is_pascal(s: &str) -> bool {
    s.starts_with(|c: char| c.is_ascii_uppercase()) && s.chars().all(|c| c.is_ascii_alphanumeric())
}

/// SCREAMING_SNAKE_CASE of a snake_case name, for statics.
pub fn constant(snake: &str) -> String {
    snake.to_ascii_uppercase()
}

/// The candidate closest to `word`, when it is a near miss (an edit distance of at most a
/// third of the word, and at least 1): what a "did you mean" names. Ties go to the first.
pub fn nearest<'a>(word: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let limit = (word.chars().count() / 3).max(1);
    candidates
        .into_iter()
        .filter(|c| *c != word)
        .map(|c| (distance(word, c), c))
        .filter(|(d, _)| *d <= limit)
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| c)
}

/// `"; did you mean `x`?"` for the near miss of `word` among `candidates`, else empty.
pub fn did_you_mean<'a>(word: &str, candidates: impl IntoIterator<Item = &'a str>) -> String {
    nearest(word, candidates).map(|c| format!("; did you mean `{c}`?")).unwrap_or_default()
}

/// Levenshtein distance over chars (insertions, deletions, substitutions).
fn distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut prev = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let here = row[j + 1];
            row[j + 1] = (prev + usize::from(ca != *cb)).min(row[j] + 1).min(here + 1);
            prev = here;
        }
    }
    row[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_near_miss_is_named_and_a_far_one_is_not() {
        assert_eq!(nearest("strng", ["string", "secret", "bool"]), Some("string"));
        assert_eq!(nearest("KolOrderData", ["KolOrdersData", "Order"]), Some("KolOrdersData"));
        assert_eq!(nearest("x", ["string"]), None);
        assert_eq!(nearest("string", ["string"]), None, "the word itself is no suggestion");
        assert_eq!(did_you_mean("evidance", ["evidence", "doc"]), "; did you mean `evidence`?");
        assert_eq!(did_you_mean("zzz", ["evidence"]), "");
    }

    #[test]
    fn keywords_and_invalid_identifiers_are_made_safe() {
        assert_eq!(field_ident("type"), "r#type");
        assert_eq!(field_ident("self"), "self_");
        assert_eq!(field_ident("productId"), "product_id");
        assert_eq!(field_ident("1st-name"), "_1st_name");
        assert_eq!(field_ident("a.b"), "a_b");
        assert_eq!(variant_ident("PAY_SUCC"), "PaySucc");
        assert_eq!(variant_ident("shop_list"), "ShopList");
        assert_eq!(variant_ident("0"), "V0");
    }
}
