//! The RA's envelope: a CMS SignedData (RFC 5652) around the client's PKCS#10.
//!
//! Choices: eContentType is id-data and the encapsulated content is the PKCS#10 DER
//! itself (not a CMC PKIData): that is what `openssl cms -verify` hands back verbatim,
//! and the CA needs nothing more. Signed attributes are contentType and messageDigest
//! (the minimum RFC 5652 §5.3 requires when attributes are present); the signer is named
//! by issuerAndSerialNumber and its certificate is included, so the CA can check it
//! without any out-of-band directory.

use cms::cert::{CertificateChoices, IssuerAndSerialNumber};
use cms::content_info::{CmsVersion, ContentInfo};
use cms::signed_data::{
    CertificateSet, EncapsulatedContentInfo, SignedData, SignerIdentifier, SignerInfo, SignerInfos,
};
use der::asn1::{OctetString, SetOfVec};
use der::{Any, Decode, Encode};
use spki::AlgorithmIdentifierOwned;
use x509_cert::attr::Attribute;
use x509_cert::Certificate;

use super::keys::{sha256, verify_with_spki, KeyPair};
use super::{oids, PkiError};

fn sha256_alg() -> AlgorithmIdentifierOwned {
    // RFC 5754 §2: SHA-2 AlgorithmIdentifiers SHOULD omit the parameters.
    AlgorithmIdentifierOwned {
        oid: oids::ID_SHA_256,
        parameters: None,
    }
}

/// Wraps `content` in a CMS SignedData signed by `key`, whose certificate is `cert`.
pub(crate) fn build(
    content: &[u8],
    key: &KeyPair,
    cert: &Certificate,
) -> Result<Vec<u8>, PkiError> {
    let signed_attrs = SetOfVec::try_from(vec![
        Attribute {
            oid: oids::ID_CONTENT_TYPE,
            values: SetOfVec::try_from(vec![Any::encode_from(&oids::ID_DATA)?])?,
        },
        Attribute {
            oid: oids::ID_MESSAGE_DIGEST,
            values: SetOfVec::try_from(vec![Any::encode_from(&OctetString::new(
                sha256(content).to_vec(),
            )?)?])?,
        },
    ])?;
    // RFC 5652 §5.4: the signature covers the DER of the attributes with a SET OF tag,
    // not the [0] IMPLICIT tag they carry inside SignerInfo.
    let signature = key.sign(&signed_attrs.to_der()?)?;
    let signer = SignerInfo {
        version: CmsVersion::V1,
        sid: SignerIdentifier::IssuerAndSerialNumber(IssuerAndSerialNumber {
            issuer: cert.tbs_certificate.issuer.clone(),
            serial_number: cert.tbs_certificate.serial_number.clone(),
        }),
        digest_alg: sha256_alg(),
        signed_attrs: Some(signed_attrs),
        signature_algorithm: key.alg().signature_algorithm(),
        signature: OctetString::new(signature)?,
        unsigned_attrs: None,
    };
    let signed_data = SignedData {
        version: CmsVersion::V1,
        digest_algorithms: SetOfVec::try_from(vec![sha256_alg()])?,
        encap_content_info: EncapsulatedContentInfo {
            econtent_type: oids::ID_DATA,
            econtent: Some(Any::encode_from(&OctetString::new(content)?)?),
        },
        certificates: Some(CertificateSet::try_from(vec![
            CertificateChoices::Certificate(cert.clone()),
        ])?),
        crls: None,
        signer_infos: SignerInfos::try_from(vec![signer])?,
    };
    let ci = ContentInfo {
        content_type: oids::ID_SIGNED_DATA,
        content: Any::encode_from(&signed_data)?,
    };
    Ok(ci.to_der()?)
}

/// A parsed envelope with its signer's certificate located (not yet trusted).
pub(crate) struct Opened {
    pub signer_cert: Certificate,
    signer: SignerInfo,
    econtent_type: const_oid::ObjectIdentifier,
    /// The encapsulated content (the PKCS#10 DER).
    pub content: Vec<u8>,
}

/// Why an envelope could not be opened.
pub(crate) enum OpenError {
    /// Not a well-formed single-signer SignedData with content.
    Malformed,
    /// Well formed, but no included certificate matches the signer identifier.
    NoSignerCertificate,
}

/// Parses a ContentInfo/SignedData and finds the certificate named by its (single)
/// signer.
pub(crate) fn open(der: &[u8]) -> Result<Opened, OpenError> {
    let ci = ContentInfo::from_der(der).map_err(|_| OpenError::Malformed)?;
    if ci.content_type != oids::ID_SIGNED_DATA {
        return Err(OpenError::Malformed);
    }
    let sd: SignedData = ci.content.decode_as().map_err(|_| OpenError::Malformed)?;
    let mut signers = sd.signer_infos.0.into_vec();
    if signers.len() != 1 {
        return Err(OpenError::Malformed);
    }
    let signer = signers.remove(0);
    let content = sd
        .encap_content_info
        .econtent
        .as_ref()
        .and_then(|c| c.decode_as::<OctetString>().ok())
        .ok_or(OpenError::Malformed)?
        .into_bytes();
    let SignerIdentifier::IssuerAndSerialNumber(sid) = &signer.sid else {
        return Err(OpenError::NoSignerCertificate);
    };
    let signer_cert = sd
        .certificates
        .map(|c| c.0.into_vec())
        .unwrap_or_default()
        .into_iter()
        .find_map(|choice| match choice {
            CertificateChoices::Certificate(c)
                if c.tbs_certificate.issuer == sid.issuer
                    && c.tbs_certificate.serial_number == sid.serial_number =>
            {
                Some(c)
            }
            _ => None,
        })
        .ok_or(OpenError::NoSignerCertificate)?;
    Ok(Opened {
        signer_cert,
        signer,
        econtent_type: sd.encap_content_info.econtent_type,
        content,
    })
}

impl Opened {
    /// `true` when the signed attributes name the content type actually carried, their
    /// messageDigest is the SHA-256 of the content, and the signer certificate's key
    /// signed them.
    pub(crate) fn signature_valid(&self) -> bool {
        let Some(attrs) = &self.signer.signed_attrs else {
            return false;
        };
        if self.signer.digest_alg.oid != oids::ID_SHA_256 {
            return false;
        }
        let single = |oid| {
            let mut found = attrs.iter().filter(|a| a.oid == oid);
            match (found.next(), found.next()) {
                (Some(a), None) if a.values.len() == 1 => a.values.get(0),
                _ => None,
            }
        };
        let type_ok = single(oids::ID_CONTENT_TYPE)
            .and_then(|v| v.decode_as::<const_oid::ObjectIdentifier>().ok())
            .is_some_and(|t| t == self.econtent_type);
        let digest_ok = single(oids::ID_MESSAGE_DIGEST)
            .and_then(|v| v.decode_as::<OctetString>().ok())
            .is_some_and(|d| d.as_bytes() == sha256(&self.content));
        if !(type_ok && digest_ok) {
            return false;
        }
        let spki = &self.signer_cert.tbs_certificate.subject_public_key_info;
        let (Ok(msg), Ok(spki_der)) = (attrs.to_der(), spki.to_der()) else {
            return false;
        };
        verify_with_spki(
            spki,
            &spki_der,
            &self.signer.signature_algorithm,
            &msg,
            self.signer.signature.as_bytes(),
        )
    }
}
