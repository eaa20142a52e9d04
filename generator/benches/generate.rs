//! Generator speed: the real spec end to end (read, parse, validate, render, format), and
//! synthetic specs of 100, 1,000 and 5,000 endpoints to show how time grows.
//!
//! Run with `cargo bench -p douyin-alliance-codegen` (or `cargo xtask bench` for every figure).

use std::fmt::Write as _;
use std::path::Path;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};

/// A spec of `n` endpoints, each with its own request and response types, in the shape of the
/// real Alliance endpoints (user auth, JSON body, page pagination on every fifth, an enum).
fn synthetic_spec(n: usize) -> String {
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
    s
}

fn generate(c: &mut Criterion) {
    let spec_dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../spec");
    let endpoints =
        codegen::yaml::load_dir(&spec_dir).map(|f| f.iter().map(|f| f.spec.endpoints.len()).sum::<usize>());
    let mut real = c.benchmark_group("generate_real_spec");
    real.throughput(Throughput::Elements(endpoints.unwrap_or(0) as u64));
    real.bench_function("full", |b| {
        b.iter(|| codegen::generate(&spec_dir).expect("the real spec generates"))
    });
    real.finish();

    let mut g = c.benchmark_group("generate_synthetic");
    g.sample_size(10);
    for n in [100usize, 1_000, 5_000] {
        let text = synthetic_spec(n);
        g.throughput(Throughput::Elements(n as u64));
        g.bench_with_input(BenchmarkId::from_parameter(n), &text, |b, text| {
            b.iter(|| {
                let file = codegen::yaml::parse_str("synthetic.yaml", text).expect("synthetic spec parses");
                codegen::generate_from(&[file]).expect("synthetic spec generates")
            })
        });
    }
    g.finish();
}

criterion_group!(benches, generate);
criterion_main!(benches);
