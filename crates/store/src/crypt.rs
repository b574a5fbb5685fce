//! Personal data encrypted at rest: ID numbers and phone numbers (of
//! interviewees, staff and liaisons, and the reporters of clues) are stored
//! as `enc1:<key id>:<base64(nonce ‖ AES-256-GCM ciphertext)>`, sealed with
//! the current data key and opened with it or a previous one (key rotation:
//! `xingjian keys rotate` re-seals everything with the current key). Values
//! written before encryption was configured are read as they are and sealed
//! by the next rotation. The key id is the first 8 hex digits of the key's
//! SHA-256, so a value names the key it needs without revealing it.

use crate::error::{StoreError, StoreResult};
use aes_gcm::aead::{Aead, AeadCore, KeyInit, OsRng};
use aes_gcm::{Aes256Gcm, Key, Nonce};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use sha2::{Digest, Sha256};

const PREFIX: &str = "enc1:";

/// The `(table, column)` pairs holding personal data sealed with the keyring.
pub const SEALED_COLUMNS: &[(&str, &str)] =
    &[("inquiries", "interviewee_id_number"), ("users", "phone")];

struct DataKey {
    id: String,
    cipher: Aes256Gcm,
    /// Derived from the key: the HMAC key of blind index terms.
    blind: [u8; 32],
}

impl DataKey {
    fn new(bytes: &[u8; 32]) -> Self {
        let digest = Sha256::digest(bytes);
        Self {
            id: xingjian_domain::hex(&digest[..4]),
            cipher: Aes256Gcm::new(Key::<Aes256Gcm>::from_slice(bytes)),
            blind: Sha256::new()
                .chain_update(b"xingjian/blind-index/v1\n")
                .chain_update(bytes)
                .finalize()
                .into(),
        }
    }
}

/// The data keys: the current one seals, any of them opens.
#[derive(Default)]
pub struct Keyring {
    current: Option<DataKey>,
    previous: Vec<DataKey>,
}

impl std::fmt::Debug for Keyring {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Keyring")
            .field("current", &self.current_id())
            .field(
                "previous",
                &self.previous.iter().map(|k| &k.id).collect::<Vec<_>>(),
            )
            .finish()
    }
}

impl Keyring {
    /// A keyring sealing with `current`, opening with it and `previous`.
    pub fn new(current: [u8; 32], previous: &[[u8; 32]]) -> Self {
        Self {
            current: Some(DataKey::new(&current)),
            previous: previous.iter().map(DataKey::new).collect(),
        }
    }

    /// A fresh random key, as stored in a key file (base64 of 32 bytes).
    pub fn generate_key() -> String {
        STANDARD.encode(Aes256Gcm::generate_key(OsRng))
    }

    /// A key file's or variable's text: base64 of exactly 32 bytes.
    pub fn parse_key(text: &str) -> Result<[u8; 32], String> {
        let bytes = STANDARD.decode(text.trim()).map_err(|_| {
            "数据密钥应为 32 字节的 Base64 文本（可用 `xingjian keys generate` 生成）".to_owned()
        })?;
        bytes
            .try_into()
            .map_err(|_| "数据密钥应为 32 字节（256 位）".to_owned())
    }

    pub fn current_id(&self) -> Option<&str> {
        self.current.as_ref().map(|k| k.id.as_str())
    }

    /// Ids of every key the ring can open with.
    pub fn key_ids(&self) -> Vec<&str> {
        self.current
            .iter()
            .chain(&self.previous)
            .map(|k| k.id.as_str())
            .collect()
    }

    /// Seal a value with the current key (an empty value stays empty; without
    /// a key the value is kept as it is).
    pub fn seal(&self, plain: &str) -> StoreResult<String> {
        let Some(k) = &self.current else {
            return Ok(plain.to_owned());
        };
        if plain.is_empty() {
            return Ok(String::new());
        }
        let nonce = Aes256Gcm::generate_nonce(&mut OsRng);
        let ct = k
            .cipher
            .encrypt(&nonce, plain.as_bytes())
            .map_err(|_| StoreError::Internal("encryption failed".into()))?;
        let mut blob = nonce.to_vec();
        blob.extend_from_slice(&ct);
        Ok(format!("{PREFIX}{}:{}", k.id, STANDARD.encode(blob)))
    }

