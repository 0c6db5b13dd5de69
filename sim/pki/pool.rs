//! The on-disk key pool: real pre-generated key pairs so repeated runs do not pay RSA key
//! generation again (about 70 ms per RSA-2048 key).
//!
//! # Location
//! The subfolder `whfb-sim-keys` of an explicit folder (`pki.key_cache`), else of
//! `$WHFB_SIM_KEY_CACHE`, else of `$XDG_CACHE_HOME`, else of `$HOME/.cache`; see
//! `cache_dir` for the checks that folder passes. Folders are created `0700`, files `0600`:
//! they hold private keys (simulation keys, but private keys still). A warm pool is only
//! read: nothing is created, locked or written unless keys are missing, so a read-only
//! pool works.
//!
//! # Format
//! `<dir>/<set>-<alg>/chunk-NNNNN.keys`, where `<set>` is `users` or `infra` and chunk `c`
//! holds keys `c * 1024 ..` of that set. A chunk file is a 16-byte header (`WHFBKEYS`,
//! format version 3, algorithm tag, two reserved bytes, chunk index as u32 LE) followed
//! by records `pkcs8_len: u32 LE | spki_len: u32 LE | first 8 bytes of
//! SHA-256("whfb-sim key" ‖ set ‖ alg ‖ index as u64 LE ‖ pkcs8 ‖ spki) | PKCS#8 DER |
//! SubjectPublicKeyInfo DER`. The checksum is bound to the record's slot: user 5's
//! record copied over user 7's, or an infrastructure key (the attacker's) copied into a
//! user's slot, fails it and is generated again, with a warning. (It is not a MAC:
//! whoever can write the pool can forge it, which is why `cache_dir` keeps others out.)
//! A key is parsed and checked against its stored public key before it signs.
//!
//! The public key is stored next to the private one so that loading needs no private-key
//! parsing (about 150 µs per RSA key, 3 s for 20k on one core): loading 20k keys is file
//! reading and checksums, and each key is parsed only when it signs
//! ([`PooledKey::key_pair`]).
//!
//! # Guarantees
//! Key `i` of a set is always at index `i` (whatever the thread count), so user `i` keeps
//! its key across runs. A chunk file is only ever replaced whole (temporary file +
//! rename), so a concurrent run or a crash never leaves a half-written one. A truncated or
//! corrupted chunk is detected (lengths, checksum): its valid prefix is kept and the rest
//! regenerated. Runs that fill the same pool at once (threads, processes, hosts over
//! NFS) take a lock per chunk (`pool_lock`): each missing key is generated
//! once, and a filler waiting for a chunk finds it complete. Where the file system
//! cannot lock, two fillers may both complete a chunk; the last rename wins and each run
//! uses the keys it generated.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

use rayon::prelude::*;

use super::cache_dir::{check_inner_dir, read_cache_file, CacheDir};
use super::fsutil::{self, Durability};
use super::keys::{KeyAlg, KeyPair};
use super::pool_lock;
use super::{PkiError, Progress};

/// Keys per chunk file: big enough that 20k users are ~20 files, small enough that a
/// rewrite to extend a chunk stays cheap and that an interrupted generation loses little.
pub const CHUNK: usize = 1024;

const MAGIC: &[u8; 8] = b"WHFBKEYS";
const FORMAT_VERSION: u8 = 3;
const HEADER_LEN: usize = 16;
const RECORD_HEADER_LEN: usize = 16;
/// No key we store comes near this (an RSA-2048 PKCS#8 key is about 1.2 KB, RSA-4096
/// 2.4 KB); a larger length means a corrupt record.
const MAX_RECORD: usize = 4 * 1024;
/// The largest chunk file the format allows: a full chunk of records at the largest size.
/// A larger file is not a chunk and is refused before it is read.
pub(crate) const MAX_CHUNK_BYTES: u64 =
    (HEADER_LEN + CHUNK * (RECORD_HEADER_LEN + 2 * MAX_RECORD)) as u64;

