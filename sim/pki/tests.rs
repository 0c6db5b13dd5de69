//! End-to-end checks of the real PKI path and of the off mode's parity with it: one test
//! per refusal, for RSA and ECDSA client keys.

use std::sync::{Arc, OnceLock};

use der::Decode;
use x509_cert::ext::pkix::name::GeneralName;
use x509_cert::ext::pkix::{ExtendedKeyUsage, KeyUsage, SubjectAltName};
use x509_cert::Certificate;

use super::asn1::find_extension;
use super::material::{InfraKeys, YEAR_S};
use super::*;
use crate::model::pki_port::{
    Envelope, EnvelopeSigner, Issued, PkiPort, Refusal, Request, RequestKey,
};

const USERS: usize = 3;

fn build(alg: KeyAlg) -> Arc<PkiMaterial> {
    let settings = PkiSettings {
        client_key: alg,
        ..PkiSettings::default()
    };
    let keys = (0..USERS)
        .map(|_| KeyPair::generate(alg).expect("keygen"))
        .collect();
    let infra = InfraKeys::generate(alg).expect("infra keys");
    Arc::new(PkiMaterial::from_keys(settings, infra, keys, &no_progress).expect("material"))
}

/// Material is shared by every test of an algorithm: RSA key generation is the slow part.
fn material(alg: KeyAlg) -> Arc<PkiMaterial> {
    static RSA: OnceLock<Arc<PkiMaterial>> = OnceLock::new();
    static EC: OnceLock<Arc<PkiMaterial>> = OnceLock::new();
    match alg {
        KeyAlg::Rsa2048 => RSA.get_or_init(|| build(alg)).clone(),
        KeyAlg::EcdsaP256 => EC.get_or_init(|| build(alg)).clone(),
    }
}

/// A second, unrelated PKI: its certificates do not chain to the first one's CA.
fn foreign() -> Arc<PkiMaterial> {
    static FOREIGN: OnceLock<Arc<PkiMaterial>> = OnceLock::new();
    FOREIGN.get_or_init(|| build(KeyAlg::EcdsaP256)).clone()
}

fn registered(alg: KeyAlg) -> RealPki {
    let mut pki = RealPki::new(material(alg));
    for u in 0..USERS as u32 {
        pki.register_key(u);
    }
    pki
}

fn envelope_for(pki: &mut RealPki, user: u32) -> Envelope {
    let req = pki.client_request(user, RequestKey::Own);
    pki.ra_process(user, &req, EnvelopeSigner::EnrollmentAgent, 0)
        .expect("RA accepts")
}

fn flip(der: &[u8], at: usize) -> Vec<u8> {
    let mut v = der.to_vec();
    v[at] ^= 0x01;
    v
}

fn position(haystack: &[u8], needle: &[u8]) -> usize {
    haystack
        .windows(needle.len())
        .position(|w| w == needle)
        .expect("needle present")
}

fn for_both(check: impl Fn(KeyAlg)) {
    check(KeyAlg::Rsa2048);
    check(KeyAlg::EcdsaP256);
}

#[test]
fn happy_path_issues_a_whfb_certificate() {
    for_both(|alg| {
        let mut pki = registered(alg);
        assert!(pki.is_real());
        let env = envelope_for(&mut pki, 1);
        let issued = pki.ca_issue(1, &env, 42, 5_000_000).expect("CA issues");
        assert_eq!(issued.serial, 42);
        pki.client_install(1, &issued, 6_000_000)
            .expect("client accepts");

        let cert = Certificate::from_der(&issued.der).expect("parse");
        let tbs = &cert.tbs_certificate;
        assert_eq!(tbs.serial_number.as_bytes(), &[42]);
        assert_eq!(tbs.subject.to_string(), "CN=user1");
        let exts = tbs.extensions.as_deref();
        let eku: ExtendedKeyUsage = find_extension(exts, oids::ID_CE_EXT_KEY_USAGE).expect("EKU");
        assert_eq!(eku.0, vec![oids::SMART_CARD_LOGON, oids::ID_KP_CLIENT_AUTH]);
        let ku: KeyUsage = find_extension(exts, oids::ID_CE_KEY_USAGE).expect("KU");
        assert!(ku.digital_signature());
        assert_eq!(ku.key_encipherment(), alg == KeyAlg::Rsa2048);
        let san: SubjectAltName = find_extension(exts, oids::ID_CE_SUBJECT_ALT_NAME).expect("SAN");
        let GeneralName::OtherName(on) = &san.0[0] else {
            panic!("SAN is not an otherName")
        };
        assert_eq!(on.type_id, oids::UPN);
        let upn = der::asn1::Utf8StringRef::try_from(&on.value).expect("UTF8String");
        assert_eq!(upn.as_str(), "user1@contoso.com");
        // Validity starts at issuance (t = 5 s) and lasts cert_validity_s.
        let nb = tbs.validity.not_before.to_unix_duration().as_secs() as i64;
        let na = tbs.validity.not_after.to_unix_duration().as_secs() as i64;
        let epoch = PkiSettings::default().epoch_unix;
        assert_eq!(nb, epoch + 5);
        assert_eq!(na - nb, YEAR_S as i64);
    });
}

