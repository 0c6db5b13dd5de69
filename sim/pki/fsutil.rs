//! Small file-system helpers: atomic writes and owner-only directories.

use std::fs::{self, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;

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

/// Temporary files being written right now, for [`remove_temporary_files`].
static IN_FLIGHT: Mutex<Vec<PathBuf>> = Mutex::new(Vec::new());

fn in_flight() -> std::sync::MutexGuard<'static, Vec<PathBuf>> {
    IN_FLIGHT.lock().unwrap_or_else(|p| p.into_inner())
}

/// Removes the temporary files of writes under way (key cache chunks, exports): what an
/// interrupted command calls before it exits, so that Ctrl-C leaves no `.tmp` file.
pub fn remove_temporary_files() {
    for p in in_flight().iter() {
        let _ = fs::remove_file(p);
    }
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
    crate::interrupt::writing(|| write_now(path, bytes, private, durability))
}

fn write_now(
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
    in_flight().push(tmp.clone());
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
    in_flight().retain(|p| p != &tmp);
    result
}

/// Creates `dir` (and parents); when `private`, the folders it creates are owner-only
/// from the start (the key cache holds private keys). Folders that already exist keep
/// their permissions: the tool never changes a folder it did not create.
pub(crate) fn ensure_dir(dir: &Path, private: bool) -> Result<(), PkiError> {
    let result = crate::interrupt::writing(|| {
        if private {
            super::cache_dir::private_dir_builder(true).create(dir)
        } else {
            fs::create_dir_all(dir)
        }
    });
    result.map_err(|e| PkiError::io(dir, e))
}