/// Which independent sequence of keys to draw from. Users and infrastructure (CA, RA
/// agent, non-agent signer, attacker) are kept apart so that changing the user count
/// never changes the CA key, and vice versa.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum KeySet {
    /// Key `i` belongs to simulated user `i`.
    Users,
    /// Keys of the PKI parties; see `material` for the slot of each.
    Infrastructure,
}

impl KeySet {
    fn as_str(self) -> &'static str {
        match self {
            KeySet::Users => "users",
            KeySet::Infrastructure => "infra",
        }
    }
}

fn alg_tag(alg: KeyAlg) -> u8 {
    match alg {
        KeyAlg::Rsa2048 => 1,
        KeyAlg::EcdsaP256 => 2,
    }
}

/// A directory of cached key pairs (see the module documentation for layout and format).
#[derive(Debug, Clone)]
pub struct KeyPool {
    cache: CacheDir,
    dir: PathBuf,
}

impl KeyPool {
    /// The pool inside folder `dir`, or inside the default folder (see the module doc)
    /// when `None`. Nothing is checked or created until keys are loaded.
    pub fn open(dir: Option<&Path>) -> Result<Self, PkiError> {
        let cache = CacheDir::locate(dir)?;
        let dir = cache.pool_dir();
        Ok(KeyPool { cache, dir })
    }

    /// The pool's own folder (the `whfb-sim-keys` subfolder of the one named).
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    fn set_dir(&self, set: KeySet, alg: KeyAlg) -> PathBuf {
        self.dir.join(format!("{}-{}", set.as_str(), alg.as_str()))
    }

    fn chunk_path(&self, set: KeySet, alg: KeyAlg, chunk: usize) -> PathBuf {
        self.set_dir(set, alg)
            .join(format!("chunk-{chunk:05}.keys"))
    }

    /// Keys `0..count` of `set` for `alg`: loaded from disk, the missing ones generated in
    /// parallel and saved. `progress(done, total)` counts generated keys (total is the
    /// number missing; it is not called when nothing is missing).
    pub fn load(
        &self,
        set: KeySet,
        alg: KeyAlg,
        count: usize,
        progress: Progress<'_>,
    ) -> Result<Vec<PooledKey>, PkiError> {
        self.load_counted(set, alg, count, progress)
            .map(|(keys, _)| keys)
    }

    /// [`KeyPool::load`], also saying how many keys this call generated (keys another
    /// filler generated meanwhile are not counted).
    pub(crate) fn load_counted(
        &self,
        set: KeySet,
        alg: KeyAlg,
        count: usize,
        progress: Progress<'_>,
    ) -> Result<(Vec<PooledKey>, usize), PkiError> {
        if count == 0 {
            return Ok((Vec::new(), 0));
        }
        let exists = self.cache.prepare(false)?;

        let chunks = count.div_ceil(CHUNK);
        let wanted = |c: usize| CHUNK.min(count - c * CHUNK);
        // Read every chunk first so the progress total (keys missing) is known up front.
        let mut loaded: Vec<Vec<PooledKey>> = if exists {
            (0..chunks)
                .into_par_iter()
                .map(|c| self.read_chunk(set, alg, c, true))
                .collect::<Result<_, _>>()?
        } else {
            vec![Vec::new(); chunks]
        };
        let missing = |c: usize, have: &Vec<PooledKey>| wanted(c).saturating_sub(have.len());
        let total: usize = loaded.iter().enumerate().map(|(c, k)| missing(c, k)).sum();

        let done = AtomicUsize::new(0);
        if total > 0 {
            // Only now, with keys to write, is anything created.
            self.cache.prepare(true)?;
            fsutil::ensure_dir(&self.set_dir(set, alg), true)?;
            progress(0, total);
        }
        let pending: Vec<usize> = (0..chunks)
            .filter(|&c| missing(c, &loaded[c]) > 0)
            .collect();
        let lock_name = format!("{}-{}", set.as_str(), alg.as_str());
        let mut generated = 0;
        // Each chunk under its lock (see `pool_lock`), re-read first: another process
        // may have completed it while this one waited or worked on other chunks.
        pool_lock::fill_chunks(&self.dir, &lock_name, &pending, &mut |c| {
            let expected = missing(c, &loaded[c]);
            let chunk = self.read_chunk(set, alg, c, false)?;
            let still = missing(c, &chunk);
            if still < expected {
                // Keys another filler generated count as done here too.
                progress(
                    done.fetch_add(expected - still, Ordering::Relaxed) + expected - still,
                    total,
                );
            }
            loaded[c] = chunk;
            if still == 0 {
                return Ok(());
            }
            // Parallel inside a chunk, chunks in order: an interrupted run keeps every
            // finished chunk, and the collect keeps slot order whatever the thread count.
            let fresh: Vec<PooledKey> = (0..still)
                .into_par_iter()
                .map(|_| {
                    let key = PooledKey::generate(alg)?;
                    progress(done.fetch_add(1, Ordering::Relaxed) + 1, total);
                    Ok(key)
                })
                .collect::<Result<_, PkiError>>()?;
            generated += fresh.len();
            loaded[c].extend(fresh);
            self.write_chunk(set, alg, c, &loaded[c])
        })?;
        let keys = loaded
            .into_iter()
            .enumerate()
            .flat_map(|(c, mut keys)| {
                keys.truncate(wanted(c));
                keys
            })
            .collect();
        Ok((keys, generated))
    }

