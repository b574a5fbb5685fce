//! Operations commands: the audit chain, backup and restore.

use crate::config::Config;
use anyhow::{Context, Result, anyhow, bail};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::io::{BufRead, Read, Write};
use std::path::Path;
use xingjian_datasets::Objects;
use xingjian_domain::hex;
use xingjian_store::{ChainHead, Db, Keyring, RequestCtx, Store, TableSchema};
use zip::write::SimpleFileOptions;
use zip::{CompressionMethod, ZipArchive, ZipWriter};

pub async fn verify_audit(store: &Store, anchor: Option<&str>, json: bool) -> Result<()> {
    let anchor = match anchor {
        Some(a) => Some(ChainHead::parse_anchor(a).ok_or_else(|| {
            anyhow!("链头“{a}”应写作 序号:哈希（64 位十六进制），即 `xingjian audit head` 的输出")
        })?),
        None => None,
    };
    let ctx = RequestCtx::cli();
    let report = store.system(&ctx).verify_audit(anchor).await?;
    if json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else if report.intact() {
        println!(
            "审计链完整：{} 条记录，链头 {}:{} / audit chain intact",
            report.entries, report.head.seq, report.head.hash
        );
    } else {
        println!(
            "审计链被篡改：发现 {} 处问题（共检查 {} 条记录）/ audit chain broken",
            report.problems.len(),
            report.entries
        );
        for p in &report.problems {
            println!("  [{}] {}", p.code, p.message);
        }
    }
    if report.intact() {
        Ok(())
    } else {
        Err(anyhow!(
            "审计链校验未通过 / audit chain verification failed"
        ))
    }
}

pub async fn audit_head(store: &Store, json: bool) -> Result<()> {
    let head = store.system(&RequestCtx::cli()).audit_head().await?;
    if json {
        println!("{}", serde_json::to_string(&head)?);
    } else {
        println!("{}:{}", head.seq, head.hash);
    }
    Ok(())
}

// ---- backup and restore -------------------------------------------------

const FORMAT: &str = "xingjian-backup";
const FORMAT_VERSION: u32 = 1;

#[derive(Serialize, Deserialize)]
struct Manifest {
    format: String,
    format_version: u32,
    xingjian_version: String,
    created_at: String,
    backend: String,
    schema_version: i64,
    /// The audit chain's head in the snapshot (`SEQ:HASH`).
    audit_head: Option<String>,
    tables: Vec<TableEntry>,
    objects: Vec<ObjectEntry>,
}

#[derive(Serialize, Deserialize)]
struct TableEntry {
    #[serde(flatten)]
    schema: TableSchema,
    rows: u64,
    sha256: String,
}

#[derive(Serialize, Deserialize)]
struct ObjectEntry {
    path: String,
    size: u64,
    sha256: String,
}

/// A writer that hashes what passes through it.
struct Hashing<W> {
    inner: W,
    hash: Sha256,
}

impl<W: Write> Write for Hashing<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.hash.update(&buf[..n]);
        Ok(n)
    }
    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}

fn zip_options() -> SimpleFileOptions {
    SimpleFileOptions::default()
        .compression_method(CompressionMethod::Deflated)
        .large_file(true)
}

