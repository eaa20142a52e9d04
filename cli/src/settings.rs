//! Where the command line's credentials, hosts and sessions come from: the environment over a
//! config file over the defaults; `--sandbox` replaces all of it with the built-in sandbox's own.
//!
//! The config file is TOML: `--config FILE`, else `$DOUYIN_ALLIANCE_CONFIG`, else
//! `$XDG_CONFIG_HOME/douyin-alliance/config.toml` (`~/.config/…`) when it exists:
//!
//! ```toml
//! client_key = "awxxxxxxxx"            # or DOUYIN_CLIENT_KEY
//! client_secret = "…"                  # or DOUYIN_CLIENT_SECRET
//! doudian_app_key = "…"                # or DOUDIAN_APP_KEY
//! doudian_app_secret = "…"             # or DOUDIAN_APP_SECRET
//! redirect_uri = "http://127.0.0.1:8765/callback"   # `login`'s callback, registered for the app
//! token_store = "sqlite:///home/me/.local/share/douyin-alliance/tokens.db"  # or redis://, postgres://, memory
//! open_id = "…"                        # whose session `call` uses (default: the last login's)
//! [base_urls]                          # another address per host (a proxy, a sandbox)
//! "open.douyinec.com" = "http://127.0.0.1:9001"
//! ```
//!
//! Sessions live in the token store (tokens encrypted at rest in SQL stores with the key
//! `$DOUYIN_STORE_KEY`, 64 hex digits, else a random key kept in `store.key` beside the
//! default database, readable by its owner only).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use douyin_alliance::auth::redis::RedisTokenStore;
use douyin_alliance::endpoint::Server;
use douyin_alliance::{Client, ClientBuilder, MemoryTokenStore, TokenStore};
use douyin_alliance_sql::{EncryptionKey, SqlTokenStore};
use serde::Deserialize;

/// The config file's keys (no `Debug`: it holds secrets).
#[derive(Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    client_key: Option<String>,
    client_secret: Option<String>,
    doudian_app_key: Option<String>,
    doudian_app_secret: Option<String>,
    redirect_uri: Option<String>,
    token_store: Option<String>,
    open_id: Option<String>,
    #[serde(default)]
    base_urls: BTreeMap<String, String>,
}

/// What a command runs with: the file's settings with the environment's over them.
pub struct Settings {
    file: File,
    /// Where the default token store and the last login's open_id live.
    data_dir: PathBuf,
}

fn env(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.trim().is_empty())
}

/// `$XDG_<kind>_HOME`, else `~/<fallback>`, with `douyin-alliance` below it.
fn dir(xdg: &str, fallback: &str) -> PathBuf {
    let base = env(xdg)
        .map(PathBuf::from)
        .or_else(|| env("HOME").map(|h| Path::new(&h).join(fallback)))
        .unwrap_or_else(|| PathBuf::from("."));
    base.join("douyin-alliance")
}

impl Settings {
    /// The settings from `config` (else the default config file, when there is one).
    pub fn load(config: Option<&Path>) -> Result<Settings, String> {
        let named =
            config.map(Path::to_path_buf).or_else(|| env("DOUYIN_ALLIANCE_CONFIG").map(PathBuf::from));
        let path = named.clone().unwrap_or_else(|| dir("XDG_CONFIG_HOME", ".config").join("config.toml"));
        let file = match std::fs::read_to_string(&path) {
            Ok(text) => toml::from_str(&text).map_err(|e| format!("{}: {}", path.display(), e.message()))?,
            Err(e) if named.is_some() => return Err(format!("cannot read {}: {e}", path.display())),
            Err(_) => File::default(),
        };
        Ok(Settings { file, data_dir: dir("XDG_DATA_HOME", ".local/share") })
    }

    fn pick(&self, var: &str, from_file: &Option<String>) -> Option<String> {
        env(var).or_else(|| from_file.clone().filter(|v| !v.trim().is_empty()))
    }

    /// `login`'s callback URL, when one is set.
    pub fn redirect_uri(&self) -> Option<String> {
        self.pick("DOUYIN_REDIRECT_URI", &self.file.redirect_uri)
    }

    /// Whose session a user's call takes: `DOUYIN_OPEN_ID`, the file's, else the last login's.
    pub fn open_id(&self) -> Option<String> {
        self.pick("DOUYIN_OPEN_ID", &self.file.open_id).or_else(|| {
            std::fs::read_to_string(self.data_dir.join("last_open_id")).ok().map(|s| s.trim().to_string())
        })
    }

    /// Remembers the open_id of a login (an identifier, not a secret).
    pub fn remember_login(&self, open_id: &str) -> Result<(), String> {
        std::fs::create_dir_all(&self.data_dir)
            .and_then(|()| std::fs::write(self.data_dir.join("last_open_id"), open_id))
            .map_err(|e| format!("cannot write {}: {e}", self.data_dir.display()))
    }

