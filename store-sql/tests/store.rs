//! The SQL store against real databases: SQLite in a temporary file, and PostgreSQL at
//! `DATABASE_URL` (default `postgres://postgres@127.0.0.1:5432/test`, the machine's; tables
//! under a prefix of their own, dropped at the end). The same checks for both: tokens round
//! trip and are never stored in plain text, `invalidate` spares a newer token, one lock holder
//! at a time until unlock or expiry, migrations run once however often the store connects.

use std::sync::Arc;
use std::time::Duration;

use douyin_alliance::auth::store::StoredToken;
use douyin_alliance::{Secret, TokenStore};
use douyin_alliance_sql::{ConnectError, EncryptionKey, SqlTokenStore};

const KEY: [u8; 32] = [9; 32];

fn pg_url() -> String {
    std::env::var("DATABASE_URL").unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into())
}

fn unique(name: &str) -> String {
    format!("t{}_{name}", rand_suffix())
}

fn rand_suffix() -> String {
    let n = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_nanos();
    format!("{:x}{}", n % 0xffff_ffff, std::process::id())
}

async fn the_store_contract(store: &SqlTokenStore) {
    let token = StoredToken::expiring_in(Secret::from("rft.the-refresh-token"), Duration::from_secs(60));
    store.set("app:user:1:refresh", &token).await.unwrap();
    let back = store.get("app:user:1:refresh").await.unwrap().unwrap();
    assert_eq!(back.value.expose(), "rft.the-refresh-token");
    assert_eq!(back.expires_at_ms, token.expires_at_ms);
    assert!(store.get("app:user:2:refresh").await.unwrap().is_none());

    // Overwritten, then invalidated only while still the same value.
    let newer = StoredToken::expiring_in(Secret::from("rft.newer"), Duration::from_secs(60));
    store.set("app:user:1:refresh", &newer).await.unwrap();
    store.invalidate("app:user:1:refresh", &Secret::from("rft.the-refresh-token")).await.unwrap();
    assert_eq!(store.get("app:user:1:refresh").await.unwrap().unwrap().value.expose(), "rft.newer");
    store.invalidate("app:user:1:refresh", &Secret::from("rft.newer")).await.unwrap();
    assert!(store.get("app:user:1:refresh").await.unwrap().is_none());

    // One holder at a time; released by its holder only; taken again after expiry.
    let first = store.try_lock("app:user:1", Duration::from_secs(30)).await.unwrap().expect("free");
    assert!(store.try_lock("app:user:1", Duration::from_secs(30)).await.unwrap().is_none());
    let other = douyin_alliance::auth::store::LockToken::random();
    store.unlock("app:user:1", &other).await.unwrap();
    assert!(
        store.try_lock("app:user:1", Duration::from_secs(30)).await.unwrap().is_none(),
        "a stranger cannot unlock"
    );
    store.unlock("app:user:1", &first).await.unwrap();
    let short =
        store.try_lock("app:user:1", Duration::from_millis(50)).await.unwrap().expect("free after unlock");
    tokio::time::sleep(Duration::from_millis(80)).await;
    let after =
        store.try_lock("app:user:1", Duration::from_secs(30)).await.unwrap().expect("free after expiry");
    assert_ne!(short, after);
}

/// 16 tasks race for one lock: exactly one wins.
async fn one_of_many_takes_the_lock(store: Arc<SqlTokenStore>) {
    let tasks: Vec<_> = (0..16)
        .map(|_| {
            let s = store.clone();
            tokio::spawn(
                async move { s.try_lock("app:race", Duration::from_secs(30)).await.unwrap().is_some() },
            )
        })
        .collect();
    let mut won = 0;
    for t in tasks {
        won += usize::from(t.await.unwrap());
    }
    assert_eq!(won, 1);
}

#[tokio::test]
async fn sqlite_keeps_tokens_sealed_and_locks_exclusive() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("sessions.db");
    let url = format!("sqlite://{}", path.display());
    let store = SqlTokenStore::connect(&url, EncryptionKey::from_bytes(KEY)).await.unwrap();
    the_store_contract(&store).await;
    store
        .set(
            "app:user:9:refresh",
            &StoredToken::expiring_in(Secret::from("rft.plain-text-probe"), Duration::from_secs(60)),
        )
        .await
        .unwrap();
    one_of_many_takes_the_lock(Arc::new(store)).await;
    // Connecting again runs no migration twice, and reads what the first connection wrote.
    let again = SqlTokenStore::connect(&url, EncryptionKey::from_bytes(KEY)).await.unwrap();
    assert_eq!(
        again.get("app:user:9:refresh").await.unwrap().unwrap().value.expose(),
        "rft.plain-text-probe"
    );
    // Another key cannot read it: an error, not a wrong token.
    let wrong = SqlTokenStore::connect(&url, EncryptionKey::from_bytes([1; 32])).await.unwrap();
    assert!(wrong.get("app:user:9:refresh").await.is_err());
    drop((again, wrong));
    // The file holds no token in plain text (WAL included).
    for entry in std::fs::read_dir(dir.path()).unwrap() {
        let bytes = std::fs::read(entry.unwrap().path()).unwrap();
        assert!(!bytes.windows(20).any(|w| w == b"rft.plain-text-probe"), "a token in plain text on disk");
    }
}

#[tokio::test]
async fn a_bad_url_or_prefix_is_a_typed_error() {
    let key = || EncryptionKey::from_bytes(KEY);
    assert!(
        matches!(SqlTokenStore::connect("mysql://x", key()).await, Err(ConnectError::Scheme(s)) if s == "mysql")
    );
    let e = SqlTokenStore::connect_with_prefix("sqlite::memory:", key(), "bad-prefix;").await.unwrap_err();
    assert!(matches!(e, ConnectError::Prefix(_)), "{e}");
    assert!(!format!("{:?}", key()).contains('9'), "the key never shows");
}

#[cfg(feature = "postgres")]
#[tokio::test]
async fn postgres_keeps_tokens_sealed_and_locks_exclusive() {
    let prefix = unique("store");
    let store =
        SqlTokenStore::connect_with_prefix(&pg_url(), EncryptionKey::from_bytes(KEY), &prefix).await.unwrap();
    the_store_contract(&store).await;
    let store = Arc::new(store);
    one_of_many_takes_the_lock(store.clone()).await;
    // Replicas connecting at once agree on the schema (the migration runs once).
    let joins: Vec<_> = (0..4)
        .map(|_| {
            let p = prefix.clone();
            tokio::spawn(async move {
                SqlTokenStore::connect_with_prefix(&pg_url(), EncryptionKey::from_bytes(KEY), &p)
                    .await
                    .map(|_| ())
            })
        })
        .collect();
    for j in joins {
        j.await.unwrap().unwrap();
    }
    store.drop_tables().await.unwrap();
}
