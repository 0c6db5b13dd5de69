//! Users' signed PKCS#10 requests (and their DRS key receipts) kept next to the key pool,
//! so that a run from a warm pool neither parses each user's private key nor signs its
//! request or receipt again.
//!
//! Those two steps are most of a one-thread run's client-side cost: aws-lc validates an
//! RSA private key when it parses it (≈ 170 µs) and builds its Montgomery and blinding
//! state on the key's first signature (≈ 270 µs more than a warm signature), and a run
//! uses each user's key exactly once. The request of user `i` depends only on the user's
//! key and name (CN `user{i}`, UPN `user{i}@<domain>`), and both RSA PKCS#1 v1.5 and our
//! DER encoding are deterministic: a stored RSA request is byte for byte the one the run
//! would sign. (An ECDSA request signed again would differ only in its random `k`; the
//! stored one is just as valid a signature by the same key.)
//!
//! Key receipts (see `receipt`) are kept the same way in `receipts-<alg>-<tag>/`, where the
//! tag also covers the DRS key: a receipt depends on the user's key and UPN and on the key
//! that signed it, and is deterministic (RSA) as well.
//!
//! # Format
//! `<pool>/requests-<alg>-<tag>/chunk-NNNNN.reqs`, `<tag>` the first 8 bytes (hex) of
//! SHA-256 of the UPN domain, chunk `c` holding users `c * 1024 ..`. A 16-byte header
//! (`WHFBREQS`, format version 1, three reserved bytes, chunk index as u32 LE) and
//! records `der_len: u32 LE | first 8 bytes of SHA-256(spki_hash ‖ der) |
//! spki_hash: SHA-256 of the user's SubjectPublicKeyInfo DER | PKCS#10 DER`. A record is
//! used only when its key hash matches the user's key in the pool; a damaged record and
//! everything after it in its file is ignored and signed again. Files are replaced whole
//! (temporary file + rename) and only ever hold data that can be recomputed, so writing
//! them is best effort: a run never fails because the cache cannot be written.

use std::path::PathBuf;

use super::cache_dir::{check_inner_dir, read_cache_file};
use super::fsutil::{self, Durability};
use super::keys::{sha256, KeyAlg};
use super::pool::{KeyPool, CHUNK};
use super::PkiError;

const MAGIC: &[u8; 8] = b"WHFBREQS";
const FORMAT_VERSION: u8 = 1;
const HEADER_LEN: usize = 16;
const RECORD_HEADER_LEN: usize = 4 + 8 + 32;
/// No request or receipt we build comes near this (an RSA-2048 request is under 1 KB); a
/// larger length means a corrupt record.
const MAX_DER: usize = 4 * 1024;
/// The largest store file the format allows; a larger file is refused before it is read.
const MAX_FILE_BYTES: u64 = (HEADER_LEN + CHUNK * (RECORD_HEADER_LEN + MAX_DER)) as u64;

/// One stored request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Stored {
    /// SHA-256 of the SubjectPublicKeyInfo DER of the key that signed it.
    pub spki_hash: [u8; 32],
    /// The PKCS#10 DER.
    pub der: Vec<u8>,
}

/// The request store of one pool, client algorithm and UPN domain.
#[derive(Debug, Clone)]
pub(crate) struct RequestCache {
    dir: PathBuf,
}

impl RequestCache {
    /// The store beside `pool` for `alg` and `upn_domain`. Nothing is created until a
    /// chunk is written.
    pub(crate) fn open(pool: &KeyPool, alg: KeyAlg, upn_domain: &str) -> Self {
        let tag: String = sha256(upn_domain.as_bytes())[..8]
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        RequestCache {
            dir: pool.dir().join(format!("requests-{}-{tag}", alg.as_str())),
        }
    }

    /// The key-receipt store beside `pool` for `alg`, `upn_domain` and the DRS key whose
    /// SubjectPublicKeyInfo DER is `drs_spki`.
    pub(crate) fn open_receipts(
        pool: &KeyPool,
        alg: KeyAlg,
        upn_domain: &str,
        drs_spki: &[u8],
    ) -> Self {
        let mut input = upn_domain.as_bytes().to_vec();
        input.push(0);
        input.extend_from_slice(drs_spki);
        let tag: String = sha256(&input)[..8]
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        RequestCache {
            dir: pool.dir().join(format!("receipts-{}-{tag}", alg.as_str())),
        }
    }