pub async fn backup(db: &Db, c: &Config, out: &Path) -> Result<()> {
    let started = std::time::Instant::now();
    let objects = Objects::from_url(&c.objects_url()).map_err(anyhow::Error::msg)?;
    let partial = out.with_extension("zip.partial");
    let file = std::fs::File::create(&partial)
        .with_context(|| format!("无法写入 {}", partial.display()))?;
    let mut zip = ZipWriter::new(std::io::BufWriter::new(file));

    // The database first, in one snapshot; then the objects, which are
    // immutable and written before the rows that refer to them, so every
    // object the snapshot refers to is listed.
    let mut snap = db.begin_backup().await?;
    let schema_version = snap.schema_version().await?;
    let mut tables = Vec::new();
    let mut audit_head = None;
    for t in snap.tables().await? {
        zip.start_file(format!("db/{}.jsonl", t.name), zip_options())?;
        let mut w = Hashing {
            inner: &mut zip,
            hash: Sha256::new(),
        };
        let rows = snap
            .each_row(&t, |values| {
                if t.name == "audit_head" {
                    let col = |name: &str| {
                        t.columns
                            .iter()
                            .position(|c| c.name == name)
                            .and_then(|i| values.get(i))
                    };
                    if let (Some(seq), Some(hash)) = (col("seq"), col("hash")) {
                        audit_head = Some(format!("{seq}:{}", hash.as_str().unwrap_or("")));
                    }
                }
                serde_json::to_writer(&mut w, &values)
                    .and_then(|()| w.write_all(b"\n").map_err(serde_json::Error::io))
                    .map_err(|e| xingjian_store::StoreError::Internal(e.to_string()))
            })
            .await?;
        let sha256 = hex(&w.hash.finalize());
        tables.push(TableEntry {
            schema: t,
            rows,
            sha256,
        });
    }
    snap.finish().await?;

    let mut listed = Vec::new();
    for (path, size) in objects.list().await.map_err(anyhow::Error::msg)? {
        let bytes = objects.get(&path).await.map_err(anyhow::Error::msg)?;
        zip.start_file(format!("objects/{path}"), zip_options())?;
        zip.write_all(&bytes)?;
        listed.push(ObjectEntry {
            path,
            size,
            sha256: hex(&Sha256::digest(&bytes)),
        });
    }

    let manifest = Manifest {
        format: FORMAT.into(),
        format_version: FORMAT_VERSION,
        xingjian_version: env!("CARGO_PKG_VERSION").into(),
        created_at: xingjian_store::now_utc().to_rfc3339(),
        backend: format!("{:?}", db.backend()).to_lowercase(),
        schema_version,
        audit_head,
        tables,
        objects: listed,
    };
    zip.start_file("manifest.json", zip_options())?;
    serde_json::to_writer_pretty(&mut zip, &manifest)?;
    let mut inner = zip.finish()?;
    inner.flush()?;
    inner
        .into_inner()
        .map_err(|e| anyhow!("无法写入备份：{}", e.error()))?
        .sync_all()?;
    std::fs::rename(&partial, out).with_context(|| format!("无法写入 {}", out.display()))?;
    let rows: u64 = manifest.tables.iter().map(|t| t.rows).sum();
    let bytes: u64 = manifest.objects.iter().map(|o| o.size).sum();
    println!(
        "备份完成：{}（数据库 {} 张表 {} 行，文件 {} 个 {:.1} MB，审计链头 {}，用时 {:.1} 秒）/ backup written",
        out.display(),
        manifest.tables.len(),
        rows,
        manifest.objects.len(),
        bytes as f64 / 1e6,
        manifest.audit_head.as_deref().unwrap_or("-"),
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

/// Rows inserted per call while restoring.
const BATCH: usize = 2000;

pub async fn restore(db: &Db, c: &Config, file: &Path) -> Result<()> {
    let started = std::time::Instant::now();
    let f = std::fs::File::open(file).with_context(|| format!("无法打开 {}", file.display()))?;
    let mut zip = ZipArchive::new(std::io::BufReader::new(f))
        .with_context(|| format!("{} 不是 xingjian 备份文件", file.display()))?;
    let manifest: Manifest = {
        let entry = zip.by_name("manifest.json").map_err(|_| {
            anyhow!(
                "{} 中没有 manifest.json：不是 xingjian 备份文件",
                file.display()
            )
        })?;
        serde_json::from_reader(entry).context("备份清单无法读取")?
    };
    if manifest.format != FORMAT || manifest.format_version > FORMAT_VERSION {
        bail!(
            "备份格式 {} {} 不受本版本支持",
            manifest.format,
            manifest.format_version
        );
    }

    // Stored files first: content-addressed and immutable, so writing them
    // before the database (and again on a retry) is harmless.
    let objects = Objects::from_url(&c.objects_url()).map_err(anyhow::Error::msg)?;
    for o in &manifest.objects {
        if o.path.starts_with('/')
            || o.path
                .split('/')
                .any(|part| part.is_empty() || part == "." || part == "..")
        {
            bail!("备份中的文件路径“{}”无效，未恢复任何数据", o.path);
        }
        // The manifest is input: never trust its size for an allocation.
        let mut bytes = Vec::with_capacity(o.size.min(64 << 20) as usize);
        zip.by_name(&format!("objects/{}", o.path))
            .with_context(|| format!("备份中缺少文件 {}", o.path))?
            .read_to_end(&mut bytes)?;
        if hex(&Sha256::digest(&bytes)) != o.sha256 {
            bail!("备份中的文件 {} 已损坏（校验和不符）", o.path);
        }
        objects
            .put(&o.path, bytes.into())
            .await
            .map_err(anyhow::Error::msg)?;
    }

    let mut r = db.begin_restore(manifest.schema_version).await?;
    let mut rows_total = 0;
    for t in &manifest.tables {
        let entry = zip
            .by_name(&format!("db/{}.jsonl", t.schema.name))
            .with_context(|| format!("备份中缺少表 {}", t.schema.name))?;
        let mut hash = Sha256::new();
        let mut lines = std::io::BufReader::new(entry);
        let mut batch = Vec::with_capacity(BATCH);
        let mut n = 0;
        let mut line = String::new();
        loop {
            line.clear();
            if lines.read_line(&mut line)? == 0 {
                break;
            }
            hash.update(line.as_bytes());
            let values: Vec<serde_json::Value> = serde_json::from_str(&line)
                .with_context(|| format!("备份中表 {} 第 {} 行无法读取", t.schema.name, n + 1))?;
            batch.push(values);
            n += 1;
            if batch.len() == BATCH {
                r.insert(&t.schema.name, &t.schema.columns, &batch).await?;
                batch.clear();
            }
        }
        if !batch.is_empty() {
            r.insert(&t.schema.name, &t.schema.columns, &batch).await?;
        }
        if hex(&hash.finalize()) != t.sha256 || n != t.rows {
            bail!(
                "备份中的表 {} 已损坏（校验和或行数不符），未恢复任何数据",
                t.schema.name
            );
        }
        rows_total += n;
    }
    r.finish().await?;

    let mut store = Store::new(db.clone());
    store.keyring = std::sync::Arc::new(keyring(c)?);
    let report = store.system(&RequestCtx::cli()).verify_audit(None).await?;
    let known = store.keyring.key_ids();
    let missing: Vec<(String, i64)> = store
        .system(&RequestCtx::cli())
        .personal_data_keys()
        .await?
        .into_iter()
        .filter(|(k, _)| !k.is_empty() && !known.contains(&k.as_str()))
        .collect();
    println!(
        "恢复完成：数据库 {} 张表 {} 行，文件 {} 个，用时 {:.1} 秒；审计链{}（{} 条，链头 {}:{}）/ restored",
        manifest.tables.len(),
        rows_total,
        manifest.objects.len(),
        started.elapsed().as_secs_f64(),
        if report.intact() {
            "完整"
        } else {
            "有问题，请运行 xingjian audit verify"
        },
        report.entries,
        report.head.seq,
        report.head.hash
    );
    for (key, n) in &missing {
        println!(
            "注意：{n} 项个人信息由数据密钥 {key} 加密，本机未配置该密钥：请把原密钥文件设为 \
             security.data_key_file（或列入 previous_data_key_files）/ personal data needs data key {key}"
        );
    }
    println!(
        "检索索引将在 `xingjian serve` 启动时重建 / the search index is rebuilt when serve starts"
    );
    Ok(())
}

/// Write a file so that a crash never leaves it half-written: to a temporary
/// name beside it, synced, then renamed.
pub fn write_atomically(path: &Path, bytes: &[u8]) -> Result<()> {
    let mut tmp = path.as_os_str().to_owned();
    tmp.push(format!(".partial-{}", std::process::id()));
    let tmp = std::path::PathBuf::from(tmp);
    let written = (|| -> std::io::Result<()> {
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
        std::fs::rename(&tmp, path)
    })();
    if written.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    written.with_context(|| format!("无法写入 {}", path.display()))
}

// ---- data keys ------------------------------------------------------------

fn read_key(path: &Path) -> Result<[u8; 32]> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("无法读取数据密钥文件 {}", path.display()))?;
    Keyring::parse_key(&text).map_err(|e| anyhow!("{}：{e}", path.display()))
}

