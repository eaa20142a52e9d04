//! The generated pagination streams stop in every stop case, and send exactly the expected
//! sequence of requests (page numbers or cursors) on the wire.
//!
//! Page style: `kol_store_list`, `kol_materials_products_search`, `captain_task_product_list`.
//! Cursor style: `kol_orders`.

use std::time::Duration;

use douyin_alliance::types::{
    CaptainTaskProductListRequest, KolMaterialsProductsSearchRequest, KolOrderTimeType, KolOrdersRequest,
    KolStoreListRequest, ProductSearchType,
};
use douyin_alliance::{Client, ErrorKind, Id};
use douyin_alliance::{Error, UserAuth, UserClient};
use e2e_tests::{err_data, ok_data, MockResponse, MockServer, Recorded};
use futures_util::stream::BoxStream;
use futures_util::{StreamExt, TryStreamExt};
use serde_json::{json, Value};

const OPEN_ID: &str = "open-id/1";
const USER_TOKEN: &str = "act.paging";
/// The business error the scripts answer with; not retryable.
const FAIL_CODE: i64 = 2100005;

struct Env {
    server: MockServer,
    client: Client,
    user: UserClient,
}

async fn start() -> Env {
    let server = MockServer::start().await;
    let client = server.client_builder().build().unwrap();
    let user = client.user(&UserAuth::new(OPEN_ID, USER_TOKEN));
    Env { server, client, user }
}

/// One programmed answer, by request index.
#[derive(Debug, Clone)]
enum Step {
    /// A page of `items` items, with `total` when given.
    Page { items: usize, total: Option<i64> },
    /// A cursor page: `items` orders and the next `cursor` (`None` leaves the field out).
    Cursor { items: usize, cursor: Option<&'static str> },
    /// A business error.
    Fail,
    /// A page of `items` wire items of which the one at `odd_at` is `null`, with `total`.
    Odd { items: usize, odd_at: usize, total: Option<i64> },
    /// A page whose item list is a string.
    Unreadable,
}

fn page(items: usize) -> Step {
    Step::Page { items, total: None }
}

fn page_of(items: usize, total: i64) -> Step {
    Step::Page { items, total: Some(total) }
}

/// Item id `k` of the answer to request `i`: pages are told apart by their ids.
fn item_id(i: usize, k: usize) -> u64 {
    (i as u64 + 1) * 1000 + k as u64
}

/// Collects a stream, failing the test if it does not end.
async fn collect<T>(s: BoxStream<'static, Result<T, Error>>) -> Vec<Result<T, Error>> {
    tokio::time::timeout(Duration::from_secs(20), s.collect::<Vec<_>>())
        .await
        .expect("the stream never ended")
}

/// The ids of each page, or the error code.
fn outline(pages: &[Result<Vec<u64>, Error>]) -> Vec<Result<usize, i64>> {
    pages
        .iter()
        .map(|p| match p {
            Ok(ids) => Ok(ids.len()),
            Err(e) => Err(e.api().map_or(-1, |a| a.code)),
        })
        .collect()
}

// ------------------------------------------------------------------------------ page style

#[derive(Debug, Clone, Copy)]
enum PageEp {
    StoreList,
    Search,
    Captain,
}

const PAGE_EPS: [PageEp; 3] = [PageEp::StoreList, PageEp::Search, PageEp::Captain];

impl PageEp {
    fn path(self) -> &'static str {
        match self {
            PageEp::StoreList => "/alliance/kol/store/list/",
            PageEp::Search => "/alliance/kol/materials/products/search/",
            PageEp::Captain => "/ecom/captain/mobile/task/promotion/product/list",
        }
    }

