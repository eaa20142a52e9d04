//! Lazy streams of pages and items, driven by the accessors the generator writes per endpoint.

use std::collections::{BTreeMap, HashSet};
use std::future::Future;

use futures_core::Stream;
use futures_util::{stream, TryStreamExt};
use serde_json::Value;

use crate::{Error, ErrorKind, Result};

/// What one page's item list carried: the items decoded, the items left out for being of
/// another shape (kept raw in the page's `extra_fields`), and whether the list itself could not
/// be read. A page is judged by the items on the wire, so a left-out item never makes a full
/// page look like the last one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PageItems {
    /// Items decoded.
    pub decoded: usize,
    /// Items left out (see [`crate::object::LenientList`]).
    pub left_out: usize,
    /// The list arrived in another shape (kept raw under its wire name).
    pub unreadable: bool,
}

impl PageItems {
    /// The items of the list field `wire`, of which `decoded` were decoded, in a page whose
    /// unknown and left-out values are `extra`.
    pub fn of(decoded: usize, extra: &BTreeMap<String, Value>, wire: &str) -> Self {
        let (left_out, unreadable) = crate::object::left_out(extra, wire);
        PageItems { decoded, left_out, unreadable }
    }

    fn on_wire(&self) -> usize {
        self.decoded + self.left_out
    }
}

/// What a stream has seen so far, to tell at its end whether it yielded everything.
#[derive(Debug, Default)]
struct Tally {
    yielded: u64,
    left_out: u64,
}

/// The stream ended (or must end) short of what its answers carried or announced.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Shortfall {
    yielded: u64,
    left_out: u64,
    unreadable: bool,
    total: Option<i64>,
}

impl Tally {
    /// Counts a page; a page whose list could not be read ends the stream.
    fn add(&mut self, items: PageItems) -> std::result::Result<(), Shortfall> {
        self.yielded += items.decoded as u64;
        self.left_out += items.left_out as u64;
        if items.unreadable {
            return Err(self.shortfall(true, None));
        }
        Ok(())
    }

    /// At the last page: whether every item carried, and `total` if known, was yielded.
    fn finish(&self, total: Option<i64>) -> std::result::Result<(), Shortfall> {
        let short_of_total = total.is_some_and(|t| t > 0 && (self.yielded as i64) < t);
        if self.left_out > 0 || short_of_total {
            return Err(self.shortfall(false, total));
        }
        Ok(())
    }

    fn shortfall(&self, unreadable: bool, total: Option<i64>) -> Shortfall {
        Shortfall { yielded: self.yielded, left_out: self.left_out, unreadable, total }
    }
}

/// The page size of a paginated endpoint's request, and the item count of its response.
pub struct PageSize<Req, Resp> {
    /// The largest page size; used when the request sets none.
    pub max: i64,
    /// The page size.
    pub get: fn(&Req) -> Option<i64>,
    /// Sets the page size.
    pub set: fn(&mut Req, i64),
    /// What this page's item list carried.
    pub items: fn(&Resp) -> PageItems,
}

impl<Req, Resp> PageSize<Req, Resp> {
    /// The request with its page size set (to the largest) when it has none.
    fn apply(&self, mut request: Req) -> Req {
        if (self.get)(&request).is_none() {
            (self.set)(&mut request, self.max);
        }
        request
    }

    /// Whether a page of `items` answering `req` is full: a shorter (or empty) one is the last.
    fn full(&self, req: &Req, items: PageItems) -> bool {
        let n = items.on_wire() as i64;
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
    /// The cursor of the first page, sent when the request has none (the gateway's `"0"`).
    pub first: Option<&'static str>,
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
    /// The request after `req`, whose answer was `resp`; `None` when `resp` was the last page;
    /// a [`Shortfall`] when the stream must end short of what the answers carried or announced.
    fn next(&mut self, req: Req, resp: &Resp) -> std::result::Result<Option<Req>, Shortfall>;
}

/// Pages by number: stops on an empty or short page, or when `total` items are covered.
pub struct ByPage<Req, Resp> {
    access: PageAccess<Req, Resp>,
    seen: i64,
    tally: Tally,
}

/// Pages by cursor: stops on an empty or short page, or an empty or repeated cursor.
pub struct ByCursor<Req, Resp> {
    access: CursorAccess<Req, Resp>,
    cursors: HashSet<String>,
    tally: Tally,
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

    fn next(&mut self, mut req: Req, resp: &Resp) -> std::result::Result<Option<Req>, Shortfall> {
        let access = &self.access;
        let items = (access.size.items)(resp);
        self.tally.add(items)?;
        self.seen += items.on_wire() as i64;
        let total = (access.total)(resp);
        let covered = total.is_some_and(|t| self.seen >= t);
        if !access.size.full(&req, items) || covered {
            self.tally.finish(total)?;
            return Ok(None);
        }
        let page = (access.get_page)(&req).unwrap_or(1);
        (access.set_page)(&mut req, page + 1);
        Ok(Some(req))
    }
}

impl<Req: 'static, Resp: 'static> Pager<Req, Resp> for ByCursor<Req, Resp> {
    fn first(&mut self, request: Req) -> Req {
        let mut request = self.access.size.apply(request);
        if let (None, Some(first)) = ((self.access.get_cursor)(&request), self.access.first) {
            (self.access.set_cursor)(&mut request, first.to_string());
        }
        self.cursors.extend((self.access.get_cursor)(&request).filter(|c| !c.is_empty()));
        request
    }

    fn next(&mut self, mut req: Req, resp: &Resp) -> std::result::Result<Option<Req>, Shortfall> {
        let access = &self.access;
        let items = (access.size.items)(resp);
        self.tally.add(items)?;
        let cursor = (access.next_cursor)(resp).filter(|c| !c.is_empty());
        let cursor = match cursor {
            Some(c) if access.size.full(&req, items) && self.cursors.insert(c.clone()) => c,
            _ => {
                self.tally.finish(None)?;
                return Ok(None);
            }
        };
        (access.set_cursor)(&mut req, cursor);
        Ok(Some(req))
    }
}

impl<Req, Resp> PageAccess<Req, Resp> {
    /// The pager of these accessors.
    pub fn pager(self) -> ByPage<Req, Resp> {
        ByPage { access: self, seen: 0, tally: Tally::default() }
    }
}

impl<Req, Resp> CursorAccess<Req, Resp> {
    /// The pager of these accessors.
    pub fn pager(self) -> ByCursor<Req, Resp> {
        ByCursor { access: self, cursors: HashSet::new(), tally: Tally::default() }
    }
}

/// Every page of `endpoint`, fetched lazily from `request` on as `pager` says, until the last
/// page, an error (which is the stream's last item), or `max_pages` pages. A stream that ends
/// short of the items its answers carried or announced ends with
/// [`ErrorKind::IncompleteList`] after its last page, never with a silent `Ok`.
pub fn pages<Req, Resp, F, Fut>(
    endpoint: &'static str,
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
    let first = Ok(Some(pager.first(request)));
    stream::unfold((first, 0, fetch, pager), move |(next, done, mut fetch, mut pager)| async move {
        let req = match next {
            Ok(Some(req)) => req,
            Ok(None) => return None,
            Err(Shortfall { yielded, left_out, unreadable, total }) => {
                let e =
                    Error::new(endpoint, ErrorKind::IncompleteList { yielded, left_out, unreadable, total });
                return Some((Err(e), (Ok(None), done, fetch, pager)));
            }
        };
        if done >= max_pages {
            return None;
        }
        match fetch(req.clone()).await {
            Err(e) => Some((Err(e), (Ok(None), done, fetch, pager))),
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
