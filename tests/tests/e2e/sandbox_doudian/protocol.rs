//! The gateway's checks of a signed call, one by one, on requests built by hand with
//! `douyin_alliance::signing`: each answers its `code` and `sub_code` in the Doudian envelope.

use e2e_tests::within;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use douyin_alliance::endpoint::{Authority, Server};
use douyin_alliance::signing::{canonical_json, sign, SignMethod, Signed};
use douyin_sandbox::Sandbox;
use serde_json::{json, Value};

use super::{client, product_url, tokens_of, PID, PRODUCT};

/// A signed request built by hand: the query the SDK would send, then `edit` to break it.
pub(super) struct Raw {
    method: &'static str,
    pub(super) body: String,
    query: Vec<(String, String)>,
}

impl Raw {
    /// A correct call of `method` with `body`, signed now (by the real clock, as a client's).
    pub(super) fn new(method: &'static str, body: &Value, token: Option<&str>) -> Raw {
        let now = SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_secs().to_string();
        Raw::at(method, body, token, &now, SignMethod::HmacSha256)
    }

    pub(super) fn at(
        method: &'static str,
        body: &Value,
        token: Option<&str>,
        timestamp: &str,
        how: SignMethod,
    ) -> Raw {
        let body = canonical_json(body);
        let what = Signed { app_key: Sandbox::DOUDIAN_APP_KEY, method, param_json: &body, timestamp };
        let mut query = vec![
            ("app_key".to_string(), Sandbox::DOUDIAN_APP_KEY.to_string()),
            ("method".into(), method.into()),
            ("access_token".into(), token.unwrap_or_default().into()),
            ("timestamp".into(), timestamp.into()),
            ("v".into(), "2".into()),
        ];
        if how == SignMethod::HmacSha256 {
            query.push(("sign_method".into(), how.as_str().into()));
        }
        query.push(("sign".into(), sign(&what, Sandbox::DOUDIAN_APP_SECRET, how)));
        Raw { method, body, query }
    }

    pub(super) fn set(mut self, name: &str, value: Option<&str>) -> Raw {
        self.query.retain(|(k, _)| k != name);
        if let Some(v) = value {
            self.query.push((name.into(), v.into()));
        }
        self
    }

    /// Posts it to the gateway; the answer's body.
    pub(super) async fn send(&self, sandbox: &Sandbox) -> Value {
        self.send_to(sandbox, &format!("/{}", self.method.replace('.', "/"))).await
    }

    pub(super) async fn send_to(&self, sandbox: &Sandbox, path: &str) -> Value {
        let url = format!("{}{path}", sandbox.base_url(Server::Doudian));
        let resp = reqwest::Client::new()
            .post(url)
            .query(&self.query)
            .header("content-type", "application/json")
            .body(self.body.clone())
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 200, "the gateway answers its errors with HTTP 200");
        serde_json::from_slice(&resp.bytes().await.unwrap()).unwrap()
    }
}

pub(super) fn sub_code(body: &Value) -> (i64, &str) {
    (body["code"].as_i64().unwrap_or_default(), body["sub_code"].as_str().unwrap_or_default())
}