    /// Open a stored value (a value that was never sealed is returned as is).
    pub fn open(&self, stored: &str) -> StoreResult<String> {
        let Some(rest) = stored.strip_prefix(PREFIX) else {
            return Ok(stored.to_owned());
        };
        let (kid, b64) = rest
            .split_once(':')
            .ok_or_else(|| StoreError::Internal("malformed sealed value".into()))?;
        let key = self
            .current
            .iter()
            .chain(&self.previous)
            .find(|k| k.id == kid)
            .ok_or_else(|| {
                StoreError::Internal(format!(
                    "personal data sealed with data key {kid}, which is not configured"
                ))
            })?;
        let blob = STANDARD
            .decode(b64)
            .map_err(|_| StoreError::Internal("malformed sealed value".into()))?;
        if blob.len() < 12 {
            return Err(StoreError::Internal("malformed sealed value".into()));
        }
        let (nonce, ct) = blob.split_at(12);
        let plain = key
            .cipher
            .decrypt(Nonce::from_slice(nonce), ct)
            .map_err(|_| {
                StoreError::Internal(format!("sealed value fails authentication under key {kid}"))
            })?;
        String::from_utf8(plain)
            .map_err(|_| StoreError::Internal("sealed value is not text".into()))
    }

    /// The term under which an ID number is indexed and looked up (a keyed
    /// HMAC-SHA256 of the normalised number, so the index never holds the
    /// number itself); without a key, the normalised number.
    pub fn blind(&self, value: &str) -> String {
        use hmac::{Hmac, Mac};
        let normalised = value.trim().to_ascii_uppercase();
        let Some(k) = &self.current else {
            return normalised;
        };
        let Ok(mut mac) = <Hmac<Sha256> as Mac>::new_from_slice(&k.blind) else {
            return normalised;
        };
        mac.update(normalised.as_bytes());
        format!("b1:{}", xingjian_domain::hex(&mac.finalize().into_bytes()))
    }

    /// The key id a stored value was sealed with (`None`: not sealed).
    pub fn key_of(stored: &str) -> Option<&str> {
        stored
            .strip_prefix(PREFIX)
            .and_then(|r| r.split_once(':'))
            .map(|(k, _)| k)
    }

    /// Whether a stored value is sealed with the current key (or, without a
    /// key, not sealed at all).
    pub fn is_current(&self, stored: &str) -> bool {
        if stored.is_empty() {
            return true;
        }
        match &self.current {
            None => Self::key_of(stored).is_none(),
            Some(k) => Self::key_of(stored) == Some(k.id.as_str()),
        }
    }
}

