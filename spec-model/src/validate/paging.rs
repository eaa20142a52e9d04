//! Pagination: the page or cursor fields of a request and its response.

use super::*;

impl Cx {
    pub(super) fn pagination(
        &mut self,
        at: &At<'_>,
        p: &crate::spec::PaginationSpec,
        req: Option<&Vec<Field>>,
        resp: Option<&Vec<Field>>,
        types: &BTreeMap<String, NamedType>,
    ) -> Option<Pagination> {
        let style = match p.style.as_str() {
            "page" => PageStyle::Page,
            "cursor" => PageStyle::Cursor,
            other => {
                self.errors.push(
                    at.err("pagination.style", format!("unknown pagination style `{other}`"))
                        .hint("`page` or `cursor`"),
                );
                return None;
            }
        };
        let Some(req) = req else {
            self.errors.push(
                at.err("pagination", "pagination needs a request type to carry the page fields")
                    .hint("`request.type`"),
            );
            return None;
        };
        let resp = resp?;
        let (within, resp) = match &p.within {
            None => (None, resp),
            Some(name) => {
                let (within, inner) = self.within(at, name, resp, types)?;
                (Some(within), inner)
            }
        };
        if p.first_cursor.is_some() && style != PageStyle::Cursor {
            self.errors.push(
                at.err("pagination.first_cursor", "`first_cursor` is set on a page-number pagination")
                    .hint("only `style: cursor` sends a cursor"),
            );
        }
        let before = self.errors.len();
        let mut errs = Vec::new();
        let mut find = |key: &str, name: &str, fields: &[Field], side: &str, int: bool| -> Option<FieldRef> {
            match find_field(at, key, name, fields, side, int) {
                Ok(f) => Some(f),
                Err(e) => {
                    errs.push(e);
                    None
                }
            }
        };
        let page_size = find("page_size", &p.page_size, req, "request", true);
        let (page, total, cursor, next_cursor) = match style {
            PageStyle::Page => {
                let page = p.page.as_ref().and_then(|n| find("page", n, req, "request", true));
                let total = p.total.as_ref().and_then(|n| find("total", n, resp, "response", true));
                (page, total, None, None)
            }
            PageStyle::Cursor => {
                let cursor = p.cursor.as_ref().and_then(|n| find("cursor", n, req, "request", false));
                let next =
                    p.next_cursor.as_ref().and_then(|n| find("next_cursor", n, resp, "response", false));
                (None, None, cursor, next)
            }
        };
        self.errors.extend(errs);
        if style == PageStyle::Page && p.page.is_none() {
            self.errors.push(at.err("pagination.page", "`style: page` needs `page`"));
        }
        if style == PageStyle::Cursor && (p.cursor.is_none() || p.next_cursor.is_none()) {
            self.errors.push(at.err("pagination", "`style: cursor` needs `cursor` and `next_cursor`"));
        }
        let items_field = resp.iter().find(|f| f.wire == p.items);
        let (items, item_type) = match items_field.map(|f| (&f.ty, f)) {
            Some((Ty::List(inner), f)) => match inner.as_ref() {
                Ty::Named(n) => (
                    Some(FieldRef { wire: f.wire.clone(), ident: f.ident.clone(), optional: !f.required }),
                    n.clone(),
                ),
                _ => {
                    self.errors.push(at.err(
                        "pagination.items",
                        format!("items field `{}` is not a list of a named type", p.items),
                    ));
                    (None, String::new())
                }
            },
            Some(_) => {
                self.errors.push(
                    at.err("pagination.items", format!("items field `{}` is not a list", p.items))
                        .hint("a `list<T>` field"),
                );
                (None, String::new())
            }
            None => {
                let all = resp.iter().map(|f| format!("`{}`", f.wire)).collect::<Vec<_>>().join(", ");
                self.errors.push(
                    at.err(
                        "pagination.items",
                        format!("pagination names response field `{}`, which does not exist", p.items),
                    )
                    .hint(format!("one of {all}")),
                );
                (None, String::new())
            }
        };
        if p.max_page_size < 1 {
            self.errors.push(at.err("pagination.max_page_size", "must be at least 1"));
        }
        if self.errors.len() > before {
            return None;
        }
        Some(Pagination {
            style,
            page,
            page_size: page_size?,
            total,
            cursor,
            next_cursor,
            items: items?,
            item_type,
            max_page_size: p.max_page_size,
            first_cursor: p.first_cursor.clone(),
            within,
        })
    }

    /// The object field `name` of the response that holds the page, and that object's fields.
    fn within<'t>(
        &mut self,
        at: &At<'_>,
        name: &str,
        resp: &'t [Field],
        types: &'t BTreeMap<String, NamedType>,
    ) -> Option<(FieldRef, &'t Vec<Field>)> {
        let Some(f) = resp.iter().find(|f| f.wire == name) else {
            let all = resp.iter().map(|f| format!("`{}`", f.wire)).collect::<Vec<_>>().join(", ");
            self.errors.push(
                at.err(
                    "pagination.within",
                    format!("pagination names response field `{name}`, which does not exist"),
                )
                .hint(format!("one of {all}")),
            );
            return None;
        };
        let inner = match &f.ty {
            Ty::Named(n) => types.get(n).and_then(|t| match &t.kind {
                TypeKind::Object(fields) => Some(fields),
                TypeKind::Enum(_) => None,
            }),
            _ => None,
        };
        let Some(inner) = inner else {
            self.errors.push(
                at.err("pagination.within", format!("response field `{name}` is not of an object type"))
                    .hint("a field whose type is a named object type holding the page"),
            );
            return None;
        };
        Some((FieldRef { wire: f.wire.clone(), ident: f.ident.clone(), optional: !f.required }, inner))
    }
}

pub(super) fn find_field(
    at: &At<'_>,
    key: &str,
    name: &str,
    fields: &[Field],
    side: &str,
    int: bool,
) -> Result<FieldRef, SpecError> {
    let Some(f) = fields.iter().find(|f| f.wire == name) else {
        let all = fields.iter().map(|f| format!("`{}`", f.wire)).collect::<Vec<_>>().join(", ");
        return Err(at
            .err(
                &format!("pagination.{key}"),
                format!("pagination names {side} field `{name}`, which does not exist"),
            )
            .hint(format!("one of {all}")));
    };
    let ok = if int { f.ty == Ty::I64 } else { f.ty == Ty::String };
    if !ok {
        return Err(at
            .err(&format!("pagination.{key}"), format!("{side} field `{name}` has type {:?}", f.ty))
            .hint(if int { "an i64 field" } else { "a string field" }));
    }
    Ok(FieldRef { wire: f.wire.clone(), ident: f.ident.clone(), optional: !f.required })
}
