//! `douyin-alliance`: the SDK's endpoints from the command line.
//!
//! ```sh
//! douyin-alliance --sandbox endpoints --family doudian
//! douyin-alliance --sandbox call materials_product_category --param parent_id=0
//! douyin-alliance --sandbox call kol_orders --param size=5 --table
//! douyin-alliance call kol_store_list --json params.json     # credentials from the environment
//! ```
//!
//! Credentials come from the environment: `DOUYIN_CLIENT_KEY` / `DOUYIN_CLIENT_SECRET` (app
//! calls), `DOUYIN_OPEN_ID` / `DOUYIN_ACCESS_TOKEN` (a user's calls), `DOUDIAN_APP_KEY` /
//! `DOUDIAN_APP_SECRET` / `DOUDIAN_ACCESS_TOKEN` / `DOUDIAN_AUTHORITY` (gateway calls). With
//! `--sandbox` the built-in sandbox is started and its own credentials are used, so everything
//! works with none. Secrets are never printed; errors are the SDK's one-line messages.

use std::process::ExitCode;

use clap::{Parser, Subcommand};
use douyin_alliance::endpoint::{AuthKind, Authority, Endpoint};
use douyin_alliance::{Client, DoudianAuth, UserAuth};
use douyin_sandbox::{spec, Sandbox};
use serde_json::{Map, Value};

#[derive(Parser)]
#[command(
    name = "douyin-alliance",
    version,
    about = "Call the Douyin alliance and Doudian gateway endpoints"
)]
struct Cli {
    /// Start the built-in sandbox and call it (no credentials needed).
    #[arg(long, global = true)]
    sandbox: bool,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Every endpoint: name, family, credential, scope, evidence.
    Endpoints {
        /// Only this family: `douyin` (open.douyin.com, open.douyinec.com, lianmengapi) or `doudian`.
        #[arg(long)]
        family: Option<String>,
    },
    /// Call every read-only endpoint (retried on failure, no token lifecycle role) with the drift
    /// recorder on, and write its snapshot for `cargo xtask drift`. Required parameters are
    /// filled from their spec types (numbers 1 or their minimum, text `x`, enums their first value).
    Probe {
        /// Where the snapshot goes.
        #[arg(long, default_value = "drift-snapshot.json")]
        out: std::path::PathBuf,
        /// Only this family: `douyin` or `doudian`.
        #[arg(long)]
        family: Option<String>,
    },
    /// Call an endpoint and print its answer's `data` as JSON.
    Call {
        /// The endpoint's name (`douyin-alliance endpoints` lists them).
        name: String,
        /// A parameter, `key=value`; the value is read as JSON when it is JSON (`3`, `true`,
        /// `[1,2]`), else as text.
        #[arg(long = "param", value_name = "KEY=VALUE")]
        params: Vec<String>,
        /// The parameters as a JSON object in a file (`--param`s are added over it).
        #[arg(long)]
        json: Option<std::path::PathBuf>,
        /// Print the answer's first list of objects as a table instead of JSON.
        #[arg(long)]
        table: bool,
    },
}

fn family(e: &Endpoint) -> &'static str {
    if e.signed().is_some() {
        "doudian"
    } else {
        "douyin"
    }
}

fn list(family_filter: Option<&str>) -> String {
    let mut out =
        format!("{:<44} {:<8} {:<14} {:<28} {}\n", "endpoint", "family", "credential", "scope", "evidence");
    for e in douyin_alliance::ENDPOINTS.iter().filter(|e| family_filter.is_none_or(|f| f == family(e))) {
        out.push_str(&format!(
            "{:<44} {:<8} {:<14} {:<28} {}\n",
            e.name,
            family(e),
            e.auth().as_str(),
            e.scope.unwrap_or("-"),
            e.evidence.as_str()
        ));
    }
    out
}