    /// A client builder with the app's credentials, the hosts' addresses and the token store.
    pub async fn client_builder(&self) -> Result<ClientBuilder, String> {
        let f = &self.file;
        let mut b = Client::builder();
        if let (Some(k), Some(s)) = (
            self.pick("DOUYIN_CLIENT_KEY", &f.client_key),
            self.pick("DOUYIN_CLIENT_SECRET", &f.client_secret),
        ) {
            b = b.credentials(k, s);
        }
        if let (Some(k), Some(s)) = (
            self.pick("DOUDIAN_APP_KEY", &f.doudian_app_key),
            self.pick("DOUDIAN_APP_SECRET", &f.doudian_app_secret),
        ) {
            b = b.doudian_credentials(k, s);
        }
        for (host, url) in &f.base_urls {
            let server = Server::from_spec(host).ok_or_else(|| {
                let known: Vec<&str> = Server::ALL.iter().map(|s| s.as_str()).collect();
                format!("base_urls: `{host}` is no host of the platform ({})", known.join(", "))
            })?;
            b = b.base_url(server, url.clone());
        }
        Ok(b.token_store(self.token_store().await?))
    }

    /// The token store's URL, when one is set.
    pub fn token_store_url(&self) -> Option<String> {
        self.pick("DOUYIN_TOKEN_STORE", &self.file.token_store)
    }

    /// The token store the settings name (default: SQLite in the data directory).
    async fn token_store(&self) -> Result<Arc<dyn TokenStore>, String> {
        let url = match self.token_store_url() {
            Some(url) => url,
            None => {
                std::fs::create_dir_all(&self.data_dir)
                    .map_err(|e| format!("cannot create {}: {e}", self.data_dir.display()))?;
                format!("sqlite://{}?mode=rwc", self.data_dir.join("tokens.db").display())
            }
        };
        if url == "memory" {
            return Ok(Arc::new(MemoryTokenStore::new()));
        }
        if url.starts_with("redis://") || url.starts_with("rediss://") {
            let store = RedisTokenStore::open(&url).map_err(|e| format!("token store: {e}"))?;
            return Ok(Arc::new(store));
        }
        let store = SqlTokenStore::connect(&url, self.store_key()?)
            .await
            .map_err(|e| format!("token store {}: {e}", redact(&url)))?;
        Ok(Arc::new(store))
    }

    /// The key tokens are sealed with in a SQL store.
    fn store_key(&self) -> Result<EncryptionKey, String> {
        if let Some(hex) = env("DOUYIN_STORE_KEY") {
            return parse_key(&hex).ok_or_else(|| "DOUYIN_STORE_KEY must be 64 hex digits".to_string());
        }
        let path = self.data_dir.join("store.key");
        match std::fs::read(&path) {
            Ok(bytes) => <[u8; 32]>::try_from(bytes.as_slice())
                .map(EncryptionKey::from_bytes)
                .map_err(|_| format!("{} is not a 32-byte key", path.display())),
            Err(_) => {
                let key: [u8; 32] = rand::random();
                write_private(&path, &key).map_err(|e| format!("cannot write {}: {e}", path.display()))?;
                Ok(EncryptionKey::from_bytes(key))
            }
        }
    }
}

/// A URL without its password, for messages.
fn redact(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut u) if u.password().is_some() => {
            let _ = u.set_password(Some("***"));
            u.to_string()
        }
        _ => url.to_string(),
    }
}

fn parse_key(hex: &str) -> Option<EncryptionKey> {
    let hex = hex.trim();
    if hex.len() != 64 || !hex.is_ascii() {
        return None;
    }
    let mut key = [0u8; 32];
    for (i, b) in key.iter_mut().enumerate() {
        *b = u8::from_str_radix(&hex[2 * i..2 * i + 2], 16).ok()?;
    }
    Some(EncryptionKey::from_bytes(key))
}

/// Creates `path` with `bytes`, readable and writable by its owner only.
fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options.open(path)?.write_all(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_store_key_is_64_hex_digits() {
        assert!(parse_key(&"ab".repeat(32)).is_some());
        assert!(parse_key(&"ab".repeat(31)).is_none());
        assert!(parse_key(&"zz".repeat(32)).is_none());
    }

    #[test]
    fn passwords_are_left_out_of_messages() {
        assert_eq!(redact("postgres://u:hunter2@db/x"), "postgres://u:***@db/x");
        assert_eq!(redact("sqlite:///tmp/x.db"), "sqlite:///tmp/x.db");
    }

    #[test]
    fn an_unknown_key_in_the_file_is_refused() {
        let e = toml::from_str::<File>("client_kye = \"x\"").err().unwrap();
        assert!(e.message().contains("client_kye"), "{}", e.message());
    }
}