#[test]
fn unregistered_key_is_refused() {
    for_both(|alg| {
        let mut pki = RealPki::new(material(alg));
        let req = pki.client_request(0, RequestKey::Own);
        assert_eq!(
            pki.ra_process(0, &req, EnvelopeSigner::EnrollmentAgent, 0)
                .unwrap_err(),
            Refusal::KeyNotRegistered
        );
        // A user the material does not know is not registered either (no panic).
        assert_eq!(
            pki.ra_process(99, &req, EnvelopeSigner::EnrollmentAgent, 0)
                .unwrap_err(),
            Refusal::KeyNotRegistered
        );
    });
}

#[test]
fn attacker_key_is_a_key_mismatch() {
    for_both(|alg| {
        let mut pki = registered(alg);
        let req = pki.client_request(2, RequestKey::Attacker);
        assert_eq!(req.key, Some(RequestKey::Attacker));
        assert_ne!(req.der, pki.client_request(2, RequestKey::Own).der);
        assert_eq!(
            pki.ra_process(2, &req, EnvelopeSigner::EnrollmentAgent, 0)
                .unwrap_err(),
            Refusal::KeyMismatch
        );
        // Another user's genuine request is also the wrong key for this user.
        let other = pki.client_request(1, RequestKey::Own);
        assert_eq!(
            pki.ra_process(2, &other, EnvelopeSigner::EnrollmentAgent, 0)
                .unwrap_err(),
            Refusal::KeyMismatch
        );
    });
}

#[test]
fn tampered_request_is_a_bad_signature() {
    for_both(|alg| {
        let mut pki = registered(alg);
        let good = pki.client_request(0, RequestKey::Own);
        let body_at = position(&good.der, b"user0@contoso.com");
        let cases = [
            flip(&good.der, good.der.len() - 1),     // in the signature
            flip(&good.der, body_at),                // in the signed body (the UPN)
            good.der[..good.der.len() / 2].to_vec(), // truncated
            Vec::new(),
        ];
        for der in cases {
            let req = Request {
                der,
                key: Some(RequestKey::Own),
            };
            assert_eq!(
                pki.ra_process(0, &req, EnvelopeSigner::EnrollmentAgent, 0)
                    .unwrap_err(),
                Refusal::BadRequestSignature
            );
        }
    });
}

#[test]
fn non_agent_signer_is_refused_by_the_ca() {
    for_both(|alg| {
        let mut pki = registered(alg);
        let req = pki.client_request(0, RequestKey::Own);
        let env = pki
            .ra_process(0, &req, EnvelopeSigner::NonAgent, 0)
            .expect("the RA signs with whatever it holds");
        assert_eq!(
            pki.ca_issue(0, &env, 1, 0).unwrap_err(),
            Refusal::SignerNotAgent
        );
    });
}

#[test]
fn expired_agent_is_refused_at_the_exact_second() {
    for_both(|alg| {
        let mut pki = registered(alg);
        let s = pki.material().settings().clone();
        let env = envelope_for(&mut pki, 0);
        // Last valid second: not_before (-30 days) + validity; the next one is refused.
        let last_s = u64::try_from(s.agent_not_before_s + s.agent_validity_s as i64)
            .expect("ends after t = 0");
        let last_us = last_s * 1_000_000 + 999_999;
        assert!(s.agent_valid_at(last_us));
        pki.ca_issue(0, &env, 1, last_us).expect("still valid");
        assert!(!s.agent_valid_at(last_us + 1));
        assert_eq!(
            pki.ca_issue(0, &env, 2, last_us + 1).unwrap_err(),
            Refusal::AgentExpired
        );
    });
}

