//! The command line as a user runs it: against the built-in sandbox with no credentials, for
//! each credential kind, and its refusals.

use std::process::Command;

fn run(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_douyin-alliance"))
        .args(args)
        .env_remove("DOUYIN_ACCESS_TOKEN")
        .env_remove("DOUDIAN_ACCESS_TOKEN")
        .output()
        .expect("the command line runs");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into(),
        String::from_utf8_lossy(&out.stderr).into(),
    )
}

#[test]
fn endpoints_lists_both_families() {
    let (code, out, _) = run(&["endpoints"]);
    assert_eq!(code, 0);
    assert!(
        out.lines().any(|l| l.starts_with("kol_orders ")
            && l.contains("douyin")
            && l.contains("alliance.kol.orders")),
        "{out}"
    );
    assert!(out.lines().any(|l| l.starts_with("buyin_kol_product_share ") && l.contains("doudian")), "{out}");
    let (_, doudian, _) = run(&["endpoints", "--family", "doudian"]);
    assert!(!doudian.contains("kol_orders ") && doudian.lines().count() == 31, "{doudian}");
}

#[test]
fn calls_of_every_credential_kind_work_against_the_sandbox() {
    let (code, out, err) =
        run(&["--sandbox", "call", "materials_product_category", "--param", "parent_id=0"]);
    assert_eq!(code, 0, "{err}");
    let data: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert!(data["category_list"].as_array().is_some_and(|l| !l.is_empty()), "{out}");
    let (code, out, err) = run(&["--sandbox", "call", "kol_orders", "--param", "size=3", "--table"]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(out.lines().count(), 4, "a header and three orders: {out}");
    let (code, out, err) = run(&["--sandbox", "call", "buyin_kol_pid_create", "--param", "site_name=cli"]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("\"pid\": \"dy_"), "{out}");
}

#[test]
fn refusals_are_one_line_and_print_no_secret() {
    let (code, _, err) = run(&["--sandbox", "call", "store_lis"]);
    assert_eq!(code, 2);
    assert!(err.contains("no endpoint `store_lis`"), "{err}");
    let (code, _, err) = run(&["call", "kol_orders"]);
    assert_eq!(code, 1);
    assert_eq!(err.trim(), "`kol_orders` is a user's call: set DOUYIN_OPEN_ID and DOUYIN_ACCESS_TOKEN");
    let (code, _, err) = run(&["--sandbox", "call", "kol_orders", "--param", "size"]);
    assert_eq!(code, 1);
    assert!(err.contains("is not key=value"), "{err}");
    // A platform refusal is the SDK's one-line message, without the sandbox's secret.
    let (code, _, err) = run(&["--sandbox", "call", "kol_store_list", "--param", "page_size=500"]);
    assert_eq!(code, 1, "{err}");
    assert_eq!(err.trim().lines().count(), 1, "{err}");
    assert!(!err.contains(douyin_sandbox::Sandbox::CLIENT_SECRET), "{err}");
}

#[test]
fn probe_records_every_read_only_endpoint_and_the_drift_report_reads_it() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("snapshot.json");
    let (code, stdout, err) = run(&["--sandbox", "probe", "--out", out.to_str().unwrap()]);
    assert_eq!(code, 0, "{err}");
    assert!(stdout.starts_with("probed "), "{stdout}");
    let snapshot = xtask::drift::load(&[&out]).unwrap();
    assert!(snapshot.endpoints.len() >= 30, "{} endpoints recorded", snapshot.endpoints.len());
    assert!(
        snapshot.endpoints.contains_key("kol_orders")
            && snapshot.endpoints.contains_key("buyin_institute_order_ads")
    );
    // The sandbox answers as the spec says: the report finds no field of another shape and no
    // new field, only fields the sandbox leaves out.
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let model = codegen::validate::validate(&codegen::yaml::load_dir(&root.join("spec")).unwrap()).unwrap();
    for f in xtask::drift::findings(&model, &snapshot) {
        assert!(
            matches!(f, xtask::drift::Finding::NeverPresent { .. }),
            "drift in the sandbox's own answers: {f}"
        );
    }
}
