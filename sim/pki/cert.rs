//! X.509 certificates: building and signing (CA bootstrap and issuance) and the checks the
//! CA and the client make on them.

use der::asn1::{BitString, OctetString};
use der::Encode;
use spki::SubjectPublicKeyInfoOwned;
use x509_cert::certificate::{Certificate, TbsCertificate, Version};
use x509_cert::ext::pkix::{
    AuthorityKeyIdentifier, BasicConstraints, ExtendedKeyUsage, KeyUsage, KeyUsages,
    SubjectKeyIdentifier,
};
use x509_cert::ext::Extension;
use x509_cert::name::Name;
use x509_cert::serial_number::SerialNumber;
use x509_cert::time::Validity;

use super::asn1::{extension, find_extension};
use super::keys::{key_identifier, KeyPair, Verifier};
use super::{oids, PkiError};

/// What varies between the certificates this PKI signs.
pub(crate) struct CertSpec {
    pub serial: SerialNumber,
    pub subject: Name,
    pub validity: Validity,
    pub spki: SubjectPublicKeyInfoOwned,
    pub extensions: Vec<Extension>,
}

/// Signs `spec` as `issuer` with `issuer_key` (the algorithm follows the key).
pub(crate) fn sign(
    spec: CertSpec,
    issuer: &Name,
    issuer_key: &KeyPair,
) -> Result<Certificate, PkiError> {
    let sig_alg = issuer_key.alg().signature_algorithm();
    let tbs = TbsCertificate {
        version: Version::V3,
        serial_number: spec.serial,
        signature: sig_alg.clone(),
        issuer: issuer.clone(),
        validity: spec.validity,
        subject: spec.subject,
        subject_public_key_info: spec.spki,
        issuer_unique_id: None,
        subject_unique_id: None,
        extensions: Some(spec.extensions),
    };
    let signature = issuer_key.sign(&tbs.to_der()?)?;
    Ok(Certificate {
        tbs_certificate: tbs,
        signature_algorithm: sig_alg,
        signature: BitString::from_bytes(&signature)?,
    })
}

/// `true` when `cert` names `issuer` as its issuer and carries `issuer_key`'s valid
/// signature (with the same algorithm inside and outside the signed part, RFC 5280
/// §4.1.1.2).
pub(crate) fn issued_by(cert: &Certificate, issuer: &Name, issuer_key: &Verifier) -> bool {
    let tbs = &cert.tbs_certificate;
    if &tbs.issuer != issuer || tbs.signature != cert.signature_algorithm {
        return false;
    }
    let (Ok(msg), Some(sig)) = (tbs.to_der(), cert.signature.as_bytes()) else {
        return false;
    };
    issuer_key.verify(&cert.signature_algorithm, &msg, sig)
}

/// `true` when the certificate's extendedKeyUsage lists `eku`.
pub(crate) fn has_eku(cert: &Certificate, eku: const_oid::ObjectIdentifier) -> bool {
    find_extension::<ExtendedKeyUsage>(
        cert.tbs_certificate.extensions.as_deref(),
        oids::ID_CE_EXT_KEY_USAGE,
    )
    .is_some_and(|e| e.0.contains(&eku))
}

/// Serial numbers of the infrastructure certificates: 2^64 + k, so they can never collide
/// with a user certificate serial (a u64 chosen by the model).
pub(crate) fn infra_serial(k: u8) -> Result<SerialNumber, PkiError> {
    Ok(SerialNumber::new(&[1, 0, 0, 0, 0, 0, 0, 0, k])?)
}

fn ski(spki: &SubjectPublicKeyInfoOwned) -> Result<SubjectKeyIdentifier, PkiError> {
    Ok(SubjectKeyIdentifier(OctetString::new(key_identifier(
        spki,
    ))?))
}

fn aki(issuer_ski: &[u8]) -> Result<AuthorityKeyIdentifier, PkiError> {
    Ok(AuthorityKeyIdentifier {
        key_identifier: Some(OctetString::new(issuer_ski)?),
        authority_cert_issuer: None,
        authority_cert_serial_number: None,
    })
}

/// Extensions of the self-signed root: a CA that signs certificates and CRLs.
pub(crate) fn ca_extensions(spki: &SubjectPublicKeyInfoOwned) -> Result<Vec<Extension>, PkiError> {
    Ok(vec![
        extension(
            oids::ID_CE_BASIC_CONSTRAINTS,
            true,
            &BasicConstraints {
                ca: true,
                path_len_constraint: None,
            },
        )?,
        extension(
            oids::ID_CE_KEY_USAGE,
            true,
            &KeyUsage(KeyUsages::KeyCertSign | KeyUsages::CRLSign),
        )?,
        extension(oids::ID_CE_SUBJECT_KEY_IDENTIFIER, false, &ski(spki)?)?,
    ])
}

/// Extensions of an end-entity signing certificate issued to a PKI party (the RA agent or
/// the non-agent signer): digitalSignature plus the given EKUs.
pub(crate) fn signer_extensions(
    spki: &SubjectPublicKeyInfoOwned,
    issuer_ski: &[u8],
    ekus: Vec<const_oid::ObjectIdentifier>,
) -> Result<Vec<Extension>, PkiError> {
    Ok(vec![
        extension(
            oids::ID_CE_BASIC_CONSTRAINTS,
            true,
            &BasicConstraints {
                ca: false,
                path_len_constraint: None,
            },
        )?,
        extension(
            oids::ID_CE_KEY_USAGE,
            true,
            &KeyUsage(KeyUsages::DigitalSignature.into()),
        )?,
        extension(oids::ID_CE_EXT_KEY_USAGE, false, &ExtendedKeyUsage(ekus))?,
        extension(oids::ID_CE_SUBJECT_KEY_IDENTIFIER, false, &ski(spki)?)?,
        extension(
            oids::ID_CE_AUTHORITY_KEY_IDENTIFIER,
            false,
            &aki(issuer_ski)?,
        )?,
    ])
}

/// Extensions of a user's Windows Hello for Business certificate.
pub(crate) fn user_extensions(
    spki: &SubjectPublicKeyInfoOwned,
    rsa: bool,
    upn: &str,
    issuer_ski: &[u8],
) -> Result<Vec<Extension>, PkiError> {
    // An RSA key can also be used for key transport; an ECDSA key cannot.
    let usage = if rsa {
        KeyUsage(KeyUsages::DigitalSignature | KeyUsages::KeyEncipherment)
    } else {
        KeyUsage(KeyUsages::DigitalSignature.into())
    };
    Ok(vec![
        extension(
            oids::ID_CE_BASIC_CONSTRAINTS,
            false,
            &BasicConstraints {
                ca: false,
                path_len_constraint: None,
            },
        )?,
        extension(oids::ID_CE_KEY_USAGE, true, &usage)?,
        extension(
            oids::ID_CE_EXT_KEY_USAGE,
            false,
            &ExtendedKeyUsage(vec![oids::SMART_CARD_LOGON, oids::ID_KP_CLIENT_AUTH]),
        )?,
        extension(
            oids::ID_CE_SUBJECT_ALT_NAME,
            false,
            &super::asn1::upn_san(upn)?,
        )?,
        extension(oids::ID_CE_SUBJECT_KEY_IDENTIFIER, false, &ski(spki)?)?,
        extension(
            oids::ID_CE_AUTHORITY_KEY_IDENTIFIER,
            false,
            &aki(issuer_ski)?,
        )?,
    ])
}