impl crate::SystemStore<'_> {
    /// Re-seal with the current key every personal-data value that is not
    /// (sealed with an older key, or stored before encryption), in one
    /// transaction; returns how many values changed.
    pub async fn reseal_personal_data(&self) -> StoreResult<u64> {
        let ring = &self.store.keyring;
        let Some(current) = ring.current_id().map(str::to_owned) else {
            return Err(StoreError::Internal("no data key is configured".into()));
        };
        let mut tx = self.store.db.begin().await?;
        let mut n = 0u64;
        for (table, column) in SEALED_COLUMNS {
            let rows = sqlx::query(&format!(
                "SELECT id, {column} AS v FROM {table} WHERE {column} <> ''"
            ))
            .fetch_all(&mut *tx)
            .await?;
            for r in &rows {
                let stored: String = sqlx::Row::try_get(r, "v")?;
                if ring.is_current(&stored) {
                    continue;
                }
                let id: i64 = sqlx::Row::try_get(r, "id")?;
                let sealed = ring.seal(&ring.open(&stored)?)?;
                sqlx::query(&format!("UPDATE {table} SET {column} = $1 WHERE id = $2"))
                    .bind(sealed)
                    .bind(id)
                    .execute(&mut *tx)
                    .await?;
                n += 1;
            }
        }
        let entry = crate::AuditEntry::new(
            "personal_data.reseal",
            "data_key",
            Some(current.clone()),
            crate::Outcome::Ok,
        )
        .detail(format!("用数据密钥 {current} 重新加密个人信息 {n} 项"));
        crate::audit::write(&mut tx, &crate::audit::Who::system(), self.ctx, &entry).await?;
        tx.commit().await?;
        Ok(n)
    }

    /// How many stored personal-data values each key id seals (`""`: stored
    /// unsealed), to check before removing an old key.
    pub async fn personal_data_keys(&self) -> StoreResult<std::collections::BTreeMap<String, i64>> {
        let mut out = std::collections::BTreeMap::new();
        for (table, column) in SEALED_COLUMNS {
            let rows = sqlx::query(&format!(
                "SELECT {column} AS v FROM {table} WHERE {column} <> ''"
            ))
            .fetch_all(self.store.db.pool())
            .await?;
            for r in &rows {
                let stored: String = sqlx::Row::try_get(r, "v")?;
                let key = Keyring::key_of(&stored).unwrap_or_default().to_owned();
                *out.entry(key).or_insert(0) += 1;
            }
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seals_and_opens_with_current_and_previous_keys() {
        let old = [7u8; 32];
        let new = [9u8; 32];
        let ring_old = Keyring::new(old, &[]);
        let sealed = ring_old.seal("41010619800101001X").unwrap();
        assert!(
            sealed.starts_with("enc1:") && !sealed.contains("1980"),
            "{sealed}"
        );
        assert_ne!(
            sealed,
            ring_old.seal("41010619800101001X").unwrap(),
            "random nonce"
        );
        assert_eq!(ring_old.open(&sealed).unwrap(), "41010619800101001X");
        assert!(ring_old.is_current(&sealed));

        let rotated = Keyring::new(new, &[old]);
        assert_eq!(rotated.open(&sealed).unwrap(), "41010619800101001X");
        assert!(!rotated.is_current(&sealed));
        let resealed = rotated.seal(&rotated.open(&sealed).unwrap()).unwrap();
        assert!(rotated.is_current(&resealed));
        // Without the old key the old value cannot be read, and says which key it needs.
        let only_new = Keyring::new(new, &[]);
        let e = only_new.open(&sealed).unwrap_err().to_string();
        assert!(e.contains(Keyring::key_of(&sealed).unwrap()), "{e}");
        // Tampering is detected.
        let mut t = sealed.clone();
        t.pop();
        t.push(if sealed.ends_with('A') { 'B' } else { 'A' });
        assert!(ring_old.open(&t).is_err());
    }

    #[test]
    fn blind_terms_hide_the_number_and_match_its_spellings() {
        let ring = Keyring::new([5u8; 32], &[]);
        let t = ring.blind("41010219700101100x");
        assert!(t.starts_with("b1:") && !t.contains("4101"), "{t}");
        assert_eq!(t, ring.blind(" 41010219700101100X "));
        assert_ne!(t, Keyring::new([6u8; 32], &[]).blind("41010219700101100X"));
        assert_eq!(
            Keyring::default().blind("41010219700101100x"),
            "41010219700101100X"
        );
    }

    #[test]
    fn plain_values_and_empty_values() {
        let ring = Keyring::new([1u8; 32], &[]);
        assert_eq!(ring.open("13800000000").unwrap(), "13800000000");
        assert!(!ring.is_current("13800000000"));
        assert_eq!(ring.seal("").unwrap(), "");
        assert!(ring.is_current(""));
        let none = Keyring::default();
        assert_eq!(none.seal("x").unwrap(), "x");
    }

    #[test]
    fn keys_parse_from_base64_of_32_bytes() {
        let k = Keyring::generate_key();
        assert!(Keyring::parse_key(&k).is_ok());
        assert!(Keyring::parse_key("abc").is_err());
        assert!(Keyring::parse_key(&STANDARD.encode([0u8; 16])).is_err());
    }
}
