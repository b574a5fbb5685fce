//! User accounts.

use crate::audit::{self, AuditEntry, Outcome, Who};
use crate::auth::{hash_password, verify_password};
use crate::error::{StoreError, StoreResult};
use crate::sql::{Sql, like_contains};
use crate::{ActorStore, Page, PageRequest, RequestCtx, SystemStore, scope, time};
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};
use xingjian_domain::{AgencyId, NewUser, Role, User, UserId, ValidationErrors, validate_password};

const COLUMNS: &str = "users.id, users.username, users.display_name, users.role, users.agency_id, \
                       users.active, users.created_at, users.updated_at, users.version";

pub(crate) fn from_row(r: &AnyRow) -> StoreResult<User> {
    let role: String = r.try_get("role")?;
    Ok(User {
        id: UserId(r.try_get("id")?),
        username: r.try_get("username")?,
        display_name: r.try_get("display_name")?,
        role: Role::from_code(&role)
            .ok_or_else(|| StoreError::Internal(format!("unknown role {role}")))?,
        agency_id: r.try_get::<Option<i64>, _>("agency_id")?.map(AgencyId),
        active: r.try_get::<i64, _>("active")? != 0,
        created_at: r.try_get("created_at")?,
        updated_at: r.try_get("updated_at")?,
        version: r.try_get("version")?,
    })
}

/// Search and filter for the user list.
#[derive(Debug, Clone, Default, serde::Deserialize, utoipa::IntoParams)]
pub struct UserFilter {
    /// Part of the username or display name.
    pub q: Option<String>,
    pub role: Option<Role>,
    pub agency_id: Option<i64>,
}

/// What an administrator may change on an account.
#[derive(Debug, Clone, serde::Deserialize, utoipa::ToSchema)]
pub struct UserUpdate {
    pub display_name: String,
    pub role: Role,
    pub agency_id: Option<AgencyId>,
    pub active: bool,
    /// The version read; a stale one is refused.
    pub version: i64,
}

async fn fetch(
    conn: &mut AnyConnection,
    id: UserId,
    scope: Option<Sql>,
) -> StoreResult<Option<User>> {
    let mut q = Sql::new(&format!("SELECT {COLUMNS} FROM users WHERE users.id = "));
    q.bind(id.0);
    if let Some(s) = scope {
        q.push(" AND (").append(s).push(")");
    }
    q.fetch_optional(conn)
        .await?
        .as_ref()
        .map(from_row)
        .transpose()
}

async fn agency_exists(conn: &mut AnyConnection, id: AgencyId) -> StoreResult<bool> {
    let mut q = Sql::new("SELECT COUNT(*) AS n FROM agencies WHERE id = ");
    q.bind(id.0);
    Ok(q.fetch_one(conn).await?.try_get::<i64, _>("n")? > 0)
}

/// Validate and hash outside any transaction (argon2 is slow by design).
async fn prepare(u: NewUser) -> StoreResult<(NewUser, String)> {
    let u = NewUser {
        display_name: u.display_name.trim().to_owned(),
        username: u.username.trim().to_owned(),
        ..u
    };
    u.validate()?;
    let hash = hash_password(&u.password).await?;
    Ok((u, hash))
}

async fn insert(
    conn: &mut AnyConnection,
    who: &Who<'_>,
    ctx: &RequestCtx,
    (u, hash): (NewUser, String),
) -> StoreResult<User> {
    if let Some(a) = u.agency_id
        && !agency_exists(conn, a).await?
    {
        return Err(ValidationErrors::one("agency_id", "所选行政机关不存在").into());
    }
    let now = time::fmt(time::now_utc());
    let mut q = Sql::new(
        "INSERT INTO users (username, display_name, role, agency_id, password_hash, active, \
         password_changed_at, created_at, updated_at) VALUES (",
    );
    q.bind(u.username.as_str())
        .push(", ")
        .bind(u.display_name.as_str())
        .push(", ")
        .bind(u.role.code())
        .push(", ")
        .bind(u.agency_id.map(|a| a.0))
        .push(", ")
        .bind(hash)
        .push(", 1, ")
        .bind(now.clone())
        .push(", ")
        .bind(now.clone())
        .push(", ")
        .bind(now)
        .push(") RETURNING id");
    let id: i64 = q
        .fetch_one(&mut *conn)
        .await
        .map_err(|e| StoreError::from(e).on_unique("username", "该用户名已被使用"))?
        .try_get("id")?;
    let user = fetch(conn, UserId(id), None)
        .await?
        .ok_or(StoreError::NotFound)?;
    let mut entry = AuditEntry::new("user.create", "user", Some(id.to_string()), Outcome::Ok)
        .change(None, Some(&user));
    entry.agency_id = user.agency_id.map(|a| a.0);
    audit::write(conn, who, ctx, &entry).await?;
    Ok(user)
}