    /// How many of keys `0..count` of `set` are already in the pool (read only: nothing
    /// is generated or written).
    pub(crate) fn available(
        &self,
        set: KeySet,
        alg: KeyAlg,
        count: usize,
    ) -> Result<usize, PkiError> {
        if !self.cache.prepare(false)? {
            return Ok(0);
        }
        (0..count.div_ceil(CHUNK))
            .map(|c| {
                let have = self.read_chunk(set, alg, c, false)?.len();
                Ok(have.min(CHUNK.min(count - c * CHUNK)))
            })
            .sum()
    }

    /// Keys `0..count` parsed: for the few keys that sign at once (the infrastructure).
    pub fn load_parsed(
        &self,
        set: KeySet,
        alg: KeyAlg,
        count: usize,
    ) -> Result<Vec<KeyPair>, PkiError> {
        self.load(set, alg, count, &super::no_progress)?
            .iter()
            .map(PooledKey::key_pair)
            .collect()
    }

    /// The valid prefix of a chunk (empty when the file is missing or its header is bad);
    /// `warn`: say on stderr when a record fails its check (not for a clean short file).
    fn read_chunk(
        &self,
        set: KeySet,
        alg: KeyAlg,
        chunk: usize,
        warn: bool,
    ) -> Result<Vec<PooledKey>, PkiError> {
        let path = self.chunk_path(set, alg, chunk);
        // The set's folder first, then the file: both must be ours and closed to others.
        if !check_inner_dir(&self.set_dir(set, alg))? {
            return Ok(Vec::new());
        }
        let bytes = read_cache_file(&path, MAX_CHUNK_BYTES)?.unwrap_or_default();
        let (records, damaged) = parse_records(&bytes, set, alg, chunk);
        if let (true, Some(at)) = (warn, damaged) {
            eprintln!(
                "warning: key cache {}: record {at} (key {} of {}-{}) is damaged or not this slot's; it and the records after it are generated again",
                path.display(),
                chunk * CHUNK + at,
                set.as_str(),
                alg.as_str()
            );
        }
        Ok(records
            .into_iter()
            .map(|(pkcs8, spki_der)| PooledKey {
                alg,
                pkcs8,
                spki_der,
                origin: path.clone(),
            })
            .collect())
    }

