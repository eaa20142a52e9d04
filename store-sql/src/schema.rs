//! The one place the two databases differ: the pool, a column type, how a migration is
//! serialised between replicas. Every statement is written once with `$N` markers, which both
//! drivers bind (sqlx's SQLite driver reads `$N` as argument N).

use crate::{Arg, ConnectError};

/// The database behind the store.
pub(crate) enum Pool {
    #[cfg(feature = "sqlite")]
    Sqlite(sqlx::SqlitePool),
    #[cfg(feature = "postgres")]
    Postgres(sqlx::PgPool),
}

/// Which database.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Backend {
    #[cfg_attr(not(feature = "sqlite"), allow(dead_code))]
    Sqlite,
    #[cfg_attr(not(feature = "postgres"), allow(dead_code))]
    Postgres,
}

/// `query` with `args` bound in order (the same code for either database's query type).
macro_rules! bound {
    ($query:expr, $args:expr) => {{
        let mut q = $query;
        for a in $args {
            q = match a {
                Arg::Text(t) => q.bind(*t),
                Arg::Bytes(b) => q.bind(*b),
                Arg::Int(i) => q.bind(*i),
            };
        }
        q
    }};
}

/// Runs `$body` with `$q` bound to `$sql` and its arguments, on whichever pool `$pool` is.
macro_rules! on_pool {
    ($pool:expr, $sql:expr, $args:expr, |$q:ident, $p:ident| $body:expr) => {
        match $pool {
            #[cfg(feature = "sqlite")]
            Pool::Sqlite($p) => {
                let $q = bound!(sqlx::query::<sqlx::Sqlite>($sql), $args);
                $body
            }
            #[cfg(feature = "postgres")]
            Pool::Postgres($p) => {
                let $q = bound!(sqlx::query::<sqlx::Postgres>($sql), $args);
                $body
            }
        }
    };
}

impl Pool {
    pub(crate) async fn connect(url: &str) -> Result<Pool, ConnectError> {
        let db = |e: sqlx::Error| ConnectError::Database(e.to_string());
        #[cfg(feature = "sqlite")]
        if url.starts_with("sqlite:") {
            use std::str::FromStr;
            let options = sqlx::sqlite::SqliteConnectOptions::from_str(url)
                .map_err(db)?
                .create_if_missing(true)
                // One writer at a time, waiting for the others instead of failing.
                .journal_mode(sqlx::sqlite::SqliteJournalMode::Wal)
                .busy_timeout(std::time::Duration::from_secs(10));
            let pool = sqlx::sqlite::SqlitePoolOptions::new()
                .max_connections(4)
                .connect_with(options)
                .await
                .map_err(db)?;
            return Ok(Pool::Sqlite(pool));
        }
        #[cfg(feature = "postgres")]
        if url.starts_with("postgres:") || url.starts_with("postgresql:") {
            let pool =
                sqlx::postgres::PgPoolOptions::new().max_connections(8).connect(url).await.map_err(db)?;
            return Ok(Pool::Postgres(pool));
        }
        Err(ConnectError::Scheme(url.split(':').next().unwrap_or_default().to_string()))
    }

    pub(crate) fn backend(&self) -> Backend {
        match self {
            #[cfg(feature = "sqlite")]
            Pool::Sqlite(_) => Backend::Sqlite,
            #[cfg(feature = "postgres")]
            Pool::Postgres(_) => Backend::Postgres,
        }
    }

