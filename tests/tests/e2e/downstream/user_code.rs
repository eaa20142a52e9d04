// Code a downstream crate writes against the fixture client, `sdk`. The `downstream` module
// compiles this very text against the fixture and against its next version (an optional
// response field and enum values added): both must compile, unchanged.

/// Builds a request the supported way: `new` with the required fields, setters for the rest.
pub fn search_request(page: i64) -> sdk::types::FxSearchRequest {
    sdk::types::FxSearchRequest::new(page).with_keyword("cup").with_type(sdk::types::FxSortKind::Price)
}

/// Reads a response's fields.
pub fn describe(profile: &sdk::types::FxProfileData) -> String {
    let verified = if profile.verified == Some(true) { ", verified" } else { "" };
    // A weakly evidenced count may be absent (or of another shape, then kept in extra_fields).
    let followers = profile.follower_count.map_or_else(|| "?".to_string(), |n| n.to_string());
    format!("{} ({followers} followers{verified})", profile.nickname)
}

/// Matches an open enum: the documented values it handles, and a wildcard for the rest.
pub fn status_label(status: &sdk::types::FxProductStatus) -> String {
    match status {
        sdk::types::FxProductStatus::OnSale => "on sale".to_string(),
        sdk::types::FxProductStatus::SoldOut => "sold out".to_string(),
        other => format!("other ({other})"),
    }
}

/// Sorts by an integer enum read from the wire.
pub fn sort_of(wire: i64) -> sdk::types::FxSortKind {
    sdk::types::FxSortKind::from(wire)
}

/// Makes a response in a test, the documented way: from JSON.
pub fn profile_from(json: serde_json::Value) -> sdk::types::FxProfileData {
    serde_json::from_value(json).expect("a profile")
}

/// Calls the API.
pub async fn first_page(client: &sdk::Client) -> sdk::Result<usize> {
    Ok(client.app_search(&search_request(1)).await?.products.len())
}
