//! Real PKI behind the model's [`PkiPort`](crate::model::pki_port::PkiPort).
//!
//! Every simulated user holds a real key pair (from an on-disk [`KeyPool`] so runs do not
//! pay RSA key generation again), sends a real PKCS#10 request, the AD FS registration
//! authority checks it and wraps it in a CMS SignedData signed with its enrollment-agent
//! key, the CA checks that and issues a real X.509 certificate, and the client verifies
//! it. [`RealPki`] runs those checks; [`OffPki`] makes the same decisions on identities
//! only, for sweeps too large for real crypto.
//!
//! Layout: `keys` (key pairs, signatures), `pool` (the key cache; `pool_lock` keeps
//! concurrent fillers from generating the same keys, `prefill` fills it ahead of time),
//! `request_cache` (the
//! users' signed requests kept beside it), `jobs` (server-side checks computed on worker
//! threads while the event loop goes on), `material` (the CA,
//! agent and per-user requests built once per run), `request` / `envelope` / `cert`
//! (the three ASN.1 artefacts), `ra` / `ca` / `client` (the three checkers), `real` /
//! `off` (the two ports), `export` and `calibrate` (CLI helpers).

mod asn1;
pub mod ca;
pub mod calibrate;
mod cert;
pub mod client;
mod envelope;
pub mod export;
mod fsutil;
mod jobs;
pub mod keys;
pub mod material;
pub mod off;
pub mod oids;
pub mod pool;
mod pool_lock;
pub mod prefill;
pub mod ra;
pub mod real;
mod request;
mod request_cache;
pub mod time;

pub use calibrate::Calibration;
pub use export::ExportSummary;
pub use keys::{KeyAlg, KeyPair};
pub use material::{PkiMaterial, PkiSettings};
pub use off::OffPki;
pub use pool::{KeyPool, KeySet, PooledKey};
pub use real::RealPki;

/// Builds and signs user `user`'s PKCS#10 request with `key`, exactly as the material
/// does for every user before a run: what the crypto-floor bench times as the client's
/// share of an enrollment.
pub fn sign_request(settings: &PkiSettings, key: &KeyPair, user: u32) -> Result<Vec<u8>, PkiError> {
    request::build(key, &settings.user_cn(user), &settings.user_upn(user))
}

/// Progress callback `(done, total)`: lets the CLI draw a progress bar while the library
/// itself never prints. Called from worker threads, hence `Sync`.
pub type Progress<'a> = &'a (dyn Fn(usize, usize) + Sync);

/// A progress callback that ignores every report, for callers without a progress bar.
pub fn no_progress(_done: usize, _total: usize) {}

/// Why building or exporting PKI material failed. Checks made during a simulation never
/// produce this: they answer with a [`Refusal`](crate::model::pki_port::Refusal).
#[derive(Debug, thiserror::Error)]
pub enum PkiError {
    /// The crypto library refused an operation (key generation, signing, key parsing).
    #[error("crypto operation failed: {0}")]
    Crypto(String),
    /// An ASN.1 structure could not be encoded or decoded.
    #[error("ASN.1 encoding failed: {0}")]
    Asn1(#[from] der::Error),
    /// A file of the key cache or of an export could not be read or written.
    #[error("{path}: {source}")]
    Io {
        /// The file or directory concerned.
        path: std::path::PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
    /// The settings ask for something that cannot be represented (e.g. a calendar time
    /// before 1970).
    #[error("invalid PKI settings: {0}")]
    Settings(String),
    /// The real enrollment path refused while exporting artefacts that should pass.
    #[error("enrollment of user {user} refused: {reason}")]
    Refused {
        /// The user index.
        user: u32,
        /// The refusal.
        reason: crate::model::pki_port::Refusal,
    },
}

impl PkiError {
    pub(crate) fn io(path: impl Into<std::path::PathBuf>, source: std::io::Error) -> Self {
        PkiError::Io {
            path: path.into(),
            source,
        }
    }
}

#[cfg(test)]
mod tests;