    fn answer(self, step: &Step, i: usize) -> MockResponse {
        let (items, total, odd_at) = match step {
            Step::Page { items, total } => (*items, *total, None),
            Step::Odd { items, odd_at, total } => (*items, *total, Some(*odd_at)),
            Step::Fail => {
                return MockResponse::json(match self {
                    PageEp::Captain => json!({"code": FAIL_CODE, "msg": "参数错误"}),
                    _ => err_data(FAIL_CODE, "参数错误"),
                })
            }
            Step::Cursor { .. } => panic!("cursor step in a page script"),
            Step::Unreadable => (0, None, None),
        };
        let list: Vec<Value> = (0..items)
            .map(|k| match self {
                _ if odd_at == Some(k) => Value::Null,
                PageEp::StoreList => json!({"product_id": item_id(i, k), "promotion_id": 1}),
                _ => json!({"product_id": item_id(i, k)}),
            })
            .collect();
        let mut data = serde_json::Map::new();
        let key = match self {
            PageEp::StoreList => "results",
            PageEp::Search => "products",
            PageEp::Captain => "list",
        };
        let list = if matches!(step, Step::Unreadable) { json!("none") } else { Value::Array(list) };
        data.insert(key.into(), list);
        if let Some(t) = total {
            data.insert("total".into(), json!(t));
        }
        MockResponse::json(match self {
            PageEp::Captain => json!({"code": 0, "msg": "success", "data": data}),
            _ => ok_data(Value::Object(data)),
        })
    }

    fn program(self, server: &MockServer, script: Vec<Step>) {
        server.on(self.path(), move |_, i| match script.get(i) {
            Some(step) => self.answer(step, i),
            None => MockResponse::raw(500, "request beyond the script"),
        });
    }

    /// (page, page_size) of a recorded request, after checking the rest of it.
    fn sent(self, rec: &Recorded) -> (i64, i64) {
        match self {
            PageEp::Captain => {
                assert_eq!(rec.method, "GET");
                assert_eq!(rec.query_param("task_id").as_deref(), Some("7265432109876543210"));
                assert_eq!(rec.query_param("product_info").as_deref(), Some("杯 & 壶"));
                let num = |k: &str| rec.query_param(k).and_then(|v| v.parse::<i64>().ok()).expect(k);
                (num("page"), num("page_size"))
            }
            _ => {
                assert_eq!(rec.method, "POST");
                assert_eq!(rec.query_param("open_id").as_deref(), Some(OPEN_ID));
                assert_eq!(rec.header("access-token"), Some(USER_TOKEN));
                let body = rec.json();
                if let PageEp::Search = self {
                    assert_eq!(body["title"], json!("保温杯"), "filters are kept on every page");
                    assert_eq!(body["search_type"], json!(1));
                }
                let num =
                    |k: &str| body[k].as_i64().unwrap_or_else(|| panic!("{k} is not an integer in {body}"));
                (num("page"), num("page_size"))
            }
        }
    }

    fn requests(self, server: &MockServer) -> Vec<(i64, i64)> {
        server.requests_to(self.path()).iter().map(|r| self.sent(r)).collect()
    }

    /// The `_pages` stream, as the ids of each page.
    fn pages(
        self,
        env: &Env,
        page: i64,
        size: i64,
        max_pages: usize,
    ) -> BoxStream<'static, Result<Vec<u64>, Error>> {
        match self {
            PageEp::StoreList => env
                .user
                .kol_store_list_pages(KolStoreListRequest::new(page, size), max_pages)
                .map_ok(|d| d.results.iter().map(|p| p.product_id.map_or(0, Id::get)).collect())
                .boxed(),
            PageEp::Search => env
                .user
                .kol_materials_products_search_pages(
                    KolMaterialsProductsSearchRequest::new(page, size)
                        .with_title("保温杯")
                        .with_search_type(ProductSearchType::Sales),
                    max_pages,
                )
                .map_ok(|d| d.products.iter().map(|p| p.product_id.map_or(0, Id::get)).collect())
                .boxed(),
            PageEp::Captain => env
                .client
                .captain_task_product_list_pages(self.captain_request(page, size), max_pages)
                .map_ok(|d| d.list.iter().filter_map(|p| p.product_id).map(|id| id.get()).collect())
                .boxed(),
        }
    }

    /// The `_items` stream, as item ids.
    fn items(
        self,
        env: &Env,
        page: i64,
        size: i64,
        max_pages: usize,
    ) -> BoxStream<'static, Result<u64, Error>> {
        match self {
            PageEp::StoreList => env
                .user
                .kol_store_list_items(KolStoreListRequest::new(page, size), max_pages)
                .map_ok(|p| p.product_id.map_or(0, Id::get))
                .boxed(),
            PageEp::Search => env
                .user
                .kol_materials_products_search_items(
                    KolMaterialsProductsSearchRequest::new(page, size)
                        .with_title("保温杯")
                        .with_search_type(ProductSearchType::Sales),
                    max_pages,
                )
                .map_ok(|p| p.product_id.map_or(0, Id::get))
                .boxed(),
            PageEp::Captain => env
                .client
                .captain_task_product_list_items(self.captain_request(page, size), max_pages)
                .map_ok(|p| p.product_id.map_or(0, |id| id.get()))
                .boxed(),
        }
    }

    fn captain_request(self, page: i64, size: i64) -> CaptainTaskProductListRequest {
        CaptainTaskProductListRequest::new("7265432109876543210", page, size).with_product_info("杯 & 壶")
    }
}

