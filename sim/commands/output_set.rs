//! Output folders replaced as a whole: a command writes every file into a staging folder
//! beside `--out` (same parent, so renames stay on one file system) and swaps it in only
//! once the set is complete. Files of an earlier run never mix with the new ones, and
//! Ctrl-C or SIGTERM removes the staging folder and exits 130, leaving the previous set
//! as it was.
//!
//! What a crash (SIGKILL, power loss) between the steps leaves, with `out` = `reports/x`:
//! - while writing: `reports/.x.staging-PID`, a partial set, beside the untouched old set;
//! - on Linux the swap is one `renameat2(RENAME_EXCHANGE)`: before it, the old set; after
//!   it, the new set in `x` and the old one in `.x.staging-PID` until it is removed;
//! - elsewhere it is two renames (`x` → `.x.old-PID`, staging → `x`): between them `x` is
//!   missing and the old set is in `.x.old-PID`, the new complete one in `.x.staging-PID`.
//!
//! Such leftovers are dot-folders named after `out` and the process id; deleting them is
//! always safe.

use crate::error::UsageError;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard, OnceLock};

/// The exit code after SIGINT or SIGTERM (128 + SIGINT, what shells report for Ctrl-C).
pub(crate) const INTERRUPTED_EXIT: i32 = 130;

/// Staging folders of this process not yet swapped in; the signal handler removes them.
/// Holding the lock also keeps the handler out while a swap is under way.
static STAGING: Mutex<Vec<PathBuf>> = Mutex::new(Vec::new());

fn staging_list() -> MutexGuard<'static, Vec<PathBuf>> {
    // A panic while holding the lock leaves a plain list of paths, still usable.
    STAGING.lock().unwrap_or_else(|p| p.into_inner())
}

/// What each command writes at the top of its output folder (files, and folders such as
/// `charts`): a folder holding only names listed here (or the patterns of `is_output_name`)
/// is an earlier output set, replaced as a whole; any other name makes `--out` refuse it,
/// so that a mistyped `--out` never deletes anything. **A command that writes a new
/// top-level name adds it here**, or its second run into its own folder is refused; the
/// test that runs every command twice (`tests/it/hostile.rs`) catches a name left out.
pub(crate) const COMMAND_OUTPUTS: &[(&str, &[&str])] = &[
    (
        "run",
        &[
            "summary.json",
            "users.csv",
            "resources.csv",
            "sync_cycles.csv",
            "events.csv",
            "report.md",
            "charts",
            "exports",
        ],
    ),
    (
        "sweep",
        &["sweep.csv", "summary.json", "report.md", "charts"],
    ),
    ("run --shard, sweep --shard", &["shard.json", "units"]),
    // `merge` writes what `run` or `sweep` writes.
    ("plan", &["plan.json", "plan.csv", "report.md", "charts"]),
    (
        "sensitivity",
        &["sensitivity.json", "sensitivity.csv", "report.md", "charts"],
    ),
    (
        "fit",
        &[
            "scenario.toml",
            "fit.json",
            "fit.md",
            "signins.csv",
            "charts",
        ],
    ),
    ("compare-pilot", &["compare.json", "report.md", "charts"]),
    // Plus a `user<N>` folder per user (see `is_output_name`).
    (
        "pki export",
        &[
            "ca.pem",
            "ca-key.pem",
            "ra.pem",
            "crl.pem",
            "ca-and-crl.pem",
            "kdc.pem",
            "kdc-key.pem",
            "revoked",
        ],
    ),
];

/// Whether `name` is an entry an earlier whfb-sim output set may hold: a name of
/// [`COMMAND_OUTPUTS`], a `pki export` user folder, or a temporary file an older version
/// left behind.
fn is_output_name(name: &str) -> bool {
    COMMAND_OUTPUTS
        .iter()
        .any(|(_, names)| names.contains(&name))
        || name
            .strip_prefix("user")
            .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
        || (name.starts_with('.') && name.contains("tmp"))
}

