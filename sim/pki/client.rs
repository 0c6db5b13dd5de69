//! The client's check of the certificate it receives before installing it.

use der::{Decode, Encode};
use x509_cert::serial_number::SerialNumber;
use x509_cert::Certificate;

use crate::model::pki_port::Refusal;

use super::material::PkiMaterial;
use super::{cert, directory, oids, time};

/// Verifies `cert_der` for `user` at simulated `now_us`: signed by the CA, with the
/// expected serial, valid now, with both the Smart Card Logon and Client Authentication
/// EKUs, and the user's own: their key, their UPN in the subjectAltName, their account
/// name as the subject's common name. Any failure is `CertificateInvalid`.
pub(crate) fn install(
    material: &PkiMaterial,
    user: u32,
    cert_der: &[u8],
    serial: u64,
    now_us: u64,
) -> Result<(), Refusal> {
    let ok = (|| {
        if !material.has_user(user) {
            return false;
        }
        let Ok(c) = Certificate::from_der(cert_der) else {
            return false;
        };
        let tbs = &c.tbs_certificate;
        let now_s = time::unix_seconds(material.settings().epoch_unix, now_us);
        cert::issued_by(&c, material.ca_name(), material.ca_verifier())
            && tbs.serial_number == SerialNumber::from(serial)
            && tbs
                .subject_public_key_info
                .to_der()
                .is_ok_and(|spki| spki == material.user_spki_der(user))
            && cert::upn_of(&c).is_some_and(|upn| upn == material.settings().user_upn(user))
            && directory::leaf_cn(&tbs.subject)
                .is_some_and(|cn| cn == directory::account_name(user))
            && time::within(&tbs.validity, now_s)
            && cert::has_eku(&c, oids::SMART_CARD_LOGON)
            && cert::has_eku(&c, oids::ID_KP_CLIENT_AUTH)
    })();
    if ok {
        Ok(())
    } else {
        Err(Refusal::CertificateInvalid)
    }
}
