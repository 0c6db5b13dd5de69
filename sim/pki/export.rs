//! Writes the PKI artefacts of a run to disk, for inspection and for checking with
//! independent tools (the integration tests run `openssl` on them, `contrib/kdc` a real
//! MIT Kerberos KDC).
//!
//! Layout of `out_dir`:
//! - `ca.pem`: the CA certificate;
//! - `ra.pem`: the AD FS enrollment-agent certificate;
//! - `crl.pem`: the CA's CRL, current at the issuance instant;
//! - `ca-and-crl.pem`: both in one file, for tools that take CRLs only with the trusted
//!   certificates (`openssl cms -verify -crl_check -CAfile`);
//! - `user{i}/request.csr.pem`: user `i`'s PKCS#10 request;
//! - `user{i}/key-receipt.der`: the DRS key receipt the RA verified;
//! - `user{i}/request.p7b`: the RA's CMS SignedData around the request (DER);
//! - `user{i}/cert.pem`: the certificate the CA issued (serial `i + 1`).
//!
//! With `WithKeys` (`pki export --with-keys`), test artefacts for a real KDC besides,
//! every private key PKCS#8 PEM, mode 0600:
//! - `user{i}/key.pem`: user `i`'s private key (in a real deployment it never leaves
//!   the TPM);
//! - `ca-key.pem`: the CA's private key, so that a test can make a certificate of the
//!   same CA that the CA's template would never issue (no Smart Card Logon EKU);
//! - `kdc.pem`, `kdc-key.pem`: a KDC certificate of the same CA (EKU id-pkinit-KPKdc,
//!   id-pkinit-san `krbtgt/REALM@REALM`) and its key;
//! - `revoked/cert.pem`, `revoked/key.pem`: one more user (index `users`, serial
//!   `users + 1`), enrolled like the others, whose certificate the CA then revoked:
//!   its serial is on `crl.pem`, and the simulated DC refuses it as revoked.
//!
//! The artefacts come from the very path the simulator runs (RA check and sign, CA check
//! and issue, client verify, DC logon), so what is exported is exactly what the
//! simulation checks. Every file is written atomically (temporary file + rename).

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use der::pem::LineEnding;
use der::EncodePem;
use rayon::prelude::*;

use crate::model::pki_port::{KeyEvidence, Refusal};

use super::fsutil::{self, Durability};
use super::keys::{KeyAlg, KeyPair};
use super::material::{PkiMaterial, PkiSettings};
use super::pool::{KeyPool, KeySet, PooledKey};
use super::standalone::Standalone;
use super::{PkiError, PkiStage, Progress, StagedProgress};

/// What [`export`] wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExportSummary {
    /// Number of user folders written (the revoked user of `WithKeys` not counted).
    pub users: usize,
    /// The output directory.
    pub out_dir: PathBuf,
    /// The CA certificate file.
    pub ca_pem: PathBuf,
    /// The enrollment-agent certificate file.
    pub ra_pem: PathBuf,
    /// The CRL file.
    pub crl_pem: PathBuf,
    /// Simulated instant (µs) at which the requests were processed and certificates issued.
    pub issued_at_us: u64,
    /// With `WithKeys`: the KDC certificate file.
    pub kdc_pem: Option<PathBuf>,
    /// With `WithKeys`: the index of the revoked user (its UPN is that user's).
    pub revoked_user: Option<u32>,
}

/// What `pki export --with-keys` adds: the private keys and a KDC certificate, so that a
/// real Kerberos KDC can be tried with the exported certificates (see the module
/// documentation). Test artefacts only.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct WithKeys {
    /// The Kerberos realm the KDC certificate names (`krbtgt/REALM@REALM`).
    pub realm: String,
}

/// The folder of user `user` inside an export.
pub fn user_dir(out_dir: &Path, user: u32) -> PathBuf {
    out_dir.join(format!("user{user}"))
}

/// The folder of the revoked user inside an export made [`WithKeys`].
pub(crate) fn revoked_dir(out_dir: &Path) -> PathBuf {
    out_dir.join("revoked")
}

