fn ft(d: &sdk::types::FtData) -> String {
    d.buyin_id.clone()
}
