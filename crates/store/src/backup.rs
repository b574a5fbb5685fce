//! Logical backup and restore of the database: every table read in one
//! consistent snapshot (online: writers are not blocked), rows as JSON arrays
//! of integers, text and nulls — the only value kinds the schema uses — so a
//! backup of SQLite restores into PostgreSQL and the other way round.
//!
//! The caller (the CLI) owns the archive format and the files; this module
//! only reads and writes rows. Sessions are not backed up: after a restore,
//! everyone signs in again.

use crate::db::{Backend, Db};
use crate::error::{StoreError, StoreResult};
use futures_util::TryStreamExt;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use sqlx::any::AnyRow;
use sqlx::{Any, Row, Transaction};

/// Tables whose rows a backup leaves out: the migration record (the schema
/// version travels in the manifest) and the sessions.
const SKIPPED: &[&str] = &["schema_migrations", "sessions"];

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Column {
    pub name: String,
    /// BIGINT (else TEXT).
    pub integer: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TableSchema {
    pub name: String,
    pub columns: Vec<Column>,
}

/// A consistent, read-only snapshot of the database being backed up.
pub struct Backup {
    tx: Transaction<'static, Any>,
    backend: Backend,
}

impl Db {
    /// Open a snapshot to back up from.
    pub async fn begin_backup(&self) -> StoreResult<Backup> {
        let tx = match self.backend() {
            // A read transaction in WAL mode sees one snapshot until it ends.
            Backend::Sqlite => self.pool().begin().await?,
            Backend::Postgres => {
                self.pool()
                    .begin_with("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
                    .await?
            }
        };
        Ok(Backup {
            tx,
            backend: self.backend(),
        })
    }

    /// Start restoring a backup of schema version `version` into this
    /// database, which must be empty (no accounts, no audit entries). Nothing
    /// is visible until [`Restore::finish`]; dropping the restore undoes it.
    pub async fn begin_restore(&self, version: i64) -> StoreResult<Restore> {
        let current = self.schema_version_if_any().await?;
        if current > 0 && !self.is_empty().await? {
            return Err(refused(
                "目标数据库中已有数据：请恢复到空的数据目录或空数据库".into(),
            ));
        }
        if current > version {
            return Err(refused(format!(
                "目标数据库的结构版本（{current}）高于备份（{version}）：请恢复到空数据库"
            )));
        }
        let binary = crate::MIGRATIONS.iter().map(|m| m.0).max().unwrap_or(0);
        if version > binary {
            return Err(StoreError::DatabaseNewer {
                database: version,
                binary,
            });
        }
        self.migrate_to(version).await?;
        let mut tx = self.begin().await?;
        match self.backend() {
            // Rows arrive table by table; references are checked at commit.
            Backend::Sqlite => {
                sqlx::raw_sql("PRAGMA defer_foreign_keys = ON")
                    .execute(&mut *tx)
                    .await?;
            }
            Backend::Postgres => {
                sqlx::raw_sql(
                    "DO $$ DECLARE c record; BEGIN \
                       FOR c IN SELECT conrelid::regclass AS t, conname FROM pg_constraint \
                         WHERE contype = 'f' AND NOT condeferrable \
                           AND connamespace = current_schema()::regnamespace LOOP \
                         EXECUTE format('ALTER TABLE %s ALTER CONSTRAINT %I DEFERRABLE INITIALLY IMMEDIATE', c.t, c.conname); \
                       END LOOP; END $$; \
                     SET CONSTRAINTS ALL DEFERRED",
                )
                .execute(&mut *tx)
                .await?;
            }
        }
        let tables = tables(&mut tx, self.backend()).await?;
        Ok(Restore {
            tx,
            db: self.clone(),
            backend: self.backend(),
            tables,
            cleared: Vec::new(),
        })
    }

    async fn schema_version_if_any(&self) -> StoreResult<i64> {
        let exists = match self.backend() {
            Backend::Sqlite => {
                "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'"
            }
            Backend::Postgres => {
                "SELECT COUNT(*) FROM information_schema.tables \
                 WHERE table_schema = current_schema() AND table_name = 'schema_migrations'"
            }
        };
        let n: i64 = sqlx::query_scalar(exists).fetch_one(self.pool()).await?;
        if n == 0 {
            return Ok(0);
        }
        self.schema_version().await
    }

    async fn is_empty(&self) -> StoreResult<bool> {
        let n: i64 = sqlx::query_scalar(
            "SELECT (SELECT COUNT(*) FROM users) + (SELECT COUNT(*) FROM audit_log)",
        )
        .fetch_one(self.pool())
        .await?;
        Ok(n == 0)
    }
}

async fn tables(
    tx: &mut Transaction<'static, Any>,
    backend: Backend,
) -> StoreResult<Vec<TableSchema>> {
    let names: Vec<String> = match backend {
        Backend::Sqlite => sqlx::query_scalar(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY name",
        ),
        Backend::Postgres => sqlx::query_scalar(
            "SELECT table_name::text FROM information_schema.tables \
             WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' ORDER BY table_name",
        ),
    }
    .fetch_all(&mut **tx)
    .await?;
    let mut out = Vec::new();
    for name in names {
        if SKIPPED.contains(&name.as_str()) {
            continue;
        }
        let q = match backend {
            Backend::Sqlite => "SELECT name, type FROM pragma_table_info($1) ORDER BY cid",
            Backend::Postgres => {
                "SELECT column_name::text AS name, data_type::text AS type FROM information_schema.columns \
                 WHERE table_schema = current_schema() AND table_name = $1 ORDER BY ordinal_position"
            }
        };
        let columns = sqlx::query(q)
            .bind(&name)
            .fetch_all(&mut **tx)
            .await?
            .iter()
            .map(|r| {
                let ty: String = r.try_get("type")?;
                Ok(Column {
                    name: r.try_get("name")?,
                    integer: ty.to_ascii_uppercase().contains("INT"),
                })
            })
            .collect::<StoreResult<Vec<_>>>()?;
        out.push(TableSchema { name, columns });
    }
    Ok(out)
}

fn refused(message: String) -> StoreError {
    StoreError::Conflict {
        field: "backup",
        message,
    }
}

/// Only names read from the database's own catalogue are ever quoted here.
fn quoted(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

fn value(r: &AnyRow, i: usize, c: &Column) -> StoreResult<Value> {
    let int = || r.try_get::<Option<i64>, _>(i).map(|v| v.map(Value::from));
    let text = || {
        r.try_get::<Option<String>, _>(i)
            .map(|v| v.map(Value::from))
    };
    let v = if c.integer {
        int().or_else(|_| text())
    } else {
        text().or_else(|_| int())
    };
    Ok(v?.unwrap_or(Value::Null))
}

impl Backup {
    /// The tables to back up, with their columns.
    pub async fn tables(&mut self) -> StoreResult<Vec<TableSchema>> {
        tables(&mut self.tx, self.backend).await
    }

    /// The schema version of the snapshot.
    pub async fn schema_version(&mut self) -> StoreResult<i64> {
        let v: Option<i64> = sqlx::query_scalar("SELECT MAX(version) FROM schema_migrations")
            .fetch_one(&mut *self.tx)
            .await?;
        Ok(v.unwrap_or(0))
    }

    /// Hand every row of `t` to `each`, values in the order of its columns;
    /// returns the number of rows.
    pub async fn each_row(
        &mut self,
        t: &TableSchema,
        mut each: impl FnMut(Vec<Value>) -> StoreResult<()>,
    ) -> StoreResult<u64> {
        let cols: Vec<String> = t.columns.iter().map(|c| quoted(&c.name)).collect();
        let order = if t.columns.iter().any(|c| c.name == "id") {
            " ORDER BY id"
        } else {
            ""
        };
        let sql = format!("SELECT {} FROM {}{order}", cols.join(", "), quoted(&t.name));
        let mut rows = sqlx::query(&sql).fetch(&mut *self.tx);
        let mut n = 0;
        while let Some(r) = rows.try_next().await? {
            let values = t
                .columns
                .iter()
                .enumerate()
                .map(|(i, c)| value(&r, i, c))
                .collect::<StoreResult<Vec<_>>>()?;
            each(values)?;
            n += 1;
        }
        Ok(n)
    }

    /// End the snapshot.
    pub async fn finish(self) -> StoreResult<()> {
        self.tx.rollback().await?;
        Ok(())
    }
}

/// A restore in progress: one transaction.
pub struct Restore {
    tx: Transaction<'static, Any>,
    db: Db,
    backend: Backend,
    tables: Vec<TableSchema>,
    cleared: Vec<String>,
}

/// Rows per INSERT statement: keeps statements small (sqlx resolves SQLite
/// parameters by name, quadratic in their number).
const PARAMS_PER_STATEMENT: usize = 400;

impl Restore {
    /// Insert rows of the table named `table`, whose values follow `columns`
    /// (as the backup recorded them). The table's rows left by migrations
    /// (e.g. the audit chain's head) are replaced by the backup's.
    pub async fn insert(
        &mut self,
        table: &str,
        columns: &[Column],
        rows: &[Vec<Value>],
    ) -> StoreResult<()> {
        let Some(target) = self.tables.iter().find(|t| t.name == table) else {
            return Err(refused(format!("备份中的表“{table}”在本版本中不存在")));
        };
        for c in columns {
            if !target.columns.iter().any(|t| t.name == c.name) {
                return Err(refused(format!(
                    "备份中的列“{table}.{}”在本版本中不存在",
                    c.name
                )));
            }
        }
        if !self.cleared.iter().any(|t| t == table) {
            sqlx::query(&format!("DELETE FROM {}", quoted(table)))
                .execute(&mut *self.tx)
                .await?;
            self.cleared.push(table.to_owned());
        }
        let names: Vec<String> = columns.iter().map(|c| quoted(&c.name)).collect();
        let per = (PARAMS_PER_STATEMENT / columns.len().max(1)).max(1);
        for chunk in rows.chunks(per) {
            let mut sql = format!(
                "INSERT INTO {} ({}) VALUES ",
                quoted(table),
                names.join(", ")
            );
            let mut n = 0;
            for (i, row) in chunk.iter().enumerate() {
                if row.len() != columns.len() {
                    return Err(refused(format!(
                        "备份中表“{table}”的一行有 {} 个值，应为 {} 个",
                        row.len(),
                        columns.len()
                    )));
                }
                sql.push_str(if i == 0 { "(" } else { ", (" });
                for j in 0..row.len() {
                    n += 1;
                    if j > 0 {
                        sql.push_str(", ");
                    }
                    sql.push_str(&format!("${n}"));
                }
                sql.push(')');
            }
            let mut q = sqlx::query(&sql);
            for row in chunk {
                for (v, c) in row.iter().zip(columns) {
                    q = match v {
                        Value::Null if c.integer => q.bind(None::<i64>),
                        Value::Null => q.bind(None::<String>),
                        Value::Number(n) => match n.as_i64() {
                            Some(i) => q.bind(i),
                            None => {
                                return Err(refused(format!("备份中表“{table}”的值 {n} 不是整数")));
                            }
                        },
                        Value::String(s) => q.bind(s.clone()),
                        other => {
                            return Err(refused(format!("备份中表“{table}”的值 {other} 无法恢复")));
                        }
                    };
                }
            }
            q.execute(&mut *self.tx).await?;
        }
        Ok(())
    }

    /// Check references, commit, and bring the schema up to this binary's version.
    pub async fn finish(mut self) -> StoreResult<()> {
        if self.backend == Backend::Postgres {
            // Identity columns continue after the restored ids.
            for t in &self.tables {
                if t.columns.iter().any(|c| c.name == "id" && c.integer) {
                    sqlx::query(&format!(
                        "SELECT setval(s, COALESCE((SELECT MAX(id) FROM {0}), 0) + 1, false) \
                         FROM (SELECT pg_get_serial_sequence($1, 'id') AS s) q WHERE s IS NOT NULL",
                        quoted(&t.name)
                    ))
                    .bind(&t.name)
                    .fetch_all(&mut *self.tx)
                    .await?;
                }
            }
        }
        self.tx.commit().await?;
        self.db.migrate().await?;
        Ok(())
    }
}
