//! A tiny SQL builder that numbers `$n` placeholders, which both SQLite and
//! PostgreSQL accept, so scope fragments and filters compose safely.

use sqlx::any::{AnyArguments, AnyRow};
use sqlx::query::Query;
use sqlx::{Any, AnyConnection, Executor};

#[derive(Debug, Clone)]
pub(crate) enum Arg {
    Int(i64),
    Text(String),
    NullInt,
    NullText,
}

impl From<i64> for Arg {
    fn from(v: i64) -> Self {
        Arg::Int(v)
    }
}
impl From<&str> for Arg {
    fn from(v: &str) -> Self {
        Arg::Text(v.to_owned())
    }
}
impl From<String> for Arg {
    fn from(v: String) -> Self {
        Arg::Text(v)
    }
}
impl From<Option<i64>> for Arg {
    fn from(v: Option<i64>) -> Self {
        v.map_or(Arg::NullInt, Arg::Int)
    }
}
impl From<Option<String>> for Arg {
    fn from(v: Option<String>) -> Self {
        v.map_or(Arg::NullText, Arg::Text)
    }
}
impl From<Option<&str>> for Arg {
    fn from(v: Option<&str>) -> Self {
        v.map_or(Arg::NullText, |s| Arg::Text(s.to_owned()))
    }
}

/// SQL text plus its arguments, in placeholder order.
#[derive(Debug, Clone, Default)]
pub(crate) struct Sql {
    text: String,
    args: Vec<Arg>,
}

impl From<&str> for Sql {
    fn from(text: &str) -> Self {
        Sql::new(text)
    }
}

impl Sql {
    pub fn new(text: &str) -> Self {
        Self {
            text: text.to_owned(),
            args: Vec::new(),
        }
    }

    /// Append literal SQL (never user input).
    pub fn push(&mut self, text: &str) -> &mut Self {
        self.text.push_str(text);
        self
    }

    /// Append a placeholder bound to `arg`.
    pub fn bind(&mut self, arg: impl Into<Arg>) -> &mut Self {
        self.args.push(arg.into());
        self.text.push('$');
        self.text.push_str(&self.args.len().to_string());
        self
    }

    /// Append another fragment, renumbering its placeholders after ours.
    pub fn append(&mut self, other: Sql) -> &mut Self {
        let offset = self.args.len();
        let mut out = String::with_capacity(other.text.len());
        let mut chars = other.text.chars().peekable();
        while let Some(c) = chars.next() {
            if c == '$' && chars.peek().is_some_and(|d| d.is_ascii_digit()) {
                let mut n = String::new();
                while let Some(d) = chars.peek().copied().filter(char::is_ascii_digit) {
                    n.push(d);
                    chars.next();
                }
                let k: usize = n.parse().unwrap_or(0);
                out.push('$');
                out.push_str(&(k + offset).to_string());
            } else {
                out.push(c);
            }
        }
        self.text.push_str(&out);
        self.args.extend(other.args);
        self
    }

    #[cfg(test)]
    pub fn text(&self) -> &str {
        &self.text
    }

    pub fn query(&self) -> Query<'_, Any, AnyArguments<'_>> {
        let mut q = sqlx::query(&self.text);
        for a in &self.args {
            q = match a {
                Arg::Int(v) => q.bind(*v),
                Arg::Text(v) => q.bind(v.as_str()),
                Arg::NullInt => q.bind(None::<i64>),
                Arg::NullText => q.bind(None::<String>),
            };
        }
        q
    }

    pub async fn fetch_all<'e, E>(&self, e: E) -> sqlx::Result<Vec<AnyRow>>
    where
        E: Executor<'e, Database = Any>,
    {
        self.query().fetch_all(e).await
    }

    pub async fn fetch_optional<'e, E>(&self, e: E) -> sqlx::Result<Option<AnyRow>>
    where
        E: Executor<'e, Database = Any>,
    {
        self.query().fetch_optional(e).await
    }

    pub async fn fetch_one<'e, E>(&self, e: E) -> sqlx::Result<AnyRow>
    where
        E: Executor<'e, Database = Any>,
    {
        self.query().fetch_one(e).await
    }

    pub async fn execute(&self, c: &mut AnyConnection) -> sqlx::Result<u64> {
        Ok(self.query().execute(c).await?.rows_affected())
    }
}