async fn hash_new_password(user: &User, password: &str) -> StoreResult<String> {
    validate_password(password, &user.username)
        .map_err(|m| ValidationErrors::one("password", m))?;
    hash_password(password).await
}

/// Store a new password hash and end every session of the account; audited as
/// `action` (`user.reset_password` by an administrator, `user.change_password` by the user).
async fn set_password(
    pool: &sqlx::AnyPool,
    who: &Who<'_>,
    ctx: &RequestCtx,
    user: &User,
    hash: String,
    action: &str,
) -> StoreResult<()> {
    let mut tx = pool.begin().await?;
    let conn: &mut AnyConnection = &mut tx;
    let now = time::fmt(time::now_utc());
    let mut q = Sql::new("UPDATE users SET password_hash = ");
    q.bind(hash)
        .push(", password_changed_at = ")
        .bind(now.clone())
        .push(", updated_at = ")
        .bind(now)
        .push(", version = version + 1 WHERE id = ")
        .bind(user.id.0);
    q.execute(conn).await?;
    // Every session of the account ends: whoever had the old password is out.
    let mut d = Sql::new("DELETE FROM sessions WHERE user_id = ");
    d.bind(user.id.0);
    d.execute(conn).await?;
    let verb = if action == "user.change_password" {
        "修改"
    } else {
        "重置"
    };
    let entry = AuditEntry::new(action, "user", Some(user.id.to_string()), Outcome::Ok)
        .detail(format!("{verb} {} 的密码并注销其全部会话", user.username));
    audit::write(conn, who, ctx, &entry).await?;
    tx.commit().await?;
    Ok(())
}

