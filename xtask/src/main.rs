//! `cargo xtask codegen [--check]`, `cargo xtask api-diff`, `cargo xtask drift`, `cargo xtask bench`,
//! `cargo xtask bench-compile`, `cargo xtask bench-scaling`.

mod bench;
mod scaling;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// Maintainer tasks of the douyin-alliance workspace. Every task works on the workspace that
/// holds the current directory.
#[derive(Parser)]
#[command(name = "cargo xtask")]
struct Cli {
    #[command(subcommand)]
    task: Task,
}

#[derive(Subcommand)]
enum Task {
    /// Regenerate sdk/src/generated/ and docs/endpoints.md from spec/*.yaml.
    Codegen {
        /// Write nothing; fail with a diff when generated files are stale.
        #[arg(long)]
        check: bool,
    },
    /// What the spec change since a revision means for crates that depend on the SDK:
    /// every change classed breaking / wire-only / additive / docs, and a semver verdict
    /// (fails when a breaking change comes without a version bump).
    ApiDiff {
        /// The "before" revision (default: the merge base with the default branch, else HEAD).
        #[arg(long)]
        base: Option<String>,
        /// Append the change set to CHANGELOG.md under "Unreleased".
        #[arg(long)]
        changelog: bool,
        /// Print the report as JSON.
        #[arg(long)]
        json: bool,
    },
    /// What recorded answers (drift snapshots of the SDK's DriftRecorder) say about the spec:
    /// fields of another shape, new fields, fields never present, other envelopes.
    Drift {
        /// Snapshot files (JSON); several are merged.
        snapshots: Vec<PathBuf>,
        /// Write the edits into spec/*.yaml: new fields, widened types, evidence `observed`.
        #[arg(long)]
        patch: bool,
    },
    /// Run every criterion bench and bench-compile, and write benches/README.md.
    Bench,
    /// Time `cargo build -p douyin-alliance` after one spec field's doc changed and the code was
    /// regenerated (in a copy of the workspace).
    BenchCompile,
    /// Compile cost per endpoint of the SDK generated from synthetic specs of 100 and 500
    /// endpoints, this generator against the baseline revision's.
    BenchScaling,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let cwd = std::env::current_dir().unwrap_or_else(|_| PathBuf::from("."));
    let Some(root) = xtask::find_workspace_root(&cwd) else {
        eprintln!("no Cargo workspace at or above {}; run cargo xtask inside the checkout", cwd.display());
        return ExitCode::FAILURE;
    };
    let (report, ok) = match cli.task {
        Task::Codegen { check } => xtask::run_codegen(&root, check),
        Task::ApiDiff { base, changelog, json } => {
            xtask::api_diff::run(&root, &xtask::api_diff::Options { base, changelog, json })
        }
        Task::Drift { snapshots, patch } => xtask::drift::run(&root, &snapshots, patch),
        Task::Bench => match bench::run_bench(&root) {
            Ok(path) => (format!("wrote {}", path.display()), true),
            Err(e) => (e, false),
        },
        Task::BenchCompile => match bench::run_bench_compile(&root) {
            Ok(_) => (String::new(), true),
            Err(e) => (e, false),
        },
        Task::BenchScaling => match scaling::run(&root, &bench::target_dir(&root)) {
            Ok(_) => (String::new(), true),
            Err(e) => (e, false),
        },
    };
    if ok {
        if !report.is_empty() {
            println!("{report}");
        }
        ExitCode::SUCCESS
    } else {
        eprintln!("{report}");
        ExitCode::FAILURE
    }
}
