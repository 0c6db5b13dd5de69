//! X.509 certificates: building and signing (CA bootstrap and issuance) and the checks the
//! CA and the client make on them.

use der::asn1::{BitString, Ia5String, OctetString};
use der::{Any, Encode, Sequence};
use spki::SubjectPublicKeyInfoOwned;
use x509_cert::certificate::{Certificate, TbsCertificate, Version};
use x509_cert::ext::pkix::crl::dp::DistributionPoint;
use x509_cert::ext::pkix::name::{DistributionPointName, GeneralName, GeneralNames, OtherName};
use x509_cert::ext::pkix::{
    AccessDescription, AuthorityInfoAccessSyntax, AuthorityKeyIdentifier, BasicConstraints,
    CrlDistributionPoints, ExtendedKeyUsage, KeyUsage, KeyUsages, SubjectKeyIdentifier,
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

/// `true` when `cert` may act as an enrollment agent: the Certificate Request Agent EKU,
/// a keyUsage with digitalSignature (the agent signs envelopes) and without certificate
/// or CRL signing, and not a CA (basicConstraints absent or cA false). The CA also pins
/// the agents it enrolled (see `ca`): a certificate passing this check is not enough.
pub(crate) fn is_agent_certificate(cert: &Certificate) -> bool {
    let exts = cert.tbs_certificate.extensions.as_deref();
    let ku_ok = find_extension::<KeyUsage>(exts, oids::ID_CE_KEY_USAGE)
        .is_some_and(|ku| ku.digital_signature() && !ku.key_cert_sign() && !ku.crl_sign());
    let not_ca = match exts.and_then(|e| {
        e.iter()
            .find(|x| x.extn_id == oids::ID_CE_BASIC_CONSTRAINTS)
    }) {
        None => true,
        Some(_) => find_extension::<BasicConstraints>(exts, oids::ID_CE_BASIC_CONSTRAINTS)
            .is_some_and(|bc| !bc.ca),
    };
    has_eku(cert, oids::ENROLLMENT_AGENT) && ku_ok && not_ca
}

/// Where relying parties fetch the CA's CRL (a fictional contoso PKI web server, as the
/// CRL distribution point AD CS writes by default).
pub(crate) const CRL_URL: &str = "http://pki.contoso.com/CertEnroll/contoso-issuing-ca.crl";

/// Where relying parties fetch the CA's certificate (authorityInfoAccess caIssuers).
pub(crate) const CA_CERT_URL: &str = "http://pki.contoso.com/CertEnroll/contoso-issuing-ca.crt";

/// The certificate template extension (szOID_CERTIFICATE_TEMPLATE) in its ASN.1 form.
#[derive(Sequence)]
struct CertificateTemplate {
    template_id: const_oid::ObjectIdentifier,
    major_version: u32,
    minor_version: u32,
}

fn template(
    id: const_oid::ObjectIdentifier,
    major: u32,
    minor: u32,
) -> Result<Extension, PkiError> {
    extension(
        oids::CERTIFICATE_TEMPLATE,
        false,
        &CertificateTemplate {
            template_id: id,
            major_version: major,
            minor_version: minor,
        },
    )
}

fn uri(url: &str) -> Result<GeneralName, PkiError> {
    Ok(GeneralName::UniformResourceIdentifier(Ia5String::new(url)?))
}

/// CRL distribution point and authority information access: where the CRL and the CA
/// certificate are published.
fn publication_points() -> Result<[Extension; 2], PkiError> {
    Ok([
        extension(
            oids::ID_CE_CRL_DISTRIBUTION_POINTS,
            false,
            &CrlDistributionPoints(vec![DistributionPoint {
                distribution_point: Some(DistributionPointName::FullName(vec![uri(CRL_URL)?])),
                reasons: None,
                crl_issuer: None,
            }]),
        )?,
        extension(
            oids::ID_PE_AUTHORITY_INFO_ACCESS,
            false,
            &AuthorityInfoAccessSyntax(vec![AccessDescription {
                access_method: oids::ID_AD_CA_ISSUERS,
                access_location: uri(CA_CERT_URL)?,
            }]),
        )?,
    ])
}

/// The SID extension (szOID_NTDS_CA_SECURITY_EXT, KB5014754): GeneralNames holding one
/// otherName of type szOID_NTDS_OBJECTSID whose value is the SID string as an OCTET
/// STRING.
pub(crate) fn sid_extension(sid: &str) -> Result<Extension, PkiError> {
    let names: GeneralNames = vec![GeneralName::OtherName(OtherName {
        type_id: oids::NTDS_OBJECTSID,
        value: Any::encode_from(&OctetString::new(sid.as_bytes())?)?,
    })];
    extension(oids::NTDS_CA_SECURITY_EXT, false, &names)
}

/// The SID a certificate's SID extension carries: `None` when the extension is absent,
/// `Some(None)` when it is present but not readable as one SID.
pub(crate) fn sid_of(cert: &Certificate) -> Option<Option<String>> {
    let exts = cert.tbs_certificate.extensions.as_deref()?;
    let ext = exts
        .iter()
        .find(|e| e.extn_id == oids::NTDS_CA_SECURITY_EXT)?;
    let read = || -> Option<String> {
        let names = <GeneralNames as der::Decode>::from_der(ext.extn_value.as_bytes()).ok()?;
        let [GeneralName::OtherName(on)] = names.as_slice() else {
            return None;
        };
        if on.type_id != oids::NTDS_OBJECTSID {
            return None;
        }
        let bytes = on.value.decode_as::<OctetString>().ok()?;
        String::from_utf8(bytes.as_bytes().to_vec()).ok()
    };
    Some(read())
}

/// The UPN of a certificate's subjectAltName (the one otherName of type UPN), if any.
pub(crate) fn upn_of(cert: &Certificate) -> Option<String> {
    let san: x509_cert::ext::pkix::SubjectAltName = find_extension(
        cert.tbs_certificate.extensions.as_deref(),
        oids::ID_CE_SUBJECT_ALT_NAME,
    )?;
    let mut upns = san.0.iter().filter_map(|n| match n {
        GeneralName::OtherName(on) if on.type_id == oids::UPN => {
            der::asn1::Utf8StringRef::try_from(&on.value)
                .ok()
                .map(|s| s.as_str().to_owned())
        }
        _ => None,
    });
    match (upns.next(), upns.next()) {
        (Some(u), None) => Some(u),
        _ => None,
    }
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

/// The critical basic-constraints extension of the infrastructure end entities (the
/// agent and other signers, the KDC): not a CA. (User certificates carry it non-critical,
/// as AD CS's template does.)
fn not_a_ca() -> Result<Extension, PkiError> {
    extension(
        oids::ID_CE_BASIC_CONSTRAINTS,
        true,
        &BasicConstraints {
            ca: false,
            path_len_constraint: None,
        },
    )
}

/// Extensions of an end-entity signing certificate issued to a PKI party (the RA agent or
/// the non-agent signer): digitalSignature plus the given EKUs; an agent certificate also
/// names its template (`WHFBEnrollmentAgent`) and where the CRL and CA certificate are.
pub(crate) fn signer_extensions(
    spki: &SubjectPublicKeyInfoOwned,
    issuer_ski: &[u8],
    ekus: Vec<const_oid::ObjectIdentifier>,
) -> Result<Vec<Extension>, PkiError> {
    let agent = ekus.contains(&oids::ENROLLMENT_AGENT);
    let mut exts = vec![
        not_a_ca()?,
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
    ];
    if agent {
        exts.push(template(oids::TEMPLATE_WHFB_ENROLLMENT_AGENT, 100, 2)?);
        exts.extend(publication_points()?);
    }
    Ok(exts)
}

/// Extensions of a user's Windows Hello for Business certificate, as AD CS writes them
/// from the `WHFBAuthentication` template and the directory: key usage, both EKUs, the
/// UPN in the subjectAltName, key identifiers, the template, CRL distribution point and
/// AIA, and — when `sid` is given (a CA with the May 2022 update) — the SID extension.
pub(crate) fn user_extensions(
    spki: &SubjectPublicKeyInfoOwned,
    rsa: bool,
    upn: &str,
    sid: Option<&str>,
    issuer_ski: &[u8],
) -> Result<Vec<Extension>, PkiError> {
    // An RSA key can also be used for key transport; an ECDSA key cannot.
    let usage = if rsa {
        KeyUsage(KeyUsages::DigitalSignature | KeyUsages::KeyEncipherment)
    } else {
        KeyUsage(KeyUsages::DigitalSignature.into())
    };
    let mut exts = vec![
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
    ];
    exts.push(template(oids::TEMPLATE_WHFB_AUTHENTICATION, 100, 4)?);
    exts.extend(publication_points()?);
    if let Some(sid) = sid {
        exts.push(sid_extension(sid)?);
    }
    Ok(exts)
}

/// Extensions of the KDC certificate `pki export --with-keys` writes for a real Kerberos
/// KDC: not a CA, digitalSignature and keyEncipherment (RSA), the id-pkinit-KPKdc EKU and
/// the id-pkinit-san naming `krbtgt/REALM@REALM`, which a PKINIT client checks before it
/// trusts the KDC's reply (RFC 4556 §3.2.4).
pub(crate) fn kdc_extensions(
    spki: &SubjectPublicKeyInfoOwned,
    realm: &str,
    issuer_ski: &[u8],
) -> Result<Vec<Extension>, PkiError> {
    Ok(vec![
        not_a_ca()?,
        extension(
            oids::ID_CE_KEY_USAGE,
            true,
            &KeyUsage(KeyUsages::DigitalSignature | KeyUsages::KeyEncipherment),
        )?,
        extension(
            oids::ID_CE_EXT_KEY_USAGE,
            false,
            &ExtendedKeyUsage(vec![oids::PKINIT_KPKDC]),
        )?,
        extension(
            oids::ID_CE_SUBJECT_ALT_NAME,
            false,
            &super::asn1::krbtgt_san(realm)?,
        )?,
        extension(oids::ID_CE_SUBJECT_KEY_IDENTIFIER, false, &ski(spki)?)?,
        extension(
            oids::ID_CE_AUTHORITY_KEY_IDENTIFIER,
            false,
            &aki(issuer_ski)?,
        )?,
    ])
}
