//! A [`TokenStore`] of `douyin-alliance` on SQL: SQLite embedded (the default, for one machine)
//! or PostgreSQL by URL (feature `postgres`, for a fleet). Sessions survive restarts and are
//! never evicted the way a Redis run as a cache may evict them, so creators do not have to
//! authorize again.
//!
//! - **Encrypted at rest**: every token is sealed with AES-256-GCM under the app's
//!   [`EncryptionKey`] (a fresh nonce per write, the row's key as associated data); no path
//!   writes a token in plain text, and the key never reaches `Debug` or logs.
//! - **One refresh per expiry for the fleet**: `try_lock` is a lock row with an expiry, taken by
//!   one atomic upsert that succeeds only when the row is absent or expired (`INSERT … ON
//!   CONFLICT DO UPDATE … WHERE expired RETURNING`), on SQLite and PostgreSQL alike.
//! - **Schema by migrations the store runs** at [`SqlTokenStore::connect`]: versioned, each
//!   applied once (on PostgreSQL under an advisory lock, so replicas starting together agree).
//!   Tables are named by a prefix ([`SqlTokenStore::prefix`], default `douyin`).
//!
//! ```no_run
//! use std::sync::Arc;
//! use douyin_alliance_sql::{EncryptionKey, SqlTokenStore};
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! let key = EncryptionKey::from_bytes([0u8; 32]); // from your secret manager
//! let store = SqlTokenStore::connect("sqlite://sessions.db", key).await?;
//! let client = douyin_alliance::Client::builder()
//!     .credentials("client_key", "client_secret")
//!     .token_store(Arc::new(store))
//!     .build()?;
//! # Ok(()) }
//! ```
#![forbid(unsafe_code)]
#![warn(missing_docs)]

#[cfg(not(any(feature = "sqlite", feature = "postgres")))]
compile_error!("douyin-alliance-sql needs the `sqlite` or the `postgres` feature");

use std::time::Duration;

use douyin_alliance::auth::store::{now_ms, LockToken, StoreError, StoreFuture, StoredToken};
use douyin_alliance::{Secret, TokenStore};

mod schema;
mod seal;

pub use seal::EncryptionKey;

use schema::{Pool, Sql};

/// Why the store cannot be opened.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ConnectError {
    /// The URL's scheme is not one this build supports.
    #[error("`{0}` is not a database URL this build supports (sqlite:// by default; postgres:// with the `postgres` feature)")]
    Scheme(String),
    /// The table prefix is not `[a-z0-9_]+`.
    #[error("the table prefix `{0}` is not made of a-z, 0-9 and _")]
    Prefix(String),
    /// The database refused the connection or a migration.
    #[error("the database: {0}")]
    Database(String),
}

/// Tokens and refresh locks in SQL; see the crate docs.
pub struct SqlTokenStore {
    pool: Pool,
    sql: Sql,
    key: EncryptionKey,
}

impl std::fmt::Debug for SqlTokenStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SqlTokenStore")
            .field("backend", &self.pool.backend())
            .field("tables", &self.sql.prefix)
            .finish()
    }
}

impl SqlTokenStore {
    /// Opens the database at `url` (`sqlite://path.db`, created when missing, or
    /// `sqlite::memory:`; `postgres://…` with the `postgres` feature) and runs the migrations,
    /// with tables prefixed `douyin`.
    pub async fn connect(url: &str, key: EncryptionKey) -> Result<Self, ConnectError> {
        Self::connect_with_prefix(url, key, "douyin").await
    }

    /// [`Self::connect`] with another table prefix (several apps or test runs in one database).
    pub async fn connect_with_prefix(
        url: &str,
        key: EncryptionKey,
        prefix: &str,
    ) -> Result<Self, ConnectError> {
        if prefix.is_empty()
            || !prefix.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
        {
            return Err(ConnectError::Prefix(prefix.to_string()));
        }
        let pool = Pool::connect(url).await?;
        let sql = Sql::new(prefix, pool.backend());
        schema::migrate(&pool, &sql).await.map_err(|e| ConnectError::Database(e.to_string()))?;
        Ok(SqlTokenStore { pool, sql, key })
    }

