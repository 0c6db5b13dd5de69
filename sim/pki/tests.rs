//! End-to-end checks of the real PKI path and of the off mode's parity with it: one test
//! per refusal and per bypass an attacker could try, for RSA and ECDSA client keys.

use std::sync::{Arc, OnceLock};

use der::{Decode, Encode};
use x509_cert::crl::CertificateList;
use x509_cert::ext::pkix::name::GeneralName;
use x509_cert::ext::pkix::{ExtendedKeyUsage, KeyUsage, KeyUsages, SubjectAltName};
use x509_cert::serial_number::SerialNumber;
use x509_cert::Certificate;

use super::asn1::find_extension;
use super::cert::{self, CertSpec};
use super::envelope::{self, Claims};
use super::material::{InfraKeys, YEAR_S};
use super::*;
use crate::model::pki_port::{
    Envelope, EnvelopeSigner, Issued, KeyEvidence, PkiPort, RaCall, Refusal, Request, RequestKey,
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
        pki.register_key(u, 0);
    }
    pki
}

fn call(requester: u32, target: u32, signer: EnvelopeSigner) -> RaCall {
    RaCall {
        requester,
        target,
        evidence: KeyEvidence::Receipt,
        signer,
    }
}

/// The RA's envelope for `user`'s own request, signed at `now_us`.
fn envelope_at(pki: &mut dyn PkiPort, user: u32, now_us: u64) -> Envelope {
    let req = pki.client_request(user, RequestKey::Own);
    pki.ra_process(
        call(user, user, EnvelopeSigner::EnrollmentAgent),
        &req,
        now_us,
    )
    .expect("RA accepts")
}

fn envelope_for(pki: &mut dyn PkiPort, user: u32) -> Envelope {
    envelope_at(pki, user, 0)
}

/// Serials `first`, `first + 1`, ...
fn serials(first: u64) -> impl FnMut() -> u64 {
    let mut next = first;
    move || {
        next += 1;
        next - 1
    }
}

