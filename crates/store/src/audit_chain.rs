//! The audit log as a hash chain. Every entry has a gap-free position `seq`,
//! the hash of the entry before it and its own hash:
//! `SM3(prev_hash ‖ "\n" ‖ JSON array of the entry's fields)` in lowercase hex.
//! `audit_head` holds the last position and hash; appending takes its row
//! lock (`UPDATE … RETURNING`), so concurrent writers are chained one at a
//! time and a rolled-back transaction leaves no gap.
//!
//! [`SystemStore::verify_audit`] walks the chain and names every entry that
//! was edited, deleted, inserted or reordered. Whoever can rewrite the whole
//! chain from some point on can also recompute it, so the head
//! ([`SystemStore::audit_head`]) is meant to be exported and kept elsewhere;
//! `verify` then checks that a recorded head is still part of the chain.

use crate::error::StoreResult;
use crate::{SystemStore, time};
use serde::Serialize;
use sm3::{Digest, Sm3};
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Connection, Row};

/// The migration that introduced the chain; entries older than it are chained
/// in that migration's transaction.
pub(crate) const MIGRATION: i64 = 8;

/// The "previous hash" of the first entry.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// An entry's hashed fields, in the order they are hashed.
#[derive(Debug, Clone)]
pub(crate) struct Link {
    pub seq: i64,
    pub at: String,
    pub actor_user_id: Option<i64>,
    pub actor_username: Option<String>,
    pub actor_role: Option<String>,
    pub ip: Option<String>,
    pub request_id: Option<String>,
    pub action: String,
    pub entity: String,
    pub entity_id: Option<String>,
    pub agency_id: Option<i64>,
    pub outcome: String,
    pub detail: Option<String>,
    pub before_json: Option<String>,
    pub after_json: Option<String>,
}

const COLUMNS: &str = "id, seq, prev_hash, hash, at, actor_user_id, actor_username, actor_role, ip, \
     request_id, action, entity, entity_id, agency_id, outcome, detail, before_json, after_json";

impl Link {
    /// This entry's hash, chained to `prev`.
    pub fn hash(&self, prev: &str) -> String {
        let fields = serde_json::json!([
            self.seq,
            self.at,
            self.actor_user_id,
            self.actor_username,
            self.actor_role,
            self.ip,
            self.request_id,
            self.action,
            self.entity,
            self.entity_id,
            self.agency_id,
            self.outcome,
            self.detail,
            self.before_json,
            self.after_json,
        ]);
        let mut h = Sm3::new();
        h.update(prev.as_bytes());
        h.update(b"\n");
        h.update(fields.to_string().as_bytes());
        xingjian_domain::hex(&h.finalize())
    }

    fn from_row(r: &AnyRow, seq: i64) -> sqlx::Result<Self> {
        Ok(Self {
            seq,
            at: r.try_get("at")?,
            actor_user_id: r.try_get("actor_user_id")?,
            actor_username: r.try_get("actor_username")?,
            actor_role: r.try_get("actor_role")?,
            ip: r.try_get("ip")?,
            request_id: r.try_get("request_id")?,
            action: r.try_get("action")?,
            entity: r.try_get("entity")?,
            entity_id: r.try_get("entity_id")?,
            agency_id: r.try_get("agency_id")?,
            outcome: r.try_get("outcome")?,
            detail: r.try_get("detail")?,
            before_json: r.try_get("before_json")?,
            after_json: r.try_get("after_json")?,
        })
    }
}

/// Append one entry (its `seq` is assigned here), inside the caller's
/// transaction when there is one (as a savepoint), else in its own.
pub(crate) async fn append(conn: &mut AnyConnection, mut link: Link) -> StoreResult<()> {
    let mut tx = conn.begin().await?;
    let head = sqlx::query("UPDATE audit_head SET seq = seq + 1 WHERE id = 1 RETURNING seq, hash")
        .fetch_one(&mut *tx)
        .await?;
    link.seq = head.try_get("seq")?;
    let prev: String = head.try_get("hash")?;
    let hash = link.hash(&prev);
    sqlx::query(
        "INSERT INTO audit_log (seq, prev_hash, hash, at, actor_user_id, actor_username, actor_role, \
         ip, request_id, action, entity, entity_id, agency_id, outcome, detail, before_json, after_json) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17)",
    )
    .bind(link.seq)
    .bind(prev)
    .bind(hash.clone())
    .bind(link.at)
    .bind(link.actor_user_id)
    .bind(link.actor_username)
    .bind(link.actor_role)
    .bind(link.ip)
    .bind(link.request_id)
    .bind(link.action)
    .bind(link.entity)
    .bind(link.entity_id)
    .bind(link.agency_id)
    .bind(link.outcome)
    .bind(link.detail)
    .bind(link.before_json)
    .bind(link.after_json)
    .execute(&mut *tx)
    .await?;
    sqlx::query("UPDATE audit_head SET hash = $1 WHERE id = 1")
        .bind(hash)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(())
}

