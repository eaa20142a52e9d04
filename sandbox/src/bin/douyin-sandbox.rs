//! `douyin-sandbox`: the Douyin Alliance sandbox as a standalone server.
//!
//! ```text
//! cargo run -p douyin-alliance-sandbox --bin douyin-sandbox -- --port 8080
//! ```
//!
//! serves open.douyin.com on 8080, open.douyinec.com on 8081 and lianmengapi.snssdk.com on
//! 8082 until Ctrl-C.

use std::net::IpAddr;
use std::process::ExitCode;
use std::time::Duration;

use clap::Parser;
use douyin_alliance::endpoint::Server;
use douyin_sandbox::{FaultRule, Sandbox, SandboxConfig};

/// A local stand-in for the Douyin Alliance open platform.
#[derive(Parser, Debug)]
#[command(name = "douyin-sandbox")]
struct Args {
    /// open.douyin.com on PORT, open.douyinec.com on PORT+1, lianmengapi.snssdk.com on PORT+2
    /// (0 = free ports).
    #[arg(long, default_value_t = 8080, value_parser = base_port)]
    port: u16,
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1")]
    host: IpAddr,
    /// Inject a fault, repeatable: ENDPOINT=KIND[:ARG][:TIMES]. KIND: latency:MS, status:CODE,
    /// busy, rate_limit, expired_token, truncated, non_json, oversize:BYTES, disconnect.
    /// ENDPOINT `*` means every endpoint; without TIMES, every request. E.g.
    /// `--fault kol_store_list=status:503:2`.
    #[arg(long = "fault", value_name = "RULE")]
    faults: Vec<FaultRule>,
    /// Orders seeded per creator.
    #[arg(long, default_value_t = 45)]
    orders: usize,
    /// Products seeded besides the spec's examples.
    #[arg(long, default_value_t = 12)]
    products: usize,
    /// Seed of the generated data.
    #[arg(long)]
    seed: Option<u64>,
    /// client_token lifetime in seconds.
    #[arg(long = "client-token-ttl", value_name = "SECS", default_value_t = 7200)]
    client_token_ttl: u64,
    /// User access_token lifetime in seconds.
    #[arg(long = "access-token-ttl", value_name = "SECS", default_value_t = 1_296_000)]
    access_token_ttl: u64,
    /// The app's webhook URL: the sandbox performs the verify_webhook handshake, then pushes
    /// signed order events (create orders through the library API).
    #[arg(long = "webhook-url", value_name = "URL")]
    webhook_url: Option<String>,
    /// Time a client has to send a request's headers, in milliseconds; a connection that takes
    /// longer (or stays idle longer) is closed.
    #[arg(long = "header-timeout-ms", value_name = "MS", default_value_t = 10_000, value_parser = positive)]
    header_timeout_ms: u64,
    /// Time a client has to send a request's body, in milliseconds; a request that takes longer
    /// is answered 408 and its connection closed.
    #[arg(long = "body-timeout-ms", value_name = "MS", default_value_t = 30_000, value_parser = positive)]
    body_timeout_ms: u64,
    /// Most connections open at once, for the three servers together; more wait to be accepted.
    #[arg(long = "max-connections", value_name = "N", default_value_t = 1_024, value_parser = positive)]
    max_connections: u64,
    /// Most requests the request log keeps.
    #[arg(long = "log-capacity", value_name = "N", default_value_t = 10_000)]
    log_capacity: usize,
    /// Most bytes the request log holds (the oldest requests leave first).
    #[arg(long = "log-max-bytes", value_name = "BYTES", default_value_t = 64 * 1024 * 1024)]
    log_max_bytes: usize,
    /// How much of each request body the log keeps (the full size is recorded).
    #[arg(long = "log-body-prefix", value_name = "BYTES", default_value_t = 64 * 1024)]
    log_body_prefix: usize,
}

/// A number above zero.
fn positive(v: &str) -> Result<u64, String> {
    match v.parse::<u64>() {
        Ok(0) => Err("must be more than 0".to_string()),
        Ok(n) => Ok(n),
        Err(_) => Err(format!("`{v}` is not a whole number")),
    }
}