#[tokio::test]
async fn every_protocol_check_answers_the_gateway_code_and_sub_code() {
    within(60, async {
        let sandbox = Sandbox::start().await.unwrap();
        let client = client(&sandbox);
        let token = tokens_of(&sandbox, &client, Authority::Kol).await.access_token;
        let token = Some(token.expose());
        let body = json!({"product_url": product_url(PRODUCT), "pid": PID});
        let ok = || Raw::new("buyin.kolProductShare", &body, token);
        let now = SystemTime::now().duration_since(UNIX_EPOCH).unwrap();
        let beijing = |secs: u64| {
            // Days since the epoch to a civil date, for a GMT+8 wall clock.
            let local = secs + 8 * 3600;
            let (days, rem) = (local / 86_400, local % 86_400);
            let z = days as i64 + 719_468;
            let era = z.div_euclid(146_097);
            let doe = z - era * 146_097;
            let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
            let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
            let mp = (5 * doy + 2) / 153;
            let d = doy - (153 * mp + 2) / 5 + 1;
            let m = if mp < 10 { mp + 3 } else { mp - 9 };
            let y = yoe + era * 400 + i64::from(m <= 2);
            format!("{y:04}-{m:02}-{d:02} {:02}:{:02}:{:02}", rem / 3600, rem % 3600 / 60, rem % 60)
        };

        // Accepted: each timestamp format, and MD5 without a sign_method.
        for (ts, how) in [
            (now.as_secs().to_string(), SignMethod::HmacSha256),
            (now.as_millis().to_string(), SignMethod::HmacSha256),
            (beijing(now.as_secs()), SignMethod::HmacSha256),
            (now.as_secs().to_string(), SignMethod::Md5),
        ] {
            let answer = Raw::at("buyin.kolProductShare", &body, token, &ts, how).send(&sandbox).await;
            assert_eq!(answer["code"], 10000, "{ts} {how:?}: {answer}");
        }
        // A doubled leading slash, as the official Go SDK sends.
        let answer = ok().send_to(&sandbox, "//buyin/kolProductShare").await;
        assert_eq!(answer["code"], 10000, "{answer}");

        let stale = (now.as_secs() - 11 * 60).to_string();
        let cases: Vec<(&str, Raw, i64, &str)> = vec![
            ("no app_key", ok().set("app_key", None), 40001, "isv.app-id-missing"),
            ("no method", ok().set("method", None), 40001, "isv.parameter-missing"),
            ("no timestamp", ok().set("timestamp", None), 40001, "isv.parameter-missing"),
            ("no v", ok().set("v", None), 40001, "isv.parameter-missing"),
            ("no sign", ok().set("sign", Some("")), 40001, "isv.signature-missing"),
            ("short app_key", ok().set("app_key", Some("123")), 40003, "isv.app-id-invalid"),
            ("other app", ok().set("app_key", Some("7300000000000000099")), 40003, "isv.app-id-invalid"),
            (
                "method of another path",
                ok().set("method", Some("token.create")),
                40003,
                "isv.parameter-format-invalid",
            ),
            ("v1", ok().set("v", Some("1")), 40003, "isv.parameter-format-invalid"),
            (
                "iso timestamp",
                ok().set("timestamp", Some("2024-01-01T00:00:00")),
                40003,
                "isv.timestamp-format-error",
            ),
            (
                "stale timestamp",
                Raw::at("buyin.kolProductShare", &body, token, &stale, SignMethod::HmacSha256),
                40003,
                "isv.timestamp-invalid",
            ),
            (
                "unknown sign_method",
                ok().set("sign_method", Some("sha1")),
                40003,
                "isv.parameter-format-invalid",
            ),
            (
                "sign of md5 read as hmac",
                {
                    let r = Raw::at(
                        "buyin.kolProductShare",
                        &body,
                        token,
                        &now.as_secs().to_string(),
                        SignMethod::Md5,
                    );
                    r.set("sign_method", Some("hmac-sha256"))
                },
                40003,
                "isv.signature-invalid",
            ),
            ("tampered sign", ok().set("sign", Some(&"0".repeat(64))), 40003, "isv.signature-invalid"),
            ("no token", ok().set("access_token", Some("")), 40001, "isv.access-token-missing"),
            (
                "unknown token",
                ok().set("access_token", Some("dda.nope")),
                40003,
                "isv.access-token-no-existed",
            ),
            (
                "no product_url",
                Raw::new("buyin.kolProductShare", &json!({"pid": PID}), token),
                40004,
                "isv.parameter-invalid:257",
            ),
            (
                "pid a number",
                Raw::new(
                    "buyin.kolProductShare",
                    &json!({"product_url": product_url(PRODUCT), "pid": 7}),
                    token,
                ),
                40004,
                "isv.parameter-invalid:257",
            ),
            (
                "body an array",
                Raw::new("buyin.kolProductShare", &json!([1]), token),
                40003,
                "isv.parameter-format-invalid",
            ),
        ];
        for (what, raw, code, sub) in cases {
            let answer = raw.send(&sandbox).await;
            assert_eq!(sub_code(&answer), (code, sub), "{what}: {answer}");
            assert!(answer["log_id"].as_str().is_some_and(|l| !l.is_empty()), "{what}: {answer}");
        }
        // The body is what is signed: a body changed after signing is refused.
        let mut changed = ok();
        changed.body = changed.body.replace(PID, "dy_1");
        assert_eq!(sub_code(&changed.send(&sandbox).await), (40003, "isv.signature-invalid"));
        // A method the gateway does not have.
        let answer = Raw::new("buyin.noSuchMethod", &json!({}), token).send(&sandbox).await;
        assert_eq!(sub_code(&answer), (70000, "isp.api-service-off"), "{answer}");
        // GET is not served.
        let url = format!("{}/token/create", sandbox.base_url(Server::Doudian));
        let resp = reqwest::Client::new().get(url).send().await.unwrap();
        assert_eq!(resp.status(), 405);
        assert_eq!(resp.headers()["allow"], "POST");
        // An expired token.
        sandbox.advance_clock(Duration::from_secs(7 * 86_400));
        let ts = (now.as_secs() + 7 * 86_400).to_string();
        let answer =
            Raw::at("buyin.kolProductShare", &body, token, &ts, SignMethod::HmacSha256).send(&sandbox).await;
        assert_eq!(sub_code(&answer), (40003, "isv.access-token-expired"), "{answer}");
    })
    .await;
}
