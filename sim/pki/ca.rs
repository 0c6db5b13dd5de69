//! The issuing CA: checks the RA's envelope and issues the certificate for the user the
//! envelope names, built from the directory.
//!
//! The CA is given the envelope and nothing else about the request: whose certificate it
//! issues comes from the signed `requestername`, never from a value passed beside it.

use std::collections::HashSet;
use std::sync::{Mutex, PoisonError};

use der::Encode;
use x509_cert::serial_number::SerialNumber;

use crate::model::pki_port::Refusal;

use super::cert::{self, CertSpec};
use super::crl::{self, Serial, Status};
use super::directory::{self, Directory};
use super::keys::{alg_of_spki, KeyAlg};
use super::material::{CaPolicy, PkiMaterial};
use super::{envelope, request, time};

/// The envelope ids (senderNonce) a CA has seen: an envelope seen before is a replay.
/// Shared by the checks of one run, which may run on several threads.
#[derive(Debug, Default)]
pub(crate) struct ReplayCache(Mutex<HashSet<[u8; 16]>>);

impl ReplayCache {
    /// Records `id`; `false` when it was already there.
    pub(crate) fn first_sight(&self, id: [u8; 16]) -> bool {
        self.0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(id)
    }
}

/// What the CA knows besides its keys when it checks an envelope.
pub(crate) struct Context<'a> {
    /// CA keys and certificates, the users' keys.
    pub material: &'a PkiMaterial,
    /// Accounts and the keys DRS registered.
    pub directory: &'a Directory,
    /// Registrations made at or before this simulated instant count (the instant the CA
    /// started on the request).
    pub registered_by_us: u64,
    /// The CA's current CRL (DER), which it checks the signer against.
    pub crl_der: &'a [u8],
    /// Serials of the enrollment-agent certificates this CA issued to AD FS.
    pub agents: &'a [Serial],
    /// Envelope ids seen so far.
    pub replay: &'a ReplayCache,
    /// Freshness window, SID extension.
    pub policy: CaPolicy,
}

/// Checks `envelope_der` at simulated `now_us` and issues the certificate with `serial`,
/// returning its DER.
///
/// Order: envelope well formed (`BadEnvelopeSignature`); signer certificate present and
/// signed by this CA (`SignerUntrusted`), valid now (`AgentExpired`), an enrollment agent
/// this CA enrolled — agent EKU, digitalSignature, not a CA, serial pinned
/// (`SignerNotAgent`); envelope signature and digest (`BadEnvelopeSignature`);
/// eContentType id-data with `requestername`, signingTime and senderNonce
/// (`EnvelopeMalformed`); signer not revoked on the CA's CRL (`AgentRevoked`, or
/// `RevocationUnknown` if the CRL cannot be read); signed within the freshness window
/// (`EnvelopeStale`); an id never seen (`EnvelopeReplayed`); the inner PKCS#10 again
/// (`BadRequestSignature`: the CA does not take the RA's word for the key); a key of
/// exactly `pki.client_key`'s algorithm and size (`WrongKeyType`); an account that exists
/// and whose registered key is the request's key (`IdentityMismatch`).
///
/// # Panics
/// If the validity end cannot be written as an X.509 time (after year 9999): simulated
/// times never get there.
pub(crate) fn issue(
    ctx: &Context<'_>,
    envelope_der: &[u8],
    serial: u64,
    now_us: u64,
) -> Result<Vec<u8>, Refusal> {
    let material = ctx.material;
    let settings = material.settings();
    let opened = envelope::open(envelope_der).map_err(|e| match e {
        envelope::OpenError::Malformed => Refusal::BadEnvelopeSignature,
        envelope::OpenError::NoSignerCertificate => Refusal::SignerUntrusted,
    })?;
    let signer = &opened.signer_cert;
    if !cert::issued_by(signer, material.ca_name(), material.ca_verifier()) {
        return Err(Refusal::SignerUntrusted);
    }
    let now_s = time::unix_seconds(settings.epoch_unix, now_us);
    if !time::within(&signer.tbs_certificate.validity, now_s) {
        return Err(Refusal::AgentExpired);
    }
    let pinned = crl::serial_of(&signer.tbs_certificate.serial_number)
        .is_some_and(|s| ctx.agents.contains(&s));
    if !(cert::is_agent_certificate(signer) && pinned) {
        return Err(Refusal::SignerNotAgent);
    }
    if !opened.signature_valid() {
        return Err(Refusal::BadEnvelopeSignature);
    }
    let claims = opened
        .claims()
        .filter(|_| opened.is_data())
        .ok_or(Refusal::EnvelopeMalformed)?;
    match crl::check(
        ctx.crl_der,
        material,
        &signer.tbs_certificate.serial_number,
        now_s,
    ) {
        Status::Good => {}
        Status::Revoked => return Err(Refusal::AgentRevoked),
        Status::Unknown => return Err(Refusal::RevocationUnknown),
    }
    let age = now_s - claims.signing_time_s;
    if age < 0 || age as u64 > ctx.policy.envelope_max_age_s {
        return Err(Refusal::EnvelopeStale);
    }
    if !ctx.replay.first_sight(claims.nonce) {
        return Err(Refusal::EnvelopeReplayed);
    }
    let req = request::verify(&opened.content).ok_or(Refusal::BadRequestSignature)?;
    if super::keys::key_kind(&req.spki) != Some(settings.client_key) {
        return Err(Refusal::WrongKeyType);
    }
    let user = ctx
        .directory
        .resolve_requester(&claims.requester)
        .filter(|&u| {
            ctx.directory.registered(u, ctx.registered_by_us)
                && material.user_spki_der(u) == req.spki_der.as_slice()
        })
        .ok_or(Refusal::IdentityMismatch)?;

    let rsa = alg_of_spki(&req.spki) == Some(KeyAlg::Rsa2048);
    let upn = ctx.directory.upn(user);
    let sid = ctx.policy.sid_extension.then(|| directory::sid(user));
    let build = || -> Result<Vec<u8>, super::PkiError> {
        let extensions =
            cert::user_extensions(&req.spki, rsa, &upn, sid.as_deref(), material.ca_ski())?;
        let c = cert::sign(
            CertSpec {
                serial: SerialNumber::from(serial),
                subject: directory::user_dn(user, &settings.upn_domain)?,
                validity: time::validity(now_s, settings.cert_validity_s)?,
                spki: req.spki,
                extensions,
            },
            material.ca_name(),
            material.ca_key(),
        )?;
        Ok(c.to_der()?)
    };
    Ok(build().expect("issuing: the validity end must be an X.509 time (before year 10000)"))
}
