//! Where the key pool lives and whether that place is safe: the pool holds private keys
//! that sign what the simulated CA trusts, so, as ssh does with `~/.ssh`, it refuses a
//! folder another user could change.
//!
//! The folder the user names (`pki.key_cache`, else `$WHFB_SIM_KEY_CACHE`, else
//! `$XDG_CACHE_HOME`, else `~/.cache`) is only the parent: the pool is its subfolder
//! [`SUBFOLDER`], created `0700`. The named folder's permissions are never changed; it is
//! refused when another user owns it (root excepted) or can write it without the sticky
//! bit (in a sticky folder such as `/tmp` nobody else can rename or replace our
//! subfolder). The subfolder must be ours (or root's: a cache prepared for everyone, used
//! read-only): a symbolic link in its place is followed only when we (or root) made it,
//! and what it leads to must be a folder we (or root) own that no one else can write.
//!
//! The inside is held to the same rule (`check_inner_dir`, `read_cache_file`): every
//! folder and file the pool reads must be ours (or root's), not writable by others, and
//! what it claims to be: a folder, or a regular file of a bounded size (a FIFO would block
//! the read for ever, `/dev/zero` would never end, a link can only have been planted).
//! Whatever breaks the rule is refused with exit 2 naming it; removing it is always safe
//! (what it held is generated again).

use std::fs;
use std::path::{Path, PathBuf};

use super::PkiError;

/// The pool's own folder inside the named one.
pub const SUBFOLDER: &str = "whfb-sim-keys";

/// Which setting named the folder, for messages that say what to change.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Origin {
    /// `pki.key_cache` in the scenario.
    Setting,
    /// An environment variable (`WHFB_SIM_KEY_CACHE`, `XDG_CACHE_HOME`, `HOME`).
    Env(&'static str),
}

/// The named folder of a key pool and where that name came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct CacheDir {
    named: PathBuf,
    origin: Origin,
}

impl CacheDir {
    /// `explicit` (the scenario's `pki.key_cache`), else the first of
    /// `$WHFB_SIM_KEY_CACHE`, `$XDG_CACHE_HOME`, `$HOME/.cache` that is set.
    pub(crate) fn locate(explicit: Option<&Path>) -> Result<CacheDir, PkiError> {
        if let Some(p) = explicit {
            return Ok(CacheDir {
                named: p.to_path_buf(),
                origin: Origin::Setting,
            });
        }
        fn non_empty(var: &str) -> Option<PathBuf> {
            std::env::var_os(var)
                .filter(|v| !v.is_empty())
                .map(PathBuf::from)
        }
        let (named, var) = if let Some(p) = non_empty("WHFB_SIM_KEY_CACHE") {
            (p, "WHFB_SIM_KEY_CACHE")
        } else if let Some(p) = non_empty("XDG_CACHE_HOME") {
            (p, "XDG_CACHE_HOME")
        } else if let Some(p) = non_empty("HOME") {
            (p.join(".cache"), "HOME")
        } else {
            return Err(PkiError::key_cache(
                "no key cache location: set pki.key_cache, WHFB_SIM_KEY_CACHE, XDG_CACHE_HOME or HOME",
            ));
        };
        Ok(CacheDir {
            named,
            origin: Origin::Env(var),
        })
    }

    /// The pool's folder: [`SUBFOLDER`] inside the named one.
    pub(crate) fn pool_dir(&self) -> PathBuf {
        self.named.join(SUBFOLDER)
    }

    /// The setting and folder, as a message starts: `pki.key_cache = "/x"`.
    fn what(&self) -> String {
        match &self.origin {
            Origin::Setting => format!("pki.key_cache = {:?}", self.named.display().to_string()),
            Origin::Env("HOME") => format!("key cache {} (from $HOME)", self.named.display()),
            Origin::Env(var) => format!("${var} = {:?}", self.named.display().to_string()),
        }
    }

    fn refuse(&self, why: impl std::fmt::Display) -> PkiError {
        PkiError::key_cache(format!("{}: {why}", self.what()))
    }

