//! Real key pairs and signatures (aws-lc-rs), with the algorithm identifiers that go into
//! the ASN.1 structures next to them.

use aws_lc_rs::encoding::AsDer;
use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::rsa::{KeyPair as RsaKeyPair, KeySize};
use aws_lc_rs::signature::{
    self, EcdsaKeyPair, KeyPair as _, ParsedPublicKey, UnparsedPublicKey, VerificationAlgorithm,
};
use der::asn1::AnyRef;
use der::{Any, Decode};
use spki::{AlgorithmIdentifierOwned, SubjectPublicKeyInfoOwned};

use super::{oids, PkiError};

/// Which kind of key a party holds. Windows Hello keys are RSA-2048 in the real product
/// (TPM); ECDSA P-256 is offered because it changes the cost profile a lot.
/// Its names (`"rsa2048"`, `"ecdsa-p256"`) are the same in scenarios (serde), on the
/// command line (`FromStr`) and in key-cache file names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub enum KeyAlg {
    /// RSA 2048-bit, signatures RSASSA-PKCS1-v1_5 with SHA-256.
    #[serde(rename = "rsa2048", alias = "rsa-2048", alias = "rsa")]
    Rsa2048,
    /// ECDSA on P-256, signatures ASN.1 DER with SHA-256.
    #[serde(rename = "ecdsa-p256", alias = "ecdsa_p256", alias = "p256")]
    EcdsaP256,
}

impl KeyAlg {
    /// A short stable name, used in key-cache file names and reports.
    pub fn as_str(self) -> &'static str {
        match self {
            KeyAlg::Rsa2048 => "rsa2048",
            KeyAlg::EcdsaP256 => "ecdsa-p256",
        }
    }

    /// The X.509 `AlgorithmIdentifier` of signatures made with this kind of key.
    pub(crate) fn signature_algorithm(self) -> AlgorithmIdentifierOwned {
        match self {
            // RFC 4055: the parameters of sha256WithRSAEncryption MUST be NULL.
            KeyAlg::Rsa2048 => AlgorithmIdentifierOwned {
                oid: oids::SHA_256_WITH_RSA_ENCRYPTION,
                parameters: Some(Any::from(AnyRef::NULL)),
            },
            // RFC 5758: the parameters of ecdsa-with-SHA256 MUST be absent.
            KeyAlg::EcdsaP256 => AlgorithmIdentifierOwned {
                oid: oids::ECDSA_WITH_SHA_256,
                parameters: None,
            },
        }
    }

    fn verification(self) -> &'static dyn VerificationAlgorithm {
        match self {
            KeyAlg::Rsa2048 => &signature::RSA_PKCS1_2048_8192_SHA256,
            KeyAlg::EcdsaP256 => &signature::ECDSA_P256_SHA256_ASN1,
        }
    }
}

impl std::str::FromStr for KeyAlg {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.to_ascii_lowercase().as_str() {
            "rsa2048" | "rsa-2048" | "rsa" => Ok(KeyAlg::Rsa2048),
            "ecdsa-p256" | "ecdsa_p256" | "p256" => Ok(KeyAlg::EcdsaP256),
            other => Err(format!(
                "unknown key algorithm {other:?} (expected rsa2048 or ecdsa-p256)"
            )),
        }
    }
}

impl std::fmt::Display for KeyAlg {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

enum Inner {
    Rsa(RsaKeyPair),
    Ecdsa(EcdsaKeyPair),
}

/// A private key with its public half already encoded as SubjectPublicKeyInfo DER, the
/// form every check compares (request key vs registered key vs certificate key).
pub struct KeyPair {
    alg: KeyAlg,
    inner: Inner,
    spki_der: Vec<u8>,
}

impl std::fmt::Debug for KeyPair {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never print private material; the SPKI length is enough to tell keys apart in logs.
        f.debug_struct("KeyPair")
            .field("alg", &self.alg)
            .field("spki_len", &self.spki_der.len())
            .finish()
    }
}

fn crypto(what: &str, e: impl std::fmt::Debug) -> PkiError {
    PkiError::Crypto(format!("{what}: {e:?}"))
}

