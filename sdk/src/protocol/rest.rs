//! The REST binding: the request's encoding with the app's body credentials and constants (once
//! per call), and per attempt the URL, the `access-token` header or the user's body fields, as
//! the endpoint's [`Placement`] says.

use reqwest::header::{HeaderValue, ACCEPT, CONTENT_TYPE, USER_AGENT};
use serde_json::{Map, Value};

use super::{invalid, Identity, Wire};
use crate::endpoint::{Encoding, Endpoint, HttpMethod, Placement, RestBinding};
use crate::{Client, Error, ErrorKind, Result};

const JSON: &str = "application/json";
const FORM: &str = "application/x-www-form-urlencoded";

/// The serialised request in the endpoint's encoding, with the app's credentials (when they
/// travel in the body) and the constants added.
pub(super) fn encode(
    client: &Client,
    endpoint: &'static Endpoint,
    rest: &RestBinding,
    body: Option<Vec<u8>>,
) -> Result<Wire> {
    let adds_fields = !rest.constants.is_empty() || matches!(rest.placement, Placement::AppInBody { .. });
    // The common case, a JSON object with nothing to add, goes as it is; anything else
    // (absent, null, not an object) takes the general path, which says what is wrong.
    let body = match body {
        Some(b) if rest.encoding == Encoding::Json && !adds_fields && b.first() == Some(&b'{') => {
            return Ok(Wire::Json(b.into()));
        }
        other => other,
    };
    let params = params(client, endpoint, rest, body.as_deref())?;
    Ok(match rest.encoding {
        Encoding::Json => Wire::Json(
            serde_json::to_vec(&params).map_err(|e| invalid(endpoint, "(body)", e.to_string()))?.into(),
        ),
        Encoding::Form => {
            let pairs: Vec<(&str, String)> = flatten(&params).collect();
            let body =
                serde_urlencoded::to_string(pairs).map_err(|e| invalid(endpoint, "(body)", e.to_string()))?;
            Wire::Form(body.into())
        }
        Encoding::Query => Wire::Query(flatten(&params).map(|(k, v)| (k.to_string(), v)).collect()),
        Encoding::None => Wire::Empty,
    })
}

/// The request as a JSON object, with the app's body credentials and the constants added.
fn params(
    client: &Client,
    endpoint: &'static Endpoint,
    rest: &RestBinding,
    body: Option<&[u8]>,
) -> Result<Map<String, Value>> {
    let mut params = match body.map(serde_json::from_slice::<Value>) {
        None | Some(Ok(Value::Null)) => Map::new(),
        Some(Ok(Value::Object(m))) => m,
        Some(Ok(other)) => {
            return Err(invalid(endpoint, "(body)", format!("must be an object, got {other}")))
        }
        Some(Err(e)) => return Err(invalid(endpoint, "(body)", e.to_string())),
    };
    let cfg = &client.inner.config;
    let mut credentials = Vec::new();
    if let Placement::AppInBody { secret } = rest.placement {
        credentials.push((Placement::CLIENT_KEY, cfg.client_key.clone()));
        if secret {
            credentials.push((Placement::CLIENT_SECRET, cfg.client_secret.expose().to_string()));
        }
    }
    for (name, v) in credentials {
        if v.is_empty() {
            return Err(Error::new(
                endpoint.name,
                ErrorKind::Config(format!(
                    "`{name}` is not configured; set it with ClientBuilder::credentials"
                )),
            ));
        }
        params.insert(name.to_string(), Value::String(v));
    }
    for (name, v) in rest.constants {
        params.insert((*name).to_string(), Value::String((*v).to_string()));
    }
    Ok(params)
}

