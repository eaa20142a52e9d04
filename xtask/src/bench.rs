//! `cargo xtask bench` and `cargo xtask bench-compile`.
//!
//! `bench` runs every criterion bench target of the workspace, then `bench-compile`, reads
//! criterion's estimates, and writes `benches/README.md`: each figure, its baseline measured in
//! the same run, the ratio, the target and whether it is met, the command, the machine and the
//! date.
//!
//! `bench-compile` copies the workspace sources (not `target/`, not `.git/`) into a temporary
//! directory, builds `douyin-alliance` there once (warm; the target directory
//! `target/bench-compile` persists between runs), edits one field's doc in the copied spec,
//! regenerates the copy with `xtask::run_codegen`, and times `cargo build -p douyin-alliance`.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant, SystemTime};

use serde_json::Value;

use crate::scaling::{ScalingFigure, Side};

/// The criterion bench targets, in the order they run: (package, bench target).
const BENCH_TARGETS: [(&str, &str); 5] = [
    ("e2e-tests", "generate"),
    ("e2e-tests", "decode"),
    ("e2e-tests", "calls"),
    ("e2e-tests", "dedupe"),
    ("e2e-tests", "webhooks"),
];

/// The command that produces `benches/README.md`.
const COMMAND: &str = "cargo xtask bench";

/// Where the calls bench writes its token check and paired figures (inside criterion's
/// directory).
const CALLS_REPORT: &str = "calls_report.json";

/// Where the decode bench writes its paired figures.
const DECODE_REPORT: &str = "decode_report.json";

/// Where the dedupe bench writes its cost per delivery by marks held.
const DEDUPE_REPORT: &str = "dedupe_report.json";

/// Where the webhooks bench writes its paired pushes per second.
const WEBHOOKS_REPORT: &str = "webhooks_report.json";

/// Where the generate bench writes its paired scaling ratios.
const GENERATE_REPORT: &str = "generate_report.json";

/// The package whose rebuild `bench-compile` times.
const SDK_PACKAGE: &str = "douyin-alliance";

/// The result of `bench-compile`.
#[derive(Debug, Clone)]
pub struct CompileFigure {
    /// Seconds of the warm-up build of the copy.
    pub warm_secs: f64,
    /// Seconds of `cargo build -p douyin-alliance` after the edit and regeneration.
    pub rebuild_secs: f64,
    /// Which doc was edited, e.g. `Order.order_id`.
    pub field: String,
    /// Files the regeneration rewrote, relative to the root.
    pub regenerated: Vec<String>,
}

/// `cargo xtask bench`: runs everything and writes `benches/README.md`. Returns the path of
/// the report, or why the run failed (the report is still written when figures exist).
pub fn run_bench(root: &Path) -> Result<PathBuf, String> {
    let target = target_dir(root);
    let criterion = criterion_dir(&target);
    let started = SystemTime::now();
    let load_before = load_average();
    let mut failures = Vec::new();
    for (package, bench) in BENCH_TARGETS {
        println!("==> cargo bench -p {package} --bench {bench}");
        let status = Command::new(cargo())
            .current_dir(root)
            .args(["bench", "-p", package, "--bench", bench])
            .env("DOUYIN_BENCH_REPORT_DIR", &criterion)
            .status();
        match status {
            Ok(s) if s.success() => {}
            Ok(s) => failures.push(format!("`cargo bench -p {package} --bench {bench}` failed ({s})")),
            Err(e) => failures.push(format!("cannot run cargo: {e}")),
        }
    }
    println!("==> cargo xtask bench-compile");
    let compile = match run_bench_compile(root) {
        Ok(c) => Some(c),
        Err(e) => {
            failures.push(format!("bench-compile failed: {e}"));
            None
        }
    };
    println!("==> cargo xtask bench-scaling");
    let scaling = match crate::scaling::run(root, &target) {
        Ok(s) => s,
        Err(e) => {
            failures.push(format!("bench-scaling failed: {e}"));
            Vec::new()
        }
    };
    let load_after = load_average();
    let results = Results::read(&criterion, started);
    let report = render(
        &results,
        compile.as_ref(),
        &scaling,
        &Machine::detect(),
        &failures,
        started,
        (load_before, load_after),
    );
    let path = root.join("benches").join("README.md");
    std::fs::create_dir_all(root.join("benches"))
        .and_then(|()| std::fs::write(&path, report))
        .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    let missing = results.missing();
    if !missing.is_empty() {
        failures.push(format!("no figure from this run for: {}", missing.join(", ")));
    }
    if failures.is_empty() {
        Ok(path)
    } else {
        Err(format!("{} (the report at {} marks what is missing)", failures.join("; "), path.display()))
    }
}

/// `cargo xtask bench-compile`: the time of `cargo build -p douyin-alliance` after one spec
/// field's doc changed and the code was regenerated.
pub fn run_bench_compile(root: &Path) -> Result<CompileFigure, String> {
    let copy = std::env::temp_dir().join("douyin-alliance-bench-compile");
    // A fixed copy path keeps the package ids, so the persistent target directory is reused.
    if copy.exists() {
        std::fs::remove_dir_all(&copy).map_err(|e| format!("cannot clear {}: {e}", copy.display()))?;
    }
    xtask::copy_sources(root, &copy)
        .map_err(|e| format!("cannot copy the workspace to {}: {e}", copy.display()))?;
    let result = compile_in_copy(root, &copy);
    if let Err(e) = std::fs::remove_dir_all(&copy) {
        eprintln!("warning: cannot remove {}: {e}", copy.display());
    }
    let figure = result?;
    println!(
        "bench-compile: edited the doc of `{}`, regenerated {}; `cargo build -p {SDK_PACKAGE}` took {:.1} s \
         (warm-up build of the copy: {:.1} s)",
        figure.field,
        figure.regenerated.join(", "),
        figure.rebuild_secs,
        figure.warm_secs
    );
    Ok(figure)
}

