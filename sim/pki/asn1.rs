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

/// One DER TLV with a short tag; `der` has no GeneralString type, which the Kerberos
/// names below need.
fn tlv(tag: u8, content: &[u8]) -> Vec<u8> {
    let mut out = vec![tag];
    let len = content.len();
    if len < 0x80 {
        out.push(len as u8);
    } else {
        let bytes = len.to_be_bytes();
        let skip = bytes.iter().take_while(|b| **b == 0).count();
        out.push(0x80 | (bytes.len() - skip) as u8);
        out.extend_from_slice(&bytes[skip..]);
    }
    out.extend_from_slice(content);
    out
}

/// The subjectAltName of a KDC certificate: an id-pkinit-san otherName holding the
/// KRB5PrincipalName `krbtgt/REALM@REALM` (RFC 4556 §3.2.2; the module's tags are
/// EXPLICIT, realm and name components are GeneralStrings, name type 2 = NT-SRV-INST).
pub(crate) fn krbtgt_san(realm: &str) -> Result<SubjectAltName, PkiError> {
    const GENERAL_STRING: u8 = 0x1B;
    const SEQUENCE: u8 = 0x30;
    let ctx = |n: u8, inner: Vec<u8>| tlv(0xA0 | n, &inner);
    let components = [
        tlv(GENERAL_STRING, b"krbtgt"),
        tlv(GENERAL_STRING, realm.as_bytes()),
    ]
    .concat();
    let principal_name = tlv(
        SEQUENCE,
        &[ctx(0, tlv(0x02, &[2])), ctx(1, tlv(SEQUENCE, &components))].concat(),
    );
    let krb5_principal_name = tlv(
        SEQUENCE,
        &[
            ctx(0, tlv(GENERAL_STRING, realm.as_bytes())),
            ctx(1, principal_name),
        ]
        .concat(),
    );
    Ok(SubjectAltName(vec![GeneralName::OtherName(OtherName {
        type_id: oids::PKINIT_SAN,
        value: Any::from_der(&krb5_principal_name)?,
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

#[cfg(test)]
mod tests {
    use super::*;

    /// The bytes the openssl recipe of MIT's PKINIT documentation gives for a KDC
    /// certificate of CONTOSO.COM (`otherName:1.3.6.1.5.2.2;SEQUENCE:kdc_princ_name`, with
    /// `EXP:0,GeneralString:CONTOSO.COM` etc.), taken from an `openssl x509 -req` run.
    #[test]
    fn the_krbtgt_san_is_what_the_mit_recipe_encodes() {
        let der = krbtgt_san("CONTOSO.COM").unwrap().to_der().unwrap();
        let hex: String = der.iter().map(|b| format!("{b:02X}")).collect();
        assert_eq!(
            hex,
            "303FA03D06062B0601050202A0333031A00D1B0B434F4E544F534F2E434F4DA120301EA003020102\
             A11730151B066B72627467741B0B434F4E544F534F2E434F4D"
        );
        // A long realm takes long-form lengths.
        let realm = "A".repeat(200);
        let der = krbtgt_san(&realm).unwrap().to_der().unwrap();
        assert!(der.windows(realm.len()).any(|w| w == realm.as_bytes()));
        assert_eq!(tlv(0x04, &[0; 200])[..3], [0x04, 0x81, 200]);
        assert_eq!(tlv(0x04, &[0; 300])[..4], [0x04, 0x82, 0x01, 0x2C]);
    }
}
