//! User accounts and the rules for usernames and passwords.

use crate::{AgencyId, Role, UserId, ValidationErrors};
use serde::Serialize;

/// An account as stored (never with its password hash).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct User {
    pub id: UserId,
    pub username: String,
    pub display_name: String,
    pub role: Role,
    pub agency_id: Option<AgencyId>,
    pub active: bool,
    pub created_at: String,
    pub updated_at: String,
    pub version: i64,
}

/// What is needed to create an account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewUser {
    pub username: String,
    pub display_name: String,
    pub role: Role,
    pub agency_id: Option<AgencyId>,
    pub password: String,
}

impl NewUser {
    /// Every rule at once, so a form can show all problems together.
    pub fn validate(&self) -> Result<(), ValidationErrors> {
        let mut errors = ValidationErrors::new();
        if let Err(m) = validate_username(&self.username) {
            errors.add("username", m);
        }
        let name = self.display_name.trim();
        if name.is_empty() {
            errors.add("display_name", "请填写姓名");
        } else if name.chars().count() > 40 {
            errors.add("display_name", "姓名不能超过 40 个字");
        }
        match (self.role.requires_agency(), self.agency_id) {
            (true, None) => errors.add("agency_id", "联络员必须属于一个行政机关"),
            (false, Some(_)) => errors.add(
                "agency_id",
                "只有联络员属于行政机关，其他角色请不要选择机关",
            ),
            _ => {}
        }
        if let Err(m) = validate_password(&self.password, &self.username) {
            errors.add("password", m);
        }
        errors.into_result()
    }
}

/// 3–32 characters: lower-case letters, digits, `.`, `_`, `-`; starting with a letter.
pub fn validate_username(username: &str) -> Result<(), &'static str> {
    let len = username.chars().count();
    if !(3..=32).contains(&len) {
        return Err("用户名长度应为 3 至 32 个字符");
    }
    if !username.starts_with(|c: char| c.is_ascii_lowercase()) {
        return Err("用户名须以小写英文字母开头");
    }
    if !username
        .chars()
        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '.' | '_' | '-'))
    {
        return Err("用户名只能包含小写英文字母、数字和 . _ -");
    }
    Ok(())
}

/// The password policy: at least 10 characters, at least three of
/// {lower case, upper case, digit, other}, not containing the username.
pub fn validate_password(password: &str, username: &str) -> Result<(), &'static str> {
    if password.chars().count() < 10 {
        return Err("密码至少 10 位");
    }
    if password.chars().count() > 128 {
        return Err("密码不能超过 128 位");
    }
    let classes = [
        password.chars().any(|c| c.is_ascii_lowercase()),
        password.chars().any(|c| c.is_ascii_uppercase()),
        password.chars().any(|c| c.is_ascii_digit()),
        password.chars().any(|c| !c.is_ascii_alphanumeric()),
    ];
    if classes.iter().filter(|x| **x).count() < 3 {
        return Err("密码须包含小写字母、大写字母、数字、符号中的至少三类");
    }
    if !username.is_empty() && password.to_lowercase().contains(&username.to_lowercase()) {
        return Err("密码不能包含用户名");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn password_policy_boundaries() {
        assert_eq!(validate_password("Abcdefg1!", "u"), Err("密码至少 10 位"));
        assert_eq!(validate_password("Abcdefgh1!", "zzz"), Ok(()));
        assert!(validate_password("abcdefghij", "zzz").is_err());
        assert!(validate_password("Zhangsan-2023", "zhangsan").is_err());
        assert!(validate_password("abcdefgh12", "zzz").is_err());
        assert_eq!(validate_password("abcdefgh1-", "zzz"), Ok(()));
    }

    #[test]
    fn usernames() {
        assert!(validate_username("li.si").is_ok());
        assert!(validate_username("ab").is_err());
        assert!(validate_username("1abc").is_err());
        assert!(validate_username("Abc").is_err());
        assert!(validate_username("张三").is_err());
    }

    #[test]
    fn liaison_needs_agency_and_others_must_not_have_one() {
        let mut u = NewUser {
            username: "liaison1".into(),
            display_name: "王联络".into(),
            role: Role::Liaison,
            agency_id: None,
            password: "Correct-Horse-9".into(),
        };
        assert!(
            u.validate()
                .is_err_and(|e| e.for_field("agency_id").is_some())
        );
        u.agency_id = Some(AgencyId(1));
        assert_eq!(u.validate(), Ok(()));
        u.role = Role::Clerk;
        assert!(
            u.validate()
                .is_err_and(|e| e.for_field("agency_id").is_some())
        );
    }
}