fn compile_in_copy(root: &Path, copy: &Path) -> Result<CompileFigure, String> {
    let target = target_dir(root).join("bench-compile");
    println!("bench-compile: warm-up build in {} (target {})", copy.display(), target.display());
    let warm = build_sdk(copy, &target)?;
    let field = edit_field_doc(&copy.join("spec").join("alliance.yaml"))?;
    let (report, ok) = xtask::run_codegen(copy, false);
    if !ok {
        return Err(format!("regenerating the copy failed:\n{report}"));
    }
    let regenerated: Vec<String> =
        report.lines().filter_map(|l| l.strip_prefix("wrote ")).map(str::to_string).collect();
    if !regenerated.iter().any(|f| f.ends_with(".rs")) {
        return Err(format!("editing the doc of `{field}` changed no Rust file:\n{report}"));
    }
    let rebuild = build_sdk(copy, &target)?;
    Ok(CompileFigure {
        warm_secs: warm.as_secs_f64(),
        rebuild_secs: rebuild.as_secs_f64(),
        field,
        regenerated,
    })
}

/// Times `cargo build -p douyin-alliance` in `dir`.
fn build_sdk(dir: &Path, target: &Path) -> Result<Duration, String> {
    let started = Instant::now();
    let status = Command::new(cargo())
        .current_dir(dir)
        .args(["build", "-p", SDK_PACKAGE])
        .env("CARGO_TARGET_DIR", target)
        .status()
        .map_err(|e| format!("cannot run cargo: {e}"))?;
    if !status.success() {
        return Err(format!("`cargo build -p {SDK_PACKAGE}` in {} failed ({status})", dir.display()));
    }
    Ok(started.elapsed())
}

/// Appends a sentence to the first single-line field `doc:` of the first type with fields in
/// `spec`; returns `Type.field`.
fn edit_field_doc(spec: &Path) -> Result<String, String> {
    let text = std::fs::read_to_string(spec).map_err(|e| format!("cannot read {}: {e}", spec.display()))?;
    let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
    let (mut in_types, mut type_name, mut field_name) = (false, None::<String>, None::<String>);
    let mut edited = None;
    for line in lines.iter_mut() {
        if !line.starts_with(' ') {
            in_types = line.trim_end() == "types:";
            continue;
        }
        if !in_types {
            continue;
        }
        if let Some(n) = line.strip_prefix("  - name: ") {
            type_name = Some(n.trim().to_string());
            field_name = None;
        } else if let Some(n) = line.strip_prefix("      - name: ") {
            field_name = Some(n.trim().to_string());
        } else if let (Some(t), Some(f), Some(doc)) =
            (&type_name, &field_name, line.strip_prefix("        doc: "))
        {
            let plain = !doc.is_empty() && !doc.starts_with(['"', '\'', '|', '>']) && !doc.contains(" #");
            if plain {
                line.push_str(" Edited by `cargo xtask bench-compile`.");
                edited = Some(format!("{t}.{f}"));
                break;
            }
        }
    }
    let field = edited.ok_or_else(|| format!("no single-line field doc found in {}", spec.display()))?;
    let mut out = lines.join("\n");
    if text.ends_with('\n') {
        out.push('\n');
    }
    std::fs::write(spec, out).map_err(|e| format!("cannot write {}: {e}", spec.display()))?;
    Ok(field)
}

fn cargo() -> String {
    std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_string())
}

pub fn target_dir(root: &Path) -> PathBuf {
    match std::env::var_os("CARGO_TARGET_DIR") {
        Some(d) if !d.is_empty() => root.join(d),
        _ => root.join("target"),
    }
}

/// Where criterion writes, by criterion's own rule.
fn criterion_dir(target: &Path) -> PathBuf {
    match std::env::var_os("CRITERION_HOME") {
        Some(d) if !d.is_empty() => PathBuf::from(d),
        _ => target.join("criterion"),
    }
}

/// One criterion benchmark's estimate.
#[derive(Debug, Clone)]
struct Estimate {
    /// Seconds per iteration (criterion's slope when it has one, the mean otherwise).
    secs: f64,
    /// The 95% interval of that estimate, in seconds.
    low: f64,
    high: f64,
    /// `(kind, amount)` per iteration: `("Elements", 256)`, `("Bytes", 1234)`.
    throughput: Option<(String, u64)>,
}

impl Estimate {
    /// Per second of the throughput unit.
    fn per_sec(&self) -> Option<f64> {
        self.throughput.as_ref().map(|(_, n)| *n as f64 / self.secs)
    }
}

/// Every benchmark id the report reads.
const IDS: [&str; 25] = [
    "generate_real_spec/full",
    "generate_synthetic/100",
    "generate_synthetic/1000",
    "generate_synthetic/5000",
    "decode_store_list_20/envelope",
    "decode_store_list_20/bare",
    "decode_store_list_20/plain_derive",
    "decode_orders_20/envelope",
    "decode_orders_20/bare",
    "decode_orders_20/plain_derive",
    "decode_orders_1000/envelope",
    "decode_orders_1000/bare",
    "decode_orders_1000/plain_derive",
    "decode_orders_10000/envelope",
    "decode_orders_10000/bare",
    "decode_gateway_orders_200/envelope",
    "decode_gateway_orders_200/bare",
    "calls_client_token_c1/sdk",
    "calls_client_token_c1/raw",
    "calls_client_token_c64/sdk",
    "calls_client_token_c64/raw",
    "calls_user_c1/sdk",
    "calls_user_c1/raw",
    "calls_user_c64/sdk",
    "calls_user_c64/raw",
];

