//! The key cache as a hostile or careless environment meets it: folders it did not create
//! keep their permissions, folders and files others can change are refused (the inside as
//! well as the top), files that are not regular (links, FIFOs) or too large are refused
//! unread, a warm read-only cache is read without a single write, and a record moved to
//! another slot is detected.
#![cfg(unix)]

use crate::common::{bin, child, mkfifo};
use std::collections::BTreeMap;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::process::Command;
use whfb_sim::pki::cache_dir::SUBFOLDER;
use whfb_sim::pki::pool::CHUNK;
use whfb_sim::pki::{KeyAlg, KeyPool, KeySet, PkiError};

const ALG: KeyAlg = KeyAlg::EcdsaP256;

fn mode(p: &Path) -> u32 {
    std::fs::symlink_metadata(p).expect("metadata").mode() & 0o7777
}

fn chmod(p: &Path, m: u32) {
    std::fs::set_permissions(p, std::fs::Permissions::from_mode(m)).expect("chmod");
}

fn spkis(pool: &KeyPool, set: KeySet, n: usize) -> Vec<Vec<u8>> {
    pool.load(set, ALG, n, &|_, _| {})
        .expect("load")
        .iter()
        .map(|k| k.spki_der().to_vec())
        .collect()
}

fn refusal(dir: &Path) -> String {
    let pool = KeyPool::open(Some(dir)).expect("open");
    match pool.load(KeySet::Users, ALG, 2, &|_, _| {}) {
        Err(PkiError::KeyCache(m)) => m.to_string(),
        other => panic!("expected a key cache refusal, got {other:?}"),
    }
}

fn running_as_root() -> bool {
    let f = tempfile::NamedTempFile::new().expect("temp file");
    f.as_file().metadata().expect("metadata").uid() == 0
}

type Stamp = (u64, u64, i64, i64, u32);

/// Every path under `dir` with what would change if it were written or its permissions
/// changed: inode, size, modification time, mode.
fn snapshot(dir: &Path) -> BTreeMap<PathBuf, Stamp> {
    fn walk(d: &Path, out: &mut BTreeMap<PathBuf, Stamp>) {
        for e in std::fs::read_dir(d).expect("read_dir") {
            let p = e.expect("entry").path();
            let m = std::fs::symlink_metadata(&p).expect("metadata");
            let stamp = (m.ino(), m.size(), m.mtime(), m.mtime_nsec(), m.mode());
            out.insert(p.clone(), stamp);
            if m.is_dir() {
                walk(&p, out);
            }
        }
    }
    let mut out = BTreeMap::new();
    let m = std::fs::metadata(dir).expect("metadata");
    let stamp = (m.ino(), m.size(), m.mtime(), m.mtime_nsec(), m.mode());
    out.insert(dir.to_path_buf(), stamp);
    walk(dir, &mut out);
    out
}

fn chmod_tree(dir: &Path, file_mode: u32, dir_mode: u32) {
    for e in std::fs::read_dir(dir).expect("read_dir") {
        let p = e.expect("entry").path();
        if p.is_dir() {
            chmod_tree(&p, file_mode, dir_mode);
            chmod(&p, dir_mode);
        } else {
            chmod(&p, file_mode);
        }
    }
}

#[test]
fn a_sticky_shared_folder_keeps_its_mode_and_the_keys_stay_private() {
    let root = tempfile::tempdir().expect("tempdir");
    let shared = root.path().join("shared");
    std::fs::create_dir(&shared).expect("mkdir");
    chmod(&shared, 0o1777);
    let pool = KeyPool::open(Some(&shared)).expect("open");
    assert_eq!(spkis(&pool, KeySet::Users, 3).len(), 3);
    assert_eq!(mode(&shared), 0o1777, "the named folder's mode changed");
    assert_eq!(pool.dir(), shared.join(SUBFOLDER));
    assert_eq!(mode(pool.dir()), 0o700);
    for (p, _) in snapshot(pool.dir()) {
        let want = if p.is_dir() { 0o700 } else { 0o600 };
        assert_eq!(mode(&p), want, "{}", p.display());
    }
    // A plain 0755 folder of the user's keeps its mode too.
    let mine = root.path().join("mine");
    std::fs::create_dir(&mine).expect("mkdir");
    chmod(&mine, 0o755);
    spkis(&KeyPool::open(Some(&mine)).expect("open"), KeySet::Users, 1);
    assert_eq!(mode(&mine), 0o755);
}

