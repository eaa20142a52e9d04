fn rq() -> sdk::types::RqRequest {
    sdk::types::RqRequest::new(1)
}
