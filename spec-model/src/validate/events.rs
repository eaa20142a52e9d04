//! Pushed events: their names, evidence and content types.

use super::*;

impl Cx {
    pub(super) fn events(&mut self, files: &[LoadedFile], types: &BTreeMap<String, NamedType>) -> Vec<Event> {
        let mut out: Vec<Event> = Vec::new();
        for file in files {
            let lines = item_lines(file, file.spec.events.iter().map(|e| e.name.as_str()));
            for (e, line) in file.spec.events.iter().zip(lines) {
                let at = At { file, item: &e.name, line };
                let before = self.errors.len();
                if !names::is_snake(&e.name) {
                    self.errors.push(
                        at.err("name", format!("event name `{}` is not snake_case", e.name))
                            .hint("a name like `alliance_order`"),
                    );
                }
                let variant = names::variant_ident(&e.name);
                if variant == "Unknown" {
                    self.errors.push(
                        at.err("name", "`unknown` is reserved for events the spec does not list")
                            .hint("another name"),
                    );
                }
                if out.iter().any(|o| o.name == e.name || o.variant == variant) {
                    self.errors.push(
                        at.err("name", format!("duplicate event `{}`", e.name)).hint("each event once"),
                    );
                }
                if out.iter().any(|o| o.event == e.event) {
                    self.errors.push(
                        at.err("event", format!("two events have the wire name `{}`", e.event))
                            .hint("one entry per wire name"),
                    );
                }
                let content = match types.get(&e.content).map(|t| &t.kind) {
                    Some(TypeKind::Object(fields)) => Some(fields),
                    _ => {
                        self.errors.push(
                            at.err("content", format!("unknown type reference `{}`", e.content))
                                .hint("the name of an object type defined under `types:`"),
                        );
                        None
                    }
                };
                for key in &e.recognize_by_keys {
                    if content.is_some_and(|fields| !fields.iter().any(|f| &f.wire == key)) {
                        self.errors.push(
                            at.err("recognize_by_keys", format!("`{key}` is not a field of `{}`", e.content))
                                .hint("wire names of the content type's fields"),
                        );
                    }
                }
                let evidence = self.required_evidence(&at, "event", e.evidence.as_ref());
                let name_evidence =
                    self.evidence_or(&at, "name_evidence", e.name_evidence.as_ref(), &evidence);
                if name_evidence.as_ref().is_some_and(|p| !p.level.is_confirmed())
                    && e.recognize_by_keys.is_empty()
                {
                    self.errors.push(
                        at.err(
                            "recognize_by_keys",
                            "the wire name is below confirmed, so the event needs content keys to be recognised by",
                        )
                        .hint("`recognize_by_keys: [field, ...]`: a guessed name alone must never decide"),
                    );
                }
                if self.errors.len() > before {
                    continue;
                }
                let (Some(evidence), Some(name_evidence)) = (evidence, name_evidence) else { continue };
                out.push(Event {
                    name: e.name.clone(),
                    variant,
                    event: e.event.clone(),
                    summary: e.summary.trim().to_string(),
                    title_zh: e.title_zh.trim().to_string(),
                    doc: e.doc.as_ref().map(|d| d.trim().to_string()),
                    doc_url: e.doc_url.clone(),
                    content: e.content.clone(),
                    evidence,
                    name_evidence,
                    keys: e.recognize_by_keys.clone(),
                });
            }
        }
        out
    }
}