impl KeyPair {
    /// Generates a fresh key pair (RSA-2048 costs tens of milliseconds: use the pool).
    pub(crate) fn generate(alg: KeyAlg) -> Result<Self, PkiError> {
        let inner = match alg {
            KeyAlg::Rsa2048 => Inner::Rsa(
                RsaKeyPair::generate(KeySize::Rsa2048).map_err(|e| crypto("RSA keygen", e))?,
            ),
            KeyAlg::EcdsaP256 => Inner::Ecdsa(
                EcdsaKeyPair::generate(&signature::ECDSA_P256_SHA256_ASN1_SIGNING)
                    .map_err(|e| crypto("ECDSA keygen", e))?,
            ),
        };
        Self::from_inner(alg, inner)
    }

    /// An RSA key of `bits` bits (3072, 4096 or 8192) labelled RSA: what no client of ours
    /// holds, for tests of the CA's key-size check.
    #[cfg(test)]
    pub(crate) fn generate_rsa_for_tests(bits: usize) -> Result<Self, PkiError> {
        let size = match bits {
            3072 => KeySize::Rsa3072,
            4096 => KeySize::Rsa4096,
            _ => KeySize::Rsa8192,
        };
        let k = RsaKeyPair::generate(size).map_err(|e| crypto("RSA keygen", e))?;
        Self::from_inner(KeyAlg::Rsa2048, Inner::Rsa(k))
    }

    /// Parses a PKCS#8 private key of the given algorithm (what the key pool stores).
    pub(crate) fn from_pkcs8(alg: KeyAlg, pkcs8: &[u8]) -> Result<Self, PkiError> {
        let inner = match alg {
            KeyAlg::Rsa2048 => {
                let k = RsaKeyPair::from_pkcs8(pkcs8).map_err(|e| crypto("RSA PKCS#8", e))?;
                if k.public_modulus_len() != 256 {
                    return Err(PkiError::Crypto(format!(
                        "RSA key has {} modulus bytes, expected 256",
                        k.public_modulus_len()
                    )));
                }
                Inner::Rsa(k)
            }
            KeyAlg::EcdsaP256 => Inner::Ecdsa(
                EcdsaKeyPair::from_pkcs8(&signature::ECDSA_P256_SHA256_ASN1_SIGNING, pkcs8)
                    .map_err(|e| crypto("ECDSA PKCS#8", e))?,
            ),
        };
        Self::from_inner(alg, inner)
    }

    fn from_inner(alg: KeyAlg, inner: Inner) -> Result<Self, PkiError> {
        let spki_der = match &inner {
            Inner::Rsa(k) => k.public_key().as_der().map(|d| d.as_ref().to_vec()),
            Inner::Ecdsa(k) => k.public_key().as_der().map(|d| d.as_ref().to_vec()),
        }
        .map_err(|e| crypto("public key encoding", e))?;
        Ok(KeyPair {
            alg,
            inner,
            spki_der,
        })
    }

    /// The PKCS#8 (v1) DER of the private key, as written to the key cache.
    pub(crate) fn to_pkcs8(&self) -> Result<Vec<u8>, PkiError> {
        match &self.inner {
            Inner::Rsa(k) => k.as_der().map(|d| d.as_ref().to_vec()),
            Inner::Ecdsa(k) => k.to_pkcs8v1().map(|d| d.as_ref().to_vec()),
        }
        .map_err(|e| crypto("PKCS#8 encoding", e))
    }

    /// The key's algorithm.
    pub fn alg(&self) -> KeyAlg {
        self.alg
    }

    /// The public key as SubjectPublicKeyInfo DER.
    pub fn spki_der(&self) -> &[u8] {
        &self.spki_der
    }

    /// The public key as the typed structure that goes into requests and certificates.
    pub(crate) fn spki(&self) -> Result<SubjectPublicKeyInfoOwned, PkiError> {
        Ok(SubjectPublicKeyInfoOwned::from_der(&self.spki_der)?)
    }

    /// Signs `msg` (SHA-256; PKCS#1 v1.5 for RSA, ASN.1 DER for ECDSA).
    pub fn sign(&self, msg: &[u8]) -> Result<Vec<u8>, PkiError> {
        let rng = SystemRandom::new();
        match &self.inner {
            Inner::Rsa(k) => {
                let mut sig = vec![0u8; k.public_modulus_len()];
                k.sign(&signature::RSA_PKCS1_SHA256, &rng, msg, &mut sig)
                    .map_err(|e| crypto("RSA sign", e))?;
                Ok(sig)
            }
            Inner::Ecdsa(k) => k
                .sign(&rng, msg)
                .map(|s| s.as_ref().to_vec())
                .map_err(|e| crypto("ECDSA sign", e)),
        }
    }

