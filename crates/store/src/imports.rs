//! Imported files and their datasets: registration, lookup, agency matching.

use crate::audit::{self, AuditEntry, Outcome, Who};
use crate::error::{StoreError, StoreResult};
use crate::sql::Sql;
use crate::{ActorStore, Page, PageRequest, SystemStore, scope, time};
use serde::Serialize;
use sqlx::Row;
use sqlx::any::AnyRow;
use xingjian_domain::{AgencyId, AgencyInput, AgencyKind, Role};

/// What an import registers: the file, and the dataset when rows went in.
#[derive(Debug, Clone)]
pub struct NewImport {
    pub sha256: String,
    pub file_name: String,
    pub size_bytes: i64,
    pub table: String,
    pub source_format: String,
    pub original_path: String,
    pub rows_total: i64,
    pub rows_imported: i64,
    pub rows_rejected: i64,
    pub agency_id: Option<AgencyId>,
    pub report_json: String,
    pub dataset: Option<NewDataset>,
}

#[derive(Debug, Clone)]
pub struct NewDataset {
    /// SHA-256 of the Parquet bytes.
    pub id: String,
    pub agency_id: Option<AgencyId>,
    pub location: String,
    pub row_count: i64,
}

/// A registered import, as listed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct ImportFile {
    pub id: i64,
    pub sha256: String,
    pub file_name: String,
    pub size_bytes: i64,
    pub table_name: String,
    pub source_format: String,
    pub original_path: String,
    pub rows_total: i64,
    pub rows_imported: i64,
    pub rows_rejected: i64,
    pub agency_id: Option<AgencyId>,
    pub imported_by_name: String,
    pub imported_at: String,
    pub dataset_id: Option<String>,
    pub dataset_location: Option<String>,
}

const COLUMNS: &str = "f.id, f.sha256, f.file_name, f.size_bytes, f.table_name, f.source_format, f.original_path, \
    f.rows_total, f.rows_imported, f.rows_rejected, f.agency_id, f.imported_by_name, f.imported_at, \
    d.id AS dataset_id, d.location AS dataset_location";
const FROM: &str = "FROM import_files f LEFT JOIN datasets d ON d.import_file_id = f.id";

fn from_row(r: &AnyRow) -> StoreResult<ImportFile> {
    Ok(ImportFile {
        id: r.try_get("id")?,
        sha256: r.try_get("sha256")?,
        file_name: r.try_get("file_name")?,
        size_bytes: r.try_get("size_bytes")?,
        table_name: r.try_get("table_name")?,
        source_format: r.try_get("source_format")?,
        original_path: r.try_get("original_path")?,
        rows_total: r.try_get("rows_total")?,
        rows_imported: r.try_get("rows_imported")?,
        rows_rejected: r.try_get("rows_rejected")?,
        agency_id: r.try_get::<Option<i64>, _>("agency_id")?.map(AgencyId),
        imported_by_name: r.try_get("imported_by_name")?,
        imported_at: r.try_get("imported_at")?,
        dataset_id: r.try_get("dataset_id")?,
        dataset_location: r.try_get("dataset_location")?,
    })
}

/// The kind of a new agency, from the 执法领域 column or else its name.
pub fn guess_agency_kind(name: &str, field: Option<&str>) -> AgencyKind {
    match field {
        Some("交通运输") => return AgencyKind::Transport,
        Some("公安交管") => return AgencyKind::TrafficPolice,
        _ => {}
    }
    if name.contains("交通") || name.contains("运输") {
        AgencyKind::Transport
    } else if name.contains("公安") || name.contains("交警") {
        AgencyKind::TrafficPolice
    } else if name.contains("司法") {
        AgencyKind::Justice
    } else if name.contains("教育") {
        AgencyKind::Education
    } else {
        AgencyKind::Other
    }
}

