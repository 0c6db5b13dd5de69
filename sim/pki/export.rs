//! Writes the PKI artefacts of a run to disk, for inspection and for checking with
//! independent tools (the integration tests run `openssl` on them).
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
//! The artefacts come from the very path the simulator runs (RA check and sign, CA check
//! and issue, client verify, DC logon), so what is exported is exactly what the
//! simulation checks. Every file is written atomically (temporary file + rename).

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use der::pem::LineEnding;
use rayon::prelude::*;

use crate::model::pki_port::KeyEvidence;

use super::fsutil::{self, Durability};
use super::material::{PkiMaterial, PkiSettings};
use super::standalone::Standalone;
use super::{PkiError, PkiStage, Progress, StagedProgress};

/// What [`export`] wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExportSummary {
    /// Number of user folders written.
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
}

/// The folder of user `user` inside an export.
pub fn user_dir(out_dir: &Path, user: u32) -> PathBuf {
    out_dir.join(format!("user{user}"))
}

/// Exports the artefacts of `users` users to `out_dir` (created if needed); keys come
/// from the key pool as in a simulation run.
pub fn export(
    users: usize,
    out_dir: &Path,
    settings: &PkiSettings,
) -> Result<ExportSummary, PkiError> {
    export_with_progress(users, out_dir, settings, &super::no_staged_progress)
}

/// [`export`] with a progress callback: first material building (see
/// [`PkiMaterial::new`]), then the users written ([`PkiStage::Files`]).
pub fn export_with_progress(
    users: usize,
    out_dir: &Path,
    settings: &PkiSettings,
    progress: StagedProgress<'_>,
) -> Result<ExportSummary, PkiError> {
    let material = Arc::new(PkiMaterial::new(settings.clone(), users, progress)?);
    export_material(&material, out_dir, &|d, t| progress(PkiStage::Files, d, t))
}

/// Exports from already-built material (all of its users).
pub fn export_material(
    material: &PkiMaterial,
    out_dir: &Path,
    progress: Progress<'_>,
) -> Result<ExportSummary, PkiError> {
    fsutil::ensure_dir(out_dir, false)?;
    let write =
        |path: &Path, bytes: &[u8]| fsutil::atomic_write(path, bytes, false, Durability::Unsynced);
    let pem = |label, der: &[u8]| {
        der::pem::encode_string(label, LineEnding::LF, der).map_err(der::Error::from)
    };
    let now_us = issuance_instant(material.settings());
    // Every user's key registered with DRS just before; the CA's first CRL.
    let pki = Standalone::new(material);
    let crl = pki.crl_der();

    let ca_pem = out_dir.join("ca.pem");
    let ra_pem = out_dir.join("ra.pem");
    let crl_pem = out_dir.join("crl.pem");
    write(&ca_pem, material.ca_cert_pem().as_bytes())?;
    write(&ra_pem, material.agent_cert_pem().as_bytes())?;
    let crl_text = pem("X509 CRL", crl)?;
    write(&crl_pem, crl_text.as_bytes())?;
    write(
        &out_dir.join("ca-and-crl.pem"),
        (material.ca_cert_pem() + &crl_text).as_bytes(),
    )?;

    let total = material.users();
    let done = AtomicUsize::new(0);
    progress(0, total);
    (0..total as u32).into_par_iter().try_for_each(|user| {
        let refused = |reason| PkiError::Refused { user, reason };
        let csr = material.request_der(user);
        let receipt = material.receipt_der(user);
        let id = u64::from(user) + 1;
        let p7b = pki
            .ra(user, csr, KeyEvidence::Receipt, id, now_us)
            .map_err(refused)?;
        let serial = u64::from(user) + 1;
        let cert = pki.ca(&p7b, serial, now_us).map_err(refused)?;
        pki.client(user, &cert, serial, now_us).map_err(refused)?;
        pki.dc(user, &cert, now_us).map_err(refused)?;

        let dir = user_dir(out_dir, user);
        fsutil::ensure_dir(&dir, false)?;
        write(
            &dir.join("request.csr.pem"),
            pem("CERTIFICATE REQUEST", csr)?.as_bytes(),
        )?;
        write(&dir.join("key-receipt.der"), receipt)?;
        write(&dir.join("request.p7b"), &p7b)?;
        write(&dir.join("cert.pem"), pem("CERTIFICATE", &cert)?.as_bytes())?;
        progress(done.fetch_add(1, Ordering::Relaxed) + 1, total);
        Ok::<_, PkiError>(())
    })?;
    Ok(ExportSummary {
        users: total,
        out_dir: out_dir.to_path_buf(),
        ca_pem,
        ra_pem,
        crl_pem,
        issued_at_us: now_us,
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
