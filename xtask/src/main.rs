//! `cargo xtask codegen [--check]`, `cargo xtask bench`, `cargo xtask bench-compile`.

mod bench;

use std::process::ExitCode;

const USAGE: &str = "usage: cargo xtask <codegen [--check] | bench | bench-compile>

  codegen          regenerate sdk/src/generated/ and docs/endpoints.md from spec/*.yaml, and
                   sdk/src/generated_fixture/ (compiled in tests) from generator/tests/fixtures/full
  codegen --check  write nothing; fail with a diff when generated files are stale
  bench            run every criterion bench and bench-compile, and write benches/README.md
  bench-compile    time `cargo build -p douyin-alliance` after one spec field's doc changed and
                   the code was regenerated (in a copy of the workspace)";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let root = xtask::workspace_root();
    let check = match args.iter().map(String::as_str).collect::<Vec<_>>().as_slice() {
        ["codegen"] => false,
        ["codegen", "--check"] => true,
        ["bench"] => {
            return match bench::run_bench(&root) {
                Ok(path) => {
                    println!("wrote {}", path.display());
                    ExitCode::SUCCESS
                }
                Err(e) => {
                    eprintln!("{e}");
                    ExitCode::FAILURE
                }
            };
        }
        ["bench-compile"] => {
            return match bench::run_bench_compile(&root) {
                Ok(_) => ExitCode::SUCCESS,
                Err(e) => {
                    eprintln!("{e}");
                    ExitCode::FAILURE
                }
            };
        }
        _ => {
            eprintln!("{USAGE}");
            return ExitCode::from(2);
        }
    };
    let (report, ok) = xtask::run_codegen(&root, check);
    if ok {
        println!("{report}");
        ExitCode::SUCCESS
    } else {
        eprintln!("{report}");
        ExitCode::FAILURE
    }
}
