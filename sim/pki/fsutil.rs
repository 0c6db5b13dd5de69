//! Small file-system helpers: atomic writes and owner-only directories.

use std::fs::{self, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use super::PkiError;

/// Whether an atomic write must also survive a crash (fsync before rename) or only be
/// all-or-nothing for concurrent readers.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Durability {
    /// fsync the data before the rename: the key cache, written rarely and reused for long.
    Synced,
    /// No fsync: exports of thousands of small files, cheap to redo.
    Unsynced,
}

/// Writes `bytes` to `path` so that no reader (another run included) ever sees a partial
/// file: write a uniquely named temporary file in the same directory, then rename it
/// over the target. `private` makes the file readable by the owner only.
pub(crate) fn atomic_write(
    path: &Path,
    bytes: &[u8],
    private: bool,
    durability: Durability,
) -> Result<(), PkiError> {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let dir = path.parent().unwrap_or_else(|| Path::new("."));
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "file".to_owned());
    let tmp = dir.join(format!(
        ".{name}.tmp.{}.{}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    ));
    let result = (|| {
        let mut opts = OpenOptions::new();
        opts.write(true).create_new(true);
        #[cfg(unix)]
        if private {
            use std::os::unix::fs::OpenOptionsExt;
            opts.mode(0o600);
        }
        #[cfg(not(unix))]
        let _ = private;
        let mut f = opts.open(&tmp).map_err(|e| PkiError::io(&tmp, e))?;
        f.write_all(bytes).map_err(|e| PkiError::io(&tmp, e))?;
        if durability == Durability::Synced {
            f.sync_all().map_err(|e| PkiError::io(&tmp, e))?;
        }
        drop(f);
        fs::rename(&tmp, path).map_err(|e| PkiError::io(path, e))
    })();
    if result.is_err() {
        // Best effort: a leftover temp file is harmless but untidy.
        let _ = fs::remove_file(&tmp);
    }
    result
}

/// Creates `dir` (and parents) and, when `private`, restricts `dir` itself to its owner:
/// the key cache holds private keys. Parents we did not create keep their permissions.
pub(crate) fn ensure_dir(dir: &Path, private: bool) -> Result<(), PkiError> {
    fs::create_dir_all(dir).map_err(|e| PkiError::io(dir, e))?;
    #[cfg(unix)]
    if private {
        use std::os::unix::fs::PermissionsExt;
        fs::set_permissions(dir, fs::Permissions::from_mode(0o700))
            .map_err(|e| PkiError::io(dir, e))?;
    }
    #[cfg(not(unix))]
    let _ = private;
    Ok(())
}

/// The default key-cache directory: `$WHFB_SIM_KEY_CACHE`, else
/// `$XDG_CACHE_HOME/whfb-sim/keys`, else `$HOME/.cache/whfb-sim/keys`.
pub(crate) fn default_key_cache() -> Result<PathBuf, PkiError> {
    fn non_empty(var: &str) -> Option<PathBuf> {
        std::env::var_os(var)
            .filter(|v| !v.is_empty())
            .map(PathBuf::from)
    }
    if let Some(p) = non_empty("WHFB_SIM_KEY_CACHE") {
        return Ok(p);
    }
    if let Some(p) = non_empty("XDG_CACHE_HOME") {
        return Ok(p.join("whfb-sim").join("keys"));
    }
    if let Some(p) = non_empty("HOME") {
        return Ok(p.join(".cache").join("whfb-sim").join("keys"));
    }
    Err(PkiError::Settings(
        "no key cache location: set WHFB_SIM_KEY_CACHE, XDG_CACHE_HOME or HOME".into(),
    ))
}