/// Exports the artefacts of `users` users to `out_dir` (created if needed); keys come
/// from the key pool as in a simulation run. No private key is written.
pub fn export(
    users: usize,
    out_dir: &Path,
    settings: &PkiSettings,
) -> Result<ExportSummary, PkiError> {
    export_with_progress(users, out_dir, settings, None, &super::no_staged_progress)
}

/// [`export`], with the private keys, the KDC certificate and the revoked user of
/// `with_keys` when given, and a progress callback: first material building (see
/// [`PkiMaterial::new`]), then the users written ([`PkiStage::Files`]).
pub(crate) fn export_with_progress(
    users: usize,
    out_dir: &Path,
    settings: &PkiSettings,
    with_keys: Option<&WithKeys>,
    progress: StagedProgress<'_>,
) -> Result<ExportSummary, PkiError> {
    // The revoked user is one more user of the same directory, enrolled like the rest.
    let enrolled = users + usize::from(with_keys.is_some());
    let material = Arc::new(PkiMaterial::new(settings.clone(), enrolled, progress)?);
    export_material(&material, out_dir, with_keys, &|d, t| {
        progress(PkiStage::Files, d, t)
    })
}

/// The PEM of a private key (PKCS#8, `PRIVATE KEY`).
fn key_pem(key: &KeyPair) -> Result<String, PkiError> {
    Ok(
        der::pem::encode_string("PRIVATE KEY", LineEnding::LF, &key.to_pkcs8()?)
            .map_err(der::Error::from)?,
    )
}

/// User `user`'s key from the pool, checked to be the one its request (and so its
/// certificate) carries.
fn user_key(material: &PkiMaterial, keys: &[PooledKey], user: u32) -> Result<KeyPair, PkiError> {
    let key = keys[user as usize].key_pair()?;
    if key.spki_der() != material.user_spki_der(user) {
        return Err(PkiError::Export(format!(
            "user {user}'s key in the key pool is not the key of its certificate (the pool changed during the export?)"
        )));
    }
    Ok(key)
}

