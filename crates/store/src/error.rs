//! The store's one error type, with stable machine codes.

use xingjian_domain::ValidationErrors;

pub type StoreResult<T> = Result<T, StoreError>;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// Absent, or outside the caller's scope: the two are never told apart.
    #[error("记录不存在或无权访问")]
    NotFound,
    #[error("无权执行此操作：{0}")]
    Forbidden(&'static str),
    #[error(transparent)]
    Validation(#[from] ValidationErrors),
    /// A unique value already taken (e.g. a username).
    #[error("{message}")]
    Conflict {
        field: &'static str,
        message: String,
    },
    /// Optimistic lock: someone else changed the record since it was read.
    #[error("该记录已被他人修改，请刷新后重试")]
    Stale,
    #[error(
        "数据库版本（{database}）比本程序支持的版本（{binary}）新，请升级 xingjian 后再启动 / the database schema version {database} is newer than this binary supports ({binary}); upgrade xingjian"
    )]
    DatabaseNewer { database: i64, binary: i64 },
    #[error(
        "已执行的迁移 {version} 与本程序内置的内容不一致 / applied migration {version} differs from the one embedded in this binary"
    )]
    MigrationChanged { version: i64 },
    #[error(
        "不支持的数据库地址“{0}”：请使用 sqlite:// 或 postgres:// 开头的地址 / unsupported database URL scheme; use sqlite:// or postgres://"
    )]
    UnsupportedUrl(String),
    #[error("数据库错误：{0}")]
    Database(#[from] sqlx::Error),
    #[error("内部错误：{0}")]
    Internal(String),
}

impl StoreError {
    /// A stable code for logs, the API and the documentation.
    pub fn code(&self) -> &'static str {
        match self {
            StoreError::NotFound => "not_found",
            StoreError::Forbidden(_) => "forbidden",
            StoreError::Validation(_) => "validation",
            StoreError::Conflict { .. } => "conflict",
            StoreError::Stale => "stale",
            StoreError::DatabaseNewer { .. } => "database_newer",
            StoreError::MigrationChanged { .. } => "migration_changed",
            StoreError::UnsupportedUrl(_) => "unsupported_database_url",
            StoreError::Database(_) => "database",
            StoreError::Internal(_) => "internal",
        }
    }

    /// Map a unique-constraint violation on `field` to a conflict the form can show.
    pub(crate) fn on_unique(self, field: &'static str, message: impl Into<String>) -> Self {
        match &self {
            StoreError::Database(sqlx::Error::Database(e))
                if e.is_unique_violation()
                    || e.message().contains("UNIQUE constraint failed")
                    || e.message().contains("duplicate key") =>
            {
                StoreError::Conflict {
                    field,
                    message: message.into(),
                }
            }
            _ => self,
        }
    }
}