#[test]
fn tampered_envelope_is_a_bad_envelope_signature() {
    for_both(|alg| {
        let mut pki = registered(alg);
        let env = envelope_for(&mut pki, 0);
        let csr = pki.client_request(0, RequestKey::Own).der;
        let content_at = position(&env.der, &csr);
        let cases = [
            flip(&env.der, env.der.len() - 1), // the signer's signature
            flip(&env.der, content_at + csr.len() - 1), // the content: digest mismatch
            env.der[..env.der.len() - 10].to_vec(), // truncated
            b"garbage".to_vec(),
        ];
        for der in cases {
            let tampered = Envelope {
                der,
                signer: env.signer,
            };
            assert_eq!(
                pki.ca_issue(0, &tampered, 1, 0).unwrap_err(),
                Refusal::BadEnvelopeSignature
            );
        }
    });
}

#[test]
fn envelope_signed_by_another_key_is_a_bad_envelope_signature() {
    // The agent's genuine certificate, but the signature made with some other key.
    let m = material(KeyAlg::EcdsaP256);
    let csr = m.request_der(0);
    let forged = super::envelope::build(csr, &m.non_agent.key, &m.agent.cert).expect("envelope");
    let mut pki = registered(KeyAlg::EcdsaP256);
    let env = Envelope {
        der: forged,
        signer: Some(EnvelopeSigner::EnrollmentAgent),
    };
    assert_eq!(
        pki.ca_issue(0, &env, 1, 0).unwrap_err(),
        Refusal::BadEnvelopeSignature
    );
}

#[test]
fn signer_from_another_ca_is_untrusted() {
    for_both(|alg| {
        let other = foreign();
        let mut theirs = RealPki::new(other);
        theirs.register_key(0);
        let env = envelope_for(&mut theirs, 0);
        let mut ours = registered(alg);
        assert_eq!(
            ours.ca_issue(0, &env, 1, 0).unwrap_err(),
            Refusal::SignerUntrusted
        );
    });
}

#[test]
fn tampered_or_foreign_certificate_is_invalid() {
    for_both(|alg| {
        let mut pki = registered(alg);
        let env0 = envelope_for(&mut pki, 0);
        let issued = pki.ca_issue(0, &env0, 7, 0).expect("issue");
        let env1 = envelope_for(&mut pki, 1);
        let other = pki.ca_issue(1, &env1, 8, 0).expect("issue");
        let year_us = YEAR_S * 1_000_000;
        let cases = [
            (flip(&issued.der, issued.der.len() - 1), 7, 0), // CA signature
            (flip(&issued.der, position(&issued.der, b"user0@")), 7, 0), // signed body
            (other.der.clone(), 8, 0),                       // user 1's certificate
            (issued.der.clone(), 8, 0),                      // wrong serial
            (issued.der.clone(), 7, year_us + 1_000_000),    // expired at install
            (Vec::new(), 7, 0),
        ];
        for (der, serial, now) in cases {
            assert_eq!(
                pki.client_install(0, &Issued { der, serial }, now)
                    .unwrap_err(),
                Refusal::CertificateInvalid
            );
        }
        pki.client_install(0, &issued, year_us)
            .expect("last valid second");
    });
}

/// One enrollment attempt through any port; `None` on success.
fn attempt(
    pki: &mut dyn PkiPort,
    register: bool,
    key: RequestKey,
    signer: EnvelopeSigner,
    issue_us: u64,
    install_us: u64,
) -> Option<Refusal> {
    if register {
        pki.register_key(0);
    }
    let req = pki.client_request(0, key);
    let mut run = || -> Result<(), Refusal> {
        let env = pki.ra_process(0, &req, signer, issue_us)?;
        let issued = pki.ca_issue(0, &env, 9, issue_us)?;
        pki.client_install(0, &issued, install_us)
    };
    run().err()
}

