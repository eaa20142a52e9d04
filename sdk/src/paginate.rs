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

/// How a paginated endpoint's requests follow each other.
pub trait Pager<Req, Resp>: Send + 'static {
    /// The first request: the caller's, with the defaults it leaves out.
    fn first(&mut self, request: Req) -> Req;
    /// The request after `req`, whose answer was `resp`; `None` when `resp` was the last page.
    fn next(&mut self, req: Req, resp: &Resp) -> Option<Req>;
}

/// Pages by number: stops on an empty or short page, or when `total` items are covered.
pub struct ByPage<Req, Resp> {
    access: PageAccess<Req, Resp>,
    seen: i64,
}

/// Pages by cursor: stops on an empty or short page, or an empty or repeated cursor.
pub struct ByCursor<Req, Resp> {
    access: CursorAccess<Req, Resp>,
    cursors: HashSet<String>,
}

impl<Req: 'static, Resp: 'static> Pager<Req, Resp> for ByPage<Req, Resp> {
    fn first(&mut self, request: Req) -> Req {
        let access = &self.access;
        let mut request = access.size.apply(request);
        if (access.get_page)(&request).is_none() {
            (access.set_page)(&mut request, 1);
        }
        request
    }

    fn next(&mut self, mut req: Req, resp: &Resp) -> Option<Req> {
        let access = &self.access;
        self.seen += (access.size.items_len)(resp) as i64;
        let covered = (access.total)(resp).is_some_and(|t| self.seen >= t);
        if !access.size.full(&req, resp) || covered {
            return None;
        }
        let page = (access.get_page)(&req).unwrap_or(1);
        (access.set_page)(&mut req, page + 1);
        Some(req)
    }
}

impl<Req: 'static, Resp: 'static> Pager<Req, Resp> for ByCursor<Req, Resp> {
    fn first(&mut self, request: Req) -> Req {
        let request = self.access.size.apply(request);
        self.cursors.extend((self.access.get_cursor)(&request).filter(|c| !c.is_empty()));
        request
    }

    fn next(&mut self, mut req: Req, resp: &Resp) -> Option<Req> {
        let access = &self.access;
        let cursor = (access.next_cursor)(resp).filter(|c| !c.is_empty())?;
        if !access.size.full(&req, resp) || !self.cursors.insert(cursor.clone()) {
            return None;
        }
        (access.set_cursor)(&mut req, cursor);
        Some(req)
    }
}

impl<Req, Resp> PageAccess<Req, Resp> {
    /// The pager of these accessors.
    pub fn pager(self) -> ByPage<Req, Resp> {
        ByPage { access: self, seen: 0 }
    }
}

impl<Req, Resp> CursorAccess<Req, Resp> {
    /// The pager of these accessors.
    pub fn pager(self) -> ByCursor<Req, Resp> {
        ByCursor { access: self, cursors: HashSet::new() }
    }
}

/// Every page, fetched lazily from `request` on as `pager` says, until the last page, an error
/// (which is the stream's last item), or `max_pages` pages.
pub fn pages<Req, Resp, F, Fut>(
    request: Req,
    mut pager: impl Pager<Req, Resp>,
    max_pages: usize,
    fetch: F,
) -> impl Stream<Item = Result<Resp>> + Send
where
    Req: Clone + Send + 'static,
    Resp: Send + 'static,
    F: FnMut(Req) -> Fut + Send + 'static,
    Fut: Future<Output = Result<Resp>> + Send,
{
    let first = pager.first(request);
    stream::unfold((Some(first), 0, fetch, pager), move |(req, done, mut fetch, mut pager)| async move {
        let req = req?;
        if done >= max_pages {
            return None;
        }
        match fetch(req.clone()).await {
            Err(e) => Some((Err(e), (None, done, fetch, pager))),
            Ok(resp) => {
                let following = pager.next(req, &resp);
                Some((Ok(resp), (following, done + 1, fetch, pager)))
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