/// Runs `script` against each page endpoint and checks the page sizes yielded and the
/// (page, page_size) sequence sent.
async fn check_pages(
    script: Vec<Step>,
    start_page: i64,
    size: i64,
    max_pages: usize,
    want_yield: Vec<Result<usize, i64>>,
    want_sent: Vec<(i64, i64)>,
) {
    for ep in PAGE_EPS {
        let env = start().await;
        ep.program(&env.server, script.clone());
        let pages = collect(ep.pages(&env, start_page, size, max_pages)).await;
        assert_eq!(outline(&pages), want_yield, "{ep:?}: pages yielded");
        assert_eq!(ep.requests(&env.server), want_sent, "{ep:?}: requests sent");
        // The ids prove each yielded page is the answer to its own request.
        for (i, p) in pages.iter().enumerate() {
            if let Ok(ids) = p {
                let want: Vec<u64> = (0..ids.len()).map(|k| item_id(i, k)).collect();
                assert_eq!(ids, &want, "{ep:?}: page {i}");
            }
        }
    }
}

#[tokio::test]
async fn page_streams_stop_on_a_short_page() {
    check_pages(
        vec![page(3), page(3), page(1)],
        1,
        3,
        10,
        vec![Ok(3), Ok(3), Ok(1)],
        vec![(1, 3), (2, 3), (3, 3)],
    )
    .await;
}

/// The error a stream ended with: an incomplete list of (yielded, left out, unreadable, total).
fn incomplete(e: &Error) -> (u64, u64, bool, Option<i64>) {
    match e.kind() {
        ErrorKind::IncompleteList { yielded, left_out, unreadable, total } => {
            (*yielded, *left_out, *unreadable, *total)
        }
        _ => panic!("not an incomplete list: {e:#}"),
    }
}

#[tokio::test]
async fn page_streams_stop_on_a_short_page_and_say_so_when_total_says_more() {
    check_pages(
        vec![page_of(3, 100), page_of(2, 100)],
        1,
        3,
        10,
        vec![Ok(3), Ok(2), Err(-1)],
        vec![(1, 3), (2, 3)],
    )
    .await;
    let env = start().await;
    PageEp::StoreList.program(&env.server, vec![page_of(3, 100), page_of(2, 100)]);
    let pages = collect(PageEp::StoreList.pages(&env, 1, 3, 10)).await;
    let last = pages.last().unwrap().as_ref().unwrap_err();
    assert_eq!(incomplete(last), (5, 0, false, Some(100)));
    assert_eq!(last.endpoint(), "kol_store_list");
    assert!(last.to_string().contains("5 item(s) yielded, of a total of 100"), "{last}");
}

