async fn ea(c: &sdk::Client) -> sdk::Result<sdk::types::EaData> {
    c.ea_get().await
}
