//! `cargo xtask codegen [--check]`.

use std::process::ExitCode;

const USAGE: &str = "usage: cargo xtask codegen [--check]

  codegen          regenerate sdk/src/generated/ and docs/endpoints.md from spec/*.yaml, and
                   sdk/src/generated_fixture/ (compiled in tests) from generator/tests/fixtures/full
  codegen --check  write nothing; fail with a diff when generated files are stale";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let check = match args.iter().map(String::as_str).collect::<Vec<_>>().as_slice() {
        ["codegen"] => false,
        ["codegen", "--check"] => true,
        _ => {
            eprintln!("{USAGE}");
            return ExitCode::from(2);
        }
    };
    let (report, ok) = xtask::run_codegen(&xtask::workspace_root(), check);
    if ok {
        println!("{report}");
        ExitCode::SUCCESS
    } else {
        eprintln!("{report}");
        ExitCode::FAILURE
    }
}
