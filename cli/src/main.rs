//! `douyin-alliance`: the SDK's endpoints from the command line.
//!
//! ```sh
//! douyin-alliance --sandbox endpoints --family doudian
//! douyin-alliance --sandbox call materials_product_category --param parent_id=0
//! douyin-alliance --sandbox call kol_orders --param size=5 --table
//! douyin-alliance --sandbox call kol_orders --all          # every page, with a progress bar
//! douyin-alliance login                                     # a creator's session, kept in the token store
//! douyin-alliance call kol_store_list --json params.json    # credentials from the config file or environment
//! ```
//!
//! Credentials come from the environment over the config file ([`settings`]):
//! `DOUYIN_CLIENT_KEY` / `DOUYIN_CLIENT_SECRET` (app calls), `DOUDIAN_APP_KEY` /
//! `DOUDIAN_APP_SECRET` / `DOUDIAN_ACCESS_TOKEN` / `DOUDIAN_AUTHORITY` (gateway calls); a user's
//! calls take `DOUYIN_OPEN_ID` with `DOUYIN_ACCESS_TOKEN`, else the session `login` kept in the
//! token store. With `--sandbox` the built-in sandbox is started and its own credentials are
//! used, so everything works with none. Secrets are never printed; errors are the SDK's
//! one-line messages.

mod call;
mod login;
mod output;
mod probe;
mod settings;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use douyin_alliance::endpoint::Endpoint;
use douyin_sandbox::spec::SpecEdit;
use douyin_sandbox::{Sandbox, SandboxConfig};

use call::{Caller, Target};
use settings::Settings;

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
    /// With --sandbox: serve the spec with the edits of this YAML file (`SpecEdit`s), a
    /// platform that drifted from the spec, for rehearsing `cargo xtask drift`.
    #[arg(long, global = true, value_name = "FILE", requires = "sandbox")]
    sandbox_edits: Option<PathBuf>,
    /// With --sandbox: serve the spec folder DIR (read at start) instead of the built-in spec.
    #[arg(long, global = true, value_name = "DIR", requires = "sandbox")]
    sandbox_spec: Option<PathBuf>,
    /// The config file (default `$DOUYIN_ALLIANCE_CONFIG`, else
    /// `~/.config/douyin-alliance/config.toml` when it exists).
    #[arg(long, global = true, value_name = "FILE")]
    config: Option<PathBuf>,
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
        out: PathBuf,
        /// Only this family: `douyin` or `doudian`.
        #[arg(long)]
        family: Option<String>,
    },
    /// Merge the drift snapshots a fleet's replicas published to Redis
    /// (`RedisTokenStore::publish_drift`) into one file for `cargo xtask drift`.
    FleetSnapshot {
        /// The Redis URL (default: the configured token store, when it is a Redis).
        #[arg(long)]
        redis: Option<String>,
        /// The key prefix the replicas' stores use.
        #[arg(long, default_value = "douyin-alliance")]
        prefix: String,
        /// Where the merged snapshot goes.
        #[arg(long, default_value = "fleet-snapshot.json")]
        out: PathBuf,
    },
    /// Call an endpoint and print its typed answer as JSON (as its method reads the `data`).
    Call {
        /// The endpoint's name (`douyin-alliance endpoints` lists them).
        name: String,
        /// A parameter, `key=value`; the value is read as JSON when it is JSON (`3`, `true`,
        /// `[1,2]`), else as text.
        #[arg(long = "param", value_name = "KEY=VALUE")]
        params: Vec<String>,
        /// The parameters as a JSON object in a file (`--param`s are added over it).
        #[arg(long)]
        json: Option<PathBuf>,
        /// Print the answer's first list of objects as a table instead of JSON.
        #[arg(long)]
        table: bool,
        /// Print the answer's `data` as it arrived, not as the endpoint's type reads it.
        #[arg(long)]
        raw: bool,
        /// Walk every page of a paged endpoint and print all its items.
        #[arg(long)]
        all: bool,
        /// With --all: stop after this many pages.
        #[arg(long, default_value_t = 50)]
        max_pages: usize,
    },
    /// A creator's web authorization: prints a local URL to open in a browser, waits for the
    /// platform's callback on 127.0.0.1, and keeps the session in the token store for `call`.
    Login {
        /// The port of the callback when no `redirect_uri` is configured
        /// (`http://127.0.0.1:PORT/callback`; 0 picks a free one).
        #[arg(long, default_value_t = 8765)]
        port: u16,
        /// A scope to require (repeatable; default `user_info`, with every other scope of the
        /// user calls optional).
        #[arg(long = "scope")]
        scopes: Vec<String>,
        /// How long to wait for the callback, in seconds (default: the state's 10 minutes).
        #[arg(long)]
        wait: Option<u64>,
    },
}