    /// A verifier for this key's public half, parsed once.
    pub(crate) fn verifier(&self) -> Result<Verifier, PkiError> {
        Verifier::from_spki_der(self.alg, &self.spki_der)
    }
}

/// A public key parsed once for repeated verification: the CA key verifies every agent
/// certificate and every issued certificate, so re-parsing it each time would be waste.
pub(crate) struct Verifier {
    alg: KeyAlg,
    key: ParsedPublicKey,
}

impl std::fmt::Debug for Verifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Verifier").field("alg", &self.alg).finish()
    }
}

impl Verifier {
    /// Parses an SPKI DER for the given algorithm.
    pub(crate) fn from_spki_der(alg: KeyAlg, spki_der: &[u8]) -> Result<Self, PkiError> {
        let key = ParsedPublicKey::new(alg.verification(), spki_der)
            .map_err(|e| crypto("public key parse", e))?;
        Ok(Verifier { alg, key })
    }

    /// `true` when `sig` is this key's signature of `msg` under `sig_alg`; an algorithm
    /// that does not belong to this key counts as a failed verification.
    pub fn verify(&self, sig_alg: &AlgorithmIdentifierOwned, msg: &[u8], sig: &[u8]) -> bool {
        alg_of_signature(sig_alg) == Some(self.alg) && self.key.verify_sig(msg, sig).is_ok()
    }
}

/// Which key kind a signature `AlgorithmIdentifier` belongs to (`None`: not one we accept).
/// `rsaEncryption` is accepted as RSA because CMS signers (OpenSSL among them) often put it
/// in `SignerInfo.signatureAlgorithm` with the digest named separately.
pub(crate) fn alg_of_signature(sig_alg: &AlgorithmIdentifierOwned) -> Option<KeyAlg> {
    if sig_alg.oid == oids::SHA_256_WITH_RSA_ENCRYPTION || sig_alg.oid == oids::RSA_ENCRYPTION {
        Some(KeyAlg::Rsa2048)
    } else if sig_alg.oid == oids::ECDSA_WITH_SHA_256 {
        Some(KeyAlg::EcdsaP256)
    } else {
        None
    }
}

/// Which key kind an SPKI carries (`None`: neither RSA nor ECDSA P-256).
pub(crate) fn alg_of_spki(spki: &SubjectPublicKeyInfoOwned) -> Option<KeyAlg> {
    if spki.algorithm.oid == oids::RSA_ENCRYPTION {
        Some(KeyAlg::Rsa2048)
    } else if spki.algorithm.oid == oids::ID_EC_PUBLIC_KEY {
        let curve = spki
            .algorithm
            .parameters
            .as_ref()?
            .decode_as::<const_oid::ObjectIdentifier>();
        (curve.ok()? == oids::SECP_256_R_1).then_some(KeyAlg::EcdsaP256)
    } else {
        None
    }
}

/// Which of our key kinds an SPKI is, exactly: RSA with a 2048-bit modulus (parameters
/// NULL), or an uncompressed point on P-256. `None` for anything else — another curve, a
/// compressed point, RSA of another size — even where `alg_of_spki` names the family.
pub(crate) fn key_kind(spki: &SubjectPublicKeyInfoOwned) -> Option<KeyAlg> {
    match alg_of_spki(spki)? {
        KeyAlg::Rsa2048 => {
            if spki.algorithm.parameters != Some(Any::from(AnyRef::NULL)) {
                return None;
            }
            #[derive(der::Sequence)]
            struct RsaPublicKey<'a> {
                modulus: der::asn1::UintRef<'a>,
                exponent: der::asn1::UintRef<'a>,
            }
            let bits = spki.subject_public_key.as_bytes()?;
            let key = <RsaPublicKey<'_> as Decode>::from_der(bits).ok()?;
            let n = key.modulus.as_bytes();
            // UintRef strips leading zeros: 2048 bits is 256 bytes with the top bit set.
            (n.len() == 256 && n[0] & 0x80 != 0 && !key.exponent.as_bytes().is_empty())
                .then_some(KeyAlg::Rsa2048)
        }
        KeyAlg::EcdsaP256 => {
            let point = spki.subject_public_key.as_bytes()?;
            (point.len() == 65 && point[0] == 0x04).then_some(KeyAlg::EcdsaP256)
        }
    }
}

