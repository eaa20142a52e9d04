fn fr(d: &sdk::types::FrData) -> Option<&String> {
    d.b.as_ref()
}