/// Everything read back from criterion's directory.
struct Results {
    estimates: Vec<(&'static str, Option<Estimate>)>,
    /// `(SDK client-token calls, SDK token fetches)`.
    token: Option<(u64, u64)>,
    /// The paired measurements of the decode and calls benches, by criterion group (the
    /// decode bench's generated-vs-plain-derive pairs as `{group}:plain`).
    paired: BTreeMap<String, Paired>,
    /// The dedupe bench: seconds per delivery by marks held.
    dedupe: Vec<(u64, f64)>,
    /// The webhooks bench: `(durable pushes/s, acknowledge-then-spawn pushes/s, paired ratio,
    /// rounds)`.
    webhooks: Option<(f64, f64, Paired)>,
}

/// A ratio measured in alternating blocks in the same period by a bench after criterion.
#[derive(Debug, Clone)]
struct Paired {
    /// Figure over baseline (envelope / bare time; SDK / raw requests per second).
    ratio: f64,
    rounds: u64,
}

impl Results {
    /// Reads every id; results older than `since` (an earlier run) count as missing.
    fn read(criterion: &Path, since: SystemTime) -> Results {
        let estimates =
            IDS.iter().map(|id| (*id, read_estimate(&criterion.join(id).join("new"), since))).collect();
        let calls = fresh_json(&criterion.join(CALLS_REPORT), since);
        let token = calls
            .as_ref()
            .and_then(|v| Some((v.get("sdk_calls")?.as_u64()?, v.get("sdk_token_fetches")?.as_u64()?)));
        let mut paired = BTreeMap::new();
        let decode = fresh_json(&criterion.join(DECODE_REPORT), since);
        let generate = fresh_json(&criterion.join(GENERATE_REPORT), since);
        let groups = [generate.as_ref(), decode.as_ref(), calls.as_ref().and_then(|v| v.get("paired"))];
        for (group, v) in groups.into_iter().flatten().filter_map(Value::as_object).flatten() {
            let (Some(ratio), Some(rounds)) =
                (v.get("ratio").and_then(Value::as_f64), v.get("rounds").and_then(Value::as_u64))
            else {
                continue;
            };
            paired.insert(group.clone(), Paired { ratio, rounds });
        }
        let vs_plain = decode.as_ref().and_then(Value::as_object).into_iter().flatten();
        for (group, v) in vs_plain.filter_map(|(g, v)| Some((g, v.get("vs_plain")?))) {
            if let (Some(ratio), Some(rounds)) =
                (v.get("ratio").and_then(Value::as_f64), v.get("rounds").and_then(Value::as_u64))
            {
                paired.insert(format!("{group}:plain"), Paired { ratio, rounds });
            }
        }
        let dedupe = fresh_json(&criterion.join(DEDUPE_REPORT), since)
            .as_ref()
            .and_then(Value::as_object)
            .map(|m| {
                let mut d: Vec<(u64, f64)> = m
                    .iter()
                    .filter_map(|(k, v)| Some((k.parse().ok()?, v.get("secs_per_delivery")?.as_f64()?)))
                    .collect();
                d.sort_by_key(|(held, _)| *held);
                d
            })
            .unwrap_or_default();
        let webhooks = fresh_json(&criterion.join(WEBHOOKS_REPORT), since).and_then(|v| {
            let f = |k: &str| v.get(k).and_then(Value::as_f64);
            let rounds = v.get("rounds").and_then(Value::as_u64)?;
            Some((f("durable_rps")?, f("spawn_rps")?, Paired { ratio: f("ratio")?, rounds }))
        });
        Results { estimates, token, paired, dedupe, webhooks }
    }

    fn get(&self, id: &str) -> Option<&Estimate> {
        self.estimates.iter().find(|(i, _)| *i == id).and_then(|(_, e)| e.as_ref())
    }

    fn missing(&self) -> Vec<&'static str> {
        let mut m: Vec<_> = self.estimates.iter().filter(|(_, e)| e.is_none()).map(|(i, _)| *i).collect();
        if self.token.is_none() {
            m.push(CALLS_REPORT);
        }
        if self.dedupe.is_empty() {
            m.push(DEDUPE_REPORT);
        }
        if self.webhooks.is_none() {
            m.push(WEBHOOKS_REPORT);
        }
        m
    }
}

/// A JSON file written at or after `since`.
fn fresh_json(path: &Path, since: SystemTime) -> Option<Value> {
    let modified = std::fs::metadata(path).and_then(|m| m.modified()).ok()?;
    if modified < since {
        return None;
    }
    serde_json::from_str(&std::fs::read_to_string(path).ok()?).ok()
}

fn read_estimate(dir: &Path, since: SystemTime) -> Option<Estimate> {
    let est = fresh_json(&dir.join("estimates.json"), since)?;
    let bench = fresh_json(&dir.join("benchmark.json"), since)?;
    let pick = |name: &str| -> Option<(f64, f64, f64)> {
        let e = est.get(name)?;
        let ci = e.get("confidence_interval")?;
        Some((
            e.get("point_estimate")?.as_f64()?,
            ci.get("lower_bound")?.as_f64()?,
            ci.get("upper_bound")?.as_f64()?,
        ))
    };
    let (ns, lo, hi) = pick("slope").or_else(|| pick("mean"))?;
    let throughput = bench.get("throughput").and_then(Value::as_object).and_then(|t| {
        let (kind, n) = t.iter().next()?;
        Some((kind.clone(), n.as_u64()?))
    });
    Some(Estimate { secs: ns / 1e9, low: lo / 1e9, high: hi / 1e9, throughput })
}