#[tokio::test]
async fn a_bad_item_never_ends_a_stream_early_and_the_stream_says_it_left_one_out() {
    for ep in PAGE_EPS {
        // A full page of 3 on the wire, one of them null: the next page is still asked for.
        let env = start().await;
        ep.program(&env.server, vec![Step::Odd { items: 3, odd_at: 1, total: None }, page(1)]);
        let items = collect(ep.items(&env, 1, 3, 10)).await;
        let (last, good) = items.split_last().unwrap();
        let good: Vec<u64> = good.iter().map(|r| *r.as_ref().unwrap()).collect();
        assert_eq!(good, [item_id(0, 0), item_id(0, 2), item_id(1, 0)], "{ep:?}: the good items stay");
        assert_eq!(incomplete(last.as_ref().unwrap_err()), (3, 1, false, None), "{ep:?}");
        assert_eq!(ep.requests(&env.server), [(1, 3), (2, 3)], "{ep:?}");
    }
}

#[tokio::test]
async fn a_null_item_in_the_last_page_keeps_the_good_one_and_the_raw_one() {
    // The report's case: {"total":2,"results":[{…}, null]}.
    let env = start().await;
    let odd = Step::Odd { items: 2, odd_at: 1, total: Some(2) };
    PageEp::StoreList.program(&env.server, vec![odd.clone(), odd]);
    let page = env.user.kol_store_list(&KolStoreListRequest::new(1, 20)).await.unwrap();
    assert_eq!(page.results.len(), 1);
    assert_eq!(page.results[0].product_id, Some(Id(item_id(0, 0))));
    assert_eq!(page.extra_fields["results[1]"], Value::Null, "the bad item is kept raw with its index");
    let items = collect(PageEp::StoreList.items(&env, 1, 20, 10)).await;
    assert_eq!(items.len(), 2);
    assert_eq!(*items[0].as_ref().unwrap(), item_id(1, 0), "the answer to the second request");
    assert_eq!(incomplete(items[1].as_ref().unwrap_err()), (1, 1, false, Some(2)));
}

#[tokio::test]
async fn a_page_whose_list_cannot_be_read_ends_the_stream_with_an_error() {
    for ep in PAGE_EPS {
        let env = start().await;
        ep.program(&env.server, vec![page(3), Step::Unreadable, page(3)]);
        let pages = collect(ep.pages(&env, 1, 3, 10)).await;
        assert_eq!(outline(&pages), vec![Ok(3), Ok(0), Err(-1)], "{ep:?}");
        assert_eq!(incomplete(pages[2].as_ref().unwrap_err()), (3, 0, true, None), "{ep:?}");
        assert_eq!(ep.requests(&env.server).len(), 2, "{ep:?}: nothing after the unreadable page");
    }
}

#[tokio::test]
async fn page_streams_stop_on_an_empty_page() {
    check_pages(
        vec![page(3), page(3), page(0)],
        1,
        3,
        10,
        vec![Ok(3), Ok(3), Ok(0)],
        vec![(1, 3), (2, 3), (3, 3)],
    )
    .await;
}

#[tokio::test]
async fn page_streams_stop_on_an_empty_first_page() {
    check_pages(vec![page_of(0, 0)], 1, 20, 10, vec![Ok(0)], vec![(1, 20)]).await;
}

#[tokio::test]
async fn page_streams_stop_when_total_is_reached_exactly_at_a_full_page() {
    check_pages(vec![page_of(3, 6), page_of(3, 6)], 1, 3, 10, vec![Ok(3), Ok(3)], vec![(1, 3), (2, 3)]).await;
}

#[tokio::test]
async fn page_streams_stop_at_max_pages() {
    let endless: Vec<Step> = (0..10).map(|_| page_of(2, 1000)).collect();
    check_pages(endless.clone(), 1, 2, 3, vec![Ok(2), Ok(2), Ok(2)], vec![(1, 2), (2, 2), (3, 2)]).await;
    check_pages(endless, 1, 2, 0, vec![], vec![]).await;
}

#[tokio::test]
async fn page_streams_yield_an_error_mid_stream_then_end() {
    check_pages(
        vec![page(3), Step::Fail, page(3)],
        1,
        3,
        10,
        vec![Ok(3), Err(FAIL_CODE)],
        vec![(1, 3), (2, 3)],
    )
    .await;
}

