//! Where datasets and original files live: an object-store URL.

use object_store::local::LocalFileSystem;
use object_store::path::Path;
use object_store::{ObjectStore, ObjectStoreExt};
use std::sync::Arc;

/// The object store for datasets and original files.
#[derive(Clone, Debug)]
pub struct Objects {
    store: Arc<dyn ObjectStore>,
    url: String,
    /// The directory, for a local store (absolute).
    root: Option<std::path::PathBuf>,
}

impl Objects {
    /// A local directory (created if missing).
    pub fn local(dir: &std::path::Path) -> Result<Self, String> {
        std::fs::create_dir_all(dir)
            .map_err(|e| format!("无法创建数据集目录 {}：{e}", dir.display()))?;
        let root = std::fs::canonicalize(dir)
            .map_err(|e| format!("无法访问数据集目录 {}：{e}", dir.display()))?;
        let store = LocalFileSystem::new_with_prefix(&root).map_err(|e| e.to_string())?;
        Ok(Self {
            store: Arc::new(store),
            url: format!("file://{}", root.display()),
            root: Some(root),
        })
    }

    /// `file:///absolute/dir` or a plain directory path.
    pub fn from_url(url: &str) -> Result<Self, String> {
        match url.strip_prefix("file://") {
            Some(dir) => Self::local(std::path::Path::new(dir)),
            None if !url.contains("://") => Self::local(std::path::Path::new(url)),
            None => Err(format!(
                "不支持的数据集地址“{url}”：目前支持本地目录（file:///路径）/ unsupported dataset URL; use a local directory"
            )),
        }
    }

    pub fn url(&self) -> &str {
        &self.url
    }

    /// The file behind `path`, for a local store (what the rule engine reads).
    pub fn local_path(&self, path: &str) -> Option<std::path::PathBuf> {
        self.root.as_ref().map(|r| r.join(path))
    }

    /// Write `bytes` at `path` (atomically: readers never see a partial object).
    pub async fn put(&self, path: &str, bytes: bytes::Bytes) -> Result<(), String> {
        self.store
            .put(&Path::from(path), bytes.into())
            .await
            .map(|_| ())
            .map_err(|e| format!("写入 {path} 失败：{e}"))
    }

    pub async fn get(&self, path: &str) -> Result<bytes::Bytes, String> {
        let r = self
            .store
            .get(&Path::from(path))
            .await
            .map_err(|e| format!("读取 {path} 失败：{e}"))?;
        r.bytes()
            .await
            .map_err(|e| format!("读取 {path} 失败：{e}"))
    }

    /// Every object: its path (as given to [`Objects::put`], e.g. with
    /// Chinese file names) and size, in path order.
    pub async fn list(&self) -> Result<Vec<(String, u64)>, String> {
        use futures_util::TryStreamExt;
        let listed: Vec<(Path, u64)> = self
            .store
            .list(None)
            .map_ok(|m| (m.location, m.size))
            .try_collect()
            .await
            .map_err(|e| format!("无法列出数据集目录：{e}"))?;
        // Listed paths come back percent-encoded part by part.
        let mut out = Vec::with_capacity(listed.len());
        for (location, size) in listed {
            let parts: Vec<String> = location
                .parts()
                .map(|p| {
                    percent_encoding::percent_decode_str(p.as_ref())
                        .decode_utf8()
                        .map(|s| s.into_owned())
                        .map_err(|e| format!("数据集目录中的文件名无法识别：{e}"))
                })
                .collect::<Result<_, _>>()?;
            out.push((parts.join("/"), size));
        }
        out.sort();
        Ok(out)
    }

    pub async fn exists(&self, path: &str) -> bool {
        self.store.head(&Path::from(path)).await.is_ok()
    }
}
