//! Lazy streams of pages and items, driven by the accessors the generator writes per endpoint.

use std::collections::HashSet;
use std::future::Future;

use futures_core::Stream;
use futures_util::{stream, TryStreamExt};

use crate::Result;

/// How a page-number endpoint's request and response are read and advanced.
pub struct PageAccess<Req, Resp> {
    /// The largest page size; used when the request sets none.
    pub max_page_size: i64,
    /// The page number.
    pub get_page: fn(&Req) -> Option<i64>,
    /// Sets the page number.
    pub set_page: fn(&mut Req, i64),
    /// The page size.
    pub get_size: fn(&Req) -> Option<i64>,
    /// Sets the page size.
    pub set_size: fn(&mut Req, i64),
    /// The total number of items, when the response says.
    pub total: fn(&Resp) -> Option<i64>,
    /// Items on this page.
    pub items_len: fn(&Resp) -> usize,
}

/// How a cursor endpoint's request and response are read and advanced.
pub struct CursorAccess<Req, Resp> {
    /// The largest page size; used when the request sets none.
    pub max_page_size: i64,
    /// The page size.
    pub get_size: fn(&Req) -> Option<i64>,
    /// Sets the page size.
    pub set_size: fn(&mut Req, i64),
    /// The cursor sent.
    pub get_cursor: fn(&Req) -> Option<String>,
    /// Sets the cursor.
    pub set_cursor: fn(&mut Req, String),
    /// The cursor of the next page.
    pub next_cursor: fn(&Resp) -> Option<String>,
    /// Items on this page.
    pub items_len: fn(&Resp) -> usize,
}

/// Pages by number: stops on an empty or short page, when `total` items are covered, after an
/// error, or after `max_pages` pages.
pub fn by_page<Req, Resp, F, Fut>(
    mut request: Req,
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
    if (access.get_size)(&request).is_none() {
        (access.set_size)(&mut request, access.max_page_size);
    }
    if (access.get_page)(&request).is_none() {
        (access.set_page)(&mut request, 1);
    }
    struct State<Req, F> {
        next: Option<Req>,
        pages: usize,
        seen: i64,
        fetch: F,
    }
    let state = State { next: Some(request), pages: 0, seen: 0, fetch };
    stream::unfold(state, move |mut st| async move {
        let req = st.next.take()?;
        if st.pages >= max_pages {
            return None;
        }
        let resp = match (st.fetch)(req.clone()).await {
            Ok(r) => r,
            Err(e) => return Some((Err(e), st)),
        };
        st.pages += 1;
        let n = (access.items_len)(&resp);
        st.seen += n as i64;
        let size = (access.get_size)(&req).unwrap_or(access.max_page_size);
        let covered = (access.total)(&resp).is_some_and(|t| st.seen >= t);
        if n > 0 && (n as i64) >= size && !covered {
            let mut next = req;
            let page = (access.get_page)(&next).unwrap_or(1);
            (access.set_page)(&mut next, page + 1);
            st.next = Some(next);
        }
        Some((Ok(resp), st))
    })
}

/// Pages by cursor: stops on an empty or short page, an empty or repeated cursor, after an
/// error, or after `max_pages` pages.
pub fn by_cursor<Req, Resp, F, Fut>(
    mut request: Req,
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
    if (access.get_size)(&request).is_none() {
        (access.set_size)(&mut request, access.max_page_size);
    }
    struct State<Req, F> {
        next: Option<Req>,
        pages: usize,
        cursors: HashSet<String>,
        fetch: F,
    }
    let mut cursors = HashSet::new();
    if let Some(c) = (access.get_cursor)(&request).filter(|c| !c.is_empty()) {
        cursors.insert(c);
    }
    let state = State { next: Some(request), pages: 0, cursors, fetch };
    stream::unfold(state, move |mut st| async move {
        let req = st.next.take()?;
        if st.pages >= max_pages {
            return None;
        }
        let resp = match (st.fetch)(req.clone()).await {
            Ok(r) => r,
            Err(e) => return Some((Err(e), st)),
        };
        st.pages += 1;
        let n = (access.items_len)(&resp) as i64;
        let size = (access.get_size)(&req).unwrap_or(access.max_page_size);
        if let Some(cursor) = (access.next_cursor)(&resp).filter(|c| !c.is_empty()) {
            if n > 0 && n >= size && st.cursors.insert(cursor.clone()) {
                let mut next = req;
                (access.set_cursor)(&mut next, cursor);
                st.next = Some(next);
            }
        }
        Some((Ok(resp), st))
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