/// An output folder being written: files go into [`OutputSet::dir`]; [`OutputSet::commit`]
/// swaps it in; dropping it uncommitted (an error half-way) removes the staging folder.
#[derive(Debug)]
pub(crate) struct OutputSet {
    out: PathBuf,
    staging: PathBuf,
    committed: bool,
}

impl OutputSet {
    /// Starts a set for `out` (the value of command-line flag `flag`, for messages):
    /// checks that `out` can be replaced, creates the staging folder and installs the
    /// signal handler. A file at `out`, or a folder holding files no whfb-sim command
    /// writes, is refused (exit 2) so that a mistyped `--out` never deletes anything.
    pub(crate) fn begin(out: &Path, flag: &str) -> Result<OutputSet, UsageError> {
        let out = resolve(out, flag)?;
        check_replaceable(&out, flag)?;
        let parent = out.parent().unwrap_or(Path::new("."));
        std::fs::create_dir_all(parent).map_err(|e| {
            UsageError::new(format!(
                "{flag} {}: cannot create folder {}: {e}",
                out.display(),
                parent.display()
            ))
        })?;
        let name = out
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let staging = parent.join(format!(".{name}.staging-{}", std::process::id()));
        install_signal_handler();
        let mut list = staging_list();
        // A leftover of an earlier process with the same id (after a crash): not ours.
        let _ = std::fs::remove_dir_all(&staging);
        std::fs::create_dir(&staging).map_err(|e| {
            UsageError::new(format!(
                "{flag} {}: cannot create {}: {e}",
                out.display(),
                staging.display()
            ))
        })?;
        list.push(staging.clone());
        Ok(OutputSet {
            out,
            staging,
            committed: false,
        })
    }

    /// The folder to write the set into.
    pub fn dir(&self) -> &Path {
        &self.staging
    }

    /// Where the set goes once committed.
    pub fn out(&self) -> &Path {
        &self.out
    }

    /// Replaces the previous set (if any) with the staged one in one step.
    pub(crate) fn commit(mut self) -> anyhow::Result<()> {
        let mut list = staging_list();
        swap_in(&self.staging, &self.out)?;
        list.retain(|p| p != &self.staging);
        self.committed = true;
        drop(list);
        // Make the renames durable; a failure here loses nothing already swapped in.
        if let Some(parent) = self.out.parent() {
            let _ = std::fs::File::open(parent).and_then(|d| d.sync_all());
        }
        Ok(())
    }
}

impl Drop for OutputSet {
    fn drop(&mut self) {
        if !self.committed {
            let mut list = staging_list();
            remove_all(&self.staging);
            list.retain(|p| p != &self.staging);
        }
    }
}

/// `out` with a symbolic link at its end followed (the set replaces what it points to,
/// not the link); refuses paths with no final name (`/`, `..`).
fn resolve(out: &Path, flag: &str) -> Result<PathBuf, UsageError> {
    let no_name = || {
        UsageError::new(format!(
            "{flag} {}: needs a folder name at its end (not `/`, `.` or `..`)",
            out.display()
        ))
    };
    let out = match std::fs::symlink_metadata(out) {
        Ok(m) if m.file_type().is_symlink() => out.canonicalize().map_err(|e| {
            UsageError::new(format!(
                "{flag} {}: a link to nothing usable: {e}",
                out.display()
            ))
        })?,
        _ => out.to_path_buf(),
    };
    match out.file_name() {
        Some(n) if n != ".." && n != "." => Ok(out),
        _ => Err(no_name()),
    }
}