fn issue(
    pki: &mut dyn PkiPort,
    env: &Envelope,
    serial: u64,
    now_us: u64,
) -> Result<Issued, Refusal> {
    pki.ca_issue(env, &mut serials(serial), now_us)
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

/// The agent key and certificate of `m` (generation 0), as an attacker who stole them
/// holds them.
fn agent(m: &PkiMaterial) -> (&KeyPair, &Certificate) {
    (&m.agent.key, &m.agent.cert)
}

fn claims_for(target: u32, nonce: u128) -> Claims {
    Claims {
        requester: directory::requester_name(target),
        signing_time_s: PkiSettings::default().epoch_unix,
        nonce: nonce.to_be_bytes(),
    }
}

/// A certificate the CA of `m` signs outright, for checks on certificates the CA itself
/// would never issue.
fn ca_signed(m: &PkiMaterial, spec: CertSpec) -> Vec<u8> {
    cert::sign(spec, m.ca_name(), m.ca_key())
        .expect("sign")
        .to_der()
        .expect("encode")
}

fn user_cert_spec(
    m: &PkiMaterial,
    key_of: u32,
    upn_of: u32,
    subject_of: u32,
    sid: Option<&str>,
) -> CertSpec {
    let spki = spki::SubjectPublicKeyInfoOwned::from_der(m.user_spki_der(key_of)).expect("spki");
    let rsa = m.settings().client_key == KeyAlg::Rsa2048;
    let upn = m.settings().user_upn(upn_of);
    CertSpec {
        serial: SerialNumber::from(77u64),
        subject: directory::user_dn(subject_of, "contoso.com").expect("dn"),
        validity: time::validity(m.settings().epoch_unix, YEAR_S).expect("validity"),
        extensions: cert::user_extensions(&spki, rsa, &upn, sid, m.ca_ski()).expect("extensions"),
        spki,
    }
}

#[test]
fn happy_path_issues_an_ad_cs_shaped_certificate_that_the_dc_accepts() {
    for_both(|alg| {
        let mut pki = registered(alg);
        assert!(pki.is_real());
        let env = envelope_for(&mut pki, 1);
        let issued = issue(&mut pki, &env, 42, 5_000_000).expect("CA issues");
        assert_eq!(issued.serial, 42);
        pki.client_install(1, &issued, 6_000_000)
            .expect("client accepts");
        pki.dc_logon(1, &issued, 6_000_000).expect("DC accepts");

        let cert = Certificate::from_der(&issued.der).expect("parse");
        let tbs = &cert.tbs_certificate;
        assert_eq!(tbs.serial_number.as_bytes(), &[42]);
        // The subject comes from the directory, not from the request (CN=user1).
        assert_eq!(
            tbs.subject.to_string(),
            "CN=user1,CN=Users,DC=contoso,DC=com"
        );
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
        assert_eq!(cert::sid_of(&cert), Some(Some(directory::sid(1))));
        let ids: Vec<_> = exts.unwrap().iter().map(|e| e.extn_id).collect();
        for oid in [
            oids::CERTIFICATE_TEMPLATE,
            oids::ID_CE_CRL_DISTRIBUTION_POINTS,
            oids::ID_PE_AUTHORITY_INFO_ACCESS,
            oids::NTDS_CA_SECURITY_EXT,
        ] {
            assert!(ids.contains(&oid), "{oid} missing");
        }
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
        for evidence in [KeyEvidence::Directory, KeyEvidence::Receipt] {
            let mut pki = RealPki::new(material(alg));
            let req = pki.client_request(0, RequestKey::Own);
            let c = RaCall {
                evidence,
                ..call(0, 0, EnvelopeSigner::EnrollmentAgent)
            };
            assert_eq!(
                pki.ra_process(c, &req, 0).unwrap_err(),
                Refusal::KeyNotRegistered
            );
            // Registered later than the RA's check: still not registered then.
            pki.register_key(0, 10);
            assert_eq!(
                pki.ra_process(c, &req, 9).unwrap_err(),
                Refusal::KeyNotRegistered
            );
            pki.ra_process(c, &req, 10).expect("registered now");
            // A user the material does not know is not registered either (no panic).
            let c = RaCall { requester: 99, ..c };
            assert_eq!(
                pki.ra_process(c, &req, 20).unwrap_err(),
                Refusal::KeyNotRegistered
            );
        }
    });
}

#[test]
fn attacker_key_is_a_key_mismatch() {
    for_both(|alg| {
        for evidence in [KeyEvidence::Directory, KeyEvidence::Receipt] {
            let mut pki = registered(alg);
            let c = RaCall {
                evidence,
                ..call(2, 2, EnvelopeSigner::EnrollmentAgent)
            };
            let req = pki.client_request(2, RequestKey::Attacker);
            assert_eq!(req.key, Some(RequestKey::Attacker));
            assert_ne!(req.der, pki.client_request(2, RequestKey::Own).der);
            assert_eq!(
                pki.ra_process(c, &req, 0).unwrap_err(),
                Refusal::KeyMismatch
            );
            // Another user's genuine request is also the wrong key for this user.
            let other = pki.client_request(1, RequestKey::Own);
            assert_eq!(
                pki.ra_process(c, &other, 0).unwrap_err(),
                Refusal::KeyMismatch
            );
        }
    });
}

#[test]
fn a_receipt_not_signed_by_drs_for_this_user_is_refused() {
    let m = material(KeyAlg::EcdsaP256);
    let claims = claims_for(0, 1);
    let job = |receipt| ra::Job {
        requester: 0,
        evidence: ra::Evidence::Receipt(Some(receipt)),
        request_der: m.request_der(0),
        claims: &claims,
        signer: agent(&m),
    };
    ra::process(&m, &job(m.receipt_der(0))).expect("own receipt");
    // User 1's genuine receipt presented by user 0.
    assert_eq!(
        ra::process(&m, &job(m.receipt_der(1))).unwrap_err(),
        Refusal::BadKeyReceipt
    );
    // A receipt for user 0's key signed by someone else than DRS.
    let forged =
        receipt::build(&m.non_agent.key, "user0@contoso.com", m.user_spki_der(0)).expect("receipt");
    assert_eq!(
        ra::process(&m, &job(&forged)).unwrap_err(),
        Refusal::BadKeyReceipt
    );
    let tampered = flip(m.receipt_der(0), m.receipt_der(0).len() - 1);
    assert_eq!(
        ra::process(&m, &job(&tampered)).unwrap_err(),
        Refusal::BadKeyReceipt
    );
    // (A genuine receipt with another key in the request: `attacker_key_is_a_key_mismatch`.)
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
                pki.ra_process(call(0, 0, EnvelopeSigner::EnrollmentAgent), &req, 0)
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
            .ra_process(call(0, 0, EnvelopeSigner::NonAgent), &req, 0)
            .expect("the RA signs with whatever it holds");
        assert_eq!(
            issue(&mut pki, &env, 1, 0).unwrap_err(),
            Refusal::SignerNotAgent
        );
    });
}