impl ActorStore<'_> {
    /// Who may import enforcement records: the office's staff, and a liaison
    /// for its own agency (information sharing).
    pub fn may_import(&self) -> bool {
        self.actor.role != Role::PeopleSupervisor
    }

    /// An earlier import of the byte-identical file as the same table, if visible.
    pub async fn find_import(&self, sha256: &str, table: &str) -> StoreResult<Option<ImportFile>> {
        let mut q = Sql::new(&format!("SELECT {COLUMNS} {FROM} WHERE f.sha256 = "));
        q.bind(sha256)
            .push(" AND f.table_name = ")
            .bind(table)
            .push(" AND (");
        q.append(scope::datasets(self.actor, "f")).push(")");
        q.fetch_optional(self.store.db.pool())
            .await?
            .as_ref()
            .map(from_row)
            .transpose()
    }

    /// Look an agency name up without registering it: `Ok(Some(id))` known,
    /// `Ok(None)` new (the actor may register it), `Err` not allowed for this actor.
    pub async fn lookup_agency_for_import(&self, name: &str) -> StoreResult<Option<AgencyId>> {
        match self.store.system(self.ctx).find_agency(name).await? {
            Some(a) if self.actor.role == Role::Liaison && self.actor.agency_id != Some(a.id) => {
                Err(StoreError::Forbidden("联络员只能导入本机关的执法记录"))
            }
            Some(a) => Ok(Some(a.id)),
            None if self.actor.role.is_internal() => Ok(None),
            None => Err(StoreError::Forbidden("联络员只能导入本机关的执法记录")),
        }
    }

    /// The registry id for an agency named in a file; a new name is registered
    /// (audited, for an administrator to confirm or merge as an alias).
    /// A liaison may only import its own agency's records.
    pub async fn resolve_agency(
        &self,
        name: &str,
        field: Option<&str>,
    ) -> StoreResult<(AgencyId, bool)> {
        let ctx = self.ctx;
        if let Some(id) = self.lookup_agency_for_import(name).await? {
            return Ok((id, false));
        }
        let input = AgencyInput {
            name: name.to_owned(),
            aliases: vec![],
            kind: guess_agency_kind(name, field),
        };
        let mut tx = self.store.db.begin().await?;
        let agency = crate::agencies::insert(&mut tx, &Who::actor(self.actor), ctx, input).await?;
        let entry = AuditEntry::new(
            "agency.auto_register",
            "agency",
            Some(agency.id.to_string()),
            Outcome::Ok,
        )
        .detail(format!(
            "导入执法记录时自动登记“{}”，请管理员确认或合并为别名",
            agency.name
        ));
        audit::write(&mut tx, &Who::actor(self.actor), ctx, &entry).await?;
        tx.commit().await?;
        Ok((agency.id, true))
    }

    /// Register an import and its dataset in one transaction, audited.
    pub async fn record_import(&self, n: NewImport) -> StoreResult<ImportFile> {
        if !self.may_import() {
            return Err(self
                .refuse(
                    "import.create",
                    "import",
                    None,
                    StoreError::Forbidden("人民监督员不能导入执法记录"),
                )
                .await);
        }
        let now = time::fmt(time::now_utc());
        let mut tx = self.store.db.begin().await?;
        let mut q = Sql::new(
            "INSERT INTO import_files (sha256, file_name, size_bytes, table_name, source_format, original_path, \
             rows_total, rows_imported, rows_rejected, agency_id, imported_by, imported_by_name, imported_at, report_json) VALUES (",
        );
        q.bind(n.sha256.as_str())
            .push(", ")
            .bind(n.file_name.as_str())
            .push(", ")
            .bind(n.size_bytes);
        q.push(", ")
            .bind(n.table.as_str())
            .push(", ")
            .bind(n.source_format.as_str());
        q.push(", ")
            .bind(n.original_path.as_str())
            .push(", ")
            .bind(n.rows_total);
        q.push(", ")
            .bind(n.rows_imported)
            .push(", ")
            .bind(n.rows_rejected);
        q.push(", ")
            .bind(n.agency_id.map(|a| a.0))
            .push(", ")
            .bind(self.actor.user_id.0);
        q.push(", ")
            .bind(self.actor.display_name.as_str())
            .push(", ")
            .bind(now.clone());
        q.push(", ")
            .bind(n.report_json.as_str())
            .push(") RETURNING id");
        let id: i64 = q
            .fetch_one(&mut *tx)
            .await
            .map_err(|e| StoreError::from(e).on_unique("file", "该文件已作为同一张表导入过"))?
            .try_get("id")?;
        if let Some(d) = &n.dataset {
            let mut q = Sql::new(
                "INSERT INTO datasets (id, import_file_id, table_name, agency_id, location, row_count, created_at) VALUES (",
            );
            q.bind(d.id.as_str())
                .push(", ")
                .bind(id)
                .push(", ")
                .bind(n.table.as_str());
            q.push(", ")
                .bind(d.agency_id.map(|a| a.0))
                .push(", ")
                .bind(d.location.as_str());
            q.push(", ")
                .bind(d.row_count)
                .push(", ")
                .bind(now)
                .push(")");
            // The same records imported twice (e.g. re-saved file) share one dataset.
            q.push(" ON CONFLICT (id) DO NOTHING");
            q.execute(&mut tx).await?;
        }
        let mut entry =
            AuditEntry::new("import.create", "import", Some(id.to_string()), Outcome::Ok).detail(
                format!(
                    "导入“{}”（{}）：共 {} 行，导入 {} 行，拒绝 {} 行",
                    n.file_name, n.table, n.rows_total, n.rows_imported, n.rows_rejected
                ),
            );
        entry.agency_id = n.agency_id.map(|a| a.0);
        audit::write(&mut tx, &Who::actor(self.actor), self.ctx, &entry).await?;
        tx.commit().await?;
        let mut q = Sql::new(&format!("SELECT {COLUMNS} {FROM} WHERE f.id = "));
        q.bind(id);
        from_row(&q.fetch_one(self.store.db.pool()).await?)
    }

    /// One import and its stored report (JSON); `NotFound` when absent or out of
    /// scope, and an out-of-scope read is audited as a refusal.
    pub async fn get_import(&self, id: i64) -> StoreResult<(ImportFile, String)> {
        let mut q = Sql::new(&format!(
            "SELECT {COLUMNS}, f.report_json {FROM} WHERE f.id = "
        ));
        q.bind(id).push(" AND (");
        q.append(scope::datasets(self.actor, "f")).push(")");
        if let Some(row) = q.fetch_optional(self.store.db.pool()).await? {
            return Ok((from_row(&row)?, row.try_get("report_json")?));
        }
        Err(self
            .absent_or_refused("import_files", id, "import.read", "import")
            .await)
    }

    /// Imports visible to the actor, newest first.
    pub async fn list_imports(&self, page: PageRequest) -> StoreResult<Page<ImportFile>> {
        let mut w = Sql::new(" WHERE (");
        w.append(scope::datasets(self.actor, "f")).push(")");
        crate::paged(
            self.store.db.pool(),
            COLUMNS,
            FROM,
            w,
            " ORDER BY f.id DESC",
            page,
            from_row,
        )
        .await
    }
}

impl SystemStore<'_> {
    /// Every dataset's location (for consistency checks and backups).
    pub async fn dataset_locations(&self) -> StoreResult<Vec<(String, String)>> {
        let rows = Sql::new("SELECT id, location FROM datasets ORDER BY id")
            .fetch_all(self.store.db.pool())
            .await?;
        rows.iter()
            .map(|r| Ok((r.try_get("id")?, r.try_get("location")?)))
            .collect()
    }
}