    pub(crate) async fn execute(&self, sql: &str, args: &[Arg<'_>]) -> Result<u64, sqlx::Error> {
        on_pool!(self, sql, args, |q, p| Ok(q.execute(p).await?.rows_affected()))
    }

    /// The sealed value and expiry of a token row.
    pub(crate) async fn fetch_token(
        &self,
        sql: &str,
        key: &str,
    ) -> Result<Option<(Vec<u8>, i64)>, sqlx::Error> {
        use sqlx::Row;
        on_pool!(self, sql, &[Arg::Text(key)], |q, p| match q.fetch_optional(p).await? {
            Some(row) => Ok(Some((row.try_get::<Vec<u8>, _>(0)?, row.try_get::<i64, _>(1)?))),
            None => Ok(None),
        })
    }

    /// The first column of the first row, as text.
    pub(crate) async fn fetch_text(
        &self,
        sql: &str,
        args: &[Arg<'_>],
    ) -> Result<Option<String>, sqlx::Error> {
        use sqlx::Row;
        on_pool!(self, sql, args, |q, p| match q.fetch_optional(p).await? {
            Some(row) => Ok(Some(row.try_get::<String, _>(0)?)),
            None => Ok(None),
        })
    }
}

/// The statements of one table prefix.
pub(crate) struct Sql {
    pub(crate) prefix: String,
    pub(crate) get: String,
    pub(crate) set: String,
    pub(crate) delete_if: String,
    pub(crate) prune: String,
    pub(crate) lock: String,
    pub(crate) unlock: String,
    migrations: Vec<(i64, Vec<String>)>,
    versions: String,
}

impl Sql {
    /// `prefix` is checked to be `[a-z0-9_]+` by the caller: table names are the only text put
    /// into SQL, values are always bound.
    pub(crate) fn new(prefix: &str, backend: Backend) -> Sql {
        let (tokens, locks, versions) =
            (format!("{prefix}_tokens"), format!("{prefix}_locks"), format!("{prefix}_schema"));
        let bytes = match backend {
            Backend::Sqlite => "BLOB",
            Backend::Postgres => "BYTEA",
        };
        Sql {
            prefix: prefix.to_string(),
            get: format!("SELECT sealed, expires_at_ms FROM {tokens} WHERE key = $1"),
            set: format!(
                "INSERT INTO {tokens} (key, sealed, expires_at_ms) VALUES ($1, $2, $3) \
                 ON CONFLICT (key) DO UPDATE SET sealed = excluded.sealed, expires_at_ms = excluded.expires_at_ms"
            ),
            delete_if: format!("DELETE FROM {tokens} WHERE key = $1 AND sealed = $2"),
            prune: format!("DELETE FROM {tokens} WHERE expires_at_ms < $1"),
            // Taken when absent or expired, in one statement: the row comes back only then.
            lock: format!(
                "INSERT INTO {locks} (key, holder, expires_at_ms) VALUES ($1, $2, $3) \
                 ON CONFLICT (key) DO UPDATE SET holder = excluded.holder, expires_at_ms = excluded.expires_at_ms \
                 WHERE {locks}.expires_at_ms <= $4 RETURNING holder"
            ),
            unlock: format!("DELETE FROM {locks} WHERE key = $1 AND holder = $2"),
            migrations: vec![(
                1,
                vec![
                    format!(
                        "CREATE TABLE IF NOT EXISTS {tokens} (key TEXT PRIMARY KEY, sealed {bytes} NOT NULL, expires_at_ms BIGINT NOT NULL)"
                    ),
                    format!(
                        "CREATE TABLE IF NOT EXISTS {locks} (key TEXT PRIMARY KEY, holder TEXT NOT NULL, expires_at_ms BIGINT NOT NULL)"
                    ),
                ],
            )],
            versions,
        }
    }

    pub(crate) fn tables(&self) -> [String; 3] {
        [format!("{}_tokens", self.prefix), format!("{}_locks", self.prefix), self.versions.clone()]
    }
}

/// Applies the migrations the database lacks, each once, in order.
pub(crate) async fn migrate(pool: &Pool, sql: &Sql) -> Result<(), sqlx::Error> {
    let versions = &sql.versions;
    pool.execute(&format!("CREATE TABLE IF NOT EXISTS {versions} (version BIGINT PRIMARY KEY)"), &[]).await?;
    for (version, statements) in &sql.migrations {
        match pool {
            #[cfg(feature = "sqlite")]
            Pool::Sqlite(p) => {
                let mut tx = p.begin().await?;
                apply_sqlite(&mut tx, versions, *version, statements).await?;
                tx.commit().await?;
            }
            #[cfg(feature = "postgres")]
            Pool::Postgres(p) => {
                let mut tx = p.begin().await?;
                // Replicas starting together take turns; the second finds the version applied.
                sqlx::query("SELECT pg_advisory_xact_lock(hashtext($1))")
                    .bind(versions)
                    .execute(&mut *tx)
                    .await?;
                let applied: Option<i64> =
                    sqlx::query_scalar(&format!("SELECT version FROM {versions} WHERE version = $1"))
                        .bind(version)
                        .fetch_optional(&mut *tx)
                        .await?;
                if applied.is_none() {
                    for s in statements {
                        sqlx::query(s).execute(&mut *tx).await?;
                    }
                    sqlx::query(&format!("INSERT INTO {versions} (version) VALUES ($1)"))
                        .bind(version)
                        .execute(&mut *tx)
                        .await?;
                }
                tx.commit().await?;
            }
        }
    }
    Ok(())
}

#[cfg(feature = "sqlite")]
async fn apply_sqlite(
    tx: &mut sqlx::Transaction<'_, sqlx::Sqlite>,
    versions: &str,
    version: i64,
    statements: &[String],
) -> Result<(), sqlx::Error> {
    let applied: Option<i64> =
        sqlx::query_scalar(&format!("SELECT version FROM {versions} WHERE version = $1"))
            .bind(version)
            .fetch_optional(&mut **tx)
            .await?;
    if applied.is_none() {
        for s in statements {
            sqlx::query(s).execute(&mut **tx).await?;
        }
        sqlx::query(&format!("INSERT INTO {versions} (version) VALUES ($1)"))
            .bind(version)
            .execute(&mut **tx)
            .await?;
    }
    Ok(())
}
