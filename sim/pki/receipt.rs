//! The DRS key receipt: what Azure AD's Device Registration Service hands the client when
//! it registers its key, and what a patched AD FS registration authority verifies when
//! the key has not reached on-prem AD yet (docs/model.md §9).
//!
//! The real receipt's format is not published; this one is a small signed DER object in
//! the shape of an X.509 certificate, signed by DRS's own key (slot
//! `InfraKeys::DRS_SLOT` of the infrastructure set):
//!
//! ```text
//! KeyReceipt ::= SEQUENCE {
//!     tbs        SEQUENCE {
//!         version  INTEGER (1),
//!         issuer   UTF8String,   -- "enterpriseregistration.windows.net"
//!         upn      UTF8String,   -- the user the key was registered for
//!         keyId    OCTET STRING  -- SHA-256 of the key's SubjectPublicKeyInfo DER
//!     },
//!     signatureAlgorithm  AlgorithmIdentifier,
//!     signature           BIT STRING
//! }
//! ```
//!
//! It carries no time, so it depends only on the user, their key and the DRS key: RSA
//! PKCS#1 v1.5 signatures are deterministic, and a receipt signed once is kept beside the
//! user's request in the key pool (see `request_cache`).

use der::asn1::{BitString, OctetString, Utf8StringRef};
use der::{Decode, Encode, Sequence};
use spki::AlgorithmIdentifierOwned;

use super::keys::{sha256, KeyPair, Verifier};
use super::PkiError;

/// The issuer every receipt names.
pub(crate) const ISSUER: &str = "enterpriseregistration.windows.net";

#[derive(Sequence)]
struct ReceiptTbs<'a> {
    version: u8,
    issuer: Utf8StringRef<'a>,
    upn: Utf8StringRef<'a>,
    key_id: OctetString,
}

#[derive(Sequence)]
struct KeyReceipt<'a> {
    tbs: ReceiptTbs<'a>,
    signature_algorithm: AlgorithmIdentifierOwned,
    signature: BitString,
}

/// DRS signs the receipt for `upn`'s key `spki_der` with its key `drs`.
pub(crate) fn build(drs: &KeyPair, upn: &str, spki_der: &[u8]) -> Result<Vec<u8>, PkiError> {
    let tbs = ReceiptTbs {
        version: 1,
        issuer: Utf8StringRef::new(ISSUER)?,
        upn: Utf8StringRef::new(upn)?,
        key_id: OctetString::new(sha256(spki_der).to_vec())?,
    };
    let signature = drs.sign(&tbs.to_der()?)?;
    Ok(KeyReceipt {
        tbs,
        signature_algorithm: drs.alg().signature_algorithm(),
        signature: BitString::from_bytes(&signature)?,
    }
    .to_der()?)
}

/// What a receipt says once its signature verified.
pub(crate) struct VerifiedReceipt {
    /// The user the key was registered for.
    pub upn: String,
    /// SHA-256 of the registered key's SubjectPublicKeyInfo DER.
    pub key_id: [u8; 32],
}

/// Parses `der` and verifies it was signed by DRS (`drs`) and names our issuer. `None`:
/// not a receipt DRS issued.
pub(crate) fn verify(der: &[u8], drs: &Verifier) -> Option<VerifiedReceipt> {
    let r = KeyReceipt::from_der(der).ok()?;
    if r.tbs.version != 1 || r.tbs.issuer.as_str() != ISSUER {
        return None;
    }
    let tbs = r.tbs.to_der().ok()?;
    if !drs.verify(&r.signature_algorithm, &tbs, r.signature.as_bytes()?) {
        return None;
    }
    let key_id: [u8; 32] = r.tbs.key_id.as_bytes().try_into().ok()?;
    Some(VerifiedReceipt {
        upn: r.tbs.upn.as_str().to_owned(),
        key_id,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pki::KeyAlg;

    #[test]
    fn a_receipt_verifies_only_with_the_drs_key_and_unchanged() {
        let drs = KeyPair::generate(KeyAlg::EcdsaP256).unwrap();
        let other = KeyPair::generate(KeyAlg::EcdsaP256).unwrap();
        let user_key = KeyPair::generate(KeyAlg::EcdsaP256).unwrap();
        let der = build(&drs, "user3@contoso.com", user_key.spki_der()).unwrap();
        let v = verify(&der, &drs.verifier().unwrap()).expect("verifies");
        assert_eq!(v.upn, "user3@contoso.com");
        assert_eq!(v.key_id, sha256(user_key.spki_der()));
        assert!(verify(&der, &other.verifier().unwrap()).is_none());
        let at = der
            .windows(5)
            .position(|w| w == b"user3")
            .expect("upn in the receipt");
        let mut tampered = der.clone();
        tampered[at + 4] = b'4';
        assert!(verify(&tampered, &drs.verifier().unwrap()).is_none());
        assert!(verify(b"garbage", &drs.verifier().unwrap()).is_none());
    }
}
