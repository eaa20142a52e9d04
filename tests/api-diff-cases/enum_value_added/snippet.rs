fn ev(d: &sdk::types::EvData) -> &'static str {
    match &d.kind {
        Some(sdk::types::EvKind::A) => "a",
        Some(sdk::types::EvKind::B) => "b",
        Some(_) => "other",
        None => "none",
    }
}
