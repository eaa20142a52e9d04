//! What the benches share: whether this run measures pairs, how two sides are timed in the
//! same period, and where their figures go for `cargo xtask bench`.
//!
//! Criterion measures each side of a comparison in its own period, and this class of machine
//! drifts 20-30% in speed over minutes, so every bench that compares two figures also measures
//! them in alternating blocks in the same period (the "paired ratio").

use std::time::{Duration, Instant};

/// Rounds of the paired measurement: `$var` (default `default`; 0 skips it), but none unless
/// this is a measuring run (`cargo bench` passes `--bench`; `cargo test --benches`, `--test`,
/// `--list` and `--profile-time` do not measure).
pub fn paired_rounds(var: &str, default: usize) -> usize {
    let args: Vec<String> = std::env::args().collect();
    let measuring = args.iter().any(|a| a == "--bench")
        && !args.iter().any(|a| matches!(a.as_str(), "--test" | "--list" | "--profile-time"));
    if !measuring {
        return 0;
    }
    std::env::var(var).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

/// Times `a` and `b` in `rounds` rounds of one run of each, the order alternating from round to
/// round; returns the total time of each side.
pub fn alternate(rounds: usize, mut a: impl FnMut(), mut b: impl FnMut()) -> (Duration, Duration) {
    let (mut a_time, mut b_time) = (Duration::ZERO, Duration::ZERO);
    for round in 0..rounds {
        for side in [round % 2, 1 - round % 2] {
            let started = Instant::now();
            if side == 0 {
                a();
                a_time += started.elapsed();
            } else {
                b();
                b_time += started.elapsed();
            }
        }
    }
    (a_time, b_time)
}

/// Writes `report` to `$DOUYIN_BENCH_REPORT_DIR/<file>` when that is set (by `cargo xtask
/// bench`), for the report; a failure to write is printed, not fatal.
pub fn write_report(file: &str, report: &serde_json::Value) {
    let Ok(dir) = std::env::var("DOUYIN_BENCH_REPORT_DIR") else { return };
    let path = std::path::Path::new(&dir).join(file);
    if let Err(e) = std::fs::create_dir_all(&dir).and_then(|()| std::fs::write(&path, report.to_string())) {
        eprintln!("cannot write {}: {e}", path.display());
    }
}