impl ActorStore<'_> {
    pub async fn list_users(&self, f: &UserFilter, page: PageRequest) -> StoreResult<Page<User>> {
        let mut w = Sql::new(" WHERE (");
        w.append(scope::users(self.actor)).push(")");
        if let Some(q) = f.q.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            let pat = like_contains(q);
            w.push(" AND (users.username LIKE ").bind(pat.clone());
            w.push(" ESCAPE '\\' OR users.display_name LIKE ")
                .bind(pat)
                .push(" ESCAPE '\\')");
        }
        if let Some(r) = f.role {
            w.push(" AND users.role = ").bind(r.code());
        }
        if let Some(a) = f.agency_id {
            w.push(" AND users.agency_id = ").bind(a);
        }
        crate::paged(
            self.store.db.pool(),
            COLUMNS,
            "FROM users",
            w,
            " ORDER BY users.id",
            page,
            from_row,
        )
        .await
    }

    pub async fn get_user(&self, id: UserId) -> StoreResult<User> {
        let mut conn = self.store.db.pool().acquire().await?;
        if let Some(u) = fetch(&mut conn, id, Some(scope::users(self.actor))).await? {
            return Ok(u);
        }
        if fetch(&mut conn, id, None).await?.is_some() {
            return Err(self
                .refuse(
                    "user.read",
                    "user",
                    Some(id.to_string()),
                    StoreError::NotFound,
                )
                .await);
        }
        Err(StoreError::NotFound)
    }

    pub async fn create_user(&self, u: NewUser) -> StoreResult<User> {
        if !self.actor.can_administer() {
            return Err(self
                .refuse(
                    "user.create",
                    "user",
                    None,
                    StoreError::Forbidden("只有系统管理员可以创建账号"),
                )
                .await);
        }
        let prepared = prepare(u).await?;
        let mut tx = self.store.db.begin().await?;
        let user = insert(&mut tx, &Who::actor(self.actor), self.ctx, prepared).await?;
        tx.commit().await?;
        Ok(user)
    }

    pub async fn update_user(&self, id: UserId, upd: UserUpdate) -> StoreResult<User> {
        if !self.actor.can_administer() {
            self.get_user(id).await?;
            return Err(self
                .refuse(
                    "user.update",
                    "user",
                    Some(id.to_string()),
                    StoreError::Forbidden("只有系统管理员可以修改账号"),
                )
                .await);
        }
        let mut errors = ValidationErrors::new();
        let display_name = upd.display_name.trim().to_owned();
        if display_name.is_empty() {
            errors.add("display_name", "请填写姓名");
        } else if display_name.chars().count() > 40 {
            errors.add("display_name", "姓名不能超过 40 个字");
        }
        match (upd.role.requires_agency(), upd.agency_id) {
            (true, None) => errors.add("agency_id", "联络员必须属于一个行政机关"),
            (false, Some(_)) => errors.add(
                "agency_id",
                "只有联络员属于行政机关，其他角色请不要选择机关",
            ),
            _ => {}
        }
        if id == self.actor.user_id && (!upd.active || upd.role != xingjian_domain::Role::Admin) {
            errors.add("role", "不能停用自己的账号或取消自己的管理员角色");
        }
        errors.into_result()?;
        let mut tx = self.store.db.begin().await?;
        if let Some(a) = upd.agency_id
            && !agency_exists(&mut tx, a).await?
        {
            return Err(ValidationErrors::one("agency_id", "所选行政机关不存在").into());
        }
        let before = fetch(&mut tx, id, None)
            .await?
            .ok_or(StoreError::NotFound)?;
        let mut q = Sql::new("UPDATE users SET display_name = ");
        q.bind(display_name)
            .push(", role = ")
            .bind(upd.role.code())
            .push(", agency_id = ")
            .bind(upd.agency_id.map(|a| a.0))
            .push(", active = ")
            .bind(i64::from(upd.active))
            .push(", updated_at = ")
            .bind(time::fmt(time::now_utc()))
            .push(", version = version + 1 WHERE id = ")
            .bind(id.0)
            .push(" AND version = ")
            .bind(upd.version);
        if q.execute(&mut tx).await? == 0 {
            return Err(StoreError::Stale);
        }
        let after = fetch(&mut tx, id, None)
            .await?
            .ok_or(StoreError::NotFound)?;
        if !after.active || after.role != before.role || after.agency_id != before.agency_id {
            // A changed role or agency takes effect now, not at the next login.
            let mut d = Sql::new("DELETE FROM sessions WHERE user_id = ");
            d.bind(id.0);
            d.execute(&mut tx).await?;
        }
        let mut entry = AuditEntry::new("user.update", "user", Some(id.to_string()), Outcome::Ok)
            .change(Some(&before), Some(&after));
        entry.agency_id = after.agency_id.map(|a| a.0);
        audit::write(&mut tx, &Who::actor(self.actor), self.ctx, &entry).await?;
        tx.commit().await?;
        Ok(after)
    }

    pub async fn reset_password(&self, id: UserId, password: &str) -> StoreResult<()> {
        let user = self.get_user(id).await?;
        if !self.actor.can_administer() && id != self.actor.user_id {
            return Err(self
                .refuse(
                    "user.reset_password",
                    "user",
                    Some(id.to_string()),
                    StoreError::Forbidden("只有系统管理员可以重置他人密码"),
                )
                .await);
        }
        let hash = hash_new_password(&user, password).await?;
        set_password(
            self.store.db.pool(),
            &Who::actor(self.actor),
            self.ctx,
            &user,
            hash,
            "user.reset_password",
        )
        .await?;
        Ok(())
    }

    /// A user changes their own password: the current one must be right; every
    /// session of the account ends (the user logs in again). Audited either way.
    pub async fn change_own_password(
        &self,
        current: &str,
        new: &str,
        confirm: &str,
    ) -> StoreResult<()> {
        let mut q = Sql::new("SELECT password_hash FROM users WHERE id = ");
        q.bind(self.actor.user_id.0);
        let hash: String = q
            .fetch_one(self.store.db.pool())
            .await?
            .try_get("password_hash")?;
        if !verify_password(current, &hash).await {
            self.audit(
                AuditEntry::new(
                    "user.change_password",
                    "user",
                    Some(self.actor.user_id.to_string()),
                    Outcome::Failed,
                )
                .detail("当前密码不正确"),
            )
            .await?;
            return Err(ValidationErrors::one("current_password", "当前密码不正确").into());
        }
        let mut errors = ValidationErrors::new();
        if new != confirm {
            errors.add("confirm_password", "两次输入的新密码不一致");
        }
        if new == current {
            errors.add("new_password", "新密码不能与当前密码相同");
        }
        if let Err(m) = validate_password(new, &self.actor.username) {
            errors.add("new_password", m);
        }
        errors.into_result()?;
        let user = fetch(
            &mut *self.store.db.pool().acquire().await?,
            self.actor.user_id,
            None,
        )
        .await?
        .ok_or(StoreError::NotFound)?;
        let hash = hash_password(new).await?;
        set_password(
            self.store.db.pool(),
            &Who::actor(self.actor),
            self.ctx,
            &user,
            hash,
            "user.change_password",
        )
        .await?;
        Ok(())
    }
}