    fn write_chunk(
        &self,
        set: KeySet,
        alg: KeyAlg,
        chunk: usize,
        keys: &[PooledKey],
    ) -> Result<(), PkiError> {
        let mut out = Vec::with_capacity(
            HEADER_LEN
                + keys
                    .iter()
                    .map(|k| k.pkcs8.len() + k.spki_der.len() + RECORD_HEADER_LEN)
                    .sum::<usize>(),
        );
        out.extend_from_slice(MAGIC);
        out.push(FORMAT_VERSION);
        out.push(alg_tag(alg));
        out.extend_from_slice(&[0, 0]);
        out.extend_from_slice(&(chunk as u32).to_le_bytes());
        for (i, k) in keys.iter().enumerate() {
            let slot = (chunk * CHUNK + i) as u64;
            // Both lengths are below MAX_RECORD (checked when the key was made or read).
            out.extend_from_slice(&(k.pkcs8.len() as u32).to_le_bytes());
            out.extend_from_slice(&(k.spki_der.len() as u32).to_le_bytes());
            out.extend_from_slice(&checksum(set, alg, slot, &k.pkcs8, &k.spki_der));
            out.extend_from_slice(&k.pkcs8);
            out.extend_from_slice(&k.spki_der);
        }
        fsutil::atomic_write(
            &self.chunk_path(set, alg, chunk),
            &out,
            true,
            Durability::Synced,
        )
    }
}

/// A key as stored in the pool: the private key still encoded (parsing it is the costly
/// part of loading) and its public key ready for comparisons.
#[derive(Clone)]
pub struct PooledKey {
    alg: KeyAlg,
    pkcs8: Vec<u8>,
    spki_der: Vec<u8>,
    /// The chunk file it came from, for error messages (empty path: just generated).
    origin: PathBuf,
}

impl std::fmt::Debug for PooledKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never print private material.
        f.debug_struct("PooledKey")
            .field("alg", &self.alg)
            .field("origin", &self.origin)
            .finish_non_exhaustive()
    }
}

impl PooledKey {
    fn generate(alg: KeyAlg) -> Result<Self, PkiError> {
        let key = KeyPair::generate(alg)?;
        let pkcs8 = key.to_pkcs8()?;
        if pkcs8.len() > MAX_RECORD || key.spki_der().len() > MAX_RECORD {
            return Err(PkiError::Crypto("generated key encodes too large".into()));
        }
        Ok(PooledKey {
            alg,
            pkcs8,
            spki_der: key.spki_der().to_vec(),
            origin: PathBuf::new(),
        })
    }

    /// The key's algorithm.
    pub fn alg(&self) -> KeyAlg {
        self.alg
    }

    /// The public key (SubjectPublicKeyInfo DER), available without parsing the private key.
    pub fn spki_der(&self) -> &[u8] {
        &self.spki_der
    }

    /// Parses the private key. Fails only if a record passed its checksum yet holds a
    /// key that does not parse or does not match its public key: a cache written by
    /// something else; deleting the file named in the error regenerates it.
    pub fn key_pair(&self) -> Result<KeyPair, PkiError> {
        let bad = |why: &str| {
            PkiError::Crypto(format!(
                "key cache record in {} {why}; delete that file to regenerate it",
                self.origin.display()
            ))
        };
        let key = KeyPair::from_pkcs8(self.alg, &self.pkcs8).map_err(|_| bad("does not parse"))?;
        if key.spki_der() != self.spki_der.as_slice() {
            return Err(bad("does not match its public key"));
        }
        Ok(key)
    }
}

/// A record's check value, bound to its slot: key `index` of `set` for `alg`.
fn checksum(set: KeySet, alg: KeyAlg, index: u64, pkcs8: &[u8], spki: &[u8]) -> [u8; 8] {
    let mut ctx = aws_lc_rs::digest::Context::new(&aws_lc_rs::digest::SHA256);
    ctx.update(b"whfb-sim key\0");
    ctx.update(set.as_str().as_bytes());
    ctx.update(&[0, alg_tag(alg)]);
    ctx.update(&index.to_le_bytes());
    ctx.update(pkcs8);
    ctx.update(spki);
    let mut out = [0u8; 8];
    out.copy_from_slice(&ctx.finish().as_ref()[..8]);
    out
}

