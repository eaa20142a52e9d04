//! The drift loop against a platform that drifted: the sandbox serves the spec with the five
//! edits of `tests/drifted-spec/edits.yaml` (a field renamed, a field added, an integer sent as
//! decimal text, a documented field missing, another envelope), the SDK built from `spec/` as
//! it is calls it with the drift recorder on, and `cargo xtask drift`'s report finds exactly
//! those five, where the undrifted sandbox gives none. `--patch` then writes a spec that
//! validates and renders, against which the same answers leave only what a patch never acts
//! on: the absences. (`.ci/drift-loop` rebuilds the SDK from the patched spec and calls the
//! drifted sandbox again.)

use std::path::Path;
use std::sync::Arc;

use douyin_alliance::drift::DriftRecorder;
use douyin_alliance::types::{AccessTokenRequest, CaptainTaskDetailRequest, KolOrdersRequest};
use douyin_alliance::UserAuth;
use douyin_sandbox::spec::SpecEdit;
use douyin_sandbox::{Sandbox, SandboxConfig};
use e2e_tests::within;
use xtask::drift::{findings, Snapshot};

fn edits() -> Vec<SpecEdit> {
    SpecEdit::list_from_yaml(include_str!("../../drifted-spec/edits.yaml")).unwrap()
}

fn root() -> &'static Path {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/.."))
}

fn model(spec: &Path) -> codegen::model::Model {
    codegen::validate::validate(&codegen::yaml::load_dir(spec).unwrap()).unwrap()
}

/// What the SDK records of `kol_orders` and `captain_task_detail` against the sandbox with
/// `edits` made: the SDK's snapshot, and it as `cargo xtask drift` reads it.
async fn recorded(edits: Vec<SpecEdit>) -> (douyin_alliance::drift::DriftSnapshot, Snapshot) {
    within(60, async {
        let sandbox = Sandbox::start_with(SandboxConfig::default().spec_edits(edits)).await.unwrap();
        let recorder = Arc::new(DriftRecorder::new());
        let client = sandbox.client_builder().record_drift(recorder.clone()).build().unwrap();
        let code = sandbox.authorize_all("creator-drift-loop");
        let t = client.oauth_access_token(&AccessTokenRequest::new(code)).await.unwrap();
        let user = client.user(&UserAuth::new(t.open_id, t.access_token));
        // Every call still succeeds: the drifted values are kept in `extra_fields`.
        let orders = user.kol_orders(&KolOrdersRequest::new()).await.unwrap();
        assert!(!orders.orders.is_empty());
        client.captain_task_detail(&CaptainTaskDetailRequest::new("1")).await.unwrap();
        let snap = recorder.snapshot();
        let read = serde_json::from_str(&snap.to_json()).unwrap();
        (snap, read)
    })
    .await
}

fn report(model: &codegen::model::Model, s: &Snapshot) -> Vec<String> {
    let only = ["kol_orders", "captain_task_detail"];
    let mut s = s.clone();
    s.endpoints.retain(|name, _| only.contains(&name.as_str()));
    findings(model, &s).iter().map(ToString::to_string).collect()
}

#[tokio::test]
async fn the_report_finds_exactly_the_five_drifts_the_sandbox_plays() {
    let m = model(&root().join("spec"));
    let (_, clean) = recorded(Vec::new()).await;
    assert_eq!(report(&m, &clean), Vec::<String>::new(), "the undrifted sandbox sends what the spec says");
    let (sdk, drifted) = recorded(edits()).await;
    let found = report(&m, &drifted);
    let n = drifted.endpoints["kol_orders"].answers;
    assert_eq!(n, 1);
    let objects = drifted.endpoints["kol_orders"].paths["data.orders[]"].object;
    assert_eq!(
        found,
        [
            format!("kol_orders: `Order.author_account`: never present in {objects}"),
            format!("kol_orders: `Order.shop_name`: never present in {objects}"),
            format!("kol_orders: `Order.platform_subsidy`: spec i64, seen string in {objects} of {objects} ({objects} numeric)"),
            format!("kol_orders: new field `Order.ad_type`: string in {objects} of {objects}"),
            format!("kol_orders: new field `Order.author_nickname`: string in {objects} of {objects}"),
            "captain_task_detail: envelope: spec code_msg, seen status_code in 1 of 1".to_string(),
        ],
        "a rename is one field never present and one new"
    );
    // The SDK's own decoders saw the same: the keys its types lack, the value of another shape.
    let k = &sdk.endpoints["kol_orders"];
    assert_eq!(k.unknown.keys().collect::<Vec<_>>(), ["Order.ad_type", "Order.author_nickname"]);
    assert_eq!(k.lenient_misses.keys().collect::<Vec<_>>(), ["Order.platform_subsidy"]);
}

#[tokio::test]
async fn the_patched_spec_renders_and_leaves_only_the_absences() {
    let (_, drifted) = recorded(edits()).await;
    let dir = tempfile::tempdir().unwrap();
    let spec = dir.path().join("spec");
    std::fs::create_dir(&spec).unwrap();
    for entry in std::fs::read_dir(root().join("spec")).unwrap() {
        let p = entry.unwrap().path();
        std::fs::copy(&p, spec.join(p.file_name().unwrap())).unwrap();
    }
    let edits = xtask::drift::patch(&spec, &drifted, "2026-12-04").unwrap();
    for expected in [
        "added `Order.author_nickname`: string",
        "added `Order.ad_type`: string",
        "widened `Order.platform_subsidy`: i64 -> f64",
        "`captain_task_detail`: envelope code_msg -> status_code",
    ] {
        assert!(edits.iter().any(|e| e == expected), "missing {expected:?} in {edits:#?}");
    }
    assert!(!edits.iter().any(|e| e.starts_with("could not")), "{edits:#?}");
    let files = codegen::yaml::load_dir(&spec).unwrap();
    assert!(codegen::generate_from(&files).is_ok(), "the patched spec renders");
    let objects = drifted.endpoints["kol_orders"].paths["data.orders[]"].object;
    assert_eq!(
        report(&model(&spec), &drifted),
        [
            format!("kol_orders: `Order.author_account`: never present in {objects}"),
            format!("kol_orders: `Order.shop_name`: never present in {objects}"),
        ],
        "nothing is removed: the absences stay for the maintainer"
    );
}