    /// Checks the named folder and the pool's subfolder; with `create`, makes whichever is
    /// missing. `Ok(false)`: the subfolder does not exist (and `create` is off), so the
    /// pool is empty. Nothing existing has its permissions changed, except the subfolder
    /// itself back to `0700` when we own it.
    pub(crate) fn prepare(&self, create: bool) -> Result<bool, PkiError> {
        match fs::metadata(&self.named) {
            Ok(m) if !m.is_dir() => {
                return Err(self.refuse(format!(
                    "is not a folder; name a folder (the keys go into its subfolder {SUBFOLDER})"
                )))
            }
            Ok(m) => self.check_named(&m)?,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                if !create {
                    return Ok(false);
                }
                private_dir_builder(true)
                    .create(&self.named)
                    .map_err(|e| self.refuse(format!("cannot create it: {e}")))?;
            }
            Err(e) => return Err(self.refuse(format!("cannot read it: {e}"))),
        }
        let sub = self.pool_dir();
        match fs::symlink_metadata(&sub) {
            Ok(link) => self.check_sub(&sub, &link).map(|()| true),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                if !create {
                    return Ok(false);
                }
                match private_dir_builder(false).create(&sub) {
                    Ok(()) => Ok(true),
                    // Another run made it meanwhile: check it as found.
                    Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                        let link = fs::symlink_metadata(&sub)
                            .map_err(|e| self.refuse(format!("{}: {e}", sub.display())))?;
                        self.check_sub(&sub, &link).map(|()| true)
                    }
                    Err(e) => Err(self.refuse(format!("cannot create {}: {e}", sub.display()))),
                }
            }
            Err(e) => Err(self.refuse(format!("cannot read {}: {e}", sub.display()))),
        }
    }

    #[cfg(unix)]
    fn check_named(&self, m: &fs::Metadata) -> Result<(), PkiError> {
        use std::os::unix::fs::MetadataExt;
        let me = my_uid();
        if m.uid() != me && m.uid() != 0 {
            return Err(self.refuse(format!(
                "belongs to another user (uid {}), who could replace the keys; name a folder you own",
                m.uid()
            )));
        }
        let mode = m.mode() & 0o7777;
        if mode & 0o022 != 0 && mode & 0o1000 == 0 {
            return Err(self.refuse(format!(
                "other users can write it (mode {mode:04o}) and it is not sticky, so they could replace the keys; fix it with `chmod go-w {0}` (or `chmod +t {0}` for a shared folder), or name a folder only you can write",
                self.named.display()
            )));
        }
        Ok(())
    }

    #[cfg(not(unix))]
    fn check_named(&self, _m: &fs::Metadata) -> Result<(), PkiError> {
        Ok(())
    }

    #[cfg(unix)]
    fn check_sub(&self, sub: &Path, link: &fs::Metadata) -> Result<(), PkiError> {
        use std::os::unix::fs::{MetadataExt, PermissionsExt};
        let me = my_uid();
        let fix = "remove it (the pool is regenerated) or name another folder";
        if link.file_type().is_symlink() && link.uid() != me && link.uid() != 0 {
            return Err(self.refuse(format!(
                "{} is a symbolic link made by another user (uid {}); {fix}",
                sub.display(),
                link.uid()
            )));
        }
        let m = fs::metadata(sub).map_err(|e| self.refuse(format!("{}: {e}", sub.display())))?;
        if !m.is_dir() {
            return Err(self.refuse(format!("{} is not a folder; {fix}", sub.display())));
        }
        if m.uid() != me && m.uid() != 0 {
            return Err(self.refuse(format!(
                "{} belongs to another user (uid {}); {fix}",
                sub.display(),
                m.uid()
            )));
        }
        let mode = m.mode() & 0o777;
        if mode & 0o022 != 0 {
            // Someone else may already have replaced keys in it: nothing inside can be
            // trusted, so it is not quietly restricted and used.
            return Err(self.refuse(format!(
                "{} can be written by other users (mode {mode:04o}), so the keys in it cannot be trusted; {fix}",
                sub.display()
            )));
        }
        if mode & 0o077 != 0 {
            // Only readable by others: put it back to owner-only. On a read-only mount (a
            // cache prepared for everyone) that fails, which is harmless.
            let _ = fs::set_permissions(sub, fs::Permissions::from_mode(0o700));
        }
        Ok(())
    }

    #[cfg(not(unix))]
    fn check_sub(&self, sub: &Path, _link: &fs::Metadata) -> Result<(), PkiError> {
        if !sub.is_dir() {
            return Err(self.refuse(format!("{} is not a folder", sub.display())));
        }
        Ok(())
    }
}