    fn chunk_path(&self, chunk: usize) -> PathBuf {
        self.dir.join(format!("chunk-{chunk:05}.reqs"))
    }

    /// The records of chunk `chunk` up to the first damaged one (none when the file is
    /// missing or not ours). Its folder and the file are held to the pool's rule (see
    /// `cache_dir`): a FIFO, a device, a link, an oversized file or one others can write is
    /// refused, not skipped, since the next write would put our requests beside it.
    pub(crate) fn read_chunk(&self, chunk: usize) -> Result<Vec<Stored>, PkiError> {
        if !check_inner_dir(&self.dir)? {
            return Ok(Vec::new());
        }
        Ok(read_cache_file(&self.chunk_path(chunk), MAX_FILE_BYTES)?
            .map(|b| parse(&b, chunk))
            .unwrap_or_default())
    }

    /// Replaces chunk `chunk` with `records` (best effort: see the module doc).
    pub(crate) fn write_chunk(&self, chunk: usize, records: &[Stored]) {
        let mut out = Vec::with_capacity(
            HEADER_LEN
                + records
                    .iter()
                    .map(|r| RECORD_HEADER_LEN + r.der.len())
                    .sum::<usize>(),
        );
        out.extend_from_slice(MAGIC);
        out.push(FORMAT_VERSION);
        out.extend_from_slice(&[0, 0, 0]);
        out.extend_from_slice(&(chunk as u32).to_le_bytes());
        for r in records {
            if r.der.len() > MAX_DER {
                break;
            }
            out.extend_from_slice(&(r.der.len() as u32).to_le_bytes());
            out.extend_from_slice(&checksum(&r.spki_hash, &r.der));
            out.extend_from_slice(&r.spki_hash);
            out.extend_from_slice(&r.der);
        }
        if fsutil::ensure_dir(&self.dir, true).is_ok() {
            let _ = fsutil::atomic_write(&self.chunk_path(chunk), &out, true, Durability::Unsynced);
        }
    }

    /// For each of `spki_ders` (user `i` at index `i`), its stored request if one was
    /// signed by that same key; also the chunks as read, for [`RequestCache::store`].
    #[allow(clippy::type_complexity)]
    pub(crate) fn load(
        &self,
        spki_ders: &[&[u8]],
    ) -> Result<(Vec<Option<Vec<u8>>>, Vec<Vec<Stored>>), PkiError> {
        let chunks: Vec<Vec<Stored>> = (0..spki_ders.len().div_ceil(CHUNK))
            .map(|c| self.read_chunk(c))
            .collect::<Result<_, _>>()?;
        let hits = spki_ders
            .iter()
            .enumerate()
            .map(|(i, spki)| {
                let r = chunks[i / CHUNK].get(i % CHUNK)?;
                (r.spki_hash == sha256(spki)).then(|| r.der.clone())
            })
            .collect();
        Ok((hits, chunks))
    }

    /// Writes back every chunk in which a request was signed afresh: the run's requests
    /// (`requests[i]` with the key `spki_ders[i]`) and, past the run's last user, the
    /// records the chunk already held.
    pub(crate) fn store(
        &self,
        spki_ders: &[&[u8]],
        requests: &[&[u8]],
        fresh: &[bool],
        old: &[Vec<Stored>],
    ) {
        for (c, old) in old.iter().enumerate() {
            let range = c * CHUNK..((c + 1) * CHUNK).min(requests.len());
            if !fresh[range.clone()].iter().any(|f| *f) {
                continue;
            }
            let mut records: Vec<Stored> = range
                .map(|i| Stored {
                    spki_hash: sha256(spki_ders[i]),
                    der: requests[i].to_vec(),
                })
                .collect();
            if old.len() > records.len() {
                records.extend_from_slice(&old[records.len()..]);
            }
            self.write_chunk(c, &records);
        }
    }
}

fn checksum(spki_hash: &[u8; 32], der: &[u8]) -> [u8; 8] {
    let mut ctx = aws_lc_rs::digest::Context::new(&aws_lc_rs::digest::SHA256);
    ctx.update(spki_hash);
    ctx.update(der);
    let mut out = [0u8; 8];
    out.copy_from_slice(&ctx.finish().as_ref()[..8]);
    out
}

