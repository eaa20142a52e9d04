//! Where a paginated gateway method's page sits in its answer, read from the spec: the items
//! field, the total and next-cursor fields, and the field the page is nested in (`data.data`).
//! The stateful methods build their pages through this, so a page moved in the spec moves here.

use serde_json::{Map, Value};

use crate::spec::Endpoint;

/// The page fields of one endpoint's answer.
pub(super) struct PageShape {
    within: Option<String>,
    items: String,
    total: Option<String>,
    next_cursor: Option<String>,
}

impl PageShape {
    /// The shape of `ep`'s pages, when it pages.
    pub(super) fn of(ep: &Endpoint) -> Option<PageShape> {
        let p = ep.pagination.as_ref()?;
        Some(PageShape {
            within: p.within.as_ref().map(|w| w.wire.clone()),
            items: p.items.wire.clone(),
            total: p.total.as_ref().map(|t| t.wire.clone()),
            next_cursor: p.next_cursor.as_ref().map(|c| c.wire.clone()),
        })
    }

    /// The first item of the example's page, as the template of every item the sandbox makes.
    pub(super) fn item_template(&self, example: &Map<String, Value>) -> Map<String, Value> {
        let page = match &self.within {
            Some(w) => example.get(w).and_then(Value::as_object),
            None => Some(example),
        };
        page.and_then(|p| p.get(&self.items))
            .and_then(Value::as_array)
            .and_then(|items| items.iter().find_map(|v| v.as_object().cloned()))
            .unwrap_or_default()
    }

    /// `data` (the example's, with its other fields) carrying this page: its items, the total
    /// (when the method has one) and the next cursor (`""` at the end).
    pub(super) fn answer(
        &self,
        mut data: Map<String, Value>,
        items: Vec<Value>,
        total: usize,
        next_cursor: Option<String>,
    ) -> Value {
        let mut page = match &self.within {
            Some(w) => match data.remove(w) {
                Some(Value::Object(m)) => m,
                _ => Map::new(),
            },
            None => std::mem::take(&mut data),
        };
        page.insert(self.items.clone(), Value::Array(items));
        if let Some(t) = &self.total {
            page.insert(t.clone(), Value::from(total));
        }
        if let Some(c) = &self.next_cursor {
            page.insert(c.clone(), Value::String(next_cursor.unwrap_or_default()));
        }
        match &self.within {
            Some(w) => {
                data.insert(w.clone(), Value::Object(page));
                Value::Object(data)
            }
            None => Value::Object(page),
        }
    }
}

/// One page of `all` by number (`page` from 1, `size` items) and the total.
pub(super) fn by_number<T: Clone>(all: &[T], page: Option<i64>, size: i64) -> Vec<T> {
    let size = usize::try_from(size.max(1)).unwrap_or(1);
    let skip = usize::try_from(page.unwrap_or(1).max(1) - 1).unwrap_or(0).saturating_mul(size);
    all.iter().skip(skip).take(size).cloned().collect()
}

/// One page of `all` by cursor (the offset as text; `"0"`, empty or absent: the start) and the
/// next cursor (`""` after the last page). An unreadable cursor starts nowhere: an empty page.
pub(super) fn by_cursor<T: Clone>(all: &[T], cursor: Option<&str>, size: i64) -> (Vec<T>, String) {
    let size = usize::try_from(size.max(1)).unwrap_or(1);
    let from = match cursor.map(str::trim).filter(|c| !c.is_empty()) {
        None => 0,
        Some(c) => c.parse::<usize>().unwrap_or(usize::MAX),
    };
    let page: Vec<T> = all.iter().skip(from).take(size).cloned().collect();
    let next = from.saturating_add(page.len());
    let next = if page.is_empty() || next >= all.len() { String::new() } else { next.to_string() };
    (page, next)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_walk_to_an_empty_one() {
        let all: Vec<u32> = (0..5).collect();
        assert_eq!(by_cursor(&all, Some("0"), 2), (vec![0, 1], "2".to_string()));
        assert_eq!(by_cursor(&all, Some("2"), 2), (vec![2, 3], "4".to_string()));
        assert_eq!(by_cursor(&all, Some("4"), 2), (vec![4], String::new()));
        assert_eq!(by_cursor(&all, None, 10), (all.clone(), String::new()));
        assert_eq!(by_cursor(&all, Some("x"), 2), (vec![], String::new()));
        assert_eq!(by_number(&all, Some(3), 2), vec![4]);
        assert_eq!(by_number(&all, Some(0), 2), vec![0, 1]);
    }
}