/// The machine the run happened on.
struct Machine {
    cpu: String,
    cores: String,
    memory: String,
    os: String,
    rustc: String,
}

impl Machine {
    fn detect() -> Machine {
        let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
        let cpu = cpuinfo
            .lines()
            .find_map(|l| l.strip_prefix("model name").and_then(|r| r.split_once(':')).map(|(_, v)| v.trim()))
            .unwrap_or("unknown")
            .to_string();
        let logical = cpuinfo.lines().filter(|l| l.starts_with("processor")).count();
        let usable = std::thread::available_parallelism().map_or(0, usize::from);
        let cores = format!("{usable} usable ({logical} logical CPUs in /proc/cpuinfo)");
        let memory = std::fs::read_to_string("/proc/meminfo")
            .ok()
            .and_then(|m| {
                let kb: f64 = m
                    .lines()
                    .find_map(|l| l.strip_prefix("MemTotal:"))?
                    .trim()
                    .trim_end_matches("kB")
                    .trim()
                    .parse()
                    .ok()?;
                Some(format!("{:.1} GiB", kb / 1024.0 / 1024.0))
            })
            .unwrap_or_else(|| "unknown".into());
        let pretty = std::fs::read_to_string("/etc/os-release").ok().and_then(|t| {
            t.lines().find_map(|l| l.strip_prefix("PRETTY_NAME=")).map(|v| v.trim_matches('"').to_string())
        });
        let kernel = std::fs::read_to_string("/proc/sys/kernel/osrelease").ok().map(|k| k.trim().to_string());
        let os = match (pretty, kernel) {
            (Some(p), Some(k)) => format!("{p}, Linux {k}"),
            (Some(p), None) => p,
            (None, Some(k)) => format!("Linux {k}"),
            (None, None) => std::env::consts::OS.to_string(),
        };
        let rustc = Command::new(std::env::var("RUSTC").unwrap_or_else(|_| "rustc".into()))
            .arg("--version")
            .output()
            .ok()
            .and_then(|o| String::from_utf8(o.stdout).ok())
            .map(|s| s.trim().to_string())
            .unwrap_or_else(|| "unknown".into());
        Machine { cpu, cores, memory, os, rustc }
    }
}

fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|l| l.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|_| "unknown".into())
}

/// `2025-01-31 12:34 UTC` from a system time.
fn utc(t: SystemTime) -> String {
    let secs = t.duration_since(SystemTime::UNIX_EPOCH).map_or(0, |d| d.as_secs());
    let days = (secs / 86_400) as i64;
    let rem = secs % 86_400;
    // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!("{year:04}-{month:02}-{day:02} {:02}:{:02} UTC", rem / 3600, rem % 3600 / 60)
}

/// A duration, in the unit that reads best.
fn time(secs: f64) -> String {
    if secs >= 1.0 {
        format!("{secs:.2} s")
    } else if secs >= 1e-3 {
        format!("{:.2} ms", secs * 1e3)
    } else {
        format!("{:.1} µs", secs * 1e6)
    }
}

fn time_ci(e: &Estimate) -> String {
    format!("{} ({}–{})", time(e.secs), time(e.low), time(e.high))
}

/// One row of the main table.
struct Row {
    what: String,
    figure: String,
    baseline: String,
    ratio: String,
    paired: String,
    target: String,
    met: String,
}

const MISSING: &str = "not measured";

fn show_paired(p: Option<&Paired>) -> String {
    p.map_or("—".into(), |p| format!("{:.3} ({} rounds)", p.ratio, p.rounds))
}

fn verdict(met: Option<bool>) -> String {
    match met {
        Some(true) => "yes".into(),
        Some(false) => "**no**".into(),
        None => "—".into(),
    }
}

