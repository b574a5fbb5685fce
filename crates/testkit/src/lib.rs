//! Test support: a fresh, migrated database per test.
//!
//! PostgreSQL tests create a uniquely named database on the server named by
//! `XJ_TEST_PG` (default `postgres://postgres@127.0.0.1:5432/test`) and
//! drop it in [`TestDb::cleanup`]; SQLite tests use a file in a temporary
//! directory. Test code may panic: these helpers are for tests only.
#![allow(clippy::expect_used, clippy::panic)]

use sqlx::Connection;
use xingjian_store::{Backend, Db};

/// The admin URL of the PostgreSQL server used by tests.
pub fn pg_admin_url() -> String {
    std::env::var("XJ_TEST_PG").unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into())
}

/// A migrated database that lives as long as the test.
pub struct TestDb {
    pub db: Db,
    pub url: String,
    pub dir: tempfile::TempDir,
    pg_name: Option<String>,
}

impl TestDb {
    /// A fresh, migrated database on `backend`.
    pub async fn new(backend: Backend) -> Self {
        let t = Self::new_unmigrated(backend).await;
        t.db.migrate().await.expect("migrate");
        t
    }

    /// A fresh, empty database on `backend` (no schema).
    pub async fn new_unmigrated(backend: Backend) -> Self {
        let dir = tempfile::tempdir().expect("temporary directory");
        let (url, pg_name) = match backend {
            Backend::Sqlite => (xingjian_store::sqlite_url_for(dir.path()), None),
            Backend::Postgres => {
                sqlx::any::install_default_drivers();
                let name = format!("xj_test_{}", uuid::Uuid::new_v4().simple());
                let admin = pg_admin_url();
                let mut conn = sqlx::AnyConnection::connect(&admin)
                    .await
                    .unwrap_or_else(|e| {
                        panic!("PostgreSQL at {admin} is needed for the postgres tests: {e}")
                    });
                sqlx::raw_sql(&format!("CREATE DATABASE {name}"))
                    .execute(&mut conn)
                    .await
                    .expect("create test database");
                conn.close().await.ok();
                let base = admin
                    .rsplit_once('/')
                    .map(|(b, _)| b.to_owned())
                    .unwrap_or(admin);
                (format!("{base}/{name}"), Some(name))
            }
        };
        let db = Db::connect(&url).await.expect("connect");
        Self {
            db,
            url,
            dir,
            pg_name,
        }
    }

    /// Close the pool and drop the PostgreSQL database.
    pub async fn cleanup(self) {
        self.db.close().await;
        if let Some(name) = self.pg_name {
            let admin = pg_admin_url();
            if let Ok(mut conn) = sqlx::AnyConnection::connect(&admin).await {
                let _ = sqlx::raw_sql(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                    .execute(&mut conn)
                    .await;
                conn.close().await.ok();
            }
        }
    }
}

/// Run a test body once per backend: `both!(name, |backend| async move { ... })`.
#[macro_export]
macro_rules! both {
    ($name:ident, $body:expr) => {
        mod $name {
            #[allow(unused_imports)]
            use super::*;
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                ($body)(xingjian_store::Backend::Sqlite).await
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                ($body)(xingjian_store::Backend::Postgres).await
            }
        }
    };
}
