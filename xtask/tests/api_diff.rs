//! `cargo xtask api-diff`: each case of `tests/api-diff-cases/` is a spec pair whose report is
//! pinned line by line in its `expect.txt` (the compiler confirms the breaking / non-breaking
//! verdicts through the `api-diff-old` / `api-diff-new` doctests); on the real spec, a summary
//! edit is "docs only" and passes, and a changed field type is breaking and fails without a
//! version bump.

use std::path::{Path, PathBuf};
use std::process::Command;

use codegen::diff::{self, Class};
use xtask::api_diff::{self, Options};

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// The report of one case: its changes, one per line.
fn case_report(case: &str) -> String {
    let dir = workspace().join("tests/api-diff-cases");
    let load = |p: &Path| {
        codegen::yaml::parse_str(&p.display().to_string(), &std::fs::read_to_string(p).unwrap()).unwrap()
    };
    let sources = load(&dir.join("sources.yaml"));
    let model = |side: &str| {
        codegen::validate::validate(&[sources.clone(), load(&dir.join(case).join(side))]).unwrap()
    };
    let changes = diff::diff(&model("old.yaml"), &model("new.yaml"));
    changes.iter().map(|c| format!("{c}\n")).collect()
}

fn cases() -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(workspace().join("tests/api-diff-cases"))
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.path().join("old.yaml").is_file())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

