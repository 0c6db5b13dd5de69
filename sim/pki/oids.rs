//! Object identifiers used by the Windows Hello for Business certificate-trust flow.
//!
//! Standard ones are re-exported from `const_oid::db` so there is one source of truth;
//! the Microsoft ones are not in that database and are spelled out here.

use const_oid::ObjectIdentifier;

pub use const_oid::db::rfc4519::CN as COMMON_NAME;
pub use const_oid::db::rfc4519::DC;
pub use const_oid::db::rfc5280::{
    ID_AD_CA_ISSUERS, ID_CE_AUTHORITY_KEY_IDENTIFIER, ID_CE_BASIC_CONSTRAINTS,
    ID_CE_CRL_DISTRIBUTION_POINTS, ID_CE_CRL_NUMBER, ID_CE_CRL_REASONS, ID_CE_EXT_KEY_USAGE,
    ID_CE_KEY_USAGE, ID_CE_SUBJECT_ALT_NAME, ID_CE_SUBJECT_KEY_IDENTIFIER, ID_KP_CLIENT_AUTH,
    ID_PE_AUTHORITY_INFO_ACCESS,
};
pub use const_oid::db::rfc5911::{
    ID_CONTENT_TYPE, ID_DATA, ID_MESSAGE_DIGEST, ID_SIGNED_DATA, ID_SIGNING_TIME,
};
pub use const_oid::db::rfc5912::{
    ECDSA_WITH_SHA_256, ID_CMC_SENDER_NONCE, ID_EC_PUBLIC_KEY, ID_EXTENSION_REQ, ID_SHA_256,
    RSA_ENCRYPTION, SECP_256_R_1, SHA_256_WITH_RSA_ENCRYPTION,
};

/// Certificate Request Agent EKU (szOID_ENROLLMENT_AGENT): lets AD FS sign enrollment
/// requests on behalf of users. The CA refuses envelopes whose signer lacks it.
pub(crate) const ENROLLMENT_AGENT: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("1.3.6.1.4.1.311.20.2.1");

/// Smart Card Logon EKU (szOID_KP_SMARTCARD_LOGON): what makes the WHfB certificate usable
/// for Kerberos PKINIT.
pub(crate) const SMART_CARD_LOGON: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("1.3.6.1.4.1.311.20.2.2");

/// User Principal Name otherName type (szOID_NT_PRINCIPAL_NAME): how the DC maps the
/// certificate to the account.
pub const UPN: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.6.1.4.1.311.20.2.3");

/// szOID_ENROLLMENT_NAME_VALUE_PAIR: the signed attribute in which an enrollment agent
/// names the user it enrolls for (`requestername`; MS-WCCE 2.2.2.7.10).
pub(crate) const ENROLLMENT_NAME_VALUE_PAIR: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("1.3.6.1.4.1.311.13.2.1");

/// szOID_NTDS_CA_SECURITY_EXT: the SID extension an updated CA adds (KB5014754), which
/// a DC in full enforcement needs for strong mapping.
pub(crate) const NTDS_CA_SECURITY_EXT: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("1.3.6.1.4.1.311.25.2");

/// szOID_NTDS_OBJECTSID: the otherName type inside the SID extension; its value is the
/// SID string.
pub(crate) const NTDS_OBJECTSID: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("1.3.6.1.4.1.311.25.2.1");

/// szOID_CERTIFICATE_TEMPLATE: the template (OID, major and minor version) a certificate
/// was issued from.
pub(crate) const CERTIFICATE_TEMPLATE: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("1.3.6.1.4.1.311.21.7");

/// The (fictional) contoso forest's `WHFBAuthentication` template: the users'
/// certificates.
pub(crate) const TEMPLATE_WHFB_AUTHENTICATION: ObjectIdentifier = ObjectIdentifier::new_unwrap(
    "1.3.6.1.4.1.311.21.8.4736189.9183745.12092785.6829437.1836234.238.11304879.5124307",
);

/// The (fictional) contoso forest's `WHFBEnrollmentAgent` template: AD FS's enrollment
/// agent certificates.
pub(crate) const TEMPLATE_WHFB_ENROLLMENT_AGENT: ObjectIdentifier = ObjectIdentifier::new_unwrap(
    "1.3.6.1.4.1.311.21.8.4736189.9183745.12092785.6829437.1836234.238.11304879.5124308",
);

/// id-pkinit-KPKdc (RFC 4556 §3.2.4): the EKU a KDC's certificate carries, which a
/// PKINIT client (MIT's by default) requires before it trusts the KDC's reply.
pub(crate) const PKINIT_KPKDC: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.6.1.5.2.3.5");

/// id-pkinit-san (RFC 4556 §3.2.2): the otherName type of a subjectAltName holding a
/// Kerberos principal name; a KDC certificate names `krbtgt/REALM@REALM` with it.
pub(crate) const PKINIT_SAN: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.6.1.5.2.2");
