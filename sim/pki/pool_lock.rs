//! Concurrent fillers of one key pool (threads, processes, Slurm tasks on one node, or
//! hosts sharing the pool over NFS) generate each missing key once.
//!
//! Each chunk file has a lock file, `<pool>/locks/<set>-<alg>-NNNNN.lock`, taken with
//! `flock` (the `fs4` crate) while the chunk is re-read, completed and replaced.
//! A filler first takes every free lock of the chunks it needs, skipping busy ones (so
//! several fillers share the work), then waits on the busy ones and finds them full.
//! Readers never lock: chunk files are only ever replaced whole (rename), so a warm pool
//! is read without writing anything.
//!
//! On Linux NFS, `flock` is carried by NFS byte-range locks (NFSv4, or NFSv3 with
//! `lockd`), so it holds across hosts; a mount with `nolock` or `local_lock=flock`
//! keeps locks per host, and Lustre needs `-o flock`. Where the file system refuses
//! locks, filling goes on unlocked after one warning: files stay whole either way, and
//! the only cost is keys generated twice (the last writer's keys stay in the pool; each
//! run uses the keys it read or generated, and nothing a run reports depends on which).

use std::fs::{File, OpenOptions};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};

use super::cache_dir::check_inner_dir;
use super::fsutil;
use super::PkiError;

/// A held chunk lock; released when dropped (closing the file releases `flock`).
struct Held(#[allow(dead_code)] Option<File>);

fn lock_path(pool: &Path, name: &str, chunk: usize) -> PathBuf {
    pool.join("locks").join(format!("{name}-{chunk:05}.lock"))
}

fn open(pool: &Path, name: &str, chunk: usize) -> Result<Option<File>, PkiError> {
    let dir = pool.join("locks");
    fsutil::ensure_dir(&dir, true)?;
    check_inner_dir(&dir)?;
    let path = lock_path(pool, name, chunk);
    let refuse = |what: &str| {
        PkiError::key_cache(format!(
            "key cache lock file {}: {what}, not a regular file; remove it (it is made again)",
            path.display()
        ))
    };
    let mut opts = OpenOptions::new();
    opts.write(true).create(true).truncate(false);
    #[cfg(unix)]
    {
        use rustix::fs::OFlags;
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
        // Without blocking (opening a FIFO for writing waits for a reader for ever) and
        // without following a planted link.
        opts.custom_flags((OFlags::NONBLOCK | OFlags::NOFOLLOW).bits() as i32);
    }
    let file = match opts.open(&path) {
        Ok(f) => f,
        // A read-only pool that still misses keys: generating them will fail on write
        // with a clear error; the lock cannot make that better.
        Err(e) if e.kind() == std::io::ErrorKind::PermissionDenied => return Ok(None),
        Err(e) => {
            return Err(match std::fs::symlink_metadata(&path) {
                Ok(m) if m.file_type().is_symlink() => refuse("a symbolic link"),
                Ok(m) if !m.is_file() => {
                    refuse("not a regular file (a FIFO, a device or a socket)")
                }
                _ => PkiError::io(&path, e),
            })
        }
    };
    match file.metadata() {
        Ok(m) if m.is_file() => Ok(Some(file)),
        Ok(_) => Err(refuse("not a regular file (a FIFO, a device or a socket)")),
        Err(e) => Err(PkiError::io(&path, e)),
    }
}

fn unsupported(pool: &Path, e: &std::io::Error) {
    static WARNED: AtomicBool = AtomicBool::new(false);
    if !WARNED.swap(true, Ordering::Relaxed) {
        eprintln!(
            "warning: key pool {}: file locks are not available here ({e}); filling it without them (safe, but concurrent runs may generate the same keys twice)",
            pool.display()
        );
    }
}

/// Tries to take chunk `chunk`'s lock: `Some` held (or locking unavailable), `None`
/// when another filler holds it.
fn try_take(pool: &Path, name: &str, chunk: usize) -> Result<Option<Held>, PkiError> {
    let Some(f) = open(pool, name, chunk)? else {
        return Ok(Some(Held(None)));
    };
    match fs4::FileExt::try_lock(&f) {
        Ok(()) => Ok(Some(Held(Some(f)))),
        Err(fs4::TryLockError::WouldBlock) => Ok(None),
        Err(fs4::TryLockError::Error(e)) => {
            unsupported(pool, &e);
            Ok(Some(Held(None)))
        }
    }
}

/// Takes chunk `chunk`'s lock, waiting for another filler to finish with it.
fn take(pool: &Path, name: &str, chunk: usize) -> Result<Held, PkiError> {
    let Some(f) = open(pool, name, chunk)? else {
        return Ok(Held(None));
    };
    match fs4::FileExt::lock(&f) {
        Ok(()) => Ok(Held(Some(f))),
        Err(e) => {
            unsupported(pool, &e);
            Ok(Held(None))
        }
    }
}

/// Runs `fill(chunk)` for every chunk of `pending`, each under its lock: free chunks
/// first, in order, then the ones another filler held. `fill` must re-read the chunk
/// (another filler may have completed it meanwhile) and generate only what is still
/// missing. `name` tells the pool's key sequences apart (`users-rsa-2048`).
pub(crate) fn fill_chunks(
    pool: &Path,
    name: &str,
    pending: &[usize],
    fill: &mut dyn FnMut(usize) -> Result<(), PkiError>,
) -> Result<(), PkiError> {
    let mut busy = Vec::new();
    for &c in pending {
        match try_take(pool, name, c)? {
            Some(held) => {
                fill(c)?;
                drop(held);
            }
            None => busy.push(c),
        }
    }
    for c in busy {
        let held = take(pool, name, c)?;
        fill(c)?;
        drop(held);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_held_lock_is_skipped_then_waited_for() {
        let dir = tempfile::tempdir().expect("tempdir");
        let pool = dir.path();
        let held = try_take(pool, "users-test", 1)
            .expect("lock")
            .expect("free");
        assert!(
            try_take(pool, "users-test", 1).expect("lock").is_none(),
            "a second taker sees it busy"
        );
        let order = std::sync::Mutex::new(Vec::new());
        std::thread::scope(|s| {
            let filler = s.spawn(|| {
                fill_chunks(pool, "users-test", &[0, 1, 2], &mut |c| {
                    order.lock().expect("order").push(c);
                    Ok(())
                })
            });
            // Chunks 0 and 2 are filled while 1 is held; 1 only once it is released.
            while order.lock().expect("order").len() < 2 {
                std::thread::yield_now();
            }
            assert_eq!(*order.lock().expect("order"), vec![0, 2]);
            drop(held);
            filler.join().expect("join").expect("fill");
        });
        assert_eq!(*order.lock().expect("order"), vec![0, 2, 1]);
    }
}