/// Chain the entries written before the chain existed, in id order (run once,
/// by the migration that added the chain, in its transaction).
pub(crate) async fn chain_existing(conn: &mut AnyConnection) -> StoreResult<()> {
    let rows = sqlx::query(&format!("SELECT {COLUMNS} FROM audit_log ORDER BY id"))
        .fetch_all(&mut *conn)
        .await?;
    let mut prev = GENESIS.to_owned();
    let mut seq = 0;
    for r in &rows {
        seq += 1;
        let id: i64 = r.try_get("id")?;
        let hash = Link::from_row(r, seq)?.hash(&prev);
        sqlx::query("UPDATE audit_log SET seq = $1, prev_hash = $2, hash = $3 WHERE id = $4")
            .bind(seq)
            .bind(prev)
            .bind(hash.clone())
            .bind(id)
            .execute(&mut *conn)
            .await?;
        prev = hash;
    }
    sqlx::query("UPDATE audit_head SET seq = $1, hash = $2 WHERE id = 1")
        .bind(seq)
        .bind(prev)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// The chain's last position and hash: what to record elsewhere.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ChainHead {
    pub seq: i64,
    pub hash: String,
    /// When it was read (UTC, RFC 3339).
    pub at: String,
}

impl ChainHead {
    /// Parse `SEQ:HASH`, the form `xingjian audit head` prints for anchoring.
    pub fn parse_anchor(s: &str) -> Option<(i64, String)> {
        let (seq, hash) = s.trim().split_once(':')?;
        let seq = seq.trim().parse().ok()?;
        let hash = hash.trim().to_ascii_lowercase();
        (hash.len() == 64 && hash.bytes().all(|b| b.is_ascii_hexdigit())).then_some((seq, hash))
    }
}

/// One thing wrong with the chain, naming the entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ChainProblem {
    /// `edited`, `relinked`, `missing`, `truncated`, `appended`, `unchained`,
    /// `anchor_mismatch`.
    pub code: &'static str,
    pub seq: Option<i64>,
    pub id: Option<i64>,
    pub message: String,
}

/// What `verify` found.
#[derive(Debug, Clone, Serialize)]
pub struct ChainReport {
    /// Entries walked.
    pub entries: i64,
    pub head: ChainHead,
    pub problems: Vec<ChainProblem>,
}

impl ChainReport {
    pub fn intact(&self) -> bool {
        self.problems.is_empty()
    }
}

const PAGE: i64 = 5000;
/// More problems than this are summarised, not listed.
const MAX_LISTED: usize = 200;

