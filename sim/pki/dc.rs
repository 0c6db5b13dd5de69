//! The domain controller's validation of a Windows Hello for Business logon certificate
//! (PKINIT): what makes the certificate usable on-prem (docs/model.md §10).

use der::Decode;
use x509_cert::Certificate;

use crate::model::pki_port::Refusal;

use super::crl::{self, Status};
use super::directory::{self, Directory};
use super::material::PkiMaterial;
use super::{cert, oids, time};

/// The DC validates `cert_der` presented by `user` at simulated `now_us`, with the CA's
/// current CRL `crl_der`, as a KDC in full enforcement of strong mapping does.
///
/// Order: a certificate of the CA (chain), valid now, with the Smart Card Logon EKU and
/// the user's UPN in its subjectAltName (`DcCertificateInvalid`); not revoked on a current
/// CRL of the CA (`CertificateRevoked`, `RevocationUnknown`); a SID extension
/// (`NoStrongMapping`: DC event 39) naming the account's objectSid (`SidMismatch`: DC
/// event 41).
pub(crate) fn logon(
    material: &PkiMaterial,
    directory: &Directory,
    crl_der: &[u8],
    user: u32,
    cert_der: &[u8],
    now_us: u64,
) -> Result<(), Refusal> {
    let Ok(c) = Certificate::from_der(cert_der) else {
        return Err(Refusal::DcCertificateInvalid);
    };
    let now_s = time::unix_seconds(material.settings().epoch_unix, now_us);
    let valid = cert::issued_by(&c, material.ca_name(), material.ca_verifier())
        && time::within(&c.tbs_certificate.validity, now_s)
        && cert::has_eku(&c, oids::SMART_CARD_LOGON)
        && (user as usize) < directory.users()
        && cert::upn_of(&c).is_some_and(|upn| directory.account_by_upn(&upn) == Some(user));
    if !valid {
        return Err(Refusal::DcCertificateInvalid);
    }
    match crl::check(crl_der, material, &c.tbs_certificate.serial_number, now_s) {
        Status::Good => {}
        Status::Revoked => return Err(Refusal::CertificateRevoked),
        Status::Unknown => return Err(Refusal::RevocationUnknown),
    }
    match cert::sid_of(&c) {
        None => Err(Refusal::NoStrongMapping),
        Some(Some(sid)) if sid == directory::sid(user) => Ok(()),
        Some(_) => Err(Refusal::SidMismatch),
    }
}
