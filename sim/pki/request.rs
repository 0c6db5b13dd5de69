//! PKCS#10 certification requests: what the client builds with its key and what the RA
//! and the CA check.

use der::asn1::{BitString, SetOfVec};
use der::{Any, Decode, Encode};
use spki::SubjectPublicKeyInfoOwned;
use x509_cert::attr::Attribute;
use x509_cert::request::{CertReq, CertReqInfo, Version};

use super::asn1::{cn_name, extension, upn_san};
use super::keys::{verify_with_spki, KeyPair};
use super::{oids, PkiError};

/// Builds and signs a PKCS#10 request for subject `CN=<cn>` with the UPN in a requested
/// subjectAltName extension (as the Windows client does), returning its DER.
pub(crate) fn build(key: &KeyPair, cn: &str, upn: &str) -> Result<Vec<u8>, PkiError> {
    let requested = vec![extension(
        oids::ID_CE_SUBJECT_ALT_NAME,
        false,
        &upn_san(upn)?,
    )?];
    let ext_req = Attribute {
        oid: oids::ID_EXTENSION_REQ,
        values: SetOfVec::try_from(vec![Any::encode_from(&requested)?])?,
    };
    let info = CertReqInfo {
        version: Version::V1,
        subject: cn_name(cn)?,
        public_key: key.spki()?,
        attributes: SetOfVec::try_from(vec![ext_req])?,
    };
    let signature = key.sign(&info.to_der()?)?;
    let req = CertReq {
        info,
        algorithm: key.alg().signature_algorithm(),
        signature: BitString::from_bytes(&signature)?,
    };
    Ok(req.to_der()?)
}

/// A request whose self-signature verified.
pub(crate) struct VerifiedRequest {
    /// The requested public key, as the typed structure copied into the certificate.
    pub spki: SubjectPublicKeyInfoOwned,
    /// The same key as DER, the form compared with registered and own keys.
    pub spki_der: Vec<u8>,
}

/// Parses a PKCS#10 DER and verifies its signature with the key it carries. `None` when
/// it does not parse or does not verify: either way the request is not proven to come
/// from the key's holder.
pub(crate) fn verify(der: &[u8]) -> Option<VerifiedRequest> {
    let req = CertReq::from_der(der).ok()?;
    // DER is canonical, so re-encoding the parsed info gives back the signed bytes.
    let tbs = req.info.to_der().ok()?;
    let spki_der = req.info.public_key.to_der().ok()?;
    let sig = req.signature.as_bytes()?;
    verify_with_spki(&req.info.public_key, &spki_der, &req.algorithm, &tbs, sig).then_some(
        VerifiedRequest {
            spki: req.info.public_key,
            spki_der,
        },
    )
}
