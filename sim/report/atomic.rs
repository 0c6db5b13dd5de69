//! Writing output files so that a crash or Ctrl-C never leaves a half-written one: write a
//! temporary file in the same folder, flush it to disk, then rename it over the target.

use anyhow::Context;
use std::io::Write;
use std::path::{Path, PathBuf};

/// The files of one output folder, each written atomically, listed in the order written
/// (what a command reports as written).
pub(crate) struct FileList<'a> {
    dir: &'a Path,
    files: Vec<PathBuf>,
}

impl<'a> FileList<'a> {
    /// An empty list of files in `dir`.
    pub fn new(dir: &'a Path) -> FileList<'a> {
        FileList {
            dir,
            files: Vec::new(),
        }
    }

    /// Writes `bytes` to `name` (relative to the folder) atomically and lists it.
    pub fn put(&mut self, name: &str, bytes: impl AsRef<[u8]>) -> anyhow::Result<()> {
        let p = self.dir.join(name);
        write_atomic(&p, bytes.as_ref())?;
        self.files.push(p);
        Ok(())
    }

    /// Lists files written by someone else (the charts).
    pub fn extend(&mut self, more: impl IntoIterator<Item = PathBuf>) {
        self.files.extend(more);
    }

    /// The files, in the order written.
    pub(crate) fn into_files(self) -> Vec<PathBuf> {
        self.files
    }
}

/// Writes `bytes` to `path` atomically (creating the parent folder).
pub(crate) fn write_atomic(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    crate::interrupt::writing(|| write_now(path, bytes))
}

fn write_now(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir)
        .with_context(|| format!("cannot create folder {}", dir.display()))?;
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "out".into());
    let tmp = dir.join(format!(".{name}.tmp-{}", std::process::id()));
    let result = (|| -> anyhow::Result<()> {
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
        std::fs::rename(&tmp, path)?;
        Ok(())
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result.with_context(|| format!("cannot write {}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_and_replaces_without_leftovers() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("sub/out.txt");
        write_atomic(&p, b"one").unwrap();
        write_atomic(&p, b"two").unwrap();
        assert_eq!(std::fs::read(&p).unwrap(), b"two");
        let names: Vec<_> = std::fs::read_dir(dir.path().join("sub"))
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names.len(), 1);
    }
}