fn rows(r: &Results, compile: Option<&CompileFigure>) -> Vec<Row> {
    let mut rows = Vec::new();
    // Generator.
    let real = r.get("generate_real_spec/full");
    let endpoints = real.and_then(|e| e.throughput.as_ref()).map_or(0, |t| t.1);
    rows.push(Row {
        what: format!("Generator: real spec end to end ({endpoints} endpoints)"),
        figure: real.map_or(MISSING.into(), time_ci),
        baseline: "—".into(),
        ratio: "—".into(),
        paired: "—".into(),
        target: "< 100 ms".into(),
        met: verdict(real.map(|e| e.secs < 0.1)),
    });
    let base = r.get("generate_synthetic/100");
    for (n, limit) in [(1_000u32, None), (5_000, Some(60.0))] {
        let id = format!("generate_synthetic/{n}");
        let e = r.get(&id);
        let ratio = e.zip(base).map(|(e, b)| e.secs / b.secs);
        let paired = r.paired.get(&id);
        rows.push(Row {
            what: format!("Generator: synthetic spec, {n} endpoints vs 100"),
            figure: e.map_or(MISSING.into(), time_ci),
            baseline: base.map_or(MISSING.into(), time_ci),
            ratio: ratio.map_or("—".into(), |x| format!("{x:.1}x (linear: {}x)", n / 100)),
            paired: paired.map_or("—".into(), |p| format!("{:.1}x ({} rounds)", p.ratio, p.rounds)),
            target: limit.map_or("figure only".into(), |l| format!("≤ {l:.0}x")),
            met: verdict(limit.and_then(|l| paired.map(|p| p.ratio).or(ratio).map(|x| x <= l))),
        });
    }
    // Decoding.
    for (group, what) in [
        ("decode_store_list_20", "Decode: store list page, 20 products"),
        ("decode_orders_20", "Decode: orders page, 20 orders"),
        ("decode_orders_1000", "Decode: orders page, 1,000 orders"),
        ("decode_orders_10000", "Decode: synthetic orders answer, 10,000 orders"),
        (
            "decode_gateway_orders_200",
            "Decode: Doudian gateway order page (buyin_institute_order_ads), 200 orders",
        ),
    ] {
        let env = r.get(&format!("{group}/envelope"));
        let bare = r.get(&format!("{group}/bare"));
        let ratio = env.zip(bare).map(|(e, b)| e.secs / b.secs);
        let with_rate = |e: &Estimate| {
            let mib = e.per_sec().map(|b| format!(", {:.0} MiB/s", b / 1024.0 / 1024.0)).unwrap_or_default();
            format!("{}{mib}", time(e.secs))
        };
        rows.push(Row {
            what: format!("{what}: envelope::decode vs bare serde_json"),
            figure: env.map_or(MISSING.into(), with_rate),
            baseline: bare.map_or(MISSING.into(), with_rate),
            ratio: ratio.map_or("—".into(), |x| format!("{x:.3}")),
            paired: show_paired(r.paired.get(group)),
            target: "≤ 1.10".into(),
            met: verdict(r.paired.get(group).map(|p| p.ratio).or(ratio).map(|x| x <= 1.10)),
        });
    }
    // Generated types against what a careful user writes by hand (same leniency).
    for (group, what) in [
        ("decode_store_list_20", "Decode: store list page, 20 products"),
        ("decode_orders_20", "Decode: orders page, 20 orders"),
        ("decode_orders_1000", "Decode: orders page, 1,000 orders"),
    ] {
        let generated = r.get(&format!("{group}/bare"));
        let plain = r.get(&format!("{group}/plain_derive"));
        let ratio = generated.zip(plain).map(|(g, p)| g.secs / p.secs);
        let paired = r.paired.get(&format!("{group}:plain"));
        rows.push(Row {
            what: format!("{what}: generated type vs a plain `#[derive(Deserialize)]` struct"),
            figure: generated.map_or(MISSING.into(), |e| time(e.secs)),
            baseline: plain.map_or(MISSING.into(), |e| time(e.secs)),
            ratio: ratio.map_or("—".into(), |x| format!("{x:.3}")),
            paired: show_paired(paired),
            target: "≤ 1.10".into(),
            met: verdict(paired.map(|p| p.ratio).or(ratio).map(|x| x <= 1.10)),
        });
    }
    // Calls.
    for (group, what) in [
        ("calls_client_token_c1", "Calls: client-token endpoint, concurrency 1"),
        ("calls_client_token_c64", "Calls: client-token endpoint, concurrency 64"),
        ("calls_user_c1", "Calls: user endpoint, concurrency 1"),
        ("calls_user_c64", "Calls: user endpoint, concurrency 64"),
    ] {
        let sdk = r.get(&format!("{group}/sdk")).and_then(Estimate::per_sec);
        let raw = r.get(&format!("{group}/raw")).and_then(Estimate::per_sec);
        let ratio = sdk.zip(raw).map(|(s, w)| s / w);
        rows.push(Row {
            what: format!("{what}: SDK vs raw reqwest + serde_json"),
            figure: sdk.map_or(MISSING.into(), |x| format!("{x:.0} req/s")),
            baseline: raw.map_or(MISSING.into(), |x| format!("{x:.0} req/s")),
            ratio: ratio.map_or("—".into(), |x| format!("{x:.3}")),
            paired: show_paired(r.paired.get(group)),
            target: "≥ 0.90".into(),
            met: verdict(r.paired.get(group).map(|p| p.ratio).or(ratio).map(|x| x >= 0.90)),
        });
    }
    // A signed gateway call (paired only): the SDK against a hand-signed raw loop.
    for (group, what) in [
        ("calls_gateway_c1", "Calls: Doudian gateway (signed), concurrency 1"),
        ("calls_gateway_c64", "Calls: Doudian gateway (signed), concurrency 64"),
    ] {
        let p = r.paired.get(group);
        rows.push(Row {
            what: format!("{what}: SDK vs raw reqwest signing by hand"),
            figure: "—".into(),
            baseline: "—".into(),
            ratio: "—".into(),
            paired: show_paired(p),
            target: "≥ 0.90".into(),
            met: verdict(p.map(|p| p.ratio >= 0.90)),
        });
    }
    // Paired only: the rate limiter's cost (a limit far above the load against no limiter;
    // Redis-shared, an endpoint's calls that come together share one script) and the drift
    // recorder's (the same user call recording and not).
    for (group, what, target) in [
        ("limiter_local_c64", "Limiter, local, concurrency 64: limit far above the load vs none", 0.98),
        (
            "limiter_redis_c64",
            "Limiter, Redis-shared, concurrency 64: limit far above the load vs none (calls that come together share a script)",
            0.85,
        ),
        (
            "recorder_user_c1",
            "Drift recorder on (sampled), concurrency 1: `kol_store_list` vs recorder off",
            0.98,
        ),
        (
            "recorder_user_c64",
            "Drift recorder on (sampled), concurrency 64: `kol_store_list` vs recorder off",
            0.98,
        ),
    ] {
        let p = r.paired.get(group);
        rows.push(Row {
            what: what.into(),
            figure: "—".into(),
            baseline: "—".into(),
            ratio: "—".into(),
            paired: show_paired(p),
            target: format!("≥ {target:.2}"),
            met: verdict(p.map(|p| p.ratio >= target)),
        });
    }
    // What one Redis round trip per call costs on this machine (Redis shares its cores): one
    // PING per call against the calls alone.
    let p = r.paired.get("redis_round_trip_c64");
    rows.push(Row {
        what: "Redis round trip, concurrency 64: one PING per call vs none (a limiter with a round trip of its own per call)"
            .into(),
        figure: "—".into(),
        baseline: "—".into(),
        ratio: "—".into(),
        paired: show_paired(p),
        target: "reported".into(),
        met: "—".into(),
    });
    // Webhooks: the durable hand-off's cost, and the in-memory dedupe as it fills.
    rows.push(Row {
        what: "Webhooks, concurrency 32: pushes acknowledged per second, durable (stored in Redis first) vs acknowledge-then-spawn".into(),
        figure: r.webhooks.as_ref().map_or(MISSING.into(), |(d, _, _)| format!("{d:.0} pushes/s")),
        baseline: r.webhooks.as_ref().map_or(MISSING.into(), |(_, s, _)| format!("{s:.0} pushes/s")),
        ratio: r.webhooks.as_ref().map_or("—".into(), |(d, s, _)| format!("{:.3}", d / s)),
        paired: show_paired(r.webhooks.as_ref().map(|(_, _, p)| p)),
        target: "reported".into(),
        met: "—".into(),
    });
    for (held, secs) in &r.dedupe {
        rows.push(Row {
            what: format!("Webhook dedupe in memory: one delivery (claim + complete) with {held} marks held"),
            figure: time(*secs),
            baseline: "—".into(),
            ratio: "—".into(),
            paired: "—".into(),
            target: "figure only (was a scan: ~190 µs at 100k)".into(),
            met: "—".into(),
        });
    }
    rows.push(Row {
        what: "Calls: client_token fetches by the SDK over the whole calls run".into(),
        figure: r.token.map_or(MISSING.into(), |(calls, fetches)| format!("{fetches} for {calls} calls")),
        baseline: "—".into(),
        ratio: "—".into(),
        paired: "—".into(),
        target: "exactly 1".into(),
        met: verdict(r.token.map(|(_, f)| f == 1)),
    });
    // Compile.
    rows.push(Row {
        what: format!(
            "Compile: `cargo build -p {SDK_PACKAGE}` after one field's doc changed{}",
            compile.map(|c| format!(" (`{}`)", c.field)).unwrap_or_default()
        ),
        figure: compile.map_or(MISSING.into(), |c| format!("{:.1} s", c.rebuild_secs)),
        baseline: "—".into(),
        ratio: "—".into(),
        paired: "—".into(),
        target: "figure only".into(),
        met: "—".into(),
    });
    rows
}