#[test]
fn a_folder_others_can_write_is_refused_and_left_alone() {
    let root = tempfile::tempdir().expect("tempdir");
    let open = root.path().join("open");
    std::fs::create_dir(&open).expect("mkdir");
    chmod(&open, 0o777);
    let m = refusal(&open);
    assert!(
        m.contains("pki.key_cache") && m.contains("0777") && m.contains("chmod go-w"),
        "{m}"
    );
    assert_eq!(mode(&open), 0o777);
    assert!(!open.join(SUBFOLDER).exists(), "nothing is created in it");
    // Not a folder at all.
    let file = root.path().join("file");
    std::fs::write(&file, b"x").expect("write");
    assert!(refusal(&file).contains("is not a folder"));
}

#[test]
fn folders_and_links_of_another_user_are_refused() {
    if !running_as_root() {
        // Only root can make a file another user owns; a plain user's own symlink is
        // followed, which the sticky-folder test covers.
        eprintln!("skipped: needs root to create files owned by another user");
        return;
    }
    let root = tempfile::tempdir().expect("tempdir");
    // A shared sticky folder in which another user planted our subfolder's name as a
    // link to a folder of theirs.
    let shared = root.path().join("shared");
    std::fs::create_dir(&shared).expect("mkdir");
    chmod(&shared, 0o1777);
    let theirs = root.path().join("theirs");
    std::fs::create_dir(&theirs).expect("mkdir");
    std::os::unix::fs::symlink(&theirs, shared.join(SUBFOLDER)).expect("symlink");
    std::os::unix::fs::lchown(shared.join(SUBFOLDER), Some(4242), Some(4242)).expect("lchown");
    let m = refusal(&shared);
    assert!(m.contains("symbolic link made by another user"), "{m}");
    assert!(std::fs::read_dir(&theirs).expect("read").next().is_none());
    // Their own folder as the subfolder (not a link).
    std::fs::remove_file(shared.join(SUBFOLDER)).expect("rm");
    std::fs::create_dir(shared.join(SUBFOLDER)).expect("mkdir");
    std::os::unix::fs::chown(shared.join(SUBFOLDER), Some(4242), None).expect("chown");
    assert!(refusal(&shared).contains("belongs to another user"));
    // A named folder another user owns.
    let other = root.path().join("other");
    std::fs::create_dir(&other).expect("mkdir");
    std::os::unix::fs::chown(&other, Some(4242), None).expect("chown");
    assert!(refusal(&other).contains("belongs to another user (uid 4242)"));
}

/// A small run with real (ECDSA) keys from the key cache `cache`, into `out`.
fn real_run_command(cache: &Path, out: &Path) -> Command {
    let mut c = bin();
    c.env("WHFB_SIM_KEY_CACHE", cache)
        .args(["run", "--users", "4", "--quiet", "--threads", "2"])
        .args(["--set", "pki.client_key=ecdsa-p256", "--out"])
        .arg(out);
    c
}

fn real_run(cache: &Path, out: &Path) -> std::process::Output {
    real_run_command(cache, out).output().expect("spawn")
}