    /// The table prefix.
    pub fn prefix(&self) -> &str {
        &self.sql.prefix
    }

    /// Drops this store's tables (for tests and uninstalls; the data is gone).
    pub async fn drop_tables(&self) -> Result<(), StoreError> {
        for table in self.sql.tables() {
            self.pool.execute(&format!("DROP TABLE IF EXISTS {table}"), &[]).await.map_err(store_error)?;
        }
        Ok(())
    }
}

fn store_error(e: sqlx::Error) -> StoreError {
    StoreError(format!("SQL: {e}"))
}

fn ms(v: u64) -> i64 {
    i64::try_from(v).unwrap_or(i64::MAX)
}

/// A bound value.
pub(crate) enum Arg<'a> {
    Text(&'a str),
    Bytes(&'a [u8]),
    Int(i64),
}

impl TokenStore for SqlTokenStore {
    fn get<'a>(&'a self, key: &'a str) -> StoreFuture<'a, Option<StoredToken>> {
        Box::pin(async move {
            let Some((sealed, expires)) =
                self.pool.fetch_token(&self.sql.get, key).await.map_err(store_error)?
            else {
                return Ok(None);
            };
            let plain = self.key.open(key, &sealed).map_err(StoreError)?;
            let value = String::from_utf8(plain)
                .map_err(|_| StoreError(format!("the value of `{key}` is not text")))?;
            Ok(Some(StoredToken {
                value: Secret::from(value),
                expires_at_ms: u64::try_from(expires).unwrap_or(0),
            }))
        })
    }

    fn set<'a>(&'a self, key: &'a str, token: &'a StoredToken) -> StoreFuture<'a, ()> {
        Box::pin(async move {
            let sealed = self.key.seal(key, token.value.expose().as_bytes()).map_err(StoreError)?;
            let args = [Arg::Text(key), Arg::Bytes(&sealed), Arg::Int(ms(token.expires_at_ms))];
            self.pool.execute(&self.sql.set, &args).await.map_err(store_error)?;
            // Now and then, rows long expired go (a day past their expiry: nothing reads them).
            if rand::random::<u8>() == 0 {
                let before = ms(now_ms().saturating_sub(86_400_000));
                let _ = self.pool.execute(&self.sql.prune, &[Arg::Int(before)]).await;
            }
            Ok(())
        })
    }

    fn invalidate<'a>(&'a self, key: &'a str, value: &'a Secret) -> StoreFuture<'a, ()> {
        Box::pin(async move {
            let Some((sealed, _)) = self.pool.fetch_token(&self.sql.get, key).await.map_err(store_error)?
            else {
                return Ok(());
            };
            let same = self.key.open(key, &sealed).is_ok_and(|plain| plain == value.expose().as_bytes());
            if same {
                // Only if the row is still what was read: a newer token written meanwhile stays.
                self.pool
                    .execute(&self.sql.delete_if, &[Arg::Text(key), Arg::Bytes(&sealed)])
                    .await
                    .map_err(store_error)?;
            }
            Ok(())
        })
    }

    fn try_lock<'a>(&'a self, key: &'a str, ttl: Duration) -> StoreFuture<'a, Option<LockToken>> {
        Box::pin(async move {
            let lock = LockToken::random();
            let now = now_ms();
            let until = now.saturating_add(u64::try_from(ttl.as_millis()).unwrap_or(u64::MAX));
            let args = [Arg::Text(key), Arg::Text(&lock.0), Arg::Int(ms(until)), Arg::Int(ms(now))];
            let taken = self.pool.fetch_text(&self.sql.lock, &args).await.map_err(store_error)?;
            Ok(taken.filter(|holder| *holder == lock.0).map(|_| lock))
        })
    }

    fn unlock<'a>(&'a self, key: &'a str, lock: &'a LockToken) -> StoreFuture<'a, ()> {
        Box::pin(async move {
            self.pool
                .execute(&self.sql.unlock, &[Arg::Text(key), Arg::Text(&lock.0)])
                .await
                .map_err(store_error)?;
            Ok(())
        })
    }
}
