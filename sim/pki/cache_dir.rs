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
//! and what it leads to must be a folder we (or root) own.

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
pub struct CacheDir {
    named: PathBuf,
    origin: Origin,
}

impl CacheDir {
    /// `explicit` (the scenario's `pki.key_cache`), else the first of
    /// `$WHFB_SIM_KEY_CACHE`, `$XDG_CACHE_HOME`, `$HOME/.cache` that is set.
    pub fn locate(explicit: Option<&Path>) -> Result<CacheDir, PkiError> {
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
            return Err(PkiError::KeyCache(
                "no key cache location: set pki.key_cache, WHFB_SIM_KEY_CACHE, XDG_CACHE_HOME or HOME".into(),
            ));
        };
        Ok(CacheDir {
            named,
            origin: Origin::Env(var),
        })
    }

    /// The pool's folder: [`SUBFOLDER`] inside the named one.
    pub fn pool_dir(&self) -> PathBuf {
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
        PkiError::KeyCache(format!("{}: {why}", self.what()))
    }

    /// Checks the named folder and the pool's subfolder; with `create`, makes whichever is
    /// missing. `Ok(false)`: the subfolder does not exist (and `create` is off), so the
    /// pool is empty. Nothing existing has its permissions changed, except the subfolder
    /// itself back to `0700` when we own it.
    pub fn prepare(&self, create: bool) -> Result<bool, PkiError> {
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
        if mode & 0o077 != 0 {
            // Our own folder: put it back to owner-only. On a read-only mount that fails,
            // which is harmless unless others can write it.
            let restricted = fs::set_permissions(sub, fs::Permissions::from_mode(0o700));
            if restricted.is_err() && mode & 0o022 != 0 {
                return Err(self.refuse(format!(
                    "{} can be written by other users (mode {mode:04o}) and cannot be restricted; {fix}",
                    sub.display()
                )));
            }
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