#[test]
fn every_case_reports_exactly_its_expected_changes() {
    let mut wrong = Vec::new();
    for case in cases() {
        let expect_path = workspace().join("tests/api-diff-cases").join(&case).join("expect.txt");
        let got = case_report(&case);
        if std::env::var_os("UPDATE_EXPECT").is_some() {
            std::fs::write(&expect_path, &got).unwrap();
            continue;
        }
        let want = std::fs::read_to_string(&expect_path).unwrap_or_default().replace("\r\n", "\n");
        if got != want {
            wrong.push(format!("{case}:\n--- expected\n{want}--- got\n{got}"));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

#[test]
fn every_class_has_a_case_whose_verdict_it_is() {
    let verdicts: Vec<Option<Class>> = cases()
        .iter()
        .map(|c| {
            let text = case_report(c);
            Class::ALL.into_iter().find(|k| text.lines().any(|l| l.starts_with(&format!("{k}:"))))
        })
        .collect();
    for class in Class::ALL {
        assert!(verdicts.contains(&Some(class)), "no case whose verdict is {class}");
    }
}

// ------------------------------------------------------------- the real spec, in a git repo

/// A git repository holding a copy of the workspace's spec and manifests, committed.
struct Repo {
    dir: tempfile::TempDir,
}

impl Repo {
    fn new() -> Repo {
        let dir = tempfile::tempdir().unwrap();
        let root = workspace();
        std::fs::create_dir_all(dir.path().join("spec")).unwrap();
        std::fs::create_dir_all(dir.path().join("sdk")).unwrap();
        for entry in std::fs::read_dir(root.join("spec")).unwrap() {
            let path = entry.unwrap().path();
            std::fs::copy(&path, dir.path().join("spec").join(path.file_name().unwrap())).unwrap();
        }
        std::fs::copy(root.join("Cargo.toml"), dir.path().join("Cargo.toml")).unwrap();
        std::fs::copy(root.join("sdk/Cargo.toml"), dir.path().join("sdk/Cargo.toml")).unwrap();
        let repo = Repo { dir };
        repo.git(&["init", "-q"]);
        repo.git(&["add", "-A"]);
        repo.git(&["-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "-q", "-m", "base"]);
        repo
    }

    fn path(&self) -> &Path {
        self.dir.path()
    }

    fn git(&self, args: &[&str]) {
        let status = Command::new("git").args(args).current_dir(self.path()).status().unwrap();
        assert!(status.success(), "git {args:?}");
    }

    /// Replaces the one occurrence of `from` in `file`.
    fn edit(&self, file: &str, from: &str, to: &str) {
        let path = self.path().join(file);
        let text = std::fs::read_to_string(&path).unwrap();
        assert_eq!(text.matches(from).count(), 1, "`{from}` must occur once in {file}");
        std::fs::write(&path, text.replacen(from, to, 1)).unwrap();
    }

    fn run(&self, opts: &Options) -> (String, bool) {
        api_diff::run(self.path(), opts)
    }
}

fn at_head() -> Options {
    Options { base: Some("HEAD".into()), ..Options::default() }
}

#[test]
fn a_summary_edit_is_docs_only_and_passes() {
    let repo = Repo::new();
    repo.edit(
        "spec/alliance.yaml",
        "summary: Get the creator's Buyin (百应) id.",
        "summary: Get the creator's Buyin (百应) id, a string.",
    );
    let started = std::time::Instant::now();
    let (report, ok) = repo.run(&at_head());
    eprintln!("api-diff on the whole spec: {:?}", started.elapsed());
    assert!(ok, "{report}");
    assert!(report.contains("1 change(s), docs only"), "{report}");
    assert!(report.contains("`kol_buyin_id`: summary changed"), "{report}");
}

#[test]
fn no_edit_is_no_change() {
    let repo = Repo::new();
    let (report, ok) = repo.run(&at_head());
    assert!(ok, "{report}");
    assert!(report.contains("0 change(s), no API change"), "{report}");
}

#[test]
fn a_changed_field_type_is_breaking_and_needs_a_version_bump() {
    let repo = Repo::new();
    repo.edit(
        "spec/alliance.yaml",
        "      - name: buyin_id\n        type: string",
        "      - name: buyin_id\n        type: i64",
    );
    let (report, ok) = repo.run(&at_head());
    assert!(!ok, "{report}");
    assert!(report.contains("breaking (most severe)"), "{report}");
    assert!(
        report
            .contains("`KolBuyinIdData.buyin_id`: Rust type changed from `Option<String>` to `Option<i64>`"),
        "{report}"
    );
    assert!(report.contains("needs a new minor version"), "{report}");

    // The same change with the version bumped passes.
    let version = |t: &str| t.lines().find(|l| l.starts_with("version = ")).unwrap().to_string();
    let manifest = std::fs::read_to_string(repo.path().join("Cargo.toml")).unwrap();
    let (major, minor) = {
        let v = version(&manifest);
        let v = v.trim_start_matches("version = \"").trim_end_matches('"').to_string();
        let parts: Vec<u64> = v.split('.').map(|p| p.parse().unwrap()).collect();
        (parts[0], parts[1])
    };
    let bumped = if major == 0 {
        format!("version = \"0.{}.0\"", minor + 1)
    } else {
        format!("version = \"{}.0.0\"", major + 1)
    };
    repo.edit("Cargo.toml", &version(&manifest), &bumped);
    let (report, ok) = repo.run(&at_head());
    assert!(ok, "{report}");
    assert!(report.contains(": ok"), "{report}");
}

#[test]
fn json_and_changelog_outputs() {
    let repo = Repo::new();
    repo.edit("spec/alliance.yaml", "    retry_safe: true\n    evidence: {level: confirmed, sources: [S1, S2]}\n    request:\n      encoding: none", "    retry_safe: false\n    evidence: {level: confirmed, sources: [S1, S2]}\n    request:\n      encoding: none");
    let (json, ok) = repo.run(&Options { json: true, ..at_head() });
    assert!(ok, "{json}");
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(v["verdict"], "wire_only");
    assert_eq!(v["changes"][0]["class"], "wire_only");
    assert_eq!(v["changes"][0]["item"], "kol_buyin_id");
    assert_eq!(v["version_ok"], true);

    std::fs::write(repo.path().join("CHANGELOG.md"), "# Changelog\n\n## 0.1.0\n\n- first\n").unwrap();
    let (_, ok) = repo.run(&Options { changelog: true, ..at_head() });
    assert!(ok);
    let log = std::fs::read_to_string(repo.path().join("CHANGELOG.md")).unwrap();
    let unreleased = log.find("## Unreleased").expect(&log);
    let change = log.find("- `kol_buyin_id`: retry safety changed from true to false").expect(&log);
    let older = log.find("## 0.1.0").expect(&log);
    assert!(unreleased < change && change < older, "{log}");
    assert!(log.contains("**Wire-only"), "{log}");
}

#[test]
fn an_unknown_base_revision_is_a_clear_error() {
    let repo = Repo::new();
    let (report, ok) = repo.run(&Options { base: Some("no-such-rev".into()), ..Options::default() });
    assert!(!ok);
    assert!(report.contains("`no-such-rev` is not a revision of this repository"), "{report}");
}