/// Exports from already-built material: all of its users, or with `with_keys` all but
/// the last, which becomes the revoked user. The private keys come from the key pool
/// the material's settings name (the material itself keeps none).
pub(crate) fn export_material(
    material: &PkiMaterial,
    out_dir: &Path,
    with_keys: Option<&WithKeys>,
    progress: Progress<'_>,
) -> Result<ExportSummary, PkiError> {
    let revoked_user = match with_keys {
        Some(_) if material.users() < 2 => return Err(PkiError::Settings(
            "an export with keys needs material for at least two users (the last one is revoked)"
                .into(),
        )),
        Some(_) => Some(material.users() as u32 - 1),
        None => None,
    };
    fsutil::ensure_dir(out_dir, false)?;
    let write =
        |path: &Path, bytes: &[u8]| fsutil::atomic_write(path, bytes, false, Durability::Unsynced);
    let write_key = |path: &Path, key: &KeyPair| {
        fsutil::atomic_write(path, key_pem(key)?.as_bytes(), true, Durability::Unsynced)
    };
    let pem = |label, der: &[u8]| {
        der::pem::encode_string(label, LineEnding::LF, der).map_err(der::Error::from)
    };
    let now_us = issuance_instant(material.settings());
    let settings = material.settings();
    let pool_keys = match with_keys {
        Some(_) => KeyPool::open(settings.key_cache.as_deref())?.load(
            KeySet::Users,
            settings.client_key,
            material.users(),
            &super::no_progress,
        )?,
        None => Vec::new(),
    };
    // Every user's key registered with DRS just before; the CA's first CRL.
    let mut pki = Standalone::new(material);
    // User `user` enrolls (RA, CA, client) and logs on (DC): its envelope and certificate.
    let enroll = |pki: &Standalone<'_>, user: u32| -> Result<(Vec<u8>, Vec<u8>), PkiError> {
        let refused = |reason| PkiError::Refused { user, reason };
        let csr = material.request_der(user);
        let id = u64::from(user) + 1;
        let p7b = pki
            .ra(user, csr, KeyEvidence::Receipt, id, now_us)
            .map_err(refused)?;
        let serial = u64::from(user) + 1;
        let cert = pki.ca(&p7b, serial, now_us).map_err(refused)?;
        pki.client(user, &cert, serial, now_us).map_err(refused)?;
        pki.dc(user, &cert, now_us).map_err(refused)?;
        Ok((p7b, cert))
    };

    if let (Some(keys), Some(user)) = (with_keys, revoked_user) {
        // The revoked user enrolls and logs on, then the CA revokes its certificate and
        // publishes a CRL at once: the one every other user is checked against, and
        // the one written. The simulated DC must now refuse it, for that reason.
        let (_, cert) = enroll(&pki, user)?;
        pki.revoke(u64::from(user) + 1, now_us);
        match pki.dc(user, &cert, now_us) {
            Err(Refusal::CertificateRevoked) => {}
            other => {
                return Err(PkiError::Export(format!(
                    "the simulated DC did not refuse the revoked user's certificate as revoked: {other:?}"
                )))
            }
        }
        let dir = revoked_dir(out_dir);
        fsutil::ensure_dir(&dir, false)?;
        write(&dir.join("cert.pem"), pem("CERTIFICATE", &cert)?.as_bytes())?;
        write_key(&dir.join("key.pem"), &user_key(material, &pool_keys, user)?)?;

        write_key(&out_dir.join("ca-key.pem"), material.ca_key())?;
        let kdc_key = KeyPair::generate(KeyAlg::Rsa2048)?;
        let not_before = super::time::unix_seconds(settings.epoch_unix, now_us);
        let kdc = material.issue_kdc(&kdc_key, &keys.realm, not_before)?;
        let kdc_text = kdc.to_pem(LineEnding::LF)?;
        write(&out_dir.join("kdc.pem"), kdc_text.as_bytes())?;
        write_key(&out_dir.join("kdc-key.pem"), &kdc_key)?;
    }

    let total = material.users() - usize::from(revoked_user.is_some());
    let done = AtomicUsize::new(0);
    progress(0, total);
    (0..total as u32).into_par_iter().try_for_each(|user| {
        let (p7b, cert) = enroll(&pki, user)?;
        let dir = user_dir(out_dir, user);
        fsutil::ensure_dir(&dir, false)?;
        write(
            &dir.join("request.csr.pem"),
            pem("CERTIFICATE REQUEST", material.request_der(user))?.as_bytes(),
        )?;
        write(&dir.join("key-receipt.der"), material.receipt_der(user))?;
        write(&dir.join("request.p7b"), &p7b)?;
        write(&dir.join("cert.pem"), pem("CERTIFICATE", &cert)?.as_bytes())?;
        if with_keys.is_some() {
            write_key(&dir.join("key.pem"), &user_key(material, &pool_keys, user)?)?;
        }
        progress(done.fetch_add(1, Ordering::Relaxed) + 1, total);
        Ok::<_, PkiError>(())
    })?;

    let ca_pem = out_dir.join("ca.pem");
    let ra_pem = out_dir.join("ra.pem");
    let crl_pem = out_dir.join("crl.pem");
    write(&ca_pem, material.ca_cert_pem().as_bytes())?;
    write(&ra_pem, material.agent_cert_pem().as_bytes())?;
    let crl_text = pem("X509 CRL", pki.crl_der())?;
    write(&crl_pem, crl_text.as_bytes())?;
    write(
        &out_dir.join("ca-and-crl.pem"),
        (material.ca_cert_pem() + &crl_text).as_bytes(),
    )?;
    Ok(ExportSummary {
        users: total,
        out_dir: out_dir.to_path_buf(),
        ca_pem,
        ra_pem,
        crl_pem,
        issued_at_us: now_us,
        kdc_pem: with_keys.map(|_| out_dir.join("kdc.pem")),
        revoked_user,
    })
}

/// t = 0, unless the agent certificate only becomes valid later: then its first second.
fn issuance_instant(settings: &PkiSettings) -> u64 {
    if settings.agent_valid_at(0) {
        0
    } else {
        u64::try_from(settings.agent_not_before_s)
            .unwrap_or(0)
            .saturating_mul(1_000_000)
    }
}
