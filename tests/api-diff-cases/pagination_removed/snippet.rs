fn pr(c: &sdk::Client) -> impl futures_core::Stream<Item = sdk::Result<sdk::types::PrItem>> {
    c.pr_list_items(sdk::types::PrRequest::new(1, 20), 10)
}