#[test]
fn a_warm_read_only_cache_runs_without_writing() {
    let root = tempfile::tempdir().expect("tempdir");
    let cache = root.path().join("cache");
    std::fs::create_dir(&cache).expect("mkdir");
    let first = real_run(&cache, &root.path().join("a"));
    assert!(
        first.status.success(),
        "{}",
        String::from_utf8_lossy(&first.stderr)
    );
    // Read-only as a shared, prepared cache would be. (Root writes regardless; the
    // snapshot shows that nothing was written, created or chmod-ed either way.)
    chmod_tree(&cache, 0o400, 0o500);
    chmod(&cache, 0o500);
    let before = snapshot(&cache);
    assert!(before.len() > 3, "the first run filled the cache");
    let second = real_run(&cache, &root.path().join("b"));
    let after = snapshot(&cache);
    chmod(&cache, 0o700);
    chmod_tree(&cache, 0o600, 0o700);
    assert!(
        second.status.success(),
        "a warm read-only cache failed: {}",
        String::from_utf8_lossy(&second.stderr)
    );
    assert_eq!(after, before, "the warm run wrote to the cache");
}

#[test]
fn a_key_cache_that_is_not_a_folder_is_exit_2_naming_the_key() {
    let root = tempfile::tempdir().expect("tempdir");
    let o = bin()
        .args([
            "run",
            "--users",
            "2",
            "--quiet",
            "--set",
            "pki.client_key=ecdsa-p256",
        ])
        .args(["--set", "pki.key_cache=/dev/null", "--out"])
        .arg(root.path().join("out"))
        .output()
        .expect("spawn");
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(
        err.contains("pki.key_cache") && err.contains("/dev/null"),
        "{err}"
    );
    assert!(!root.path().join("out").exists());
}

/// The byte ranges of the records of a chunk file (format in `sim/pki/pool.rs`).
fn records(bytes: &[u8]) -> Vec<std::ops::Range<usize>> {
    let u32_at = |at: usize| u32::from_le_bytes(bytes[at..at + 4].try_into().unwrap()) as usize;
    let mut at = 16;
    let mut out = Vec::new();
    while at + 16 <= bytes.len() {
        let end = at + 16 + u32_at(at) + u32_at(at + 4);
        out.push(at..end);
        at = end;
    }
    out
}

/// Chunk 0 of `set` with record `slot` replaced by `record`.
fn put_record(pool: &KeyPool, set: &str, slot: usize, record: &[u8]) {
    let path = pool
        .dir()
        .join(format!("{set}-ecdsa-p256/chunk-00000.keys"));
    let bytes = std::fs::read(&path).expect("read");
    let r = records(&bytes);
    let mut out = bytes[..r[slot].start].to_vec();
    out.extend_from_slice(record);
    out.extend_from_slice(&bytes[r[slot].end..]);
    std::fs::write(&path, out).expect("write");
}

fn record(pool: &KeyPool, set: &str, slot: usize) -> Vec<u8> {
    let path = pool
        .dir()
        .join(format!("{set}-ecdsa-p256/chunk-00000.keys"));
    let bytes = std::fs::read(&path).expect("read");
    bytes[records(&bytes)[slot].clone()].to_vec()
}

#[test]
fn a_record_moved_to_another_slot_is_detected_and_replaced() {
    const { assert!(CHUNK > 10) };
    let root = tempfile::tempdir().expect("tempdir");
    let pool = KeyPool::open(Some(root.path())).expect("open");
    let users = spkis(&pool, KeySet::Users, 10);
    let infra = spkis(&pool, KeySet::Infrastructure, 2);

    // User 7 given user 5's record: its checksum is user 5's slot's, so it is refused
    // and user 7 gets a key of its own again; users before 7 keep theirs.
    put_record(&pool, "users", 7, &record(&pool, "users", 5));
    let after = spkis(&pool, KeySet::Users, 10);
    assert_eq!(after[..7], users[..7]);
    assert_ne!(after[7], users[5], "user 7 was given user 5's key");
    assert!(!after[8..].contains(&users[5]));

    // An infrastructure key (the attacker's, say) copied into user 7's slot.
    put_record(&pool, "users", 7, &record(&pool, "infra", 1));
    let after = spkis(&pool, KeySet::Users, 10);
    assert!(!after.contains(&infra[1]), "user 7 was given a foreign key");
    assert_eq!(after[..7], users[..7]);
    // What was regenerated is stored: a third load reads the same keys.
    assert_eq!(spkis(&pool, KeySet::Users, 10), after);
}

