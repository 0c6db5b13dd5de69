//! The AD FS registration authority: checks the client's PKCS#10 and the user's key, and
//! countersigns the request for the CA with its enrollment-agent certificate, naming in
//! the signed attributes the user it enrolls for, when, and a unique envelope id.

use x509_cert::Certificate;

use crate::model::pki_port::Refusal;

use super::envelope::{self, Claims};
use super::keys::{sha256, KeyPair};
use super::material::PkiMaterial;
use super::{receipt, request};

/// How the RA establishes which key belongs to the requesting user.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Evidence<'a> {
    /// The key is in on-prem AD (synced): compare with it. `None`: no key registered.
    Directory(Option<&'a [u8]>),
    /// Not in AD yet (a KB4088889 server): verify the DRS key receipt the client sent.
    /// `None`: the client holds no receipt (the key was never registered).
    Receipt(Option<&'a [u8]>),
}

/// One request for the RA to check and sign.
pub(crate) struct Job<'a> {
    /// The user the client authenticated as.
    pub requester: u32,
    /// How the requester's key is established.
    pub evidence: Evidence<'a>,
    /// The PKCS#10 the client sent.
    pub request_der: &'a [u8],
    /// What the envelope will say: whom it is for, when, its id.
    pub claims: &'a Claims,
    /// The key and certificate it is signed with.
    pub signer: (&'a KeyPair, &'a Certificate),
}

/// Checks the request and returns the CMS SignedData for the CA.
///
/// Order: the request's self-signature (`BadRequestSignature`: unparseable requests too);
/// then the key: with a key in AD, registered (`KeyNotRegistered`) and equal
/// (`KeyMismatch`); with a receipt, present (`KeyNotRegistered`), signed by DRS for this
/// user (`BadKeyReceipt`), and naming this key (`KeyMismatch`).
pub(crate) fn process(material: &PkiMaterial, job: &Job<'_>) -> Result<Vec<u8>, Refusal> {
    let req = request::verify(job.request_der).ok_or(Refusal::BadRequestSignature)?;
    match job.evidence {
        Evidence::Directory(registered) => {
            let registered = registered.ok_or(Refusal::KeyNotRegistered)?;
            if req.spki_der != registered {
                return Err(Refusal::KeyMismatch);
            }
        }
        Evidence::Receipt(receipt) => {
            let receipt = receipt.ok_or(Refusal::KeyNotRegistered)?;
            let verified = receipt::verify(receipt, material.drs_verifier())
                .filter(|r| r.upn == material.settings().user_upn(job.requester))
                .ok_or(Refusal::BadKeyReceipt)?;
            if verified.key_id != sha256(&req.spki_der) {
                return Err(Refusal::KeyMismatch);
            }
        }
    }
    let (key, cert) = job.signer;
    Ok(envelope::build(job.request_der, job.claims, key, cert)
        .expect("signing with a loaded key and encoding an envelope we build cannot fail"))
}