/// The parameters of a call: the file's object, then each `key=value` over it.
fn params(json: Option<&std::path::Path>, pairs: &[String]) -> Result<Option<Value>, String> {
    let mut map = match json {
        Some(p) => {
            let text = std::fs::read_to_string(p).map_err(|e| format!("cannot read {}: {e}", p.display()))?;
            match serde_json::from_str::<Value>(&text) {
                Ok(Value::Object(m)) => m,
                Ok(_) => return Err(format!("{} holds no JSON object", p.display())),
                Err(e) => return Err(format!("{} is not JSON: {e}", p.display())),
            }
        }
        None => Map::new(),
    };
    for pair in pairs {
        let Some((k, v)) = pair.split_once('=') else {
            return Err(format!("`--param {pair}` is not key=value"));
        };
        let value = serde_json::from_str(v).unwrap_or_else(|_| Value::String(v.to_string()));
        map.insert(k.to_string(), value);
    }
    Ok(if map.is_empty() && json.is_none() { None } else { Some(Value::Object(map)) })
}

/// The first list of objects in `data` as an aligned table.
fn table(data: &Value) -> Option<String> {
    fn first_list(v: &Value) -> Option<&Vec<Value>> {
        match v {
            Value::Array(a) if a.iter().all(Value::is_object) && !a.is_empty() => Some(a),
            Value::Object(m) => m.values().find_map(first_list),
            _ => None,
        }
    }
    let rows = first_list(data)?;
    let mut cols: Vec<String> = Vec::new();
    for r in rows {
        for k in r.as_object().into_iter().flat_map(|m| m.keys()) {
            if !cols.contains(k) && cols.len() < 6 {
                cols.push(k.clone());
            }
        }
    }
    let cell = |r: &Value, c: &str| match r.get(c) {
        Some(Value::String(s)) => s.chars().take(30).collect(),
        Some(v) => v.to_string().chars().take(30).collect(),
        None => String::new(),
    };
    let widths: Vec<usize> = cols
        .iter()
        .map(|c| {
            rows.iter().map(|r| cell(r, c).chars().count()).chain([c.chars().count()]).max().unwrap_or(0)
        })
        .collect();
    let line = |cells: Vec<String>| {
        cells
            .iter()
            .zip(&widths)
            .map(|(c, w)| format!("{c:<w$}"))
            .collect::<Vec<_>>()
            .join("  ")
            .trim_end()
            .to_string()
    };
    let mut out = line(cols.clone()) + "\n";
    for r in rows {
        out.push_str(&line(cols.iter().map(|c| cell(r, c)).collect()));
        out.push('\n');
    }
    Some(out)
}

