//! Real PKI behind the model's [`PkiPort`](crate::model::pki_port::PkiPort).
//!
//! Every simulated user holds a real key pair (from an on-disk [`KeyPool`] so runs do not
//! pay RSA key generation again) and a DRS key receipt, sends a real PKCS#10 request, the
//! AD FS registration authority checks the key (in AD, or by the receipt) and wraps the
//! request in a CMS SignedData naming the user, signed with its enrollment-agent key; the
//! CA checks that (signer pinned and not revoked, fresh, never seen, the named user's
//! registered key) and issues a real X.509 certificate built from its directory, the
//! client checks it is its own, and a DC validates a logon with it. [`RealPki`] runs
//! those checks; [`OffPki`] makes the same decisions on identities only, for sweeps too
//! large for real crypto.
//!
//! Layout: `keys` (key pairs, signatures), `pool` (the key cache; `cache_dir` where it
//! lives and whether that is safe, `pool_lock` keeps
//! concurrent fillers from generating the same keys, `prefill` fills it ahead of time),
//! `request_cache` (the users' signed requests and receipts kept beside it), `jobs`
//! (server-side checks computed on worker threads while the event loop goes on),
//! `material` (the CA, agents, DRS and per-user requests built once per run), `directory`
//! (accounts and registered keys), `ledger` (a run's serials, agents and revocations),
//! `request` / `receipt` / `envelope` / `cert` / `crl` (the ASN.1 artefacts), `ra` / `ca` /
//! `client` / `dc` (the checkers), `real` / `off` (the two ports), `export` and
//! `calibrate` (CLI helpers).

mod asn1;
mod ca;
pub mod cache_dir;
pub mod calibrate;
mod cert;
mod client;
mod crl;
mod dc;
pub mod directory;
mod envelope;
pub mod export;
mod fsutil;
mod jobs;
pub mod keys;
mod ledger;
pub mod material;
pub mod off;
pub mod oids;
pub mod pool;
mod pool_lock;
pub mod prefill;
mod ra;
pub mod real;
mod receipt;
mod request;
mod request_cache;
pub mod standalone;
pub mod time;

pub use calibrate::Calibration;
pub use export::ExportSummary;
pub use fsutil::remove_temporary_files;
pub use keys::{KeyAlg, KeyPair};
pub use material::{CaPolicy, PkiMaterial, PkiSettings};
pub use off::OffPki;
pub use pool::{KeyPool, KeySet, PooledKey};
pub use real::RealPki;
pub use standalone::Standalone;

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

/// Which part of building (or exporting) PKI material a progress report counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PkiStage {
    /// Users' keys generated into the pool (total: the keys missing).
    Keys,
    /// Users' requests and key receipts built (total: the users).
    Requests,
    /// `pki export`: users' artefacts written (total: the users).
    Files,
}

/// Progress reports of a build in stages: (stage, done, total).
pub(crate) type StagedProgress<'a> = &'a (dyn Fn(PkiStage, usize, usize) + Sync);

/// A staged progress callback that ignores every report.
pub fn no_staged_progress(_stage: PkiStage, _done: usize, _total: usize) {}

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
    /// The key cache's folder cannot be used as it is (not a folder, others can write
    /// it, ...): the user must name another or fix it (exit 2). The message names the
    /// setting or variable that chose the folder. The refusal is its source, so that
    /// [`crate::error::exit_code`] finds it however deep the pool met it.
    #[error("{0}")]
    KeyCache(#[source] crate::error::UsageError),
    /// The settings ask for something that cannot be represented (e.g. a calendar time
    /// before 1970).
    #[error("invalid PKI settings: {0}")]
    Settings(String),
    /// An export's own consistency check failed: a key in the pool is not the key its
    /// certificate carries (the pool changed under the export), or the simulated DC
    /// accepted the certificate the CA had just revoked. Never caused by bad input.
    #[error("export check failed: {0}")]
    Export(String),
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

    /// The key cache's folder refused, with a message naming the setting and folder.
    pub(crate) fn key_cache(message: impl Into<String>) -> Self {
        PkiError::KeyCache(crate::error::UsageError::new(message))
    }
}

#[cfg(test)]
mod tests;
