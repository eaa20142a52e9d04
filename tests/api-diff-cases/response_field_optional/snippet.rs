fn ro(d: &sdk::types::RoData) -> i64 {
    d.count
}
