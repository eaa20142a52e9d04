async fn or(c: &sdk::Client) -> sdk::Result<sdk::types::OrData> {
    c.or_find(&sdk::types::OrRequest::new(1)).await
}