fn render(
    r: &Results,
    compile: Option<&CompileFigure>,
    scaling: &[ScalingFigure],
    m: &Machine,
    failures: &[String],
    started: SystemTime,
    load: (String, String),
) -> String {
    let mut s = String::new();
    let _ = writeln!(s, "# Benchmarks\n");
    let _ = writeln!(
        s,
        "Written by `{COMMAND}`, which reruns every figure below (criterion benches, then \
         `cargo xtask bench-compile`) and rewrites this file. Do not edit it by hand.\n"
    );
    let _ = writeln!(s, "- Run: {} ({COMMAND})", utc(started));
    let _ = writeln!(s, "- CPU: {}; cores: {}; memory: {}", m.cpu, m.cores, m.memory);
    let _ = writeln!(s, "- OS: {}", m.os);
    let _ = writeln!(s, "- Rust: {}", m.rustc);
    let _ = writeln!(
        s,
        "- Load average (1, 5, 15 min) before the run: {}; after: {}. Other work on the machine \
         moves every figure; ratios are measured back to back in the same run.\n",
        load.0, load.1
    );
    if !failures.is_empty() {
        let _ = writeln!(s, "**This run did not complete:**\n");
        for f in failures {
            let _ = writeln!(s, "- {f}");
        }
        let _ = writeln!(s);
    }
    let _ = writeln!(s, "| What | Figure | Baseline (same run) | Ratio | Paired ratio | Target | Met |");
    let _ = writeln!(s, "|---|---|---|---|---|---|---|");
    for row in rows(r, compile) {
        let _ = writeln!(
            s,
            "| {} | {} | {} | {} | {} | {} | {} |",
            row.what, row.figure, row.baseline, row.ratio, row.paired, row.target, row.met
        );
    }
    let _ = writeln!(
        s,
        "\nFigure and baseline are criterion's estimates per iteration (the slope of its linear \
         sampling, or the mean with flat sampling; 95% interval in parentheses); a calls iteration \
         is a batch of 256 requests, so req/s = 256 / time. Ratio is figure over baseline.\n\n\
         Criterion measures figure and baseline one after the other, so a change in the \
         machine's load between the two moves their ratio (by ±10-25% on a shared 2-core VM). \
         The decode and calls benches therefore also measure both sides after criterion in \
         alternating blocks in the same period (one block of each per round, the order \
         alternating; a calls block is a batch of 256 requests, a decode block about 20 ms of \
         decoding); the generator bench times each larger spec between two blocks of the \
         100-endpoint spec, each half as long, and takes the median of the rounds' ratios: that \
         is the paired ratio. **Met** is judged on the paired ratio where there \
         is one, and on criterion's ratio otherwise.\n"
    );
    render_scaling(&mut s, scaling);
    let _ = writeln!(s, "## What each figure measures\n");
    let _ = writeln!(
        s,
        "- **Generator** (`tests/benches/generate.rs`): `codegen::generate` on `spec/` in \
         process (read, parse, validate, render, format); synthetic specs of 100, 1,000 and 5,000 \
         endpoints made by a function, each with its own request and response types. Linear growth \
         means 5,000 endpoints take 50x the time of 100.\n\
         - **Decode** (`tests/benches/decode.rs`): `douyin_alliance::envelope::decode` of the whole \
         `data` + `extra` answer against `serde_json::from_slice` of the same `data` object into the \
         same generated type; and the generated type against a hand-written plain \
         `#[derive(Deserialize)]` struct with the same fields and the leniency a careful user writes \
         (`tests/src/plain.rs`: ids and amounts from numbers or numeric strings, 0/1 booleans, enum \
         values as their wire strings), of the same bytes. Items carry every field the spec gives \
         `StoreProduct` / `Order`, built from the spec's examples, with 19-digit ids, some as JSON \
         strings.\n\
         - **Webhooks** (`tests/benches/webhooks.rs`): signed order pushes at concurrency 32 on \
         127.0.0.1 into the durable route (verify, store in a Redis stream, then 200) against an \
         acknowledge-then-spawn route (what the receiver did before: verify, 200, handler spawned), \
         in alternating blocks. **Dedupe** (`tests/benches/dedupe.rs`): one delivery through the \
         in-memory `Msg-Id` store as it fills.\n\
         - **Calls** (`tests/benches/calls.rs`): requests per second against the sandbox on \
         127.0.0.1 (client, server and benchmark share the machine), for \
         `materials_product_category` (client_token) and `kol_store_list` (a user's access_token, \
         a page of 20 products), at concurrency 1 and 64, against a hand-written loop of raw \
         `reqwest` + `serde_json` sending the same URL, headers and JSON body and decoding the same \
         typed `data`. The raw loop fetches its client_token once up front; the SDK's fetches are \
         counted by the sandbox over the whole run.\n\
         - **Compile** (`cargo xtask bench-compile`): the workspace sources are copied to a \
         temporary directory and built once (target directory `target/bench-compile`, kept between \
         runs); then one field's doc in the copied `spec/alliance.yaml` is edited, the copy is \
         regenerated with `xtask::run_codegen`, and `cargo build -p {SDK_PACKAGE}` (dev profile) is \
         timed. A figure to watch, not a gate.\n"
    );
    if let Some(c) = compile {
        let _ = writeln!(
            s,
            "Compile details: regenerated {}; warm-up build of the copy {:.1} s.\n",
            c.regenerated.join(", "),
            c.warm_secs
        );
    }
    let _ = writeln!(s, "Rerun one part alone:\n");
    let _ = writeln!(s, "```sh");
    for (package, bench) in BENCH_TARGETS {
        let _ = writeln!(s, "cargo bench -p {package} --bench {bench}");
    }
    let _ = writeln!(s, "cargo xtask bench-compile\ncargo xtask bench-scaling\n```\n");
    let _ = writeln!(s, "## Every estimate\n");
    let _ = writeln!(s, "| Benchmark | Time per iteration (95% interval) | Throughput |");
    let _ = writeln!(s, "|---|---|---|");
    for (id, e) in &r.estimates {
        let (t, thr) = match e {
            Some(e) => {
                let thr = match (&e.throughput, e.per_sec()) {
                    (Some((kind, _)), Some(x)) if kind == "Bytes" => {
                        format!("{:.1} MiB/s", x / 1024.0 / 1024.0)
                    }
                    (Some((kind, _)), Some(x)) if kind == "Elements" => format!("{x:.1} elements/s"),
                    _ => "—".into(),
                };
                (time_ci(e), thr)
            }
            None => (MISSING.into(), "—".into()),
        };
        let _ = writeln!(s, "| `{id}` | {t} | {thr} |");
    }
    s
}

