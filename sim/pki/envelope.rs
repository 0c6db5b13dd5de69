//! The RA's envelope: a CMS SignedData (RFC 5652) around the client's PKCS#10.
//!
//! Choices: eContentType is id-data and the encapsulated content is the PKCS#10 DER
//! itself (not a CMC PKIData): that is what `openssl cms -verify` hands back verbatim,
//! and the CA needs nothing more. The signer is named by issuerAndSerialNumber and its
//! certificate is included, so the CA can check it without any out-of-band directory.
//!
//! Signed attributes: contentType and messageDigest (RFC 5652 §5.3), and what makes the
//! envelope say whom it is for and when, so that nothing outside the signed bytes decides
//! it, as AD CS does (docs/model.md §9):
//! - `requestername` (szOID_ENROLLMENT_NAME_VALUE_PAIR 1.3.6.1.4.1.311.13.2.1, a
//!   `SEQUENCE { name BMPString, value BMPString }` as Windows writes it): the account
//!   the agent enrolls for, `CONTOSO\user{i}` (MS-WCCE 2.2.2.7.10);
//! - signingTime (1.2.840.113549.1.9.5): when the RA signed it, for the CA's freshness
//!   window;
//! - senderNonce (id-cmc-senderNonce 1.3.6.1.5.5.7.7.6, 16 octets): a unique envelope id,
//!   for the CA's replay cache.

use cms::cert::{CertificateChoices, IssuerAndSerialNumber};
use cms::content_info::{CmsVersion, ContentInfo};
use cms::signed_data::{
    CertificateSet, EncapsulatedContentInfo, SignedData, SignerIdentifier, SignerInfo, SignerInfos,
};
use der::asn1::{BmpString, OctetString, SetOfVec};
use der::{Any, Decode, Encode, Sequence};
use spki::AlgorithmIdentifierOwned;
use x509_cert::attr::Attribute;
use x509_cert::time::Time;
use x509_cert::Certificate;

use super::keys::{sha256, verify_with_spki, KeyPair};
use super::{oids, time, PkiError};

/// The name of the name-value pair that names the target user.
pub(crate) const REQUESTER_NAME: &str = "requestername";

/// `CRYPT_ENROLLMENT_NAME_VALUE_PAIR` in its ASN.1 form.
#[derive(Sequence)]
struct NameValuePair {
    name: BmpString,
    value: BmpString,
}

fn sha256_alg() -> AlgorithmIdentifierOwned {
    // RFC 5754 §2: SHA-2 AlgorithmIdentifiers SHOULD omit the parameters.
    AlgorithmIdentifierOwned {
        oid: oids::ID_SHA_256,
        parameters: None,
    }
}

fn attribute(oid: const_oid::ObjectIdentifier, value: Any) -> Result<Attribute, PkiError> {
    Ok(Attribute {
        oid,
        values: SetOfVec::try_from(vec![value])?,
    })
}

/// What the RA's signature vouches for besides the request itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Claims {
    /// `CONTOSO\account` (NetBIOS name, account) of the user the certificate is for (`requestername`).
    pub requester: String,
    /// When the RA signed (Unix seconds; signingTime has one-second resolution).
    pub signing_time_s: i64,
    /// The unique envelope id (senderNonce).
    pub nonce: [u8; 16],
}

/// Wraps `content` in a CMS SignedData signed by `key`, whose certificate is `cert`, with
/// `claims` in its signed attributes.
pub(crate) fn build(
    content: &[u8],
    claims: &Claims,
    key: &KeyPair,
    cert: &Certificate,
) -> Result<Vec<u8>, PkiError> {
    build_typed(oids::ID_DATA, content, claims, key, cert)
}

/// [`build`] with any eContentType (the CA accepts id-data only).
pub(crate) fn build_typed(
    econtent_type: const_oid::ObjectIdentifier,
    content: &[u8],
    claims: &Claims,
    key: &KeyPair,
    cert: &Certificate,
) -> Result<Vec<u8>, PkiError> {
    let pair = NameValuePair {
        name: BmpString::from_utf8(REQUESTER_NAME)?,
        value: BmpString::from_utf8(&claims.requester)?,
    };
    let signed_attrs = SetOfVec::try_from(vec![
        attribute(oids::ID_CONTENT_TYPE, Any::encode_from(&econtent_type)?)?,
        attribute(
            oids::ID_MESSAGE_DIGEST,
            Any::encode_from(&OctetString::new(sha256(content).to_vec())?)?,
        )?,
        attribute(
            oids::ID_SIGNING_TIME,
            Any::encode_from(&time::x509_time(claims.signing_time_s)?)?,
        )?,
        attribute(oids::ENROLLMENT_NAME_VALUE_PAIR, Any::encode_from(&pair)?)?,
        attribute(
            oids::ID_CMC_SENDER_NONCE,
            Any::encode_from(&OctetString::new(claims.nonce.to_vec())?)?,
        )?,
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
            econtent_type,
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
    /// `true` when the encapsulated content is declared id-data (the PKCS#10 bytes
    /// themselves): the only content type the CA accepts.
    pub(crate) fn is_data(&self) -> bool {
        self.econtent_type == oids::ID_DATA
    }

    /// The claims among the signed attributes, each present exactly once with one value
    /// of the right form; `None` otherwise. Only meaningful once
    /// [`Opened::signature_valid`] said the attributes are the signer's.
    pub(crate) fn claims(&self) -> Option<Claims> {
        let attrs = self.signer.signed_attrs.as_ref()?;
        let single = |oid| single_value(attrs, oid);
        let pair: NameValuePair = single(oids::ENROLLMENT_NAME_VALUE_PAIR)?.decode_as().ok()?;
        if pair.name.to_string() != REQUESTER_NAME {
            return None;
        }
        // Time is a CHOICE (UTCTime or GeneralizedTime): decode it from its own DER.
        let signing_time = Time::from_der(&single(oids::ID_SIGNING_TIME)?.to_der().ok()?).ok()?;
        let nonce: OctetString = single(oids::ID_CMC_SENDER_NONCE)?.decode_as().ok()?;
        Some(Claims {
            requester: pair.value.to_string(),
            signing_time_s: i64::try_from(signing_time.to_unix_duration().as_secs()).ok()?,
            nonce: nonce.as_bytes().try_into().ok()?,
        })
    }

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
        let single = |oid| single_value(attrs, oid);
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

/// The one value of the one attribute `oid` in `attrs` (`None`: absent, repeated, or with
/// other than one value).
fn single_value(attrs: &SetOfVec<Attribute>, oid: const_oid::ObjectIdentifier) -> Option<&Any> {
    let mut found = attrs.iter().filter(|a| a.oid == oid);
    match (found.next(), found.next()) {
        (Some(a), None) if a.values.len() == 1 => a.values.get(0),
        _ => None,
    }
}
