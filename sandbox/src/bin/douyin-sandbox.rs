//! `douyin-sandbox`: the Douyin Alliance sandbox as a standalone server.
//!
//! ```text
//! cargo run -p douyin-alliance --features sandbox --bin douyin-sandbox -- --port 8080
//! ```
//!
//! serves open.douyin.com on 8080, open.douyinec.com on 8081 and lianmengapi.snssdk.com on
//! 8082 until Ctrl-C.

use std::net::IpAddr;
use std::process::ExitCode;
use std::time::Duration;

use douyin_alliance::endpoint::Server;
use douyin_sandbox::{FaultRule, Sandbox, SandboxConfig};

const USAGE: &str = "\
douyin-sandbox: a local stand-in for the Douyin Alliance open platform

USAGE:
    douyin-sandbox [OPTIONS]

OPTIONS:
    --port PORT              open.douyin.com on PORT, open.douyinec.com on PORT+1,
                             lianmengapi.snssdk.com on PORT+2 (default 8080; 0 = free ports)
    --host ADDR              address to listen on (default 127.0.0.1)
    --fault RULE             inject a fault, repeatable: ENDPOINT=KIND[:ARG][:TIMES]
                             KIND: latency:MS, status:CODE, busy, rate_limit, expired_token,
                             truncated, non_json, oversize:BYTES, disconnect
                             ENDPOINT `*` means every endpoint; without TIMES, every request
                             e.g. --fault kol_store_list=status:503:2
    --orders N               orders seeded per creator (default 45)
    --products N             products seeded besides the spec's examples (default 12)
    --seed N                 seed of the generated data
    --client-token-ttl SECS  client_token lifetime (default 7200)
    --access-token-ttl SECS  user access_token lifetime (default 1296000)
    -h, --help               show this help
";

/// The parsed command line.
struct Args {
    port: u16,
    config: SandboxConfig,
    faults: Vec<FaultRule>,
}

fn parse_args(mut argv: impl Iterator<Item = String>) -> Result<Option<Args>, String> {
    let mut port: u16 = 8080;
    let mut host: Option<IpAddr> = None;
    let mut config = SandboxConfig::default();
    let mut faults = Vec::new();
    while let Some(arg) = argv.next() {
        let (flag, inline) = match arg.split_once('=') {
            Some((f, v)) if f.starts_with("--") => (f.to_string(), Some(v.to_string())),
            _ => (arg.clone(), None),
        };
        if matches!(flag.as_str(), "-h" | "--help") {
            return Ok(None);
        }
        let mut value = || -> Result<String, String> {
            inline.clone().or_else(|| argv.next()).ok_or_else(|| format!("{flag} needs a value"))
        };
        let number = |v: String, what: &str| -> Result<u64, String> {
            v.parse::<u64>().map_err(|_| format!("{flag}: `{v}` is not {what}"))
        };
        match flag.as_str() {
            "--port" => {
                let v = value()?;
                port = v.parse::<u16>().map_err(|_| format!("--port: `{v}` is not a port number"))?;
                if port > u16::MAX - 2 {
                    return Err(format!("--port: {port} leaves no room for PORT+1 and PORT+2"));
                }
            }
            "--host" => {
                let v = value()?;
                host = Some(v.parse().map_err(|_| format!("--host: `{v}` is not an IP address"))?);
            }
            "--fault" => faults.push(value()?.parse::<FaultRule>().map_err(|e| e.to_string())?),
            "--orders" => {
                let n = number(value()?, "a count")?;
                config = config
                    .orders_per_creator(usize::try_from(n).map_err(|_| "--orders: too large".to_string())?);
            }
            "--products" => {
                let n = number(value()?, "a count")?;
                config = config
                    .seeded_products(usize::try_from(n).map_err(|_| "--products: too large".to_string())?);
            }
            "--seed" => config = config.seed(number(value()?, "a number")?),
            "--client-token-ttl" => {
                config = config
                    .client_token_lifetime(Duration::from_secs(number(value()?, "a number of seconds")?));
            }
            "--access-token-ttl" => {
                config = config
                    .access_token_lifetime(Duration::from_secs(number(value()?, "a number of seconds")?));
            }
            other => return Err(format!("unknown argument `{other}`")),
        }
    }
    if let Some(h) = host {
        config = config.host(h);
    }
    Ok(Some(Args { port, config: config.base_port(port), faults }))
}

#[tokio::main]
async fn main() -> ExitCode {
    let args = match parse_args(std::env::args().skip(1)) {
        Ok(Some(a)) => a,
        Ok(None) => {
            print!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        Err(e) => {
            eprintln!("error: {e}\n\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    let sandbox = match Sandbox::start_with(args.config).await {
        Ok(s) => s,
        Err(e) => {
            let mut text = e.to_string();
            let mut source = std::error::Error::source(&e);
            while let Some(s) = source {
                text.push_str(&format!(": {s}"));
                source = s.source();
            }
            eprintln!("error: {text}");
            if args.port != 0 {
                eprintln!(
                    "hint: another process may use ports {}-{}; try --port 0",
                    args.port,
                    args.port + 2
                );
            }
            return ExitCode::from(1);
        }
    };
    for rule in args.faults {
        let shown = format!("{}={}", rule.endpoint, rule.fault);
        let times = rule.times.map_or("every request".to_string(), |t| format!("{t} request(s)"));
        if let Err(e) = sandbox.add_fault(rule) {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
        println!("fault: {shown} for {times}");
    }
    println!("Douyin Alliance sandbox");
    for server in Server::ALL {
        println!("  {:<24} {}", server.host(), sandbox.base_url(server));
    }
    println!("App credentials (sandbox only):");
    println!("  client_key     {}", Sandbox::CLIENT_KEY);
    println!("  client_secret  {}", Sandbox::CLIENT_SECRET);
    println!("Authorize a test creator (answers a code for oauth/access_token):");
    println!(
        "  curl '{}/platform/oauth/connect/?client_key={}&response_type=code&scope=user_info&open_id={}'",
        sandbox.base_url(Server::OpenDouyin),
        Sandbox::CLIENT_KEY,
        Sandbox::DEFAULT_OPEN_ID
    );
    println!("Press Ctrl-C to stop.");
    if let Err(e) = tokio::signal::ctrl_c().await {
        eprintln!("error: cannot wait for Ctrl-C: {e}");
    }
    println!("stopping");
    sandbox.shutdown().await;
    ExitCode::SUCCESS
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(args: &[&str]) -> Result<Option<Args>, String> {
        parse_args(args.iter().map(|s| s.to_string()))
    }

    #[test]
    fn flags_parse_and_errors_are_clear() {
        let a = parse(&["--port", "9000", "--fault", "kol_store_list=status:503:2", "--orders=10"])
            .unwrap()
            .unwrap();
        assert_eq!(a.port, 9000);
        assert_eq!(a.config.get_ports(), [9000, 9001, 9002]);
        assert_eq!(a.faults.len(), 1);
        assert!(parse(&["--help"]).unwrap().is_none());
        assert_eq!(parse(&["--port"]).err().unwrap(), "--port needs a value");
        assert!(parse(&["--port", "x"]).err().unwrap().contains("not a port number"));
        assert!(parse(&["--port", "65535"]).err().unwrap().contains("no room"));
        assert!(parse(&["--fault", "nope=busy"]).err().unwrap().contains("unknown endpoint"));
        assert_eq!(parse(&["--bogus"]).err().unwrap(), "unknown argument `--bogus`");
    }
}