#[tokio::test]
async fn page_streams_start_at_the_given_page_and_keep_the_given_page_size() {
    check_pages(
        vec![page(20), page(20), page(5)],
        4,
        20,
        10,
        vec![Ok(20), Ok(20), Ok(5)],
        vec![(4, 20), (5, 20), (6, 20)],
    )
    .await;
}

#[tokio::test]
async fn page_streams_reject_an_invalid_page_size_before_sending() {
    for ep in PAGE_EPS {
        let env = start().await;
        ep.program(&env.server, vec![page(1)]);
        let pages = collect(ep.pages(&env, 1, 0, 10)).await;
        assert_eq!(pages.len(), 1, "{ep:?}");
        let err = pages.into_iter().next().unwrap().unwrap_err();
        assert!(
            matches!(err.kind(), ErrorKind::InvalidInput { field, .. } if field == "page_size"),
            "{ep:?}: {err:#}"
        );
        assert!(env.server.requests_to(ep.path()).is_empty(), "{ep:?}: nothing is sent");
    }
}

#[tokio::test]
async fn page_item_streams_flatten_pages_in_order_and_pass_errors_on() {
    for ep in PAGE_EPS {
        let env = start().await;
        ep.program(&env.server, vec![page(2), page(2), page(1)]);
        let items = collect(ep.items(&env, 1, 2, 10)).await;
        let ids: Vec<u64> = items.into_iter().map(Result::unwrap).collect();
        assert_eq!(
            ids,
            [item_id(0, 0), item_id(0, 1), item_id(1, 0), item_id(1, 1), item_id(2, 0)],
            "{ep:?}"
        );
        assert_eq!(ep.requests(&env.server), [(1, 2), (2, 2), (3, 2)], "{ep:?}");

        let env = start().await;
        ep.program(&env.server, vec![page(2), Step::Fail]);
        let items = collect(ep.items(&env, 1, 2, 10)).await;
        let got: Vec<Result<u64, i64>> =
            items.into_iter().map(|r| r.map_err(|e| e.api().map_or(-1, |a| a.code))).collect();
        assert_eq!(got, [Ok(item_id(0, 0)), Ok(item_id(0, 1)), Err(FAIL_CODE)], "{ep:?}");
    }
}

// ----------------------------------------------------------------------------- cursor style

const ORDERS: &str = "/alliance/kol/orders/";

fn program_orders(server: &MockServer, script: Vec<Step>) {
    server.on(ORDERS, move |_, i| match script.get(i) {
        Some(Step::Cursor { items, cursor }) => {
            let orders: Vec<Value> =
                (0..*items).map(|k| json!({"order_id": item_id(i, k).to_string()})).collect();
            let mut data = json!({"orders": orders});
            if let Some(c) = cursor {
                data["cursor"] = json!(c);
            }
            MockResponse::json(ok_data(data))
        }
        Some(Step::Odd { items, odd_at, .. }) => {
            let orders: Vec<Value> = (0..*items)
                .map(
                    |k| if k == *odd_at { json!(17) } else { json!({"order_id": item_id(i, k).to_string()}) },
                )
                .collect();
            MockResponse::json(ok_data(json!({"orders": orders, "cursor": format!("after-{i}")})))
        }
        Some(Step::Fail) => MockResponse::json(err_data(FAIL_CODE, "参数错误")),
        _ => MockResponse::raw(500, "request beyond the script"),
    });
}

fn cur(items: usize, cursor: &'static str) -> Step {
    Step::Cursor { items, cursor: Some(cursor) }
}

