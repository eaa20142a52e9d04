async fn dd(c: &sdk::Client) -> sdk::Result<sdk::types::DoData> {
    c.do_get().await
}
