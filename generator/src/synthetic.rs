//! Synthetic specs for benchmarks: `n` endpoints in the shape of the real Alliance endpoints,
//! valid for this generator and for earlier ones (the compile-cost benchmark builds the same
//! text with both).

use std::fmt::Write as _;

/// A spec of `n` endpoints, each with its own request and response types, in the shape of the
/// real Alliance endpoints (user auth, JSON body, page pagination on every fifth, an enum), with
/// the evidence and scopes this generator requires.
pub fn spec(n: usize) -> String {
    spec_for(n, true)
}

/// [`spec`], with (`evidence`) or without the evidence, scope and source keys: without them it
/// is the same API in the format of generators older than evidence, for the compile-cost
/// baseline.
pub fn spec_for(n: usize, evidence: bool) -> String {
    let mut s = String::from("endpoints:\n");
    for i in 0..n {
        let paged = i % 5 == 0;
        let _ = write!(
            s,
            "  - name: op_{i}\n    summary: Synthetic operation {i}.\n    title_zh: 合成接口{i}\n    \
             doc_url: https://example.com/doc/{i}\n    server: open.douyinec.com\n    method: POST\n    \
             path: /alliance/synthetic/{i}/\n    auth: access_token\n    open_id_in_query: true\n    \
             retry_safe: true\n    request:\n      encoding: json\n      type: Op{i}Request\n    \
             response:\n      envelope: data_extra\n      type: Op{i}Data\n"
        );
        if evidence {
            s.push_str("    evidence: {level: confirmed, sources: [X1, X2]}\n    scope: synthetic.read\n");
        }
        if paged {
            let _ = write!(
                s,
                "    pagination:\n      style: page\n      page: page\n      page_size: page_size\n      \
                 total: total\n      items: items\n      max_page_size: 20\n"
            );
        }
    }
    s.push_str("types:\n  - name: SynthKind\n    doc: A kind.\n    enum:\n      repr: int\n      values:\n");
    for v in 0..4 {
        let _ = writeln!(s, "        - {{value: {v}, doc: Kind {v}.}}");
    }
    s.push_str(
        "  - name: SynthItem\n    doc: An item.\n    fields:\n      - {name: item_id, type: id, required: true, doc: Id.}\n      \
         - {name: title, type: string, doc: Title.}\n      - {name: price, type: i64, unit: fen, doc: Price.}\n      \
         - {name: kind, type: SynthKind, doc: Kind.}\n",
    );
    for i in 0..n {
        let _ = write!(
            s,
            "  - name: Op{i}Request\n    doc: Request {i}.\n    fields:\n      \
             - {{name: page, type: i64, required: true, min: 1, doc: Page.}}\n      \
             - {{name: page_size, type: i64, required: true, max: 20, doc: Page size.}}\n      \
             - {{name: keyword, type: string, max_length: 50, doc: Keyword.}}\n      \
             - {{name: ids, type: list<id>, max_items: 20, doc: Ids.}}\n  \
             - name: Op{i}Data\n    doc: Data {i}.\n    fields:\n      \
             - {{name: total, type: i64, doc: Total.}}\n      \
             - {{name: items, type: list<SynthItem>, required: true, doc: Items.}}\n      \
             - {{name: note, type: string, doc: Note.}}\n"
        );
    }
    if evidence {
        s = s.replace(
            "\n    fields:\n",
            "\n    evidence: {level: single_source, sources: [X1]}\n    fields:\n",
        );
        s.push_str("sources:\n  - {id: X1, title: Synthetic source one}\n  - {id: X2, title: Synthetic source two}\n");
    }
    s
}
