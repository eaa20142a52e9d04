//! Drift snapshots for `cargo xtask drift`: `probe` calls every read-only endpoint once with
//! the drift recorder on (required parameters sampled from their spec types); `fleet-snapshot`
//! merges the snapshots a fleet's replicas published to Redis.

use std::sync::Arc;

use douyin_alliance::drift::DriftRecorder;
use douyin_sandbox::spec;
use serde_json::{Map, Value};

use crate::call::{Caller, Shape, Target};

/// A value of spec type `ty` that the platform takes for a required parameter.
fn sample(ty: &spec::Ty, min: Option<i64>, model: &spec::Model) -> Value {
    use spec::Ty;
    match ty {
        Ty::String | Ty::Secret => Value::from("x"),
        Ty::Bool => Value::from(false),
        Ty::I32 | Ty::I64 | Ty::Id => Value::from(min.unwrap_or(1).max(1)),
        Ty::F64 => Value::from(1.0),
        Ty::Json | Ty::Map(_) => Value::Object(Map::new()),
        Ty::List(inner) => Value::Array(vec![sample(inner, None, model)]),
        Ty::Named(n) => match model.types.iter().find(|t| &t.name == n).map(|t| &t.kind) {
            Some(spec::TypeKind::Enum(e)) => e.values.first().map_or(Value::Null, |v| {
                if e.int {
                    v.wire.parse::<i64>().map_or(Value::Null, Value::from)
                } else {
                    Value::from(v.wire.clone())
                }
            }),
            Some(spec::TypeKind::Object(fields)) => required(fields, model),
            None => Value::Null,
        },
    }
}

/// The required fields of an object, sampled.
fn required(fields: &[spec::Field], model: &spec::Model) -> Value {
    Value::Object(
        fields
            .iter()
            .filter(|f| f.required)
            .map(|f| (f.wire.clone(), sample(&f.ty, f.constraints.min, model)))
            .collect(),
    )
}

/// `probe`: every read-only endpoint once, recorded; the snapshot written to `out`.
pub async fn probe(
    target: Target<'_>,
    out: &std::path::Path,
    family_filter: Option<&str>,
) -> Result<String, String> {
    let model = spec::model().map_err(|e| e.to_string())?;
    let recorder = Arc::new(DriftRecorder::new());
    let caller = Caller::new(target, Some(recorder.clone())).await?;
    let (mut answered, mut failed) = (0, Vec::new());
    for e in douyin_alliance::ENDPOINTS.iter().copied() {
        if !e.retry_safe || family_filter.is_some_and(|f| f != crate::family(e)) {
            continue;
        }
        let Some(op) = model.endpoints.iter().find(|o| o.name == e.name) else { continue };
        if op.role.is_some() {
            continue;
        }
        let params = op.request_type.as_ref().and_then(|t| model.types.iter().find(|x| &x.name == t)).map(
            |t| match &t.kind {
                spec::TypeKind::Object(fields) => required(fields, model),
                spec::TypeKind::Enum(_) => Value::Object(Map::new()),
            },
        );
        match caller.call(e, params.as_ref(), Shape::Raw).await {
            Ok(_) => answered += 1,
            Err(msg) => failed.push(format!("{}: {msg}", e.name)),
        }
    }
    let snapshot = recorder.snapshot();
    std::fs::write(out, snapshot.to_json()).map_err(|e| format!("cannot write {}: {e}", out.display()))?;
    let mut report = format!(
        "probed {} endpoints: {answered} answered with data, {} refused (their answers are recorded too)\n",
        answered + failed.len(),
        failed.len()
    );
    for f in &failed {
        report.push_str(&format!("  {f}\n"));
    }
    report.push_str(&format!(
        "wrote {} (read it with `cargo xtask drift {}`)\n",
        out.display(),
        out.display()
    ));
    Ok(report)
}

/// `fleet-snapshot`: the snapshots the replicas published to the Redis at `url` under `prefix`
/// (`RedisTokenStore::publish_drift`), merged and written to `out`.
pub async fn fleet_snapshot(url: &str, prefix: &str, out: &std::path::Path) -> Result<String, String> {
    let store =
        douyin_alliance::auth::redis::RedisTokenStore::open(url).map_err(|e| e.to_string())?.prefix(prefix);
    let (snapshot, replicas) = store.fleet_drift().await.map_err(|e| e.to_string())?;
    std::fs::write(out, snapshot.to_json()).map_err(|e| format!("cannot write {}: {e}", out.display()))?;
    let answers: u64 = snapshot.endpoints.values().map(|e| e.answers).sum();
    Ok(format!(
        "merged the snapshots of {replicas} replica(s): {answers} answers of {} endpoints\nwrote {} (read it with `cargo xtask drift {}`)\n",
        snapshot.endpoints.len(),
        out.display(),
        out.display()
    ))
}
