//! Filling the key pool ahead of time (`whfb-sim pki pool`): every user's key and signed
//! request and the PKI parties' keys, built exactly as a run builds them, so that the
//! shards of a sweep on many hosts only read the pool.

use std::path::PathBuf;

use super::material::{InfraKeys, PkiMaterial, PkiSettings};
use super::pool::{KeyPool, KeySet, PooledKey};
use super::request_cache::RequestCache;
use super::{KeyAlg, PkiError, PkiStage, StagedProgress};

/// What a fill found and did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Prefill {
    /// The pool's folder.
    pub dir: PathBuf,
    /// The users' key algorithm.
    pub alg: KeyAlg,
    /// Users filled for.
    pub users: usize,
    /// User keys generated now (the rest were in the pool).
    pub keys_generated: usize,
    /// Requests signed now (the rest were stored with their keys).
    pub requests_signed: usize,
    /// PKI parties' keys generated now.
    pub infra_generated: usize,
}

impl Prefill {
    /// `true` when everything was already there.
    pub(crate) fn was_full(&self) -> bool {
        self.keys_generated == 0 && self.requests_signed == 0 && self.infra_generated == 0
    }
}

fn infra_present(pool: &KeyPool, alg: KeyAlg) -> Result<usize, PkiError> {
    let rsa = pool.available(KeySet::Infrastructure, KeyAlg::Rsa2048, 4)?;
    Ok(if alg == KeyAlg::Rsa2048 {
        rsa
    } else {
        rsa.min(InfraKeys::ATTACKER_SLOT)
            + usize::from(pool.available(KeySet::Infrastructure, alg, 4)? == 4)
    })
}

/// Fills the pool of `settings` for users `0..users`: keys generated where missing
/// (under the pool's chunk locks), requests signed and stored where missing, the PKI
/// parties' keys. A full pool is only read. `progress(stage, done, total)` follows the
/// keys generated, then the requests.
pub(crate) fn prefill(
    settings: &PkiSettings,
    users: usize,
    progress: StagedProgress<'_>,
) -> Result<Prefill, PkiError> {
    let pool = KeyPool::open(settings.key_cache.as_deref())?;
    let alg = settings.client_key;
    let infra_before = infra_present(&pool, alg)?;
    // The keys first, counted as generated here (another filler's keys are not), then
    // the requests the stored ones do not cover.
    let (keys, keys_generated) = pool.load_counted(KeySet::Users, alg, users, &|d, t| {
        progress(PkiStage::Keys, d, t)
    })?;
    let spkis: Vec<&[u8]> = keys.iter().map(PooledKey::spki_der).collect();
    let cache = RequestCache::open(&pool, alg, &settings.upn_domain);
    let stored = cache.load(&spkis)?.0.iter().filter(|r| r.is_some()).count();
    drop(keys);
    PkiMaterial::new(settings.clone(), users, progress)?;
    Ok(Prefill {
        dir: pool.dir().to_path_buf(),
        alg,
        users,
        keys_generated,
        requests_signed: users - stored,
        infra_generated: 4 - infra_before.min(4),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_fill_finds_everything_there() {
        let dir = tempfile::tempdir().expect("tempdir");
        let settings = PkiSettings {
            client_key: KeyAlg::EcdsaP256,
            key_cache: Some(dir.path().to_path_buf()),
            ..PkiSettings::default()
        };
        let first = prefill(&settings, 5, &super::super::no_staged_progress).expect("fill");
        assert_eq!((first.keys_generated, first.requests_signed), (5, 5));
        assert_eq!(first.infra_generated, 4);
        assert!(!first.was_full());
        let second = prefill(&settings, 5, &|_, _, _| {}).expect("fill again");
        assert!(second.was_full(), "{second:?}");
        // More users: only the new ones cost anything.
        let more = prefill(&settings, 8, &super::super::no_staged_progress).expect("fill more");
        assert_eq!(
            (
                more.keys_generated,
                more.requests_signed,
                more.infra_generated
            ),
            (3, 3, 0)
        );
    }
}