/// Refuses an `out` that is not a folder or holds something other than an output set.
fn check_replaceable(out: &Path, flag: &str) -> Result<(), UsageError> {
    let meta = match std::fs::metadata(out) {
        Ok(m) => m,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(e) => {
            return Err(UsageError::new(format!(
                "{flag} {}: cannot read it: {e}",
                out.display()
            )))
        }
    };
    if !meta.is_dir() {
        return Err(UsageError::new(format!(
            "{flag} {}: is a file, not a folder; name a new folder or an earlier output folder",
            out.display()
        )));
    }
    let entries = std::fs::read_dir(out)
        .map_err(|e| UsageError::new(format!("{flag} {}: cannot list it: {e}", out.display())))?;
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        if !is_output_name(&name) {
            return Err(UsageError::new(format!(
                "{flag} {}: holds `{name}`, which no whfb-sim command writes; the folder is replaced as a whole, so name a new or empty folder, or an earlier output folder",
                out.display()
            )));
        }
    }
    Ok(())
}

/// Puts `staging` in the place of `out` and removes the previous set.
fn swap_in(staging: &Path, out: &Path) -> anyhow::Result<()> {
    use anyhow::Context;
    if std::fs::symlink_metadata(out).is_err() {
        return std::fs::rename(staging, out)
            .with_context(|| format!("cannot move {} to {}", staging.display(), out.display()));
    }
    #[cfg(target_os = "linux")]
    {
        use rustix::fs::{renameat_with, RenameFlags, CWD};
        match renameat_with(CWD, staging, CWD, out, RenameFlags::EXCHANGE) {
            Ok(()) => {
                // `staging` now holds the previous set.
                remove_all(staging);
                return Ok(());
            }
            // Some file systems (older NFS, FUSE) lack the exchange: two renames below.
            Err(e) if e == rustix::io::Errno::INVAL || e == rustix::io::Errno::NOSYS => {}
            Err(e) => {
                return Err(std::io::Error::from(e)).with_context(|| {
                    format!("cannot swap {} into {}", staging.display(), out.display())
                })
            }
        }
    }
    let name = out
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let old = out.with_file_name(format!(".{name}.old-{}", std::process::id()));
    std::fs::rename(out, &old).with_context(|| format!("cannot move {} aside", out.display()))?;
    if let Err(e) = std::fs::rename(staging, out) {
        // Put the previous set back rather than leave no `out`.
        let _ = std::fs::rename(&old, out);
        return Err(e).with_context(|| format!("cannot move the new outputs to {}", out.display()));
    }
    remove_all(&old);
    Ok(())
}

/// Removes `dir` and everything in it, retrying while worker threads still add files.
fn remove_all(dir: &Path) {
    for _ in 0..100 {
        match std::fs::remove_dir_all(dir) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
                std::thread::sleep(std::time::Duration::from_millis(5))
            }
            _ => return,
        }
    }
}

