async fn ac(c: &sdk::Client) -> sdk::Result<sdk::types::AcData> {
    c.ac_get().await
}