/// (cursor, size) of every orders request; the cursor is `None` when the field is absent.
fn sent_cursors(server: &MockServer) -> Vec<(Option<String>, i64)> {
    server
        .requests_to(ORDERS)
        .iter()
        .map(|rec| {
            assert_eq!(rec.method, "POST");
            assert_eq!(rec.query_param("open_id").as_deref(), Some(OPEN_ID));
            assert_eq!(rec.header("access-token"), Some(USER_TOKEN));
            let body = rec.json();
            let cursor = body.get("cursor").map(|c| c.as_str().expect("cursor is a string").to_string());
            assert_ne!(cursor.as_deref(), Some(""), "an empty cursor is never sent");
            (cursor, body["size"].as_i64().unwrap_or_else(|| panic!("size missing in {body}")))
        })
        .collect()
}

fn orders_pages(
    user: &UserClient,
    request: KolOrdersRequest,
    max_pages: usize,
) -> BoxStream<'static, Result<Vec<u64>, Error>> {
    user.kol_orders_pages(request, max_pages)
        .map_ok(|d| d.orders.iter().map(|o| o.order_id.map_or(0, Id::get)).collect())
        .boxed()
}

async fn check_cursor(
    script: Vec<Step>,
    request: KolOrdersRequest,
    max_pages: usize,
    want_yield: Vec<Result<usize, i64>>,
    want_sent: Vec<(Option<&str>, i64)>,
) {
    let env = start().await;
    program_orders(&env.server, script);
    let pages = collect(orders_pages(&env.user, request, max_pages)).await;
    assert_eq!(outline(&pages), want_yield, "pages yielded");
    let want: Vec<(Option<String>, i64)> =
        want_sent.into_iter().map(|(c, s)| (c.map(str::to_string), s)).collect();
    assert_eq!(sent_cursors(&env.server), want, "requests sent");
}

fn sized(n: i64) -> KolOrdersRequest {
    KolOrdersRequest::new().with_size(n)
}

#[tokio::test]
async fn cursor_stream_stops_on_a_short_page() {
    check_cursor(
        vec![cur(2, "c1"), cur(2, "c2"), cur(1, "c3")],
        sized(2),
        10,
        vec![Ok(2), Ok(2), Ok(1)],
        vec![(None, 2), (Some("c1"), 2), (Some("c2"), 2)],
    )
    .await;
}

#[tokio::test]
async fn cursor_stream_stops_on_an_empty_or_missing_cursor() {
    check_cursor(
        vec![cur(2, "c1"), cur(2, "")],
        sized(2),
        10,
        vec![Ok(2), Ok(2)],
        vec![(None, 2), (Some("c1"), 2)],
    )
    .await;
    check_cursor(vec![Step::Cursor { items: 2, cursor: None }], sized(2), 10, vec![Ok(2)], vec![(None, 2)])
        .await;
}

#[tokio::test]
async fn cursor_stream_stops_on_a_repeated_cursor() {
    check_cursor(
        vec![cur(2, "c1"), cur(2, "c2"), cur(2, "c1"), cur(2, "c3")],
        sized(2),
        10,
        vec![Ok(2), Ok(2), Ok(2)],
        vec![(None, 2), (Some("c1"), 2), (Some("c2"), 2)],
    )
    .await;
    // The same cursor straight back.
    check_cursor(
        vec![cur(2, "c1"), cur(2, "c1")],
        sized(2),
        10,
        vec![Ok(2), Ok(2)],
        vec![(None, 2), (Some("c1"), 2)],
    )
    .await;
    // The cursor the caller started from counts as seen.
    check_cursor(
        vec![cur(2, "c0"), cur(2, "c1")],
        sized(2).with_cursor("c0"),
        10,
        vec![Ok(2)],
        vec![(Some("c0"), 2)],
    )
    .await;
}

#[tokio::test]
async fn cursor_stream_stops_on_an_empty_page() {
    check_cursor(
        vec![cur(2, "c1"), cur(0, "c2"), cur(2, "c3")],
        sized(2),
        10,
        vec![Ok(2), Ok(0)],
        vec![(None, 2), (Some("c1"), 2)],
    )
    .await;
}