/// `real_run` killed after a deadline: a FIFO in the cache used to block it for ever.
fn real_run_bounded(cache: &Path, out: &Path) -> (Option<i32>, String) {
    let err = tempfile::NamedTempFile::new().expect("temp file");
    let mut child = real_run_command(cache, out)
        .stdin(std::process::Stdio::null())
        .stderr(err.reopen().expect("stderr"))
        .spawn()
        .expect("spawn");
    let args = [
        "run",
        "--users",
        "4",
        "(a cache with a FIFO or a link in it)",
    ];
    let (status, _) = child::wait_or_kill(&mut child, &args, std::time::Duration::from_secs(20));
    (
        status.code(),
        std::fs::read_to_string(err.path()).unwrap_or_default(),
    )
}

#[test]
fn the_inside_of_the_cache_is_checked_like_its_top() {
    let root = tempfile::tempdir().expect("tempdir");
    let cache = root.path().join("cache");
    std::fs::create_dir(&cache).expect("mkdir");
    let out = root.path().join("out");
    let (code, err) = real_run_bounded(&cache, &out);
    assert_eq!(code, Some(0), "{err}");
    let pool = cache.join(SUBFOLDER);
    let set = pool.join("users-ecdsa-p256");
    let chunk = set.join("chunk-00000.keys");
    let good = std::fs::read(&chunk).expect("chunk");
    let put_back = || {
        let _ = std::fs::remove_file(&chunk);
        std::fs::write(&chunk, &good).expect("write");
        chmod(&chunk, 0o600);
    };
    // Each case: exit 2 naming the path and what is wrong, the earlier outputs kept.
    let case = |what: &str, path: &Path, words: &[&str]| {
        let (code, err) = real_run_bounded(&cache, &out);
        assert_eq!(code, Some(2), "{what}: {err}");
        assert!(err.contains(&path.display().to_string()), "{what}: {err}");
        for w in words {
            assert!(err.contains(w), "{what}: `{w}` not in {err}");
        }
        assert!(out.join("summary.json").is_file(), "{what}: outputs lost");
    };
    std::fs::remove_file(&chunk).expect("rm");
    std::os::unix::fs::symlink("/dev/zero", &chunk).expect("symlink");
    case(
        "a chunk linked to /dev/zero",
        &chunk,
        &["symbolic link", "remove it"],
    );
    std::fs::remove_file(&chunk).expect("rm");
    mkfifo(&chunk);
    case("a FIFO chunk", &chunk, &["is a FIFO", "remove it"]);
    put_back();
    chmod(&chunk, 0o666);
    case("a chunk others can write", &chunk, &["mode 0666"]);
    put_back();
    std::fs::OpenOptions::new()
        .append(true)
        .open(&chunk)
        .expect("open")
        .set_len(64 << 20)
        .expect("grow");
    case(
        "a chunk larger than any",
        &chunk,
        &["larger than the limit"],
    );
    put_back();
    chmod(&set, 0o777);
    case("a set folder others can write", &set, &["mode 0777"]);
    chmod(&set, 0o700);
    chmod(&pool, 0o777);
    case(
        "whfb-sim-keys others can write",
        &pool,
        &["mode 0777", "cannot be trusted"],
    );
    chmod(&pool, 0o700);
    if running_as_root() {
        std::os::unix::fs::chown(&chunk, Some(4242), None).expect("chown");
        chmod(&chunk, 0o644);
        case(
            "a chunk another user owns",
            &chunk,
            &["another user (uid 4242)"],
        );
        put_back();
    }
    // Removing what was refused is enough: the run is whole again.
    let (code, err) = real_run_bounded(&cache, &out);
    assert_eq!(code, Some(0), "{err}");
}