/// Verifies `sig` over `msg` with the public key in `spki_der`: `true` only when the
/// signature algorithm matches the key kind and the signature is valid. Used for keys seen
/// once (a request's own key, an envelope signer's key).
pub(crate) fn verify_with_spki(
    spki: &SubjectPublicKeyInfoOwned,
    spki_der: &[u8],
    sig_alg: &AlgorithmIdentifierOwned,
    msg: &[u8],
    sig: &[u8],
) -> bool {
    let Some(key_alg) = alg_of_spki(spki) else {
        return false;
    };
    if alg_of_signature(sig_alg) != Some(key_alg) {
        return false;
    }
    UnparsedPublicKey::new(key_alg.verification(), spki_der)
        .verify(msg, sig)
        .is_ok()
}

/// SHA-256 of `data`.
pub fn sha256(data: &[u8]) -> [u8; 32] {
    let d = aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, data);
    let mut out = [0u8; 32];
    out.copy_from_slice(d.as_ref());
    out
}

/// RFC 5280 §4.2.1.2 method (1) key identifier: SHA-1 of the subjectPublicKey bits. SHA-1
/// here is an identifier, not a security primitive, and it is what Windows CAs use.
pub(crate) fn key_identifier(spki: &SubjectPublicKeyInfoOwned) -> Vec<u8> {
    aws_lc_rs::digest::digest(
        &aws_lc_rs::digest::SHA1_FOR_LEGACY_USE_ONLY,
        spki.subject_public_key.raw_bytes(),
    )
    .as_ref()
    .to_vec()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_agree_everywhere() {
        for alg in [KeyAlg::Rsa2048, KeyAlg::EcdsaP256] {
            assert_eq!(alg.as_str().parse::<KeyAlg>(), Ok(alg));
            let json = serde_json::to_string(&alg).expect("serialize");
            assert_eq!(json, format!("\"{}\"", alg.as_str()));
            assert_eq!(serde_json::from_str::<KeyAlg>(&json).expect("parse"), alg);
        }
        assert!("dsa".parse::<KeyAlg>().is_err());
    }

    #[test]
    fn ecdsa_roundtrip_sign_verify() {
        let k = KeyPair::generate(KeyAlg::EcdsaP256).expect("keygen");
        let again =
            KeyPair::from_pkcs8(KeyAlg::EcdsaP256, &k.to_pkcs8().expect("pkcs8")).expect("parse");
        assert_eq!(k.spki_der(), again.spki_der());
        let sig = again.sign(b"hello").expect("sign");
        let spki = k.spki().expect("spki");
        let alg = KeyAlg::EcdsaP256.signature_algorithm();
        assert!(verify_with_spki(&spki, k.spki_der(), &alg, b"hello", &sig));
        assert!(!verify_with_spki(&spki, k.spki_der(), &alg, b"hellO", &sig));
        assert!(k.verifier().expect("verifier").verify(&alg, b"hello", &sig));
        let rsa_alg = KeyAlg::Rsa2048.signature_algorithm();
        assert!(!k
            .verifier()
            .expect("verifier")
            .verify(&rsa_alg, b"hello", &sig));
    }

    #[test]
    fn rsa_roundtrip_sign_verify() {
        let k = KeyPair::generate(KeyAlg::Rsa2048).expect("keygen");
        let again =
            KeyPair::from_pkcs8(KeyAlg::Rsa2048, &k.to_pkcs8().expect("pkcs8")).expect("parse");
        assert_eq!(k.spki_der(), again.spki_der());
        let sig = again.sign(b"hello").expect("sign");
        assert_eq!(sig.len(), 256);
        let alg = KeyAlg::Rsa2048.signature_algorithm();
        let spki = k.spki().expect("spki");
        assert_eq!(alg_of_spki(&spki), Some(KeyAlg::Rsa2048));
        assert!(verify_with_spki(&spki, k.spki_der(), &alg, b"hello", &sig));
        assert!(!verify_with_spki(
            &spki,
            k.spki_der(),
            &alg,
            b"hello!",
            &sig
        ));
        // An ECDSA PKCS#8 is not an RSA key.
        let ec = KeyPair::generate(KeyAlg::EcdsaP256).expect("keygen");
        assert!(KeyPair::from_pkcs8(KeyAlg::Rsa2048, &ec.to_pkcs8().expect("pkcs8")).is_err());
    }
}