impl SystemStore<'_> {
    pub async fn create_user(&self, u: NewUser) -> StoreResult<User> {
        let prepared = prepare(u).await?;
        let mut tx = self.store.db.begin().await?;
        let user = insert(&mut tx, &Who::system(), self.ctx, prepared).await?;
        tx.commit().await?;
        Ok(user)
    }

    pub async fn find_user(&self, username: &str) -> StoreResult<Option<User>> {
        let mut q = Sql::new(&format!("SELECT {COLUMNS} FROM users WHERE username = "));
        q.bind(username.trim());
        q.fetch_optional(self.store.db.pool())
            .await?
            .as_ref()
            .map(from_row)
            .transpose()
    }

    pub async fn reset_password(&self, username: &str, password: &str) -> StoreResult<()> {
        let user = self
            .find_user(username)
            .await?
            .ok_or(StoreError::NotFound)?;
        let hash = hash_new_password(&user, password).await?;
        set_password(
            self.store.db.pool(),
            &Who::system(),
            self.ctx,
            &user,
            hash,
            "user.reset_password",
        )
        .await?;
        Ok(())
    }

    /// The first active administrator, the default account of CLI jobs.
    pub async fn first_admin(&self) -> StoreResult<Option<User>> {
        let mut q = Sql::new(&format!(
            "SELECT {COLUMNS} FROM users WHERE active = 1 AND role = "
        ));
        q.bind(Role::Admin.code()).push(" ORDER BY id LIMIT 1");
        q.fetch_optional(self.store.db.pool())
            .await?
            .as_ref()
            .map(from_row)
            .transpose()
    }

    pub async fn count_users(&self) -> StoreResult<i64> {
        Ok(Sql::new("SELECT COUNT(*) AS n FROM users")
            .fetch_one(self.store.db.pool())
            .await?
            .try_get("n")?)
    }
}

/// A colleague as the office's staff see one: name and role, for assigning work.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
pub struct StaffMember {
    pub id: i64,
    pub display_name: String,
    pub role: Role,
}

impl ActorStore<'_> {
    /// The office's active staff (names and roles only), for the office's own
    /// staff; outsiders get an empty list.
    pub async fn staff_directory(&self) -> StoreResult<Vec<StaffMember>> {
        if !self.actor.role.is_internal() {
            return Ok(Vec::new());
        }
        let rows = Sql::new(
            "SELECT id, display_name, role FROM users WHERE active = 1 \
             AND role NOT IN ('liaison', 'people_supervisor', 'admin') ORDER BY id",
        )
        .fetch_all(self.store.db.pool())
        .await?;
        rows.iter()
            .map(|r| {
                let role: String = r.try_get("role")?;
                Ok(StaffMember {
                    id: r.try_get("id")?,
                    display_name: r.try_get("display_name")?,
                    role: Role::from_code(&role)
                        .ok_or_else(|| StoreError::Internal(format!("role {role}")))?,
                })
            })
            .collect()
    }
}

/// A person's contact details (a liaison's, on its agency's page).
#[derive(
    Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize, utoipa::ToSchema,
)]
pub struct Contact {
    #[serde(default)]
    pub user_id: i64,
    #[serde(default)]
    pub display_name: String,
    #[serde(default)]
    pub position: String,
    #[serde(default)]
    pub phone: String,
    #[serde(default)]
    pub email: String,
}

impl Contact {
    /// The contact with its phone number masked, as the audit log keeps it.
    fn masked(&self) -> Self {
        Self {
            phone: xingjian_domain::mask::mask_id(&self.phone),
            ..self.clone()
        }
    }
}

fn check_contact(c: &Contact) -> Result<(), ValidationErrors> {
    let mut e = ValidationErrors::new();
    if c.position.trim().chars().count() > 40 {
        e.add("position", "职务不能超过 40 字");
    }
    let phone = c.phone.trim();
    if !phone.is_empty()
        && (phone.len() > 20
            || !phone
                .chars()
                .all(|ch| ch.is_ascii_digit() || matches!(ch, '-' | '+' | ' ' | '(' | ')')))
    {
        e.add("phone", "电话只能包含数字、空格和 - + ( )");
    }
    let email = c.email.trim();
    if !email.is_empty() {
        let ok = email.len() <= 100
            && email.split_once('@').is_some_and(|(a, d)| {
                !a.is_empty() && d.contains('.') && !d.starts_with('.') && !d.ends_with('.')
            })
            && !email.chars().any(char::is_whitespace);
        if !ok {
            e.add("email", "电子邮箱格式不正确，例如 liaison@example.gov.cn");
        }
    }
    e.into_result()
}