/// A stored record: PKCS#8 DER and SubjectPublicKeyInfo DER.
type Record = (Vec<u8>, Vec<u8>);

/// The `(pkcs8, spki)` records of a chunk file up to the first damaged one (bad header:
/// none), and the position of that damaged one when there is more than a clean end.
fn parse_records(
    bytes: &[u8],
    set: KeySet,
    alg: KeyAlg,
    chunk: usize,
) -> (Vec<Record>, Option<usize>) {
    let mut out = Vec::new();
    let header_ok = bytes.len() >= HEADER_LEN
        && &bytes[..8] == MAGIC
        && bytes[8] == FORMAT_VERSION
        && bytes[9] == alg_tag(alg)
        && bytes[12..16] == (chunk as u32).to_le_bytes();
    if !header_ok {
        return (out, None);
    }
    let u32_at = |b: &[u8], at: usize| {
        let mut v = [0u8; 4];
        v.copy_from_slice(&b[at..at + 4]);
        u32::from_le_bytes(v) as usize
    };
    let mut rest = &bytes[HEADER_LEN..];
    while rest.len() >= RECORD_HEADER_LEN {
        let (key_len, spki_len) = (u32_at(rest, 0), u32_at(rest, 4));
        if key_len == 0 || spki_len == 0 || key_len > MAX_RECORD || spki_len > MAX_RECORD {
            break;
        }
        let end = RECORD_HEADER_LEN + key_len + spki_len;
        if rest.len() < end {
            break;
        }
        let pkcs8 = &rest[RECORD_HEADER_LEN..RECORD_HEADER_LEN + key_len];
        let spki = &rest[RECORD_HEADER_LEN + key_len..end];
        let slot = (chunk * CHUNK + out.len()) as u64;
        if checksum(set, alg, slot, pkcs8, spki) != rest[8..RECORD_HEADER_LEN] {
            break;
        }
        out.push((pkcs8.to_vec(), spki.to_vec()));
        rest = &rest[end..];
    }
    let damaged = (!rest.is_empty()).then_some(out.len());
    (out, damaged)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pki::no_progress;
    use std::fs;

    fn spkis(keys: &[PooledKey]) -> Vec<Vec<u8>> {
        keys.iter().map(|k| k.spki_der().to_vec()).collect()
    }

    #[test]
    fn reuses_keys_and_keeps_them_distinct() {
        let dir = tempfile::tempdir().expect("tempdir");
        let pool = KeyPool::open(Some(dir.path())).expect("pool");
        let calls = AtomicUsize::new(0);
        let first = pool
            .load(KeySet::Users, KeyAlg::EcdsaP256, 6, &|_, total| {
                assert_eq!(total, 6);
                calls.fetch_add(1, Ordering::Relaxed);
            })
            .expect("load");
        assert_eq!(
            calls.load(Ordering::Relaxed),
            7,
            "one start report + one per key"
        );
        let a = spkis(&first);
        let mut sorted = a.clone();
        sorted.sort();
        sorted.dedup();
        assert_eq!(sorted.len(), 6, "keys are distinct");

        // Reload: nothing generated, same keys at the same indices.
        let again = pool
            .load(KeySet::Users, KeyAlg::EcdsaP256, 6, &|_, _| {
                panic!("no key should be generated on reload")
            })
            .expect("reload");
        assert_eq!(spkis(&again), a);

        // A shorter request is a prefix; a longer one extends without changing the prefix.
        let fewer = pool
            .load(KeySet::Users, KeyAlg::EcdsaP256, 3, &no_progress)
            .expect("fewer");
        assert_eq!(spkis(&fewer), a[..3].to_vec());
        let more = pool
            .load(KeySet::Users, KeyAlg::EcdsaP256, 9, &no_progress)
            .expect("more");
        assert_eq!(spkis(&more)[..6].to_vec(), a);

        // Sets are independent sequences.
        let infra = pool
            .load(KeySet::Infrastructure, KeyAlg::EcdsaP256, 2, &no_progress)
            .expect("infra");
        assert!(!a.contains(&infra[0].spki_der().to_vec()));
    }

    #[cfg(unix)]
    #[test]
    fn cache_is_owner_only() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().expect("tempdir");
        let root = dir.path().join("cache");
        let pool = KeyPool::open(Some(&root)).expect("pool");
        pool.load(KeySet::Users, KeyAlg::EcdsaP256, 2, &no_progress)
            .expect("load");
        let mode = |p: &Path| fs::metadata(p).expect("metadata").permissions().mode() & 0o777;
        assert_eq!(mode(&root), 0o700);
        let set = pool.set_dir(KeySet::Users, KeyAlg::EcdsaP256);
        assert_eq!(mode(&set), 0o700);
        let chunk = pool.chunk_path(KeySet::Users, KeyAlg::EcdsaP256, 0);
        assert_eq!(mode(&chunk), 0o600);
        // No temporary file is left behind.
        let names: Vec<_> = fs::read_dir(&set)
            .expect("read_dir")
            .map(|e| e.expect("entry").file_name())
            .collect();
        assert_eq!(names, vec![std::ffi::OsString::from("chunk-00000.keys")]);
    }

    #[test]
    fn truncated_or_corrupt_tail_is_regenerated() {
        let dir = tempfile::tempdir().expect("tempdir");
        let pool = KeyPool::open(Some(dir.path())).expect("pool");
        let alg = KeyAlg::EcdsaP256;
        let a = spkis(
            &pool
                .load(KeySet::Users, alg, 5, &no_progress)
                .expect("load"),
        );
        let path = pool.chunk_path(KeySet::Users, alg, 0);
        let bytes = fs::read(&path).expect("read");

        // Cut in the middle of the fourth record: keys 0..3 survive.
        let rec = (bytes.len() - HEADER_LEN) / 5;
        fs::write(&path, &bytes[..HEADER_LEN + 3 * rec + rec / 2]).expect("truncate");
        let generated = AtomicUsize::new(0);
        let b = spkis(
            &pool
                .load(KeySet::Users, alg, 5, &|d, _| {
                    generated.store(d, Ordering::Relaxed)
                })
                .expect("reload"),
        );
        assert_eq!(generated.load(Ordering::Relaxed), 2);
        assert_eq!(b[..3], a[..3]);
        assert_ne!(b[3], a[3]);
        assert_eq!(
            fs::read(&path).expect("read").len(),
            bytes.len(),
            "file repaired"
        );

        // Flip a byte inside the second record's key: keys 0..1 survive.
        let mut damaged = fs::read(&path).expect("read");
        damaged[HEADER_LEN + rec + RECORD_HEADER_LEN + 20] ^= 0x55;
        fs::write(&path, &damaged).expect("write");
        let c = spkis(
            &pool
                .load(KeySet::Users, alg, 5, &no_progress)
                .expect("reload"),
        );
        assert_eq!(c[0], b[0]);
        assert_ne!(c[1], b[1]);
        assert_eq!(
            spkis(
                &pool
                    .load(KeySet::Users, alg, 5, &no_progress)
                    .expect("reload")
            ),
            c
        );

        // Garbage header: everything regenerated, no error.
        fs::write(&path, b"not a key file").expect("write");
        let d = spkis(
            &pool
                .load(KeySet::Users, alg, 5, &no_progress)
                .expect("reload"),
        );
        assert_ne!(d[0], c[0]);
    }

    #[test]
    fn pooled_keys_parse_and_a_foreign_record_is_reported() {
        let dir = tempfile::tempdir().expect("tempdir");
        let pool = KeyPool::open(Some(dir.path())).expect("pool");
        let alg = KeyAlg::EcdsaP256;
        let keys = pool
            .load(KeySet::Users, alg, 2, &no_progress)
            .expect("load");
        let parsed = keys[1].key_pair().expect("parse");
        assert_eq!(parsed.spki_der(), keys[1].spki_der());

        // A record whose checksum is right but whose public key is another key's: only
        // parsing can tell, and the error names the file.
        let path = pool.chunk_path(KeySet::Users, alg, 0);
        let other = PooledKey::generate(alg).expect("keygen");
        let forged = PooledKey {
            spki_der: other.spki_der.clone(),
            ..keys[0].clone()
        };
        pool.write_chunk(KeySet::Users, alg, 0, &[forged, keys[1].clone()])
            .expect("write");
        let reloaded = pool
            .load(KeySet::Users, alg, 2, &no_progress)
            .expect("load");
        let err = reloaded[0].key_pair().expect_err("mismatch detected");
        assert!(
            err.to_string().contains(&path.display().to_string()),
            "{err}"
        );
        assert!(reloaded[1].key_pair().is_ok());
    }

    #[test]
    fn placement_does_not_depend_on_thread_count() {
        let dir = tempfile::tempdir().expect("tempdir");
        let pool = KeyPool::open(Some(dir.path())).expect("pool");
        let alg = KeyAlg::EcdsaP256;
        let run = |threads: usize, count: usize| {
            rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .expect("thread pool")
                .install(|| {
                    spkis(
                        &pool
                            .load(KeySet::Users, alg, count, &no_progress)
                            .expect("load"),
                    )
                })
        };
        // Generated with 4 threads, what comes back is what is on disk, in order.
        let four = run(4, 40);
        assert_eq!(run(1, 40), four);
        // Extended with 1 thread, then reloaded with 3: the same sequence.
        let one = run(1, 60);
        assert_eq!(one[..40], four[..]);
        assert_eq!(run(3, 60), one);
    }

    #[test]
    fn concurrent_loaders_never_leave_a_broken_file() {
        let dir = tempfile::tempdir().expect("tempdir");
        let alg = KeyAlg::EcdsaP256;
        let generated = AtomicUsize::new(0);
        let n = CHUNK + 300;
        std::thread::scope(|s| {
            for _ in 0..4 {
                s.spawn(|| {
                    // Separate pools, as separate processes would have.
                    let pool = KeyPool::open(Some(dir.path())).expect("pool");
                    let (keys, made) = pool
                        .load_counted(KeySet::Users, alg, n, &no_progress)
                        .expect("load");
                    assert_eq!(keys.len(), n);
                    generated.fetch_add(made, Ordering::Relaxed);
                });
            }
        });
        // The chunk locks make every key generated once, however the loaders overlap.
        assert_eq!(generated.load(Ordering::Relaxed), n);
        // Whichever writer won, the file is whole: nothing to regenerate, no temp files.
        let pool = KeyPool::open(Some(dir.path())).expect("pool");
        let keys = pool
            .load(KeySet::Users, alg, n, &|_, _| {
                panic!("file left incomplete")
            })
            .expect("reload");
        assert_eq!(keys.len(), n);
        let entries = fs::read_dir(pool.set_dir(KeySet::Users, alg))
            .expect("read_dir")
            .count();
        assert_eq!(entries, 2, "two chunk files, no temporary ones");
    }

    #[test]
    fn spans_several_chunks() {
        let dir = tempfile::tempdir().expect("tempdir");
        let pool = KeyPool::open(Some(dir.path())).expect("pool");
        let alg = KeyAlg::EcdsaP256;
        let n = CHUNK + 3;
        let a = spkis(
            &pool
                .load(KeySet::Users, alg, n, &no_progress)
                .expect("load"),
        );
        assert_eq!(a.len(), n);
        assert!(pool.chunk_path(KeySet::Users, alg, 1).exists());
        let b = spkis(
            &pool
                .load(KeySet::Users, alg, n, &no_progress)
                .expect("reload"),
        );
        assert_eq!(a, b);
    }
}