/// The compile cost per endpoint, current against baseline at each size; the targets: release
/// build per endpoint at 500 endpoints at most half the baseline's, at most 250 generated lines
/// per endpoint.
fn render_scaling(s: &mut String, scaling: &[ScalingFigure]) {
    let _ = writeln!(s, "## Compile cost per endpoint (`cargo xtask bench-scaling`)\n");
    if scaling.is_empty() {
        let _ = writeln!(s, "{MISSING}: no figure from this run.\n");
        return;
    }
    let _ = writeln!(
        s,
        "The SDK generated from synthetic specs (`codegen::synthetic::spec`, plus the 4 OAuth \
         endpoints) by the current generator and by the baseline revision `{}`'s own generator, \
         built with dependencies warm: `cargo check` and `cargo build --release` of the SDK \
         crate alone, after `cargo clean -p douyin-alliance` (the whole crate, not its \
         dependencies). Seconds per 100 endpoints = seconds / (endpoints \
         / 100).\n",
        crate::scaling::BASELINE_REV
    );
    let _ = writeln!(
        s,
        "| Endpoints | Side | Generated lines (per endpoint) | `cargo check` s (per 100 endpoints) | \
         release build s (per 100 endpoints) |"
    );
    let _ = writeln!(s, "|---|---|---|---|---|");
    for f in scaling {
        let _ = writeln!(
            s,
            "| {} | {} | {} ({:.0}) | {:.1} ({:.2}) | {:.1} ({:.2}) |",
            f.endpoints,
            f.side.name(),
            f.lines,
            f.lines_per_endpoint(),
            f.check_secs,
            f.per_100(f.check_secs),
            f.release_secs,
            f.per_100(f.release_secs)
        );
    }
    let at = |side: Side| scaling.iter().filter(|f| f.side == side).max_by_key(|f| f.endpoints);
    if let (Some(b), Some(c)) = (at(Side::Baseline), at(Side::Current)) {
        let release = c.release_secs / b.release_secs;
        let check = c.check_secs / b.check_secs;
        let _ = writeln!(
            s,
            "\nAt {} endpoints, current over baseline: release build {release:.2}x (target at most \
             0.5x: {}), `cargo check` {check:.2}x; generated lines per endpoint {:.0} (target at \
             most 250: {}).\n",
            c.endpoints,
            verdict(Some(release <= 0.5)),
            c.lines_per_endpoint(),
            verdict(Some(c.lines_per_endpoint() <= 250.0))
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn estimate(secs: f64, throughput: Option<(&str, u64)>) -> Option<Estimate> {
        Some(Estimate {
            secs,
            low: secs * 0.9,
            high: secs * 1.1,
            throughput: throughput.map(|(k, n)| (k.to_string(), n)),
        })
    }

    #[test]
    fn the_report_judges_each_figure_against_its_target() {
        let estimates = IDS
            .iter()
            .map(|id| {
                let e = match *id {
                    "generate_real_spec/full" => estimate(0.085, Some(("Elements", 18))),
                    "generate_synthetic/100" => estimate(0.2, None),
                    "generate_synthetic/1000" => estimate(2.2, None),
                    "generate_synthetic/5000" => estimate(13.0, None),
                    "decode_store_list_20/envelope" => estimate(40e-6, Some(("Bytes", 8000))),
                    "decode_store_list_20/bare" => estimate(30e-6, Some(("Bytes", 7800))),
                    id if id.starts_with("decode_") => estimate(1e-3, Some(("Bytes", 8000))),
                    "calls_user_c64/sdk" => estimate(0.05, Some(("Elements", 256))),
                    "calls_user_c64/raw" => None,
                    id if id.ends_with("/sdk") => estimate(0.0105, Some(("Elements", 256))),
                    _ => estimate(0.01, Some(("Elements", 256))),
                };
                (*id, e)
            })
            .collect();
        let mut paired = BTreeMap::new();
        paired.insert("decode_store_list_20".to_string(), Paired { ratio: 1.04, rounds: 30 });
        paired.insert("decode_store_list_20:plain".to_string(), Paired { ratio: 1.05, rounds: 30 });
        paired.insert("generate_synthetic/1000".to_string(), Paired { ratio: 10.4, rounds: 5 });
        paired.insert("generate_synthetic/5000".to_string(), Paired { ratio: 55.0, rounds: 5 });
        paired.insert("calls_client_token_c1".to_string(), Paired { ratio: 0.85, rounds: 30 });
        let r = Results {
            estimates,
            token: Some((1000, 1)),
            paired,
            dedupe: vec![(0, 1e-6)],
            webhooks: Some((17_000.0, 30_000.0, Paired { ratio: 0.57, rounds: 10 })),
        };
        let rows = rows(&r, None);
        let row = |what: &str| rows.iter().find(|r| r.what.starts_with(what)).unwrap();
        assert_eq!(row("Generator: real spec").met, "yes");
        assert_eq!(row("Generator: synthetic spec, 5000").ratio, "65.0x (linear: 50x)");
        // Criterion's ratio (65x) would fail; the paired ratio decides.
        assert_eq!(row("Generator: synthetic spec, 5000").met, "yes");
        assert_eq!(row("Generator: synthetic spec, 1000").paired, "10.4x (5 rounds)");
        // Criterion's ratio (1.333) would fail; the paired ratio decides.
        assert_eq!(row("Decode: store list").ratio, "1.333");
        assert_eq!(row("Decode: store list").met, "yes");
        assert_eq!(row("Decode: orders page").met, "yes");
        // Criterion's ratio (0.952) would pass; the paired ratio decides.
        assert_eq!(row("Calls: client-token endpoint, concurrency 1").met, "**no**");
        assert_eq!(row("Calls: client-token endpoint, concurrency 64").ratio, "0.952");
        assert_eq!(row("Calls: client-token endpoint, concurrency 64").met, "yes");
        assert_eq!(row("Calls: user endpoint, concurrency 64").figure, "5120 req/s");
        assert_eq!(row("Calls: user endpoint, concurrency 64").baseline, MISSING);
        assert_eq!(row("Calls: user endpoint, concurrency 64").met, "—");
        assert_eq!(row("Calls: client_token fetches").met, "yes");
        assert_eq!(row("Compile").figure, MISSING);
        // The plain-derive pair is judged on its own paired ratio.
        assert_eq!(row("Decode: store list page, 20 products: generated").paired, "1.050 (30 rounds)");
        assert_eq!(row("Decode: store list page, 20 products: generated").met, "yes");
        assert_eq!(row("Webhooks").figure, "17000 pushes/s");
        assert_eq!(row("Webhooks").paired, "0.570 (10 rounds)");
        assert_eq!(row("Webhook dedupe").figure, time(1e-6));
        assert_eq!(r.missing(), vec!["calls_user_c64/raw"]);
    }

    #[test]
    fn utc_dates_are_civil_dates() {
        assert_eq!(utc(SystemTime::UNIX_EPOCH), "1970-01-01 00:00 UTC");
        let t = SystemTime::UNIX_EPOCH + Duration::from_secs(1_709_210_096); // 2024-02-29 12:34:56
        assert_eq!(utc(t), "2024-02-29 12:34 UTC");
    }

    #[test]
    fn the_first_plain_field_doc_is_edited() {
        let dir = std::env::temp_dir().join(format!("xtask-bench-edit-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let spec = dir.join("a.yaml");
        let text = "endpoints:\n  - name: op\n    doc: Not a field.\ntypes:\n  - name: T\n    doc: A type.\n    fields:\n      - name: a\n        doc: |\n          Block.\n      - name: b\n        doc: Plain.\n";
        std::fs::write(&spec, text).unwrap();
        assert_eq!(edit_field_doc(&spec).unwrap(), "T.b");
        let after = std::fs::read_to_string(&spec).unwrap();
        assert!(after.contains("        doc: Plain. Edited by `cargo xtask bench-compile`.\n"));
        assert_eq!(after.replace(" Edited by `cargo xtask bench-compile`.", ""), text);
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
