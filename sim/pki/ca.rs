//! The issuing CA: checks the RA's envelope and issues the user's certificate.

use der::Encode;
use x509_cert::serial_number::SerialNumber;

use crate::model::pki_port::Refusal;

use super::cert::{self, CertSpec};
use super::keys::{alg_of_spki, KeyAlg};
use super::material::PkiMaterial;
use super::{asn1, envelope, oids, request, time};

/// Checks `envelope_der` at simulated `now_us` and issues user `user`'s certificate with
/// `serial`, returning its DER.
///
/// Order: envelope well formed (`BadEnvelopeSignature`), signer certificate present and
/// signed by this CA (`SignerUntrusted`), valid now (`AgentExpired`), carrying the
/// Certificate Request Agent EKU (`SignerNotAgent`), envelope signature and digest
/// (`BadEnvelopeSignature`), then the inner PKCS#10 again (`BadRequestSignature`): the
/// CA does not take the RA's word for the key.
///
/// # Panics
/// If the validity end cannot be written as an X.509 time (after year 9999): simulated
/// times never get there.
pub fn issue(
    material: &PkiMaterial,
    user: u32,
    envelope_der: &[u8],
    serial: u64,
    now_us: u64,
) -> Result<Vec<u8>, Refusal> {
    let opened = envelope::open(envelope_der).map_err(|e| match e {
        envelope::OpenError::Malformed => Refusal::BadEnvelopeSignature,
        envelope::OpenError::NoSignerCertificate => Refusal::SignerUntrusted,
    })?;
    let signer = &opened.signer_cert;
    if !cert::issued_by(signer, material.ca_name(), material.ca_verifier()) {
        return Err(Refusal::SignerUntrusted);
    }
    let now_s = time::unix_seconds(material.settings().epoch_unix, now_us);
    if !time::within(&signer.tbs_certificate.validity, now_s) {
        return Err(Refusal::AgentExpired);
    }
    if !cert::has_eku(signer, oids::ENROLLMENT_AGENT) {
        return Err(Refusal::SignerNotAgent);
    }
    if !opened.signature_valid() {
        return Err(Refusal::BadEnvelopeSignature);
    }
    let req = request::verify(&opened.content).ok_or(Refusal::BadRequestSignature)?;
    let rsa = match alg_of_spki(&req.spki) {
        Some(alg) => alg == KeyAlg::Rsa2048,
        None => return Err(Refusal::BadRequestSignature),
    };

    let settings = material.settings();
    let build = || -> Result<Vec<u8>, super::PkiError> {
        let extensions =
            cert::user_extensions(&req.spki, rsa, &settings.user_upn(user), material.ca_ski())?;
        let c = cert::sign(
            CertSpec {
                serial: SerialNumber::from(serial),
                subject: asn1::cn_name(&settings.user_cn(user))?,
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