/// A port that leaves room for PORT+1 and PORT+2.
fn base_port(v: &str) -> Result<u16, String> {
    let port: u16 = v.parse().map_err(|_| format!("`{v}` is not a port number"))?;
    if port > u16::MAX - 2 {
        return Err(format!("{port} leaves no room for PORT+1 and PORT+2"));
    }
    Ok(port)
}

impl Args {
    fn config(&self) -> SandboxConfig {
        let mut config = SandboxConfig::default()
            .host(self.host)
            .base_port(self.port)
            .orders_per_creator(self.orders)
            .seeded_products(self.products)
            .client_token_lifetime(Duration::from_secs(self.client_token_ttl))
            .access_token_lifetime(Duration::from_secs(self.access_token_ttl))
            .header_read_timeout(Duration::from_millis(self.header_timeout_ms))
            .body_read_timeout(Duration::from_millis(self.body_timeout_ms))
            .max_connections(usize::try_from(self.max_connections).unwrap_or(usize::MAX))
            .log_capacity(self.log_capacity)
            .log_max_bytes(self.log_max_bytes)
            .log_body_prefix(self.log_body_prefix);
        if let Some(seed) = self.seed {
            config = config.seed(seed);
        }
        if let Some(url) = &self.webhook_url {
            config = config.webhook_url(url.clone());
        }
        config
    }
}

#[tokio::main]
async fn main() -> ExitCode {
    let args = Args::parse();
    let sandbox = match Sandbox::start_with(args.config()).await {
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
    println!("Doudian app credentials (sandbox only; signed calls of {}):", Server::Doudian.host());
    println!("  app_key        {}", Sandbox::DOUDIAN_APP_KEY);
    println!("  app_secret     {}", Sandbox::DOUDIAN_APP_SECRET);
    println!("  tokens: token.create with grant_type authorization_self and shop_id, or auth_id with auth_subject_type Colonel / MCN / DouKe");
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

    fn parse(args: &[&str]) -> Result<Args, String> {
        Args::try_parse_from(std::iter::once("douyin-sandbox").chain(args.iter().copied()))
            .map_err(|e| e.to_string())
    }

    #[test]
    fn flags_parse_and_errors_are_clear() {
        let a = parse(&["--port", "9000", "--fault", "kol_store_list=status:503:2", "--orders=10"]).unwrap();
        assert_eq!(a.port, 9000);
        assert_eq!(a.config().get_ports(), [9000, 9001, 9002, 9003]);
        assert_eq!(a.faults.len(), 1);
        assert!(parse(&["--port"]).unwrap_err().contains("a value is required"));
        assert!(parse(&["--port", "x"]).unwrap_err().contains("not a port number"));
        assert!(parse(&["--port", "65535"]).unwrap_err().contains("no room"));
        assert!(parse(&["--fault", "nope=busy"]).unwrap_err().contains("unknown endpoint"));
        assert!(parse(&["--bogus"]).unwrap_err().contains("unexpected argument '--bogus'"));
    }

    #[test]
    fn the_guards_have_defaults_and_flags() {
        let defaults = parse(&[]).unwrap().config();
        assert_eq!(defaults.get_header_read_timeout(), Duration::from_secs(10));
        assert_eq!(defaults.get_body_read_timeout(), Duration::from_secs(30));
        assert_eq!(defaults.get_max_connections(), 1_024);
        assert_eq!(defaults.get_log_max_bytes(), 64 * 1024 * 1024);
        assert_eq!(defaults.get_log_body_prefix(), 64 * 1024);
        let set = parse(&[
            "--header-timeout-ms=250",
            "--body-timeout-ms=500",
            "--max-connections=8",
            "--log-max-bytes=1000",
            "--log-body-prefix=10",
        ])
        .unwrap()
        .config();
        assert_eq!(set.get_header_read_timeout(), Duration::from_millis(250));
        assert_eq!(set.get_body_read_timeout(), Duration::from_millis(500));
        assert_eq!(set.get_max_connections(), 8);
        assert_eq!((set.get_log_max_bytes(), set.get_log_body_prefix()), (1000, 10));
        assert!(parse(&["--max-connections=0"]).unwrap_err().contains("must be more than 0"));
        assert!(parse(&["--header-timeout-ms=x"]).unwrap_err().contains("not a whole number"));
    }
}