/// Once per process: a thread that, on SIGINT or SIGTERM, removes every staging folder
/// (waiting for a swap under way to finish) and the key cache's temporary files, and exits
/// with `INTERRUPTED_EXIT`. The binary installs it before any command opens a file: an
/// open or a read can block (a FIFO, a slow or hung file system) before any staging folder
/// exists, and the default action would then leave half-written temporary files (exit
/// 143). `OutputSet::begin` installs it too, for library callers.
pub fn install_signal_handler() {
    static INSTALLED: OnceLock<()> = OnceLock::new();
    INSTALLED.get_or_init(|| {
        #[cfg(unix)]
        {
            use signal_hook::consts::{SIGINT, SIGTERM};
            match signal_hook::iterator::Signals::new([SIGINT, SIGTERM]) {
                Ok(mut signals) => {
                    std::thread::spawn(move || {
                        if let Some(sig) = signals.forever().next() {
                            let list = staging_list();
                            // No file is written from here on: none can recreate what
                            // is removed below.
                            let _closed = crate::interrupt::close();
                            for dir in list.iter() {
                                remove_all(dir);
                            }
                            // Key cache chunks being written (the pool keeps whole ones).
                            crate::pki::remove_temporary_files();
                            let name = if sig == SIGINT { "SIGINT" } else { "SIGTERM" };
                            eprintln!("interrupted ({name}): no outputs written; earlier ones are unchanged");
                            // Exit with both held: no swap and no write after the removal.
                            std::process::exit(INTERRUPTED_EXIT);
                        }
                    });
                }
                Err(e) => eprintln!(
                    "warning: cannot catch Ctrl-C ({e}); an interrupted run may leave a staging folder"
                ),
            }
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(dir: &Path) -> Vec<String> {
        let mut v: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        v.sort();
        v
    }

    #[test]
    fn a_committed_set_replaces_the_old_one_entirely() {
        let root = tempfile::tempdir().unwrap();
        let out = root.path().join("x");
        std::fs::create_dir(&out).unwrap();
        std::fs::write(out.join("events.csv"), b"stale").unwrap();
        std::fs::write(out.join("summary.json"), b"old").unwrap();
        let set = OutputSet::begin(&out, "--out").unwrap();
        std::fs::write(set.dir().join("summary.json"), b"new").unwrap();
        // Until the commit, the old set is untouched.
        assert_eq!(std::fs::read(out.join("summary.json")).unwrap(), b"old");
        set.commit().unwrap();
        assert_eq!(names(&out), ["summary.json"]);
        assert_eq!(std::fs::read(out.join("summary.json")).unwrap(), b"new");
        assert_eq!(names(root.path()), ["x"]);
    }

    #[test]
    fn an_abandoned_set_leaves_the_old_one_and_no_staging() {
        let root = tempfile::tempdir().unwrap();
        let out = root.path().join("x");
        std::fs::create_dir(&out).unwrap();
        std::fs::write(out.join("users.csv"), b"old").unwrap();
        let set = OutputSet::begin(&out, "--out").unwrap();
        std::fs::write(set.dir().join("users.csv"), b"half").unwrap();
        drop(set);
        assert_eq!(names(root.path()), ["x"]);
        assert_eq!(std::fs::read(out.join("users.csv")).unwrap(), b"old");
    }

    #[test]
    fn a_new_folder_is_created_with_its_parents() {
        let root = tempfile::tempdir().unwrap();
        let out = root.path().join("a/b/x");
        let set = OutputSet::begin(&out, "--out").unwrap();
        std::fs::write(set.dir().join("report.md"), b"r").unwrap();
        set.commit().unwrap();
        assert_eq!(names(&out), ["report.md"]);
    }

    #[test]
    fn a_file_or_a_foreign_folder_is_refused() {
        let root = tempfile::tempdir().unwrap();
        let file = root.path().join("f");
        std::fs::write(&file, b"mine").unwrap();
        let e = OutputSet::begin(&file, "--out").unwrap_err();
        let m = e.to_string();
        assert!(m.contains("--out") && m.contains("is a file"), "{m}");
        let home = root.path().join("home");
        std::fs::create_dir(&home).unwrap();
        std::fs::write(home.join("thesis.tex"), b"mine").unwrap();
        let e = OutputSet::begin(&home, "--out").unwrap_err();
        assert!(e.to_string().contains("thesis.tex"), "{e}");
        assert_eq!(std::fs::read(home.join("thesis.tex")).unwrap(), b"mine");
        let e = OutputSet::begin(Path::new(".."), "--out").unwrap_err();
        assert!(e.to_string().contains("folder name"), "{e}");
    }

    #[test]
    fn earlier_outputs_of_every_command_are_replaceable() {
        for n in [
            "user0",
            "user123",
            "charts",
            ".users.csv.tmp-42",
            "shard.json",
            "plan.json",
            "plan.csv",
            "sensitivity.json",
            "kdc-key.pem",
            "revoked",
        ] {
            assert!(is_output_name(n), "{n}");
        }
        for n in ["user", "userx", ".git", "notes.txt"] {
            assert!(!is_output_name(n), "{n}");
        }
    }
}