pub(crate) fn family(e: &Endpoint) -> &'static str {
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

/// The endpoint called `name`, or a message with the names it is near.
fn endpoint(name: &str) -> Result<&'static Endpoint, String> {
    douyin_alliance::dynamic::endpoint(name).ok_or_else(|| {
        let near: Vec<&str> = douyin_alliance::ENDPOINTS
            .iter()
            .map(|e| e.name)
            .filter(|n| n.contains(name) || name.contains(n))
            .collect();
        let hint =
            if near.is_empty() { String::new() } else { format!(" (did you mean {}?)", near.join(", ")) };
        format!("no endpoint `{name}`{hint}; `douyin-alliance endpoints` lists them")
    })
}

async fn sandbox(spec: Option<&std::path::Path>, edits: Option<&std::path::Path>) -> Result<Sandbox, String> {
    let edits = match edits {
        Some(p) => {
            let text = std::fs::read_to_string(p).map_err(|e| format!("cannot read {}: {e}", p.display()))?;
            SpecEdit::list_from_yaml(&text).map_err(|e| format!("{}: {e}", p.display()))?
        }
        None => Vec::new(),
    };
    let mut config = SandboxConfig::default().spec_edits(edits);
    if let Some(dir) = spec {
        config = config.spec_dir(dir);
    }
    Sandbox::start_with(config).await.map_err(|e| format!("the sandbox did not start: {e}"))
}

async fn run(cli: &Cli, sandbox: Option<&Sandbox>, settings: &Settings) -> Result<String, String> {
    let target = match sandbox {
        Some(s) => Target::Sandbox(s),
        None => Target::Platform(settings),
    };
    match &cli.command {
        Command::Endpoints { family } => Ok(list(family.as_deref())),
        Command::Probe { out, family } => probe::probe(target, out, family.as_deref()).await,
        Command::FleetSnapshot { redis, prefix, out } => {
            let url = redis
                .clone()
                .or_else(|| settings.token_store_url().filter(|u| u.starts_with("redis")))
                .ok_or("give --redis URL: the configured token store is no Redis")?;
            probe::fleet_snapshot(&url, prefix, out).await
        }
        Command::Call { name, params, json, table, raw, all, max_pages } => {
            let e = endpoint(name)?;
            let p = call::params(json.as_deref(), params)?;
            let caller = Caller::new(target, None).await?;
            let shape = if *raw { call::Shape::Raw } else { call::Shape::Typed };
            let data = if *all {
                call::all_pages(&caller, e, p.as_ref(), *max_pages, shape).await?
            } else {
                caller.call(e, p.as_ref(), shape).await?
            };
            let t = if *table { output::table(&data) } else { None };
            Ok(t.unwrap_or_else(|| serde_json::to_string_pretty(&data).unwrap_or_default() + "\n"))
        }
        Command::Login { port, scopes, wait } => {
            let client = Caller::new(target, None).await?.client;
            let redirect = if sandbox.is_some() { None } else { settings.redirect_uri() };
            let announce = |url: &str| {
                println!("open {url} in a browser to authorize the app (waiting for the callback)");
                let _ = std::io::Write::flush(&mut std::io::stdout());
            };
            let wait = wait.map(std::time::Duration::from_secs);
            let (open_id, text) = login::login(&client, redirect, *port, scopes, wait, announce).await?;
            if sandbox.is_none() {
                settings.remember_login(&open_id)?;
            }
            Ok(text + "\n")
        }
    }
}

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    let settings = match Settings::load(cli.config.as_deref()) {
        Ok(s) => s,
        Err(msg) => {
            eprintln!("{msg}");
            return ExitCode::FAILURE;
        }
    };
    if let Command::Call { name, .. } = &cli.command {
        if let Err(msg) = endpoint(name) {
            eprintln!("{msg}");
            return ExitCode::from(2);
        }
    }
    let sandbox = if cli.sandbox {
        match sandbox(cli.sandbox_spec.as_deref(), cli.sandbox_edits.as_deref()).await {
            Ok(s) => Some(s),
            Err(msg) => {
                eprintln!("{msg}");
                return ExitCode::FAILURE;
            }
        }
    } else {
        None
    };
    let result = run(&cli, sandbox.as_ref(), &settings).await;
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
