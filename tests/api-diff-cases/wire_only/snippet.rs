async fn wo(c: &sdk::Client) -> sdk::Result<sdk::types::WoData> {
    c.wo_get(&sdk::types::WoRequest::new(7u64)).await
}