impl SystemStore<'_> {
    /// The chain's head now.
    pub async fn audit_head(&self) -> StoreResult<ChainHead> {
        let r = sqlx::query("SELECT seq, hash FROM audit_head WHERE id = 1")
            .fetch_one(self.store.db.pool())
            .await?;
        Ok(ChainHead {
            seq: r.try_get("seq")?,
            hash: r.try_get("hash")?,
            at: time::fmt(time::now_utc()),
        })
    }

    /// Walk the whole chain; `anchor` is a head recorded earlier (`seq`, `hash`)
    /// that must still be part of it.
    pub async fn verify_audit(&self, anchor: Option<(i64, String)>) -> StoreResult<ChainReport> {
        let pool = self.store.db.pool();
        let head = self.audit_head().await?;
        let mut problems = Vec::new();
        let mut add = |p: ChainProblem| problems.push(p);

        let unchained =
            sqlx::query("SELECT id FROM audit_log WHERE seq IS NULL OR hash IS NULL ORDER BY id")
                .fetch_all(pool)
                .await?;
        for r in &unchained {
            let id: i64 = r.try_get("id")?;
            add(ChainProblem {
                code: "unchained",
                seq: None,
                id: Some(id),
                message: format!("审计记录 id {id} 不在哈希链中：系统之外插入或改动的记录"),
            });
        }

        let mut entries = 0;
        let mut expected = 1;
        let mut prev = GENESIS.to_owned();
        let mut prev_id: Option<i64> = None;
        let mut anchor_seen = false;
        loop {
            let rows = sqlx::query(&format!(
                "SELECT {COLUMNS} FROM audit_log WHERE seq >= $1 AND hash IS NOT NULL \
                 ORDER BY seq LIMIT {PAGE}"
            ))
            .bind(expected)
            .fetch_all(pool)
            .await?;
            if rows.is_empty() {
                break;
            }
            for r in &rows {
                entries += 1;
                let id: i64 = r.try_get("id")?;
                let seq: i64 = r.try_get("seq")?;
                let stored_prev: Option<String> = r.try_get("prev_hash")?;
                let stored_prev = stored_prev.unwrap_or_default();
                let hash: String = r.try_get("hash")?;
                if seq > expected {
                    add(ChainProblem {
                        code: "missing",
                        seq: Some(expected),
                        id: None,
                        message: format!(
                            "第 {} 条审计记录缺失（在 id {} 之前）：记录被删除",
                            span(expected, seq - 1),
                            id
                        ),
                    });
                } else if stored_prev != prev {
                    let before = prev_id.map(|i| format!("（id {i}）")).unwrap_or_default();
                    add(ChainProblem {
                        code: "relinked",
                        seq: Some(seq),
                        id: Some(id),
                        message: format!(
                            "第 {seq} 条审计记录（id {id}）所记的前一哈希与第 {} 条{before}不符：\
                             前一条被改写、替换或调换了顺序",
                            seq - 1
                        ),
                    });
                }
                if Link::from_row(r, seq)?.hash(&stored_prev) != hash {
                    add(ChainProblem {
                        code: "edited",
                        seq: Some(seq),
                        id: Some(id),
                        message: format!(
                            "第 {seq} 条审计记录（id {id}）的内容与其哈希不符：记录被修改"
                        ),
                    });
                }
                if let Some((aseq, ahash)) = &anchor
                    && *aseq == seq
                {
                    anchor_seen = true;
                    if *ahash != hash {
                        add(ChainProblem {
                            code: "anchor_mismatch",
                            seq: Some(seq),
                            id: Some(id),
                            message: format!(
                                "第 {seq} 条审计记录的哈希与留存的链头不符：此前的记录被整体重写"
                            ),
                        });
                    }
                }
                expected = seq + 1;
                prev = hash;
                prev_id = Some(id);
            }
        }
        let last = expected - 1;
        if head.seq > last {
            add(ChainProblem {
                code: "truncated",
                seq: Some(last + 1),
                id: None,
                message: format!(
                    "第 {} 条审计记录缺失（链尾）：最后的记录被删除",
                    span(last + 1, head.seq)
                ),
            });
        } else if head.seq < last {
            add(ChainProblem {
                code: "appended",
                seq: Some(head.seq + 1),
                id: None,
                message: format!(
                    "第 {} 条审计记录在链头之后：系统之外追加的记录",
                    span(head.seq + 1, last)
                ),
            });
        } else if head.hash != prev {
            add(ChainProblem {
                code: "edited",
                seq: Some(last),
                id: prev_id,
                message: format!("链头与第 {last} 条审计记录的哈希不符"),
            });
        }
        if let Some((aseq, _)) = &anchor
            && !anchor_seen
        {
            add(ChainProblem {
                code: "anchor_mismatch",
                seq: Some(*aseq),
                id: None,
                message: format!("留存的链头（第 {aseq} 条）已不在审计链中"),
            });
        }
        if problems.len() > MAX_LISTED {
            let more = problems.len() - MAX_LISTED;
            problems.truncate(MAX_LISTED);
            problems.push(ChainProblem {
                code: "more",
                seq: None,
                id: None,
                message: format!("另有 {more} 处问题未列出"),
            });
        }
        Ok(ChainReport {
            entries,
            head,
            problems,
        })
    }
}

fn span(from: i64, to: i64) -> String {
    if from == to {
        from.to_string()
    } else {
        format!("{from}–{to}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn link(seq: i64) -> Link {
        Link {
            seq,
            at: "2026-11-26T10:00:00.000000Z".into(),
            actor_user_id: Some(1),
            actor_username: Some("admin".into()),
            actor_role: Some("admin".into()),
            ip: None,
            request_id: None,
            action: "agency.update".into(),
            entity: "agency".into(),
            entity_id: Some("3".into()),
            agency_id: Some(3),
            outcome: "ok".into(),
            detail: Some("名称".into()),
            before_json: None,
            after_json: None,
        }
    }

    #[test]
    fn hash_is_sm3_of_previous_and_fields() {
        let h = link(1).hash(GENESIS);
        assert_eq!(h.len(), 64);
        assert_eq!(h, link(1).hash(GENESIS), "deterministic");
        assert_ne!(h, link(2).hash(GENESIS), "position is hashed");
        assert_ne!(h, link(1).hash(&h), "previous hash is hashed");
        let mut l = link(1);
        l.detail = Some("名称 ".into());
        assert_ne!(h, l.hash(GENESIS), "every field is hashed");
        let mut l = link(1);
        l.ip = Some(String::new());
        assert_ne!(h, l.hash(GENESIS), "empty and absent differ");
    }

    #[test]
    fn sm3_matches_the_standard_test_vector() {
        // GB/T 32905-2016, example 1: SM3("abc").
        assert_eq!(
            xingjian_domain::hex(&Sm3::digest(b"abc")),
            "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0"
        );
    }

    #[test]
    fn anchors_parse() {
        let h = "AB".repeat(32);
        assert_eq!(
            ChainHead::parse_anchor(&format!(" 42:{h} ")),
            Some((42, h.to_ascii_lowercase()))
        );
        assert_eq!(ChainHead::parse_anchor("42"), None);
        assert_eq!(ChainHead::parse_anchor("x:ab"), None);
        assert_eq!(
            ChainHead::parse_anchor(&format!("1:{}", "g".repeat(64))),
            None
        );
    }
}