#[test]
fn a_ca_issued_certificate_is_an_agent_only_with_the_agent_eku_usage_and_a_pin() {
    let m = material(KeyAlg::EcdsaP256);
    assert!(cert::is_agent_certificate(&m.agent.cert));
    assert!(!cert::is_agent_certificate(&m.non_agent.cert));
    let key = &m.non_agent.key;
    let spki = key.spki().unwrap();
    let ext = |oid, critical, v: &dyn Fn() -> Vec<u8>| x509_cert::ext::Extension {
        extn_id: oid,
        critical,
        extn_value: der::asn1::OctetString::new(v()).unwrap(),
    };
    let make = |ku: KeyUsages, ca: bool, serial: u64| {
        let exts = vec![
            ext(oids::ID_CE_BASIC_CONSTRAINTS, true, &|| {
                x509_cert::ext::pkix::BasicConstraints {
                    ca,
                    path_len_constraint: None,
                }
                .to_der()
                .unwrap()
            }),
            ext(oids::ID_CE_KEY_USAGE, true, &|| {
                KeyUsage(ku.into()).to_der().unwrap()
            }),
            ext(oids::ID_CE_EXT_KEY_USAGE, false, &|| {
                ExtendedKeyUsage(vec![oids::ENROLLMENT_AGENT])
                    .to_der()
                    .unwrap()
            }),
        ];
        Certificate::from_der(&ca_signed(
            &m,
            CertSpec {
                serial: SerialNumber::from(serial),
                subject: asn1::cn_name("rogue agent").unwrap(),
                validity: time::validity(m.settings().epoch_unix - 86_400, YEAR_S).unwrap(),
                spki: spki.clone(),
                extensions: exts,
            },
        ))
        .unwrap()
    };
    // Wrong key usage, or a CA certificate: not an agent, whatever the EKU says.
    assert!(!cert::is_agent_certificate(&make(
        KeyUsages::KeyCertSign,
        false,
        901
    )));
    assert!(!cert::is_agent_certificate(&make(
        KeyUsages::DigitalSignature,
        true,
        902
    )));
    // Shaped like an agent, but the CA never enrolled it as one: not pinned.
    let rogue = make(KeyUsages::DigitalSignature, false, 903);
    assert!(cert::is_agent_certificate(&rogue));
    let mut pki = registered(KeyAlg::EcdsaP256);
    let der = envelope::build(m.request_der(0), &claims_for(0, 9_001), key, &rogue).unwrap();
    let env = Envelope { der, id: 0 };
    assert_eq!(
        issue(&mut pki, &env, 1, 0).unwrap_err(),
        Refusal::SignerNotAgent
    );
}