#[tokio::test]
async fn cursor_stream_stops_at_max_pages() {
    let endless = vec![cur(2, "c1"), cur(2, "c2"), cur(2, "c3"), cur(2, "c4"), cur(2, "c5")];
    check_cursor(
        endless.clone(),
        sized(2),
        3,
        vec![Ok(2), Ok(2), Ok(2)],
        vec![(None, 2), (Some("c1"), 2), (Some("c2"), 2)],
    )
    .await;
    check_cursor(endless, sized(2), 0, vec![], vec![]).await;
}

#[tokio::test]
async fn cursor_stream_yields_an_error_mid_stream_then_ends() {
    check_cursor(
        vec![cur(2, "c1"), Step::Fail, cur(2, "c3")],
        sized(2),
        10,
        vec![Ok(2), Err(FAIL_CODE)],
        vec![(None, 2), (Some("c1"), 2)],
    )
    .await;
}

#[tokio::test]
async fn cursor_stream_uses_the_largest_page_size_when_unset_and_keeps_the_filters() {
    let env = start().await;
    program_orders(&env.server, vec![cur(20, "c1"), cur(5, "c2")]);
    let request = KolOrdersRequest::new()
        .with_start_time("2023-08-12 14:00:00")
        .with_end_time("2023-08-12 14:10:00")
        .with_time_type(KolOrderTimeType::Update);
    let pages = collect(orders_pages(&env.user, request, 10)).await;
    assert_eq!(outline(&pages), [Ok(20), Ok(5)]);
    assert_eq!(sent_cursors(&env.server), [(None, 20), (Some("c1".to_string()), 20)]);
    for rec in env.server.requests_to(ORDERS) {
        let body = rec.json();
        assert_eq!(body["time_type"], json!("update"));
        assert_eq!(body["start_time"], json!("2023-08-12 14:00:00"));
        assert_eq!(body["end_time"], json!("2023-08-12 14:10:00"));
    }
}

#[tokio::test]
async fn cursor_item_stream_flattens_pages_in_order_and_passes_errors_on() {
    let env = start().await;
    program_orders(&env.server, vec![cur(2, "c1"), cur(1, "c2")]);
    let items =
        collect(env.user.kol_orders_items(sized(2), 10).map_ok(|o| o.order_id.map_or(0, Id::get)).boxed())
            .await;
    let ids: Vec<u64> = items.into_iter().map(Result::unwrap).collect();
    assert_eq!(ids, [item_id(0, 0), item_id(0, 1), item_id(1, 0)]);

    let env = start().await;
    program_orders(&env.server, vec![cur(2, "c1"), Step::Fail]);
    let items =
        collect(env.user.kol_orders_items(sized(2), 10).map_ok(|o| o.order_id.map_or(0, Id::get)).boxed())
            .await;
    let got: Vec<Result<u64, i64>> =
        items.into_iter().map(|r| r.map_err(|e| e.api().map_or(-1, |a| a.code))).collect();
    assert_eq!(got, [Ok(item_id(0, 0)), Ok(item_id(0, 1)), Err(FAIL_CODE)]);
    assert_eq!(sent_cursors(&env.server), [(None, 2), (Some("c1".to_string()), 2)]);
}

#[tokio::test]
async fn a_cursor_stream_goes_past_a_page_with_a_bad_order_and_says_so_at_the_end() {
    let env = start().await;
    program_orders(&env.server, vec![Step::Odd { items: 2, odd_at: 0, total: None }, cur(1, "b")]);
    let pages = collect(env.user.kol_orders_pages(KolOrdersRequest::new().with_size(2), 10).boxed()).await;
    assert_eq!(pages.len(), 3, "two pages, then the error");
    let first = pages[0].as_ref().unwrap();
    assert_eq!(first.orders.len(), 1);
    assert_eq!(first.extra_fields["orders[0]"], json!(17));
    assert_eq!(incomplete(pages[2].as_ref().unwrap_err()), (2, 1, false, None));
    let sent: Vec<Option<String>> = sent_cursors(&env.server).into_iter().map(|(c, _)| c).collect();
    assert_eq!(sent, [None, Some("after-0".to_string())]);
}
