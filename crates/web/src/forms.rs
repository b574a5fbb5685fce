//! Form helpers: HTML forms send empty strings for "nothing chosen".

use serde::{Deserialize, Deserializer};

/// An optional number from a form field: empty or blank → `None`; anything
/// else must be a number.
pub fn opt_i64<'de, D: Deserializer<'de>>(d: D) -> Result<Option<i64>, D::Error> {
    let s: Option<String> = Option::deserialize(d)?;
    match s.as_deref().map(str::trim) {
        None | Some("") => Ok(None),
        Some(v) => v.parse().map(Some).map_err(serde::de::Error::custom),
    }
}

/// A checkbox: present (any value) → true.
pub fn checkbox<'de, D: Deserializer<'de>>(d: D) -> Result<bool, D::Error> {
    let s: Option<String> = Option::deserialize(d)?;
    Ok(s.is_some_and(|v| !v.is_empty() && v != "0" && v != "false"))
}