/// `INSERT INTO table (cols…) VALUES (…) RETURNING id`; `table` and column
/// names are literals, never input.
pub(crate) async fn insert(
    c: &mut AnyConnection,
    table: &'static str,
    cols: Vec<(&'static str, Arg)>,
) -> sqlx::Result<i64> {
    let names: Vec<&str> = cols.iter().map(|(n, _)| *n).collect();
    let mut q = Sql::new(&format!(
        "INSERT INTO {table} ({}) VALUES (",
        names.join(", ")
    ));
    for (i, (_, v)) in cols.into_iter().enumerate() {
        if i > 0 {
            q.push(", ");
        }
        q.bind(v);
    }
    q.push(") RETURNING id");
    sqlx::Row::try_get(&q.fetch_one(c).await?, "id")
}

/// `UPDATE table SET cols…, version = version + 1 WHERE id = … AND version = …`:
/// false when the row changed meanwhile (the caller answers `Stale`).
pub(crate) async fn update_versioned(
    c: &mut AnyConnection,
    table: &'static str,
    id: i64,
    version: i64,
    cols: Vec<(&'static str, Arg)>,
) -> sqlx::Result<bool> {
    let mut q = Sql::new(&format!("UPDATE {table} SET "));
    for (name, v) in cols {
        q.push(name).push(" = ").bind(v).push(", ");
    }
    q.push("version = version + 1 WHERE id = ")
        .bind(id)
        .push(" AND version = ")
        .bind(version);
    Ok(q.execute(c).await? == 1)
}

/// The agencies linked to each of `ids` through a join table
/// (`table(owner_column, agency_id)`): (owner id, agency id, agency name).
/// `table` and `owner_column` are literals, never input.
pub(crate) async fn agencies_of(
    pool: &sqlx::AnyPool,
    table: &'static str,
    owner_column: &'static str,
    ids: &[i64],
) -> crate::StoreResult<Vec<(i64, i64, String)>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let mut q = Sql::new(&format!(
        "SELECT j.{owner_column} AS owner, a.id, a.name FROM {table} j JOIN agencies a ON a.id = j.agency_id \
         WHERE j.{owner_column} IN ("
    ));
    for (i, id) in ids.iter().enumerate() {
        if i > 0 {
            q.push(", ");
        }
        q.bind(*id);
    }
    q.push(") ORDER BY a.id");
    q.fetch_all(pool)
        .await?
        .iter()
        .map(|r| {
            use sqlx::Row;
            Ok((r.try_get("owner")?, r.try_get("id")?, r.try_get("name")?))
        })
        .collect()
}

/// Link `owner_id` to each agency in a join table `table(owner_column, agency_id)`.
/// `table` and `owner_column` are literals, never input.
pub(crate) async fn link_agencies(
    c: &mut AnyConnection,
    table: &'static str,
    owner_column: &'static str,
    owner_id: i64,
    agencies: &[xingjian_domain::Agency],
) -> sqlx::Result<()> {
    for a in agencies {
        let mut q = Sql::new(&format!(
            "INSERT INTO {table} ({owner_column}, agency_id) VALUES ("
        ));
        q.bind(owner_id).push(", ").bind(a.id.0).push(")");
        q.execute(c).await?;
    }
    Ok(())
}

/// A value for `insert`/`update_versioned`.
pub(crate) fn v(x: impl Into<Arg>) -> Arg {
    x.into()
}

fn like_escaped(needle: &str) -> String {
    let mut s = String::with_capacity(needle.len() + 2);
    for c in needle.chars() {
        if matches!(c, '%' | '_' | '\\') {
            s.push('\\');
        }
        s.push(c);
    }
    s
}

/// A `LIKE ... ESCAPE '\'` pattern matching values that contain `needle`.
pub(crate) fn like_contains(needle: &str) -> String {
    format!("%{}%", like_escaped(needle))
}

/// A `LIKE ... ESCAPE '\'` pattern matching values that start with `needle`.
pub(crate) fn like_prefix(needle: &str) -> String {
    format!("{}%", like_escaped(needle))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn append_renumbers_placeholders() {
        let mut a = Sql::new("SELECT * FROM t WHERE a = ");
        a.bind(1_i64);
        let mut b = Sql::new(" AND (b = $1 OR c = $1) AND d = ");
        b.args.push(Arg::Int(2));
        b.bind("x");
        a.append(b);
        assert_eq!(
            a.text(),
            "SELECT * FROM t WHERE a = $1 AND (b = $2 OR c = $2) AND d = $3"
        );
        assert_eq!(a.args.len(), 3);
    }

    #[test]
    fn like_escapes_wildcards() {
        assert_eq!(like_contains("5%_a\\"), "%5\\%\\_a\\\\%");
        assert_eq!(
            like_prefix("session.login_failed"),
            "session.login\\_failed%"
        );
    }
}
