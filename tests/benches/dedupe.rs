//! The in-memory webhook dedupe's cost per delivery as the store fills: one delivery is a claim
//! of a new `Msg-Id` and its completion (`MemoryDedupeStore::claim_now` + `complete_now`),
//! timed with 0, 100,000 and 200,000 live marks already held (the 1 h default TTL at 100
//! events/s holds 360,000). The store used to scan every mark on each delivery (4.6 µs empty,
//! ~190 µs at 100k, ~480 µs at 200k); marks now expire through a heap, a few per call.
//!
//! Run with `cargo bench -p e2e-tests --bench dedupe` (or `cargo xtask bench`); with
//! `DOUYIN_BENCH_REPORT_DIR` set it writes `dedupe_report.json` there.

use std::time::{Duration, Instant};

use douyin_alliance::webhook::{Claim, MemoryDedupeStore};
use e2e_tests::bench;
use serde_json::{json, Map, Value};

/// Seconds per delivery with `held` live marks, the median of 5 runs of `n` deliveries.
fn per_delivery(held: usize, n: usize) -> f64 {
    let ttl = Duration::from_secs(3600);
    let store = MemoryDedupeStore::new();
    for i in 0..held {
        store.complete_now(&format!("held-{i}"), ttl);
    }
    let mut runs: Vec<f64> = (0..5)
        .map(|run| {
            let started = Instant::now();
            for i in 0..n {
                let id = format!("new-{run}-{i}");
                assert_eq!(store.claim_now(&id, Duration::from_secs(5)), Claim::Claimed);
                store.complete_now(&id, ttl);
            }
            started.elapsed().as_secs_f64() / n as f64
        })
        .collect();
    runs.sort_by(f64::total_cmp);
    runs[2]
}

fn main() {
    // `cargo bench` passes `--bench`; nothing else to configure.
    let mut report = Map::new();
    for held in [0usize, 100_000, 200_000] {
        let secs = per_delivery(held, 20_000);
        println!("dedupe: {:.2} µs per delivery with {held} marks held", secs * 1e6);
        report.insert(held.to_string(), json!({"secs_per_delivery": secs}));
    }
    bench::write_report("dedupe_report.json", &Value::Object(report));
}
