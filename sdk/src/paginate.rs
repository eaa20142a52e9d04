//! Lazy streams of pages and items, driven by the accessors the generator writes per endpoint.

use std::collections::HashSet;
use std::future::Future;

use futures_core::Stream;
use futures_util::{stream, TryStreamExt};

use crate::Result;

/// The page size of a paginated endpoint's request, and the item count of its response.
pub struct PageSize<Req, Resp> {
    /// The largest page size; used when the request sets none.
    pub max: i64,
    /// The page size.
    pub get: fn(&Req) -> Option<i64>,
    /// Sets the page size.
    pub set: fn(&mut Req, i64),
    /// Items on this page.
    pub items_len: fn(&Resp) -> usize,
}

impl<Req, Resp> PageSize<Req, Resp> {
    /// The request with its page size set (to the largest) when it has none.
    fn apply(&self, mut request: Req) -> Req {
        if (self.get)(&request).is_none() {
            (self.set)(&mut request, self.max);
        }
        request
    }

    /// Whether `resp` is a full page of `req`: a shorter (or empty) one is the last.
    fn full(&self, req: &Req, resp: &Resp) -> bool {
        let n = (self.items_len)(resp) as i64;
        n > 0 && n >= (self.get)(req).unwrap_or(self.max)
    }
}

/// How a page-number endpoint's request and response are read and advanced.
pub struct PageAccess<Req, Resp> {
    /// Page size and item count.
    pub size: PageSize<Req, Resp>,
    /// The page number.
    pub get_page: fn(&Req) -> Option<i64>,
    /// Sets the page number.
    pub set_page: fn(&mut Req, i64),
    /// The total number of items, when the response says.
    pub total: fn(&Resp) -> Option<i64>,
}

/// How a cursor endpoint's request and response are read and advanced.
pub struct CursorAccess<Req, Resp> {
    /// Page size and item count.
    pub size: PageSize<Req, Resp>,
    /// The cursor sent.
    pub get_cursor: fn(&Req) -> Option<String>,
    /// Sets the cursor.
    pub set_cursor: fn(&mut Req, String),
    /// The cursor of the next page.
    pub next_cursor: fn(&Resp) -> Option<String>,
}

/// Pages by number: stops on an empty or short page, when `total` items are covered, after an
/// error, or after `max_pages` pages.
pub fn by_page<Req, Resp, F, Fut>(
    request: Req,
    access: PageAccess<Req, Resp>,
    max_pages: usize,
    fetch: F,
) -> impl Stream<Item = Result<Resp>> + Send
where
    Req: Clone + Send + 'static,
    Resp: Send + 'static,
    F: FnMut(Req) -> Fut + Send + 'static,
    Fut: Future<Output = Result<Resp>> + Send,
{
    let mut request = access.size.apply(request);
    if (access.get_page)(&request).is_none() {
        (access.set_page)(&mut request, 1);
    }
    let mut seen = 0i64;
    pages(request, max_pages, fetch, move |mut req, resp| {
        seen += (access.size.items_len)(resp) as i64;
        let covered = (access.total)(resp).is_some_and(|t| seen >= t);
        if !access.size.full(&req, resp) || covered {
            return None;
        }
        let page = (access.get_page)(&req).unwrap_or(1);
        (access.set_page)(&mut req, page + 1);
        Some(req)
    })
}

/// Pages by cursor: stops on an empty or short page, an empty or repeated cursor, after an
/// error, or after `max_pages` pages.
pub fn by_cursor<Req, Resp, F, Fut>(
    request: Req,
    access: CursorAccess<Req, Resp>,
    max_pages: usize,
    fetch: F,
) -> impl Stream<Item = Result<Resp>> + Send
where
    Req: Clone + Send + 'static,
    Resp: Send + 'static,
    F: FnMut(Req) -> Fut + Send + 'static,
    Fut: Future<Output = Result<Resp>> + Send,
{
    let request = access.size.apply(request);
    let mut cursors: HashSet<String> =
        (access.get_cursor)(&request).filter(|c| !c.is_empty()).into_iter().collect();
    pages(request, max_pages, fetch, move |mut req, resp| {
        let cursor = (access.next_cursor)(resp).filter(|c| !c.is_empty())?;
        if !access.size.full(&req, resp) || !cursors.insert(cursor.clone()) {
            return None;
        }
        (access.set_cursor)(&mut req, cursor);
        Some(req)
    })
}

/// Fetches `first`, then each request `next` makes of the last one and its answer, until `next`
/// says none, an error (which is the stream's last item), or `max_pages` pages.
fn pages<Req, Resp, F, Fut, N>(
    first: Req,
    max_pages: usize,
    fetch: F,
    next: N,
) -> impl Stream<Item = Result<Resp>> + Send
where
    Req: Clone + Send + 'static,
    Resp: Send + 'static,
    F: FnMut(Req) -> Fut + Send + 'static,
    Fut: Future<Output = Result<Resp>> + Send,
    N: FnMut(Req, &Resp) -> Option<Req> + Send + 'static,
{
    stream::unfold((Some(first), 0, fetch, next), move |(req, done, mut fetch, mut next)| async move {
        let req = req?;
        if done >= max_pages {
            return None;
        }
        match fetch(req.clone()).await {
            Err(e) => Some((Err(e), (None, done, fetch, next))),
            Ok(resp) => {
                let following = next(req, &resp);
                Some((Ok(resp), (following, done + 1, fetch, next)))
            }
        }
    })
}

/// Flattens a stream of pages into a stream of items.
pub fn items<Resp, Item, S>(pages: S, take: fn(Resp) -> Vec<Item>) -> impl Stream<Item = Result<Item>> + Send
where
    S: Stream<Item = Result<Resp>> + Send,
    Item: Send,
{
    pages.map_ok(move |p| stream::iter(take(p).into_iter().map(Ok))).try_flatten()
}
