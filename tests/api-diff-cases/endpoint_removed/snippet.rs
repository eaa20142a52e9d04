async fn er(c: &sdk::Client) -> sdk::Result<sdk::types::ErData> {
    c.er_old().await
}