#[test]
fn expired_agent_is_refused_at_the_exact_second() {
    for_both(|alg| {
        let mut pki = registered(alg);
        let s = pki.material().settings().clone();
        // Last valid second: not_before (-30 days) + validity; the next one is refused.
        let last_s = u64::try_from(s.agent_not_before_s + s.agent_validity_s as i64)
            .expect("ends after t = 0");
        let last_us = last_s * 1_000_000 + 999_999;
        assert!(s.agent_valid_at(last_us));
        let env = envelope_at(&mut pki, 0, last_us);
        issue(&mut pki, &env, 1, last_us).expect("still valid");
        assert!(!s.agent_valid_at(last_us + 1));
        let env = envelope_at(&mut pki, 0, last_us + 1);
        assert_eq!(
            issue(&mut pki, &env, 2, last_us + 1).unwrap_err(),
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
        let name_at = position(&env.der, &[0, b'u', 0, b's', 0, b'e', 0, b'r', 0, b'0']);
        let cases = [
            flip(&env.der, env.der.len() - 1), // the signer's signature
            flip(&env.der, content_at + csr.len() - 1), // the content: digest mismatch
            flip(&env.der, name_at + 9),       // requestername: user0 → user1
            env.der[..env.der.len() - 10].to_vec(), // truncated
            b"garbage".to_vec(),
        ];
        for der in cases {
            let tampered = Envelope { der, id: env.id };
            assert_eq!(
                issue(&mut pki, &tampered, 1, 0).unwrap_err(),
                Refusal::BadEnvelopeSignature
            );
        }
    });
}

#[test]
fn envelope_signed_by_another_key_is_a_bad_envelope_signature() {
    // The agent's genuine certificate, but the signature made with some other key.
    let m = material(KeyAlg::EcdsaP256);
    let forged = envelope::build(
        m.request_der(0),
        &claims_for(0, 5),
        &m.non_agent.key,
        &m.agent.cert,
    )
    .expect("envelope");
    let mut pki = registered(KeyAlg::EcdsaP256);
    let env = Envelope { der: forged, id: 0 };
    assert_eq!(
        issue(&mut pki, &env, 1, 0).unwrap_err(),
        Refusal::BadEnvelopeSignature
    );
}

#[test]
fn signer_from_another_ca_is_untrusted() {
    for_both(|alg| {
        let mut theirs = RealPki::new(foreign());
        theirs.register_key(0, 0);
        let env = envelope_for(&mut theirs, 0);
        let mut ours = registered(alg);
        assert_eq!(
            issue(&mut ours, &env, 1, 0).unwrap_err(),
            Refusal::SignerUntrusted
        );
    });
}

#[test]
fn an_envelope_re_targeted_to_another_user_is_refused() {
    for_both(|alg| {
        let mut pki = registered(alg);
        // A valid, agent-signed envelope around user 0's request naming user 1: the CA
        // looks user 1 up and finds another key registered.
        let req = pki.client_request(0, RequestKey::Own);
        let env = pki
            .ra_process(call(0, 1, EnvelopeSigner::EnrollmentAgent), &req, 0)
            .expect("the RA signs what it is asked to");
        assert_eq!(
            issue(&mut pki, &env, 1, 0).unwrap_err(),
            Refusal::IdentityMismatch
        );
        // Naming an account that does not exist, or one of another domain.
        let env = pki
            .ra_process(call(0, 99, EnvelopeSigner::EnrollmentAgent), &req, 0)
            .unwrap();
        assert_eq!(
            issue(&mut pki, &env, 2, 0).unwrap_err(),
            Refusal::IdentityMismatch
        );
        let m = pki.material().clone();
        let foreign_domain = Claims {
            requester: "FABRIKAM\\user0".into(),
            ..claims_for(0, 7_777)
        };
        let der = envelope::build(
            m.request_der(0),
            &foreign_domain,
            &m.agent.key,
            &m.agent.cert,
        )
        .unwrap();
        assert_eq!(
            issue(&mut pki, &Envelope { der, id: 0 }, 3, 0).unwrap_err(),
            Refusal::IdentityMismatch
        );
        // Named user not registered (yet): refused too, though the key is theirs.
        let mut fresh = RealPki::new(m.clone());
        fresh.register_key(0, 0);
        let der = envelope::build(
            m.request_der(2),
            &claims_for(2, 7_778),
            &m.agent.key,
            &m.agent.cert,
        )
        .unwrap();
        assert_eq!(
            issue(&mut fresh, &Envelope { der, id: 0 }, 4, 0).unwrap_err(),
            Refusal::IdentityMismatch
        );
    });
}

#[test]
fn a_never_registered_key_wrapped_by_the_agent_is_refused() {
    for_both(|alg| {
        let m = material(alg);
        let mut pki = registered(alg);
        // The attacker holds the agent key and wraps a request for user 2 with a key that
        // was never registered (of the right kind).
        let attacker = pki.client_request(2, RequestKey::Attacker).der;
        let der = envelope::build(
            &attacker,
            &claims_for(2, 8_001),
            &m.agent.key,
            &m.agent.cert,
        )
        .unwrap();
        assert_eq!(
            issue(&mut pki, &Envelope { der, id: 0 }, 1, 0).unwrap_err(),
            Refusal::IdentityMismatch
        );
    });
    // A key of another kind or size than pki.client_key: RSA-3072 (the issue's 4096
    // behaves alike, slower to generate), and RSA where P-256 is the client key.
    let big = KeyPair::generate_rsa_for_tests(3072).expect("rsa 3072");
    let rsa_2048 = KeyPair::generate(KeyAlg::Rsa2048).unwrap();
    for (alg, key) in [(KeyAlg::Rsa2048, &big), (KeyAlg::EcdsaP256, &rsa_2048)] {
        let m = material(alg);
        let mut pki = registered(alg);
        let req = request::build(key, "user2", "user2@contoso.com").unwrap();
        let der =
            envelope::build(&req, &claims_for(2, 8_002), &m.agent.key, &m.agent.cert).unwrap();
        assert_eq!(
            issue(&mut pki, &Envelope { der, id: 0 }, 2, 0).unwrap_err(),
            Refusal::WrongKeyType,
            "{alg}"
        );
    }
}

#[test]
fn a_replayed_or_stale_envelope_is_refused() {
    for_both(|alg| {
        let mut pki = registered(alg);
        let max_age_s = pki.material().settings().policy.envelope_max_age_s;
        let env = envelope_at(&mut pki, 0, 1_000_000);
        issue(&mut pki, &env, 1, 1_000_000 + max_age_s * 1_000_000).expect("fresh: last second");
        // The same envelope again, even to another serial, later or at once.
        assert_eq!(
            issue(&mut pki, &env, 2, 2_000_000).unwrap_err(),
            Refusal::EnvelopeReplayed
        );
        // One second older than the window.
        let env = envelope_at(&mut pki, 1, 1_000_000);
        assert_eq!(
            issue(&mut pki, &env, 3, 2_000_000 + max_age_s * 1_000_000).unwrap_err(),
            Refusal::EnvelopeStale
        );
        // Signed later than the CA's clock.
        let env = envelope_at(&mut pki, 1, 5_000_000);
        assert_eq!(
            issue(&mut pki, &env, 4, 3_000_000).unwrap_err(),
            Refusal::EnvelopeStale
        );
    });
}

#[test]
fn an_envelope_whose_content_is_not_id_data_is_refused() {
    let m = material(KeyAlg::EcdsaP256);
    let der = envelope::build_typed(
        oids::ID_SIGNED_DATA,
        m.request_der(0),
        &claims_for(0, 6_001),
        &m.agent.key,
        &m.agent.cert,
    )
    .unwrap();
    let mut pki = registered(KeyAlg::EcdsaP256);
    assert_eq!(
        issue(&mut pki, &Envelope { der, id: 0 }, 1, 0).unwrap_err(),
        Refusal::EnvelopeMalformed
    );
}

#[test]
fn a_revoked_agent_is_refused_until_ad_fs_enrolls_a_new_one() {
    for_both(|alg| {
        let mut pki = registered(alg);
        let revoked_at = 3_600_000_000;
        let before = envelope_at(&mut pki, 0, revoked_at - 1_000_000);
        pki.revoke_agent(revoked_at);
        // Signed before the revocation, checked after: the CRL lists the signer.
        assert_eq!(
            issue(&mut pki, &before, 1, revoked_at).unwrap_err(),
            Refusal::AgentRevoked
        );
        let crl = CertificateList::from_der(&pki.crl_der(revoked_at)).expect("CRL");
        let listed = crl.tbs_cert_list.revoked_certificates.expect("entries");
        assert_eq!(listed.len(), 1);
        assert_eq!(
            crl.tbs_cert_list.this_update.to_unix_duration().as_secs() as i64,
            PkiSettings::default().epoch_unix + 3_600
        );
        // The RA keeps signing with it until AD FS has a new certificate.
        let during = envelope_at(&mut pki, 1, revoked_at + 1_000_000);
        assert_eq!(
            issue(&mut pki, &during, 2, revoked_at + 1_000_000).unwrap_err(),
            Refusal::AgentRevoked
        );
        pki.reenroll_agent(revoked_at + 2_000_000);
        let after = envelope_at(&mut pki, 1, revoked_at + 3_000_000);
        issue(&mut pki, &after, 3, revoked_at + 3_000_000).expect("new agent");
        // The attacker with the stolen key of the revoked one is still refused.
        let req = pki.client_request(2, RequestKey::Own);
        let stolen = pki
            .ra_process(
                call(2, 2, EnvelopeSigner::RevokedAgent),
                &req,
                revoked_at + 4_000_000,
            )
            .unwrap();
        assert_eq!(
            issue(&mut pki, &stolen, 4, revoked_at + 4_000_000).unwrap_err(),
            Refusal::AgentRevoked
        );
    });
}

#[test]
fn serials_never_repeat() {
    for_both(|alg| {
        let mut pki = registered(alg);
        let mut same = || 7000;
        let mut redrawn = [7000u64, 7000, 7001].into_iter();
        let mut next = || redrawn.next().expect("draws");
        let a = envelope_for(&mut pki, 0);
        let b = envelope_for(&mut pki, 1);
        let first = pki.ca_issue(&a, &mut same, 0).expect("issue");
        let second = pki.ca_issue(&b, &mut next, 0).expect("issue");
        assert_eq!(first.serial, 7000);
        assert_eq!(second.serial, 7001);
        let serial = |i: &Issued| {
            Certificate::from_der(&i.der)
                .unwrap()
                .tbs_certificate
                .serial_number
        };
        assert_ne!(serial(&first), serial(&second));
    });
}

#[test]
fn tampered_foreign_or_other_users_certificate_is_invalid_at_the_client() {
    for_both(|alg| {
        let mut pki = registered(alg);
        let m = pki.material().clone();
        let env0 = envelope_for(&mut pki, 0);
        let issued = issue(&mut pki, &env0, 7, 0).expect("issue");
        let env1 = envelope_for(&mut pki, 1);
        let other = issue(&mut pki, &env1, 8, 0).expect("issue");
        let year_us = YEAR_S * 1_000_000;
        // CA-signed certificates with user 0's key but another user's UPN or subject.
        let upn1 = ca_signed(&m, user_cert_spec(&m, 0, 1, 0, None));
        let cn1 = ca_signed(&m, user_cert_spec(&m, 0, 0, 1, None));
        let own = ca_signed(&m, user_cert_spec(&m, 0, 0, 0, None));
        let cases = [
            (flip(&issued.der, issued.der.len() - 1), 7, 0), // CA signature
            (flip(&issued.der, position(&issued.der, b"user0@")), 7, 0), // signed body
            (other.der.clone(), 8, 0),                       // user 1's certificate
            (upn1, 77, 0),                                   // user 0's key, user 1's UPN
            (cn1, 77, 0),                                    // user 0's key, user 1's name
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
        pki.client_install(
            0,
            &Issued {
                der: own,
                serial: 77,
            },
            0,
        )
        .expect("the control case passes");
        pki.client_install(0, &issued, year_us)
            .expect("last valid second");
    });
}

#[test]
fn the_dc_requires_strong_mapping_an_unrevoked_certificate_and_the_right_account() {
    for_both(|alg| {
        let m = material(alg);
        // A CA without the May 2022 update: no SID extension, no strong mapping.
        let mut old_ca = RealPki::with_policy(
            m.clone(),
            CaPolicy {
                sid_extension: false,
                ..CaPolicy::default()
            },
        );
        old_ca.register_key(0, 0);
        let env = envelope_for(&mut old_ca, 0);
        let issued = issue(&mut old_ca, &env, 1, 0).unwrap();
        assert_eq!(
            Certificate::from_der(&issued.der)
                .map(|c| cert::sid_of(&c))
                .unwrap(),
            None
        );
        old_ca
            .client_install(0, &issued, 0)
            .expect("the client does not check the SID");
        assert_eq!(
            old_ca.dc_logon(0, &issued, 0).unwrap_err(),
            Refusal::NoStrongMapping
        );

        let mut pki = registered(alg);
        let env = envelope_for(&mut pki, 0);
        let issued = issue(&mut pki, &env, 2, 0).unwrap();
        pki.dc_logon(0, &issued, 0).expect("good");
        // Another account's logon with it, then a SID that is not the account's.
        assert_eq!(
            pki.dc_logon(1, &issued, 0).unwrap_err(),
            Refusal::DcCertificateInvalid
        );
        let wrong_sid = ca_signed(&m, user_cert_spec(&m, 0, 0, 0, Some(&directory::sid(1))));
        let wrong = Issued {
            der: wrong_sid,
            serial: 77,
        };
        assert_eq!(
            pki.dc_logon(0, &wrong, 0).unwrap_err(),
            Refusal::SidMismatch
        );
        // The CA's certificate for the account, with client authentication but without
        // Smart Card Logon, is no logon certificate (a real KDC with
        // `pkinit_eku_checking = scLogin` refuses it too: contrib/kdc).
        let mut spec = user_cert_spec(&m, 0, 0, 0, Some(&directory::sid(0)));
        for e in &mut spec.extensions {
            if e.extn_id == oids::ID_CE_EXT_KEY_USAGE {
                *e = super::asn1::extension(
                    oids::ID_CE_EXT_KEY_USAGE,
                    false,
                    &ExtendedKeyUsage(vec![oids::ID_KP_CLIENT_AUTH]),
                )
                .unwrap();
            }
        }
        let no_sclogon = Issued {
            der: ca_signed(&m, spec),
            serial: 78,
        };
        assert_eq!(
            pki.dc_logon(0, &no_sclogon, 0).unwrap_err(),
            Refusal::DcCertificateInvalid
        );
        let with_sclogon = Issued {
            der: ca_signed(&m, user_cert_spec(&m, 0, 0, 0, Some(&directory::sid(0)))),
            serial: 78,
        };
        pki.dc_logon(0, &with_sclogon, 0)
            .expect("the same certificate with Smart Card Logon is accepted");
        // Revoked: on the CRL published at the revocation.
        pki.revoke_serial(2, 10_000_000);
        pki.dc_logon(0, &issued, 9_000_000).expect("not yet");
        assert_eq!(
            pki.dc_logon(0, &issued, 10_000_000).unwrap_err(),
            Refusal::CertificateRevoked
        );
        // A CRL the DC cannot verify, or a foreign CA's certificate.
        let dir = directory::Directory::new(USERS, "contoso.com");
        let bad_crl = flip(&pki.crl_der(0), 40);
        assert_eq!(
            dc::logon(&m, &dir, &bad_crl, 0, &issued.der, 0).unwrap_err(),
            Refusal::RevocationUnknown
        );
        let mut theirs = RealPki::new(foreign());
        theirs.register_key(0, 0);
        let env = envelope_for(&mut theirs, 0);
        let foreign_cert = issue(&mut theirs, &env, 3, 0).unwrap();
        assert_eq!(
            pki.dc_logon(0, &foreign_cert, 0).unwrap_err(),
            Refusal::DcCertificateInvalid
        );
    });
}

#[test]
fn crls_are_republished_when_they_reach_their_next_update() {
    let mut pki = registered(KeyAlg::EcdsaP256);
    let validity = pki.material().settings().policy.crl_validity_s;
    let epoch = PkiSettings::default().epoch_unix;
    let mut at = |s: u64| {
        let der = pki.crl_der(s * 1_000_000);
        let crl = CertificateList::from_der(&der).unwrap();
        let t = |x: x509_cert::time::Time| x.to_unix_duration().as_secs() as i64 - epoch;
        (
            t(crl.tbs_cert_list.this_update),
            t(crl.tbs_cert_list.next_update.unwrap()),
        )
    };
    let v = validity as i64;
    assert_eq!(at(0), (0, v));
    assert_eq!(at(validity - 1), (0, v));
    assert_eq!(at(validity), (v, 2 * v));
    // The DC keeps validating across publications.
    let env = envelope_for(&mut pki, 0);
    let issued = issue(&mut pki, &env, 1, 0).unwrap();
    pki.dc_logon(0, &issued, (3 * validity + 5) * 1_000_000)
        .expect("current CRL");
}

/// One enrollment attempt through any port, up to the DC; `None` on success.
#[derive(Clone, Copy)]
struct Attempt {
    register: bool,
    key: RequestKey,
    signer: EnvelopeSigner,
    target: u32,
    ra_us: u64,
    ca_us: u64,
    install_us: u64,
    replay: bool,
    revoke_at: Option<u64>,
    reenroll_at: Option<u64>,
}

impl Attempt {
    fn new() -> Self {
        Attempt {
            register: true,
            key: RequestKey::Own,
            signer: EnvelopeSigner::EnrollmentAgent,
            target: 0,
            ra_us: 0,
            ca_us: 0,
            install_us: 0,
            replay: false,
            revoke_at: None,
            reenroll_at: None,
        }
    }

    fn run(self, pki: &mut dyn PkiPort) -> Option<Refusal> {
        if self.register {
            pki.register_key(0, 0);
            pki.register_key(1, 0);
        }
        if self.replay {
            let env = envelope_for(pki, 1);
            issue(pki, &env, 100, 0).expect("the original is honoured");
            let result = issue(pki, &env, 101, self.ca_us);
            return result.err();
        }
        if let Some(t) = self.revoke_at {
            pki.revoke_agent(t);
        }
        if let Some(t) = self.reenroll_at {
            pki.reenroll_agent(t);
        }
        let req = pki.client_request(0, self.key);
        let c = call(0, self.target, self.signer);
        let mut run = || -> Result<(), Refusal> {
            let env = pki.ra_process(c, &req, self.ra_us)?;
            let issued = issue(pki, &env, 9, self.ca_us)?;
            pki.client_install(0, &issued, self.install_us)?;
            pki.dc_logon(0, &issued, self.install_us)
        };
        run().err()
    }
}

#[test]
fn off_mode_refuses_for_the_same_reasons() {
    for_both(|alg| {
        let m = material(alg);
        let s = m.settings().clone();
        let agent_end_s = (s.agent_not_before_s + s.agent_validity_s as i64) as u64;
        let agent_end = agent_end_s * 1_000_000 + 999_999;
        let cert_end = YEAR_S * 1_000_000 + 999_999;
        let max_age = s.policy.envelope_max_age_s * 1_000_000;
        use EnvelopeSigner::*;
        use RequestKey::*;
        let a = Attempt::new();
        let at = |t| Attempt {
            ra_us: t,
            ca_us: t,
            install_us: t,
            ..a
        };
        let hour = 3_600_000_000;
        let cases = [
            (a, None),
            (
                Attempt {
                    register: false,
                    ..a
                },
                Some(Refusal::KeyNotRegistered),
            ),
            (Attempt { key: Attacker, ..a }, Some(Refusal::KeyMismatch)),
            (
                Attempt {
                    register: false,
                    key: Attacker,
                    ..a
                },
                Some(Refusal::KeyNotRegistered),
            ),
            (
                Attempt {
                    signer: NonAgent,
                    ..a
                },
                Some(Refusal::SignerNotAgent),
            ),
            (at(agent_end), None),
            (at(agent_end + 1), Some(Refusal::AgentExpired)),
            (
                Attempt {
                    signer: NonAgent,
                    ..at(agent_end + 1)
                },
                Some(Refusal::SignerNotAgent),
            ),
            (
                Attempt {
                    install_us: cert_end,
                    ..a
                },
                None,
            ),
            (
                Attempt {
                    install_us: cert_end + 1,
                    ..a
                },
                Some(Refusal::CertificateInvalid),
            ),
            (Attempt { target: 1, ..a }, Some(Refusal::IdentityMismatch)),
            (Attempt { target: 99, ..a }, Some(Refusal::IdentityMismatch)),
            (
                Attempt { replay: true, ..a },
                Some(Refusal::EnvelopeReplayed),
            ),
            (
                Attempt {
                    replay: true,
                    ca_us: max_age + 1_000_000,
                    ..a
                },
                Some(Refusal::EnvelopeStale),
            ),
            (
                Attempt {
                    ca_us: max_age,
                    install_us: max_age,
                    ..a
                },
                None,
            ),
            (
                Attempt {
                    ca_us: max_age + 1_000_000,
                    install_us: max_age + 1_000_000,
                    ..a
                },
                Some(Refusal::EnvelopeStale),
            ),
            (
                Attempt {
                    revoke_at: Some(hour),
                    ..at(hour)
                },
                Some(Refusal::AgentRevoked),
            ),
            (
                Attempt {
                    revoke_at: Some(hour),
                    ..at(hour - 1_000_000)
                },
                None,
            ),
            (
                Attempt {
                    revoke_at: Some(hour),
                    reenroll_at: Some(2 * hour),
                    ..at(2 * hour)
                },
                None,
            ),
            (
                Attempt {
                    revoke_at: Some(hour),
                    reenroll_at: Some(2 * hour),
                    signer: RevokedAgent,
                    ..at(2 * hour)
                },
                Some(Refusal::AgentRevoked),
            ),
        ];
        for (attempt, expected) in cases {
            let mut real = RealPki::new(m.clone());
            let mut off = OffPki::new(&s, USERS);
            assert!(!off.is_real());
            let r = attempt.run(&mut real);
            let o = attempt.run(&mut off);
            let what = format!(
                "{:?} {:?} target {} at {}/{}/{} replay {} revoke {:?} reenroll {:?}",
                attempt.key,
                attempt.signer,
                attempt.target,
                attempt.ra_us,
                attempt.ca_us,
                attempt.install_us,
                attempt.replay,
                attempt.revoke_at,
                attempt.reenroll_at
            );
            assert_eq!(r, expected, "real: {what}");
            assert_eq!(o, expected, "off: {what}");
        }
        // Without the SID extension both modes stop at the DC.
        let policy = CaPolicy {
            sid_extension: false,
            ..s.policy
        };
        let off_settings = PkiSettings {
            policy,
            ..s.clone()
        };
        assert_eq!(
            a.run(&mut RealPki::with_policy(m.clone(), policy)),
            Some(Refusal::NoStrongMapping)
        );
        assert_eq!(
            a.run(&mut OffPki::new(&off_settings, USERS)),
            Some(Refusal::NoStrongMapping)
        );
        // A request or envelope that names nothing is what the off mode cannot vouch for.
        let mut off = OffPki::new(&s, USERS);
        off.register_key(0, 0);
        assert_eq!(
            off.ra_process(
                call(0, 0, EnvelopeSigner::EnrollmentAgent),
                &Request::default(),
                0
            )
            .unwrap_err(),
            Refusal::BadRequestSignature
        );
        assert_eq!(
            issue(&mut off, &Envelope::default(), 1, 0).unwrap_err(),
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
    let last = std::sync::Mutex::new(std::collections::BTreeMap::new());
    let m = PkiMaterial::new(settings.clone(), 4, &|s, d, t| {
        let mut l = last.lock().expect("lock");
        assert!(d <= t);
        let e = l.entry(format!("{s:?}")).or_insert((0, 0));
        *e = (d.max(e.0), t);
    })
    .expect("material");
    // 4 keys generated, then 4 requests (and receipts) signed, each stage with its total.
    let seen: Vec<_> = last.lock().expect("lock").clone().into_iter().collect();
    assert_eq!(seen, [("Keys".into(), (4, 4)), ("Requests".into(), (4, 4))]);
    let pool = KeyPool::open(Some(dir.path())).expect("pool");
    let keys = pool
        .load(KeySet::Users, KeyAlg::EcdsaP256, 4, &no_progress)
        .expect("load");
    for (i, k) in keys.iter().enumerate() {
        assert_eq!(m.user_spki_der(i as u32), k.spki_der());
    }
    // A second build reuses everything: same CA key, same user keys, the stored
    // requests and receipts (RSA DRS signatures are deterministic: byte for byte).
    let again = PkiMaterial::new(settings, 4, &crate::pki::no_staged_progress).expect("material");
    assert_eq!(again.ca_cert_der(), m.ca_cert_der());
    assert_eq!(again.user_spki_der(3), m.user_spki_der(3));
    assert_eq!(again.request_der(3), m.request_der(3));
    assert_eq!(again.receipt_der(3), m.receipt_der(3));
    // RSA infrastructure and ECDSA attacker sit in their own files; receipts beside
    // the requests.
    let pool_dir = dir.path().join(crate::pki::cache_dir::SUBFOLDER);
    assert!(pool_dir.join("infra-rsa2048").is_dir());
    assert!(pool_dir.join("infra-ecdsa-p256").is_dir());
    let names: Vec<String> = std::fs::read_dir(&pool_dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert!(
        names.iter().any(|n| n.starts_with("receipts-ecdsa-p256-")),
        "{names:?}"
    );
}