fn parse(bytes: &[u8], chunk: usize) -> Vec<Stored> {
    let mut out = Vec::new();
    let header_ok = bytes.len() >= HEADER_LEN
        && &bytes[..8] == MAGIC
        && bytes[8] == FORMAT_VERSION
        && bytes[12..16] == (chunk as u32).to_le_bytes();
    if !header_ok {
        return out;
    }
    let mut at = HEADER_LEN;
    while out.len() < CHUNK && bytes.len() >= at + RECORD_HEADER_LEN {
        let mut len = [0u8; 4];
        len.copy_from_slice(&bytes[at..at + 4]);
        let len = u32::from_le_bytes(len) as usize;
        let body = at + RECORD_HEADER_LEN;
        if len > MAX_DER || bytes.len() < body + len {
            break;
        }
        let mut spki_hash = [0u8; 32];
        spki_hash.copy_from_slice(&bytes[at + 12..body]);
        let der = &bytes[body..body + len];
        if checksum(&spki_hash, der) != bytes[at + 4..at + 12] {
            break;
        }
        out.push(Stored {
            spki_hash,
            der: der.to_vec(),
        });
        at = body + len;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fs;

    fn stored(i: u8) -> Stored {
        Stored {
            spki_hash: sha256(&[i]),
            der: vec![i; 10 + i as usize],
        }
    }

    #[test]
    fn round_trips_and_keeps_the_valid_prefix_of_a_damaged_file() {
        let dir = tempfile::tempdir().unwrap();
        let pool = KeyPool::open(Some(dir.path())).unwrap();
        let cache = RequestCache::open(&pool, KeyAlg::Rsa2048, "contoso.com");
        let records: Vec<Stored> = (0..5).map(stored).collect();
        cache.write_chunk(0, &records);
        assert_eq!(cache.read_chunk(0).unwrap(), records);
        assert!(cache.read_chunk(1).unwrap().is_empty());
        // Another domain is another store.
        assert!(RequestCache::open(&pool, KeyAlg::Rsa2048, "fabrikam.com")
            .read_chunk(0)
            .unwrap()
            .is_empty());
        let path = cache.chunk_path(0);
        let mut bytes = fs::read(&path).unwrap();
        let third = HEADER_LEN + 2 * RECORD_HEADER_LEN + 10 + 11 + RECORD_HEADER_LEN;
        bytes[third] ^= 1;
        fs::write(&path, &bytes).unwrap();
        assert_eq!(cache.read_chunk(0).unwrap(), records[..2]);
        fs::write(&path, b"nonsense").unwrap();
        assert!(cache.read_chunk(0).unwrap().is_empty());
    }

    #[test]
    fn a_request_is_used_only_with_the_key_that_signed_it() {
        let dir = tempfile::tempdir().unwrap();
        let pool = KeyPool::open(Some(dir.path())).unwrap();
        let cache = RequestCache::open(&pool, KeyAlg::Rsa2048, "contoso.com");
        let spkis: Vec<Vec<u8>> = (0..3u8).map(|i| vec![i; 4]).collect();
        let spki_refs: Vec<&[u8]> = spkis.iter().map(Vec::as_slice).collect();
        let reqs: Vec<Vec<u8>> = (0..3u8).map(|i| vec![100 + i; 8]).collect();
        let req_refs: Vec<&[u8]> = reqs.iter().map(Vec::as_slice).collect();
        let (hits, old) = cache.load(&spki_refs).unwrap();
        assert_eq!(hits, vec![None, None, None]);
        cache.store(&spki_refs, &req_refs, &[true; 3], &old);
        let (hits, _) = cache.load(&spki_refs).unwrap();
        assert_eq!(hits, reqs.iter().cloned().map(Some).collect::<Vec<_>>());
        // User 1's key changed: its request is signed again, the others are reused.
        let mut changed = spki_refs.clone();
        let other = vec![9u8; 4];
        changed[1] = &other;
        let (hits, _) = cache.load(&changed).unwrap();
        assert_eq!(hits[1], None);
        assert_eq!(hits[2], Some(reqs[2].clone()));
        // A shorter run keeps the records of the users past its end.
        let (_, old) = cache.load(&spki_refs[..1]).unwrap();
        cache.store(&spki_refs[..1], &req_refs[..1], &[true], &old);
        assert_eq!(cache.load(&spki_refs).unwrap().0[2], Some(reqs[2].clone()));
    }
}