#[test]
fn off_mode_refuses_for_the_same_reasons() {
    for_both(|alg| {
        let m = material(alg);
        let s = m.settings().clone();
        let agent_end_s = (s.agent_not_before_s + s.agent_validity_s as i64) as u64;
        let agent_end = agent_end_s * 1_000_000 + 999_999;
        let cert_end = YEAR_S * 1_000_000 + 999_999;
        use EnvelopeSigner::*;
        use RequestKey::*;
        let cases = [
            (true, Own, EnrollmentAgent, 0, 0, None),
            (
                false,
                Own,
                EnrollmentAgent,
                0,
                0,
                Some(Refusal::KeyNotRegistered),
            ),
            (
                true,
                Attacker,
                EnrollmentAgent,
                0,
                0,
                Some(Refusal::KeyMismatch),
            ),
            (
                false,
                Attacker,
                EnrollmentAgent,
                0,
                0,
                Some(Refusal::KeyNotRegistered),
            ),
            (true, Own, NonAgent, 0, 0, Some(Refusal::SignerNotAgent)),
            (true, Own, EnrollmentAgent, agent_end, agent_end, None),
            (
                true,
                Own,
                EnrollmentAgent,
                agent_end + 1,
                agent_end + 1,
                Some(Refusal::AgentExpired),
            ),
            (
                true,
                Own,
                NonAgent,
                agent_end + 1,
                agent_end + 1,
                Some(Refusal::SignerNotAgent),
            ),
            (true, Own, EnrollmentAgent, 0, cert_end, None),
            (
                true,
                Own,
                EnrollmentAgent,
                0,
                cert_end + 1,
                Some(Refusal::CertificateInvalid),
            ),
        ];
        for (register, key, signer, issue, install, expected) in cases {
            let mut real = RealPki::new(m.clone());
            let mut off = OffPki::new(&s, USERS);
            assert!(!off.is_real());
            let r = attempt(&mut real, register, key, signer, issue, install);
            let o = attempt(&mut off, register, key, signer, issue, install);
            assert_eq!(
                r, expected,
                "real: {register} {key:?} {signer:?} {issue} {install}"
            );
            assert_eq!(
                o, expected,
                "off: {register} {key:?} {signer:?} {issue} {install}"
            );
        }
        // A request or envelope that names nothing is what the off mode cannot vouch for.
        let mut off = OffPki::new(&s, USERS);
        off.register_key(0);
        assert_eq!(
            off.ra_process(0, &Request::default(), EnvelopeSigner::EnrollmentAgent, 0)
                .unwrap_err(),
            Refusal::BadRequestSignature
        );
        assert_eq!(
            off.ca_issue(0, &Envelope::default(), 1, 0).unwrap_err(),
            Refusal::BadEnvelopeSignature
        );
    });
}

#[test]
fn material_from_the_pool_gives_user_i_key_i() {
    let dir = tempfile::tempdir().expect("tempdir");
    let settings = PkiSettings {
        client_key: KeyAlg::EcdsaP256,
        key_cache: Some(dir.path().to_path_buf()),
        ..PkiSettings::default()
    };
    let last = std::sync::Mutex::new((0, 0));
    let m = PkiMaterial::new(settings.clone(), 4, &|d, t| {
        let mut l = last.lock().expect("lock");
        assert!(d <= t);
        *l = (d.max(l.0), t);
    })
    .expect("material");
    // 4 keys generated then 4 requests signed, on one bar.
    assert_eq!(*last.lock().expect("lock"), (8, 8));
    let pool = KeyPool::open(Some(dir.path())).expect("pool");
    let keys = pool
        .load(KeySet::Users, KeyAlg::EcdsaP256, 4, &no_progress)
        .expect("load");
    for (i, k) in keys.iter().enumerate() {
        assert_eq!(m.user_spki_der(i as u32), k.spki_der());
    }
    // A second build reuses everything: same CA key, same user keys.
    let again = PkiMaterial::new(settings, 4, &no_progress).expect("material");
    assert_eq!(again.ca_cert_der(), m.ca_cert_der());
    assert_eq!(again.user_spki_der(3), m.user_spki_der(3));
    // RSA infrastructure and ECDSA attacker sit in their own files.
    assert!(dir.path().join("infra-rsa2048").is_dir());
    assert!(dir.path().join("infra-ecdsa-p256").is_dir());
}
