//! How answers are printed: JSON, or the first list of objects as an aligned table.

use serde_json::Value;

/// The first list of objects in `data` as an aligned table.
pub fn table(data: &Value) -> Option<String> {
    fn first_list(v: &Value) -> Option<&Vec<Value>> {
        match v {
            Value::Array(a) if a.iter().all(Value::is_object) && !a.is_empty() => Some(a),
            Value::Object(m) => m.values().find_map(first_list),
            _ => None,
        }
    }
    let rows = first_list(data)?;
    let mut cols: Vec<String> = Vec::new();
    for r in rows {
        for k in r.as_object().into_iter().flat_map(|m| m.keys()) {
            if !cols.contains(k) && cols.len() < 6 {
                cols.push(k.clone());
            }
        }
    }
    let cell = |r: &Value, c: &str| match r.get(c) {
        Some(Value::String(s)) => s.chars().take(30).collect(),
        Some(v) => v.to_string().chars().take(30).collect(),
        None => String::new(),
    };
    let widths: Vec<usize> = cols
        .iter()
        .map(|c| {
            rows.iter().map(|r| cell(r, c).chars().count()).chain([c.chars().count()]).max().unwrap_or(0)
        })
        .collect();
    let line = |cells: Vec<String>| {
        cells
            .iter()
            .zip(&widths)
            .map(|(c, w)| format!("{c:<w$}"))
            .collect::<Vec<_>>()
            .join("  ")
            .trim_end()
            .to_string()
    };
    let mut out = line(cols.clone()) + "\n";
    for r in rows {
        out.push_str(&line(cols.iter().map(|c| cell(r, c)).collect()));
        out.push('\n');
    }
    Some(out)
}
