//! The command line as a user runs it: against the built-in sandbox with no credentials, for
//! each credential kind, its refusals, `call --all` over every page, `login` through the
//! consent page with the session kept for later calls, and `probe` against a drifted sandbox.

use std::io::BufRead;
use std::path::Path;
use std::process::{Command, Stdio};

/// The command line with a home of its own (no config file, its own data directory) and no
/// credentials from the environment.
fn command(home: &Path) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_douyin-alliance"));
    c.env("XDG_CONFIG_HOME", home.join("config")).env("XDG_DATA_HOME", home.join("data"));
    for var in [
        "DOUYIN_ACCESS_TOKEN",
        "DOUDIAN_ACCESS_TOKEN",
        "DOUYIN_OPEN_ID",
        "DOUYIN_CLIENT_KEY",
        "DOUYIN_CLIENT_SECRET",
        "DOUYIN_ALLIANCE_CONFIG",
        "DOUYIN_TOKEN_STORE",
        "DOUYIN_STORE_KEY",
    ] {
        c.env_remove(var);
    }
    c
}

fn run(args: &[&str]) -> (i32, String, String) {
    let home = tempfile::tempdir().unwrap();
    run_in(home.path(), args)
}

fn run_in(home: &Path, args: &[&str]) -> (i32, String, String) {
    let out = command(home).args(args).output().expect("the command line runs");
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
    assert_eq!(
        err.trim(),
        "`kol_orders` is a user's call: run `douyin-alliance login`, or set DOUYIN_OPEN_ID and DOUYIN_ACCESS_TOKEN"
    );
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

#[test]
fn call_prints_the_typed_answer_or_with_raw_the_data_as_it_arrived() {
    let (code, typed, err) = run(&["--sandbox", "call", "kol_orders", "--param", "size=1"]);
    assert_eq!(code, 0, "{err}");
    let typed: serde_json::Value = serde_json::from_str(&typed).unwrap();
    let (code, raw, err) = run(&["--sandbox", "call", "kol_orders", "--param", "size=1", "--raw"]);
    assert_eq!(code, 0, "{err}");
    let raw: serde_json::Value = serde_json::from_str(&raw).unwrap();
    // The id arrives as a string; `Id` reads it and writes the number, every digit kept.
    let (t, r) = (&typed["orders"][0]["order_id"], &raw["orders"][0]["order_id"]);
    assert!(r.is_string() && t.is_u64(), "{t} / {r}");
    assert_eq!(t.as_u64().unwrap().to_string(), r.as_str().unwrap());
    // The envelope's fields inside `data` are the envelope's, not the answer's.
    assert!(raw.get("error_code").is_some() && typed.get("error_code").is_none(), "{typed}");
}

#[test]
fn call_all_walks_every_page() {
    // The sandbox seeds 45 orders per creator: pages of 20, 20 and 5 by cursor.
    let (code, out, err) = run(&["--sandbox", "call", "kol_orders", "--all"]);
    assert_eq!(code, 0, "{err}");
    let items: serde_json::Value = serde_json::from_str(&out).unwrap();
    let ids: std::collections::BTreeSet<u64> =
        items.as_array().unwrap().iter().map(|o| o["order_id"].as_u64().unwrap()).collect();
    assert_eq!(ids.len(), 45, "every order once: {out}");
    // Page-numbered, with a page size of 7 and a stop after 2 pages.
    let (code, out, err) =
        run(&["--sandbox", "call", "kol_orders", "--all", "--param", "size=7", "--max-pages", "2"]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(serde_json::from_str::<serde_json::Value>(&out).unwrap().as_array().unwrap().len(), 14);
    let (code, _, err) = run(&["--sandbox", "call", "materials_product_category", "--all"]);
    assert_eq!((code, err.trim()), (1, "`materials_product_category` is not paged: call it without --all"));
}

#[test]
fn a_config_file_with_an_unknown_key_is_refused_by_name() {
    let home = tempfile::tempdir().unwrap();
    let config = home.path().join("c.toml");
    std::fs::write(&config, "client_key = \"k\"\nclient_secrt = \"s\"\n").unwrap();
    let (code, _, err) = run_in(home.path(), &["--config", config.to_str().unwrap(), "endpoints"]);
    assert_eq!(code, 1);
    assert!(err.contains("c.toml") && err.contains("client_secrt"), "{err}");
}

#[tokio::test(flavor = "multi_thread")]
async fn login_keeps_a_session_that_later_calls_use() {
    use douyin_sandbox::Sandbox;
    let sandbox = Sandbox::start().await.unwrap();
    let home = tempfile::tempdir().unwrap();
    let config = home.path().join("config.toml");
    let mut text = format!(
        "client_key = \"{}\"\nclient_secret = \"{}\"\ntoken_store = \"sqlite://{}?mode=rwc\"\n[base_urls]\n",
        Sandbox::CLIENT_KEY,
        Sandbox::CLIENT_SECRET,
        home.path().join("tokens.db").display()
    );
    for s in douyin_alliance::endpoint::Server::ALL {
        text.push_str(&format!("\"{}\" = \"{}\"\n", s.as_str(), sandbox.base_url(s)));
    }
    std::fs::write(&config, text).unwrap();
    let cfg = config.to_str().unwrap().to_string();

    // Before any login, a user's call says what to do.
    let (code, _, err) = run_in(home.path(), &["--config", &cfg, "call", "kol_orders"]);
    assert_eq!(code, 1);
    assert!(err.contains("run `douyin-alliance login`"), "{err}");

    let mut child = command(home.path())
        .args(["--config", &cfg, "login", "--port", "0", "--wait", "60"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = std::io::BufReader::new(child.stdout.take().unwrap()).lines();
    let first = lines.next().unwrap().unwrap();
    let url = first.split_whitespace().nth(1).unwrap().to_string();
    assert!(url.starts_with("http://127.0.0.1:") && url.ends_with("/login"), "{first}");

    // The browser: the local login sets the cookie and goes on to the consent page; approving
    // it comes back to the local callback with the code.
    let http = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let r = http.get(&url).send().await.unwrap();
    assert!(r.status().is_redirection(), "{}", r.status());
    let cookie = r.headers()["set-cookie"].to_str().unwrap().split(';').next().unwrap().to_string();
    let consent = r.headers()["location"].to_str().unwrap().to_string();
    let page = http.get(&consent).send().await.unwrap().text().await.unwrap();
    let mut form = douyin_sandbox::consent_form(&page);
    // The creator leaves the orders scope ticked (the other optional ones are left out).
    form.push(("grant".into(), "alliance.kol.orders".into()));
    form.push(("decision".into(), "approve".into()));
    let action = consent.split('?').next().unwrap();
    let r = http.post(action).form(&form).send().await.unwrap();
    assert!(r.status().is_redirection(), "{}", r.status());
    let callback = r.headers()["location"].to_str().unwrap().to_string();
    let r = http.get(&callback).header("cookie", &cookie).send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert!(r.text().await.unwrap().contains(Sandbox::DEFAULT_OPEN_ID));

    let status = tokio::task::spawn_blocking(move || child.wait().unwrap()).await.unwrap();
    assert!(status.success());
    let rest: Vec<String> = lines.map_while(Result::ok).collect();
    assert!(rest.iter().any(|l| l.starts_with("logged in: open_id sandbox-open-id")), "{rest:?}");

    // A later process finds the session in the store (SQLite, tokens sealed) and calls with it.
    let (code, out, err) =
        run_in(home.path(), &["--config", &cfg, "call", "kol_orders", "--param", "size=2"]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(
        serde_json::from_str::<serde_json::Value>(&out).unwrap()["orders"].as_array().unwrap().len(),
        2
    );
    assert!(home.path().join("tokens.db").is_file());
    // The tokens are sealed with a key of the owner's only.
    let key = home.path().join("data/douyin-alliance/store.key");
    assert_eq!(std::fs::read(&key).unwrap().len(), 32);
    #[cfg(unix)]
    assert_eq!(
        std::os::unix::fs::PermissionsExt::mode(&std::fs::metadata(&key).unwrap().permissions()) & 0o777,
        0o600
    );
    // Another creator has no session.
    let (code, _, err) = command(home.path())
        .args(["--config", &cfg, "call", "kol_orders"])
        .env("DOUYIN_OPEN_ID", "someone-else")
        .output()
        .map(|o| (o.status.code().unwrap_or(-1), (), String::from_utf8_lossy(&o.stderr).to_string()))
        .unwrap();
    assert_eq!(code, 1);
    assert!(err.contains("the session of someone-else is not usable"), "{err}");
}

#[test]
fn probe_against_a_drifted_sandbox_finds_the_drift() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("drifted.json");
    let edits = Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/drifted-spec/edits.yaml");
    let (code, _, err) = run(&[
        "--sandbox",
        "--sandbox-edits",
        edits.to_str().unwrap(),
        "probe",
        "--family",
        "douyin",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{err}");
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let model = codegen::validate::validate(&codegen::yaml::load_dir(&root.join("spec")).unwrap()).unwrap();
    let found: Vec<String> = xtask::drift::findings(&model, &xtask::drift::load(&[&out]).unwrap())
        .iter()
        .map(ToString::to_string)
        .filter(|f| !f.contains("never present"))
        .collect();
    assert_eq!(found.len(), 4, "{found:#?}");
    assert!(found
        .iter()
        .any(|f| f.starts_with("captain_task_detail: envelope: spec code_msg, seen status_code")));
    let (code, _, err) = run(&["--sandbox-edits", "x.yaml", "endpoints"]);
    assert_eq!(code, 2, "--sandbox-edits needs --sandbox: {err}");
}

#[tokio::test(flavor = "multi_thread")]
async fn fleet_snapshot_merges_what_the_replicas_published() {
    use douyin_alliance::auth::redis::RedisTokenStore;
    let url = std::env::var("REDIS_URL").unwrap_or_else(|_| "redis://127.0.0.1:6379".into());
    let prefix = format!("douyin-alliance-cli-test:{}:{}", std::process::id(), line!());
    let store = RedisTokenStore::open(&url).unwrap().prefix(prefix.clone());
    let dir = tempfile::tempdir().unwrap();
    let probed = dir.path().join("probed.json");
    let (code, _, err) =
        run(&["--sandbox", "probe", "--family", "doudian", "--out", probed.to_str().unwrap()]);
    assert_eq!(code, 0, "{err}");
    let one =
        douyin_alliance::drift::DriftSnapshot::from_json(&std::fs::read_to_string(&probed).unwrap()).unwrap();
    for replica in ["pod-1", "pod-2"] {
        store.publish_drift(replica, &one, std::time::Duration::from_secs(60)).await.unwrap();
    }
    let out = dir.path().join("fleet.json");
    let (code, stdout, err) =
        run(&["fleet-snapshot", "--redis", &url, "--prefix", &prefix, "--out", out.to_str().unwrap()]);
    assert_eq!(code, 0, "{err}");
    assert!(stdout.starts_with("merged the snapshots of 2 replica(s)"), "{stdout}");
    let fleet = xtask::drift::load(&[&out]).unwrap();
    let single = xtask::drift::load(&[&probed]).unwrap();
    for (name, e) in &single.endpoints {
        assert_eq!(fleet.endpoints[name].answers, 2 * e.answers, "{name}");
    }
    let (code, _, err) = run(&["fleet-snapshot", "--out", out.to_str().unwrap()]);
    assert_eq!((code, err.trim()), (1, "give --redis URL: the configured token store is no Redis"));
}
