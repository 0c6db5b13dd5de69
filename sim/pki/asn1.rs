//! Helpers shared by the request, envelope and certificate builders: names, extensions.

use der::asn1::{OctetString, SetOfVec, Utf8StringRef};
use der::{Any, Decode, Encode};
use x509_cert::attr::AttributeTypeAndValue;
use x509_cert::ext::pkix::name::{GeneralName, OtherName};
use x509_cert::ext::pkix::SubjectAltName;
use x509_cert::ext::Extension;
use x509_cert::name::{Name, RdnSequence, RelativeDistinguishedName};

use super::{oids, PkiError};

/// A distinguished name with a single `CN` (UTF8String), the form Windows uses for users.
pub(crate) fn cn_name(cn: &str) -> Result<Name, PkiError> {
    let atv = AttributeTypeAndValue {
        oid: oids::COMMON_NAME,
        value: Any::encode_from(&Utf8StringRef::new(cn)?)?,
    };
    let rdn = RelativeDistinguishedName(SetOfVec::try_from(vec![atv])?);
    Ok(RdnSequence(vec![rdn]))
}

/// An extension whose value is the DER of `value`.
pub(crate) fn extension(
    oid: const_oid::ObjectIdentifier,
    critical: bool,
    value: &impl Encode,
) -> Result<Extension, PkiError> {
    Ok(Extension {
        extn_id: oid,
        critical,
        extn_value: OctetString::new(value.to_der()?)?,
    })
}

/// The subjectAltName carrying the user's UPN as an otherName (how a DC maps the
/// certificate to the account during PKINIT).
pub(crate) fn upn_san(upn: &str) -> Result<SubjectAltName, PkiError> {
    Ok(SubjectAltName(vec![GeneralName::OtherName(OtherName {
        type_id: oids::UPN,
        value: Any::encode_from(&Utf8StringRef::new(upn)?)?,
    })]))
}

/// Decodes the value of the first extension `oid` in `exts` (`None`: absent or malformed).
pub(crate) fn find_extension<T: for<'a> Decode<'a>>(
    exts: Option<&[Extension]>,
    oid: const_oid::ObjectIdentifier,
) -> Option<T> {
    exts?
        .iter()
        .find(|e| e.extn_id == oid)
        .and_then(|e| T::from_der(e.extn_value.as_bytes()).ok())
}