impl ActorStore<'_> {
    /// The active liaisons of an agency with their contacts, within the
    /// actor's scope of agencies.
    pub async fn liaison_contacts(&self, agency_id: i64) -> StoreResult<Vec<Contact>> {
        let mut q = Sql::new(
            "SELECT users.id, users.display_name, users.position, users.phone, users.email FROM users \
             JOIN agencies ON agencies.id = users.agency_id WHERE users.role = 'liaison' AND users.active = 1 \
             AND users.agency_id = ",
        );
        q.bind(agency_id).push(" AND (");
        q.append(crate::scope::agencies(self.actor))
            .push(") ORDER BY users.id");
        q.fetch_all(self.store.db.pool())
            .await?
            .iter()
            .map(|r| {
                Ok(Contact {
                    user_id: r.try_get("id")?,
                    display_name: r.try_get("display_name")?,
                    position: r.try_get("position")?,
                    phone: self.store.keyring.open(&r.try_get::<String, _>("phone")?)?,
                    email: r.try_get("email")?,
                })
            })
            .collect()
    }

    /// The active people's supervisors (id, name), for the office's staff to
    /// invite to a public delivery; outsiders get none.
    pub async fn people_supervisors(&self) -> StoreResult<Vec<(i64, String)>> {
        if !self.actor.role.is_internal() {
            return Ok(Vec::new());
        }
        Sql::new("SELECT id, display_name FROM users WHERE active = 1 AND role = 'people_supervisor' ORDER BY id")
            .fetch_all(self.store.db.pool())
            .await?
            .iter()
            .map(|r| Ok((r.try_get("id")?, r.try_get("display_name")?)))
            .collect()
    }

    pub async fn contact_of(&self, id: UserId) -> StoreResult<Contact> {
        let u = self.get_user(id).await?;
        let mut q = Sql::new("SELECT position, phone, email FROM users WHERE id = ");
        q.bind(id.0);
        let r = q.fetch_one(self.store.db.pool()).await?;
        Ok(Contact {
            user_id: id.0,
            display_name: u.display_name,
            position: r.try_get("position")?,
            phone: self.store.keyring.open(&r.try_get::<String, _>("phone")?)?,
            email: r.try_get("email")?,
        })
    }

    /// Set a user's contact details: the administrator for anyone, each user
    /// for themselves (scope::users decides which row may be read).
    pub async fn set_contact(&self, id: UserId, c: &Contact) -> StoreResult<Contact> {
        let before = self.contact_of(id).await?;
        if !(self.actor.can_administer() || self.actor.user_id == id) {
            return Err(self
                .refuse(
                    "user.contact",
                    "user",
                    Some(id.0.to_string()),
                    StoreError::Forbidden("只能修改本人的联系方式"),
                )
                .await);
        }
        check_contact(c)?;
        let after = Contact {
            user_id: id.0,
            display_name: before.display_name.clone(),
            position: c.position.trim().to_owned(),
            phone: c.phone.trim().to_owned(),
            email: c.email.trim().to_owned(),
        };
        let mut tx = self.store.db.begin().await?;
        let mut q = Sql::new("UPDATE users SET position = ");
        q.bind(after.position.as_str())
            .push(", phone = ")
            .bind(self.store.keyring.seal(&after.phone)?)
            .push(", email = ")
            .bind(after.email.as_str())
            .push(", updated_at = ")
            .bind(time::fmt(time::now_utc()))
            .push(" WHERE id = ")
            .bind(id.0);
        q.execute(&mut tx).await?;
        let entry = AuditEntry::new("user.contact", "user", Some(id.0.to_string()), Outcome::Ok)
            .detail(format!("修改{}的联系方式", before.display_name))
            .change(Some(&before.masked()), Some(&after.masked()));
        audit::write(&mut tx, &Who::actor(self.actor), self.ctx, &entry).await?;
        tx.commit().await?;
        Ok(after)
    }
}

impl SystemStore<'_> {
    /// Contact details set by the system (the demo office), audited as such.
    pub async fn set_contact(&self, id: UserId, c: &Contact) -> StoreResult<()> {
        check_contact(c)?;
        let mut tx = self.store.db.begin().await?;
        let mut q = Sql::new("UPDATE users SET position = ");
        q.bind(c.position.trim())
            .push(", phone = ")
            .bind(self.store.keyring.seal(c.phone.trim())?)
            .push(", email = ")
            .bind(c.email.trim())
            .push(" WHERE id = ")
            .bind(id.0);
        q.execute(&mut tx).await?;
        let entry = AuditEntry::new("user.contact", "user", Some(id.0.to_string()), Outcome::Ok)
            .detail("设置联系方式");
        audit::write(&mut tx, &Who::system(), self.ctx, &entry).await?;
        tx.commit().await?;
        Ok(())
    }
}