/// What to do about a folder or file of the pool that breaks the rule.
const REMOVE_IT: &str = "remove it (what it held is generated again)";

/// Checks a folder inside the pool (a key set's, the locks', a request store's) before
/// anything in it is read: a real folder (not a link), ours or root's, that no one else
/// can write. `Ok(false)`: it does not exist yet.
pub(crate) fn check_inner_dir(dir: &Path) -> Result<bool, PkiError> {
    let refuse = |why: String| {
        PkiError::key_cache(format!(
            "key cache folder {}: {why}; {REMOVE_IT}",
            dir.display()
        ))
    };
    let m = match fs::symlink_metadata(dir) {
        Ok(m) => m,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(false),
        Err(e) => return Err(PkiError::io(dir, e)),
    };
    if m.file_type().is_symlink() {
        return Err(refuse("is a symbolic link; the pool makes none".into()));
    }
    if !m.is_dir() {
        return Err(refuse("is not a folder".into()));
    }
    check_owner_and_mode(&m).map_err(refuse)?;
    Ok(true)
}

/// Reads a file of the pool (a chunk of keys or of stored requests): `None` when it does
/// not exist. Refused (exit 2, naming the file) when it is not a regular file (a link, a
/// FIFO, a device), is larger than `limit`, belongs to another user than us or root, or
/// can be written by others. Checked on the open file, which is opened without blocking
/// and without following a link.
pub(crate) fn read_cache_file(path: &Path, limit: u64) -> Result<Option<Vec<u8>>, PkiError> {
    use crate::fsread::{open_regular, read_capped, Follow, ReadError};
    let refuse = |why: String| {
        PkiError::key_cache(format!(
            "key cache file {}: {why}; {REMOVE_IT}",
            path.display()
        ))
    };
    let (file, meta) = match open_regular(path, limit, Follow::No) {
        Ok(f) => f,
        Err(ReadError::NotFound) => return Ok(None),
        Err(ReadError::Io(e)) => return Err(PkiError::io(path, e)),
        Err(e) => return Err(refuse(e.to_string())),
    };
    check_owner_and_mode(&meta).map_err(refuse)?;
    match read_capped(file, limit) {
        Ok(bytes) => Ok(Some(bytes)),
        Err(ReadError::Io(e)) => Err(PkiError::io(path, e)),
        Err(e) => Err(refuse(e.to_string())),
    }
}

/// Ours or root's, and not writable by group or others.
#[cfg(unix)]
fn check_owner_and_mode(m: &fs::Metadata) -> Result<(), String> {
    use std::os::unix::fs::MetadataExt;
    if m.uid() != my_uid() && m.uid() != 0 {
        return Err(format!(
            "belongs to another user (uid {}), who could have replaced the keys",
            m.uid()
        ));
    }
    let mode = m.mode() & 0o7777;
    if mode & 0o022 != 0 {
        return Err(format!(
            "other users can write it (mode {mode:04o}), so its keys cannot be trusted"
        ));
    }
    Ok(())
}

#[cfg(not(unix))]
fn check_owner_and_mode(_m: &fs::Metadata) -> Result<(), String> {
    Ok(())
}

#[cfg(unix)]
fn my_uid() -> u32 {
    rustix::process::geteuid().as_raw()
}

/// A folder builder that creates owner-only folders (mode set at creation, never after).
pub(crate) fn private_dir_builder(recursive: bool) -> fs::DirBuilder {
    let mut b = fs::DirBuilder::new();
    b.recursive(recursive);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        b.mode(0o700);
    }
    b
}
