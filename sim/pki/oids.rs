//! Object identifiers used by the Windows Hello for Business certificate-trust flow.
//!
//! Standard ones are re-exported from `const_oid::db` so there is one source of truth;
//! the Microsoft ones are not in that database and are spelled out here.

use const_oid::ObjectIdentifier;

pub use const_oid::db::rfc4519::CN as COMMON_NAME;
pub use const_oid::db::rfc5280::{
    ID_CE_AUTHORITY_KEY_IDENTIFIER, ID_CE_BASIC_CONSTRAINTS, ID_CE_EXT_KEY_USAGE, ID_CE_KEY_USAGE,
    ID_CE_SUBJECT_ALT_NAME, ID_CE_SUBJECT_KEY_IDENTIFIER, ID_KP_CLIENT_AUTH,
};
pub use const_oid::db::rfc5911::{ID_CONTENT_TYPE, ID_DATA, ID_MESSAGE_DIGEST, ID_SIGNED_DATA};
pub use const_oid::db::rfc5912::{
    ECDSA_WITH_SHA_256, ID_EC_PUBLIC_KEY, ID_EXTENSION_REQ, ID_SHA_256, RSA_ENCRYPTION,
    SECP_256_R_1, SHA_256_WITH_RSA_ENCRYPTION,
};

/// Certificate Request Agent EKU (szOID_ENROLLMENT_AGENT): lets AD FS sign enrollment
/// requests on behalf of users. The CA refuses envelopes whose signer lacks it.
pub const ENROLLMENT_AGENT: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("1.3.6.1.4.1.311.20.2.1");

/// Smart Card Logon EKU (szOID_KP_SMARTCARD_LOGON): what makes the WHfB certificate usable
/// for Kerberos PKINIT.
pub const SMART_CARD_LOGON: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("1.3.6.1.4.1.311.20.2.2");

/// User Principal Name otherName type (szOID_NT_PRINCIPAL_NAME): how the DC maps the
/// certificate to the account.
pub const UPN: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.6.1.4.1.311.20.2.3");