/// The attempt's request: URL (with `?open_id=` when the placement says so), headers, and the
/// body with the user's credentials added when they travel in it.
pub(super) fn authorize(
    client: &Client,
    rest: &RestBinding,
    identity: &Identity<'_>,
    wire: &Wire,
) -> Result<reqwest::Request, ErrorKind> {
    let cfg = &client.inner.config;
    let user = match identity {
        Identity::User(u) => Some(*u),
        Identity::None | Identity::AppToken(_) | Identity::Authority(_) => None,
    };
    let mut url = client.url_of(rest);
    let open_id = user.filter(|_| rest.placement.open_id_in_query()).map(|u| u.open_id.as_str());
    let query = match wire {
        Wire::Query(pairs) => pairs.as_slice(),
        _ => &[],
    };
    if open_id.is_some() || !query.is_empty() {
        let mut pairs = url.query_pairs_mut();
        if let Some(id) = open_id {
            pairs.append_pair(Placement::OPEN_ID, id);
        }
        for (k, v) in query {
            pairs.append_pair(k, v);
        }
    }
    let method = match rest.method {
        HttpMethod::Get => http::Method::GET,
        HttpMethod::Post => http::Method::POST,
    };
    let mut request = reqwest::Request::new(method, url);
    *request.timeout_mut() = Some(cfg.timeout);
    let headers = request.headers_mut();
    headers.insert(ACCEPT, HeaderValue::from_static(JSON));
    headers.insert(USER_AGENT, cfg.user_agent.clone());
    let header_token = match (rest.placement, identity) {
        (Placement::AppTokenHeader, Identity::AppToken(t)) => Some(t),
        (Placement::UserHeader { .. }, Identity::User(u)) => Some(&u.access_token),
        _ => None,
    };
    if let Some(t) = header_token {
        let mut v = HeaderValue::from_str(t.expose())
            .map_err(|_| ErrorKind::Config("the token contains characters a header cannot carry".into()))?;
        v.set_sensitive(true);
        headers.insert(Placement::TOKEN_HEADER, v);
    }
    let body_fields: Vec<(&str, &str)> = match (rest.placement, user) {
        (Placement::UserInBody, Some(u)) => {
            vec![(Placement::ACCESS_TOKEN, u.access_token.expose()), (Placement::OPEN_ID, u.open_id.as_str())]
        }
        _ => Vec::new(),
    };
    let (content_type, body) = match wire {
        Wire::Json(body) if !body_fields.is_empty() => {
            (Some(JSON), Some(with_json_fields(body, &body_fields)?))
        }
        Wire::Form(body) if !body_fields.is_empty() => {
            let mut form = url::form_urlencoded::Serializer::new(String::from_utf8_lossy(body).into_owned());
            form.extend_pairs(body_fields.iter().copied());
            (Some(FORM), Some(form.finish().into()))
        }
        Wire::Json(body) => (Some(JSON), Some(body.clone())),
        Wire::Form(body) => (Some(FORM), Some(body.clone())),
        // A bodiless POST still says JSON, as the working public clients send it.
        Wire::Empty | Wire::Query(_) if rest.method == HttpMethod::Post => (Some(JSON), None),
        Wire::Empty | Wire::Query(_) => (None, None),
        Wire::Signed(_) => return Err(ErrorKind::Config("a gateway body on a REST call".into())),
    };
    if let Some(ct) = content_type {
        request.headers_mut().insert(CONTENT_TYPE, HeaderValue::from_static(ct));
    }
    *request.body_mut() = body.map(reqwest::Body::from);
    Ok(request)
}

/// A JSON object body with `fields` added.
fn with_json_fields(body: &[u8], fields: &[(&str, &str)]) -> Result<bytes::Bytes, ErrorKind> {
    let mut object: Map<String, Value> = serde_json::from_slice(body)
        .map_err(|e| ErrorKind::Config(format!("the encoded body is not a JSON object: {e}")))?;
    for (k, v) in fields {
        object.insert((*k).to_string(), Value::String((*v).to_string()));
    }
    serde_json::to_vec(&object).map(Into::into).map_err(|e| ErrorKind::Config(e.to_string()))
}

/// Top-level parameters as strings, for query strings and forms: scalars as text, lists of
/// scalars comma-joined, objects as JSON; `null` omitted.
fn flatten(params: &Map<String, Value>) -> impl Iterator<Item = (&str, String)> {
    params.iter().filter_map(|(k, v)| {
        let text = match v {
            Value::Null => return None,
            Value::String(s) => s.clone(),
            Value::Array(items) if items.iter().all(|i| !i.is_object() && !i.is_array()) => items
                .iter()
                .map(|i| i.as_str().map_or_else(|| i.to_string(), str::to_string))
                .collect::<Vec<_>>()
                .join(","),
            other => other.to_string(),
        };
        Some((k.as_str(), text))
    })
}