/// Write a new key file readable by its owner only; never overwrite one.
fn write_key_file(path: &Path) -> Result<()> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).with_context(|| format!("无法创建 {}", dir.display()))?;
    }
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut opts, 0o600);
    let mut f = opts
        .open(path)
        .with_context(|| format!("无法创建数据密钥文件 {}（已存在则不覆盖）", path.display()))?;
    writeln!(f, "{}", Keyring::generate_key())?;
    f.sync_all()?;
    Ok(())
}

/// The configured keys; the default key file is created on first use.
pub fn keyring(c: &Config) -> Result<Keyring> {
    let current = c.data_key_file();
    if c.security.data_key_file.is_none() && !current.exists() {
        write_key_file(&current)?;
        tracing::warn!(file = %current.display(), "created a data key; keep a copy apart from the backups");
    }
    let previous = c
        .security
        .previous_data_key_files
        .iter()
        .map(|p| read_key(p))
        .collect::<Result<Vec<_>>>()?;
    Ok(Keyring::new(read_key(&current)?, &previous))
}

pub fn generate_key(out: &Path) -> Result<()> {
    write_key_file(out)?;
    println!(
        "已生成数据密钥：{}（请另行妥善保管副本）/ data key written",
        out.display()
    );
    Ok(())
}

pub async fn key_status(store: &Store) -> Result<()> {
    let ring = &store.keyring;
    println!(
        "当前数据密钥 / current key: {}",
        ring.current_id().unwrap_or("-")
    );
    let usage = store
        .system(&RequestCtx::cli())
        .personal_data_keys()
        .await?;
    for (key, n) in &usage {
        let state = if key.is_empty() {
            "未加密（运行 keys rotate 加密）".to_owned()
        } else if ring.key_ids().contains(&key.as_str()) {
            "可解密".to_owned()
        } else {
            "缺少该密钥，无法解密".to_owned()
        };
        println!(
            "  {:<10} {n:>8} 项  {state}",
            if key.is_empty() { "(明文)" } else { key }
        );
    }
    if usage.is_empty() {
        println!("  尚无加密存储的个人信息");
    }
    Ok(())
}

pub async fn rotate_keys(store: &Store) -> Result<()> {
    let n = store
        .system(&RequestCtx::cli())
        .reseal_personal_data()
        .await?;
    println!(
        "已用数据密钥 {} 重新加密 {n} 项个人信息；确认 `xingjian keys status` 只列出该密钥后即可移除旧密钥 / re-sealed",
        store.keyring.current_id().unwrap_or("-")
    );
    Ok(())
}
