//! Generator speed: the real spec end to end (read, parse, validate, render, format), and
//! synthetic specs of 100, 1,000 and 5,000 endpoints to show how time grows.
//!
//! Run with `cargo bench -p douyin-alliance-codegen` (or `cargo xtask bench` for every figure).
//! After criterion, a paired measurement times each larger size between two blocks of the
//! baseline size, round after round (`DOUYIN_BENCH_GEN_ROUNDS` rounds, default 6), and takes the
//! median of the rounds' ratios, which cancels drift in the machine's speed between criterion's
//! separate measurements of each size. With
//! `DOUYIN_BENCH_REPORT_DIR` set, the paired ratios are written to
//! `$DOUYIN_BENCH_REPORT_DIR/generate_report.json` for the report.

use e2e_tests::bench;
use std::path::Path;
use std::time::Instant;

use criterion::{BenchmarkId, Criterion, Throughput};
use serde_json::{json, Map, Value};

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
    for n in SIZES {
        let text = codegen::synthetic::spec(n);
        g.throughput(Throughput::Elements(n as u64));
        g.bench_with_input(BenchmarkId::from_parameter(n), &text, |b, text| b.iter(|| generate_text(text)));
    }
    g.finish();
}

/// The synthetic sizes; the first is the baseline of the others.
const SIZES: [usize; 3] = [100, 1_000, 5_000];

/// Parses and generates a synthetic spec, as the benchmark iteration does.
fn generate_text(text: &str) -> Vec<codegen::GeneratedFile> {
    let file = codegen::yaml::parse_str("synthetic.yaml", text).expect("synthetic spec parses");
    codegen::generate_from(&[file]).expect("synthetic spec generates")
}

/// Seconds per generation of `text`, over `reps` generations.
fn time_reps(text: &str, reps: usize) -> f64 {
    let started = Instant::now();
    for _ in 0..reps {
        drop(generate_text(text));
    }
    started.elapsed().as_secs_f64() / reps.max(1) as f64
}

/// The time of generating `big` over the time of generating `base`, measured in the same
/// period: each of `rounds` rounds times one generation of `big` between two blocks of `base`
/// generations (each block half as long as `big` takes), so that a steady drift in the
/// machine's speed cancels within the round. Returns the median of the rounds' ratios and the
/// mean seconds of `big` and of `base`.
fn paired(base: &str, big: &str, rounds: usize) -> (f64, f64, f64) {
    // Warm up, and size the blocks.
    let base_once = time_reps(base, 1);
    let big_once = time_reps(big, 1);
    let half = ((big_once / 2.0) / base_once.max(1e-9)).round().max(1.0) as usize;
    let mut ratios = Vec::with_capacity(rounds);
    let (mut big_sum, mut base_sum) = (0.0, 0.0);
    for _ in 0..rounds {
        let before = time_reps(base, half);
        let big_secs = time_reps(big, 1);
        let after = time_reps(base, half);
        let base_secs = (before + after) / 2.0;
        ratios.push(big_secs / base_secs);
        big_sum += big_secs;
        base_sum += base_secs;
    }
    ratios.sort_by(f64::total_cmp);
    let median = match ratios.len() {
        0 => f64::NAN,
        n if n % 2 == 1 => ratios[n / 2],
        n => (ratios[n / 2 - 1] + ratios[n / 2]) / 2.0,
    };
    (median, big_sum / rounds as f64, base_sum / rounds as f64)
}

fn main() {
    let mut c = Criterion::default().configure_from_args();
    generate(&mut c);
    c.final_summary();

    let rounds = bench::paired_rounds("DOUYIN_BENCH_GEN_ROUNDS", 6);
    if rounds == 0 {
        return;
    }
    let base = codegen::synthetic::spec(SIZES[0]);
    let mut report = Map::new();
    for &n in &SIZES[1..] {
        let (ratio, secs, base_secs) = paired(&base, &codegen::synthetic::spec(n), rounds);
        println!(
            "paired generate_synthetic/{n} vs /{}: {secs:.3} s vs {:.1} ms, median ratio of {rounds} rounds {ratio:.1}x",
            SIZES[0],
            base_secs * 1e3
        );
        report.insert(
            format!("generate_synthetic/{n}"),
            json!({"secs": secs, "base_secs": base_secs, "ratio": ratio, "rounds": rounds}),
        );
    }
    bench::write_report("generate_report.json", &Value::Object(report));
}