fn env(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.trim().is_empty())
}

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
async fn probe(
    sandbox: Option<&Sandbox>,
    out: &std::path::Path,
    family_filter: Option<&str>,
) -> Result<String, String> {
    let model = spec::model().map_err(|e| e.to_string())?;
    let recorder = std::sync::Arc::new(douyin_alliance::drift::DriftRecorder::new());
    let (mut answered, mut failed) = (0, Vec::new());
    for e in douyin_alliance::ENDPOINTS.iter().copied() {
        if !e.retry_safe || family_filter.is_some_and(|f| f != family(e)) {
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
        match call_with(sandbox, e, params.as_ref(), Some(recorder.clone())).await {
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

/// Calls `e` with `params`, through the client of its credential.
async fn call(
    sandbox: Option<&Sandbox>,
    e: &'static Endpoint,
    params: Option<&Value>,
) -> Result<Value, String> {
    call_with(sandbox, e, params, None).await
}

/// [`call`], recording the answers into `recorder` when given.
async fn call_with(
    sandbox: Option<&Sandbox>,
    e: &'static Endpoint,
    params: Option<&Value>,
    recorder: Option<std::sync::Arc<douyin_alliance::drift::DriftRecorder>>,
) -> Result<Value, String> {
    let builder = match sandbox {
        Some(s) => s.client_builder(),
        None => {
            let mut b = Client::builder();
            if let (Some(k), Some(s)) = (env("DOUYIN_CLIENT_KEY"), env("DOUYIN_CLIENT_SECRET")) {
                b = b.credentials(k, s);
            }
            if let (Some(k), Some(s)) = (env("DOUDIAN_APP_KEY"), env("DOUDIAN_APP_SECRET")) {
                b = b.doudian_credentials(k, s);
            }
            b
        }
    };
    let builder = match recorder {
        Some(r) => builder.record_drift(r),
        None => builder,
    };
    let client = builder.build().map_err(|e| e.to_string())?;
    let answer = match e.auth() {
        AuthKind::AccessToken => {
            let auth = match sandbox {
                Some(s) => {
                    let code = s.authorize_all(Sandbox::DEFAULT_OPEN_ID);
                    let t = client
                        .oauth_access_token(&douyin_alliance::types::AccessTokenRequest::new(code))
                        .await
                        .map_err(|e| e.to_string())?;
                    UserAuth::new(t.open_id, t.access_token)
                }
                None => match (env("DOUYIN_OPEN_ID"), env("DOUYIN_ACCESS_TOKEN")) {
                    (Some(o), Some(t)) => UserAuth::new(o, t),
                    _ => {
                        return Err(format!(
                            "`{}` is a user's call: set DOUYIN_OPEN_ID and DOUYIN_ACCESS_TOKEN",
                            e.name
                        ))
                    }
                },
            };
            client.user(&auth).call_json(e, params).await
        }
        AuthKind::DoudianToken => {
            let takes = e.signed().map(|s| s.authorities).unwrap_or_default();
            let auth = match sandbox {
                Some(s) => {
                    let authority = takes.first().copied().unwrap_or(Authority::Kol);
                    let code = s.doudian_code(authority);
                    let req =
                        douyin_alliance::types::DoudianTokenCreateRequest::new(code, "authorization_code");
                    let t = client.doudian_token_create(&req).await.map_err(|e| e.to_string())?;
                    DoudianAuth::new(authority, t.access_token)
                }
                None => {
                    let authority = env("DOUDIAN_AUTHORITY")
                        .and_then(|a| Authority::from_spec(&a))
                        .or_else(|| takes.first().copied())
                        .unwrap_or(Authority::Kol);
                    let Some(token) = env("DOUDIAN_ACCESS_TOKEN") else {
                        return Err(format!(
                            "`{}` takes an authority's token: set DOUDIAN_ACCESS_TOKEN",
                            e.name
                        ));
                    };
                    DoudianAuth::new(authority, token)
                }
            };
            client.doudian(&auth).call_json(e, params).await
        }
        _ => client.call_json(e, params).await,
    };
    answer.map_err(|e| e.to_string())
}

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    let sandbox = if cli.sandbox {
        match Sandbox::start().await {
            Ok(s) => Some(s),
            Err(e) => {
                eprintln!("the sandbox did not start: {e}");
                return ExitCode::FAILURE;
            }
        }
    } else {
        None
    };
    let result = match &cli.command {
        Command::Endpoints { family } => Ok(list(family.as_deref())),
        Command::Probe { out, family } => probe(sandbox.as_ref(), out, family.as_deref()).await,
        Command::Call { name, params: pairs, json, table: as_table } => {
            let Some(e) = douyin_alliance::dynamic::endpoint(name) else {
                let near: Vec<&str> = douyin_alliance::ENDPOINTS
                    .iter()
                    .map(|e| e.name)
                    .filter(|n| n.contains(name.as_str()) || name.contains(n))
                    .collect();
                eprintln!(
                    "no endpoint `{name}`{}; `douyin-alliance endpoints` lists them",
                    if near.is_empty() {
                        String::new()
                    } else {
                        format!(" (did you mean {}?)", near.join(", "))
                    }
                );
                return ExitCode::from(2);
            };
            match params(json.as_deref(), pairs) {
                Err(msg) => Err(msg),
                Ok(p) => call(sandbox.as_ref(), e, p.as_ref()).await.map(|data| {
                    let t = if *as_table { table(&data) } else { None };
                    t.unwrap_or_else(|| serde_json::to_string_pretty(&data).unwrap_or_default() + "\n")
                }),
            }
        }
    };
    if let Some(s) = sandbox {
        s.shutdown().await;
    }
    match result {
        Ok(out) => {
            print!("{out}");
            ExitCode::SUCCESS
        }
        Err(msg) => {
            eprintln!("{msg}");
            ExitCode::FAILURE
        }
    }
}
