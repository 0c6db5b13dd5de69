//! Checks the exported PKI artefacts with the real `openssl` binary: an independent
//! implementation must agree that the requests, the RA's CMS envelopes, the issued
//! certificates and the CA's CRL are well formed and correctly signed, and that the
//! certificates carry what AD CS puts there (SID and template extensions, CRL
//! distribution point, AIA). The command-line path is run as a user runs it: no epoch
//! given, openssl checking against today's date (no `-attime`), with the CRL.
//!
//! `pki export --with-keys` is checked the same way: each private key is the one its
//! certificate certifies, readable by its owner only, the KDC certificate is what a
//! PKINIT client requires of a KDC, and openssl refuses the revoked user's certificate
//! with the exported CRL. (`contrib/kdc/test-kdc.sh` then logs on with them to a real
//! MIT Kerberos KDC.)
//!
//! Skipped, loudly, when `openssl` is not installed, unless `WHFB_SIM_REQUIRE_OPENSSL` is
//! set (CI sets it so a missing binary fails instead of passing silently).

use crate::common::{self, bin, s};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use whfb_sim::model::pki_port::PkiPort;
use whfb_sim::pki::directory;
use whfb_sim::pki::export::{export, user_dir};
use whfb_sim::pki::{no_staged_progress, KeyAlg, PkiMaterial, PkiSettings, RealPki};

fn openssl_available() -> bool {
    let found = Command::new("openssl")
        .arg("version")
        .output()
        .is_ok_and(|o| o.status.success());
    if !found {
        assert!(
            std::env::var_os("WHFB_SIM_REQUIRE_OPENSSL").is_none(),
            "WHFB_SIM_REQUIRE_OPENSSL is set but `openssl` is not on PATH"
        );
        eprintln!();
        eprintln!("************************************************************");
        eprintln!("*  SKIPPED: `openssl` not found on PATH; these tests check  *");
        eprintln!("*  the exported PKI artefacts with it. Install openssl.     *");
        eprintln!("************************************************************");
        eprintln!();
    }
    found
}

fn openssl(args: &[&str]) -> Output {
    Command::new("openssl")
        .args(args)
        .output()
        .expect("openssl runs")
}

/// Runs openssl, fails the test with its output unless it succeeds, returns stdout+stderr.
fn ok(args: &[&str]) -> String {
    let out = openssl(args);
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success(), "openssl {}\n{text}", args.join(" "));
    text
}

struct Exported {
    _keys: tempfile::TempDir,
    out: tempfile::TempDir,
    settings: PkiSettings,
}

impl Exported {
    fn new(alg: KeyAlg, users: usize) -> Self {
        let keys = tempfile::tempdir().expect("tempdir");
        let out = tempfile::tempdir().expect("tempdir");
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .expect("clock after 1970")
            .as_secs() as i64;
        // openssl checks validity against the wall clock: start the run an hour ago.
        let settings = PkiSettings {
            client_key: alg,
            key_cache: Some(keys.path().to_path_buf()),
            epoch_unix: now - 3600,
            ..PkiSettings::default()
        };
        let summary = export(users, out.path(), &settings).expect("export");
        assert_eq!(summary.users, users);
        assert_eq!(summary.ca_pem, out.path().join("ca.pem"));
        assert_eq!(summary.crl_pem, out.path().join("crl.pem"));
        Exported {
            _keys: keys,
            out,
            settings,
        }
    }

    fn dir(&self) -> &Path {
        self.out.path()
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir().join(name)
    }

    fn user(&self, user: u32, name: &str) -> PathBuf {
        user_dir(self.dir(), user).join(name)
    }
}

/// An export made by the `whfb-sim pki export` command itself, with no epoch given.
struct CliExport {
    _tmp: tempfile::TempDir,
    out: PathBuf,
}

impl CliExport {
    fn new(extra: &[&str]) -> Self {
        let tmp = tempfile::tempdir().expect("tempdir");
        let out = tmp.path().join("pki");
        let o = bin()
            .env("WHFB_SIM_KEY_CACHE", tmp.path().join("keys"))
            .args(["pki", "export", "--users", "2", "--quiet", "--out"])
            .arg(&out)
            .args(extra)
            .output()
            .expect("whfb-sim runs");
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        CliExport { _tmp: tmp, out }
    }

    fn dir(&self) -> &Path {
        &self.out
    }
}

fn pem_der(path: &Path) -> Vec<u8> {
    let text = std::fs::read_to_string(path).expect("read PEM");
    der::pem::decode_vec(text.as_bytes()).expect("PEM").1
}

fn check_user(dir: &Path, user: u32, alg: KeyAlg) {
    let at = |name: &str| user_dir(dir, user).join(name);
    let csr = at("request.csr.pem");
    let p7b = at("request.p7b");
    let cert = at("cert.pem");
    let ca = dir.join("ca.pem");
    let crl = dir.join("crl.pem");

    // The request's self-signature.
    let text = ok(&["req", "-in", s(&csr), "-verify", "-noout"]);
    assert!(text.contains("verify OK"), "{text}");

    // The RA's envelope verifies up to the CA and carries the request unchanged. The
    // agent EKU is no standard purpose, hence `-purpose any`.
    let content = dir.join(format!("content{user}.der"));
    let text = ok(&[
        "cms",
        "-verify",
        "-inform",
        "DER",
        "-in",
        s(&p7b),
        "-CAfile",
        s(&dir.join("ca-and-crl.pem")),
        "-crl_check",
        "-purpose",
        "any",
        "-out",
        s(&content),
    ]);
    assert!(text.contains("Verification successful"), "{text}");
    assert_eq!(
        std::fs::read(&content).expect("content"),
        pem_der(&csr),
        "the envelope's content is the request DER"
    );

    // The signed attributes name the user and carry a signing time (openssl prints them).
    let text = ok(&["cms", "-cmsout", "-print", "-inform", "DER", "-in", s(&p7b)]);
    assert!(text.contains("signingTime"), "{text}");
    assert!(
        text.contains("1.3.6.1.4.1.311.13.2.1"),
        "requestername missing:\n{text}"
    );

    // The certificate chains to the CA and is not revoked on the CA's CRL.
    let text = ok(&["verify", "-CAfile", s(&ca), s(&cert)]);
    assert!(text.contains(": OK"), "{text}");
    let text = ok(&[
        "verify",
        "-CAfile",
        s(&ca),
        "-crl_check",
        "-CRLfile",
        s(&crl),
        s(&cert),
    ]);
    assert!(text.contains(": OK"), "{text}");

    // Both EKUs and the UPN.
    let text = ok(&["x509", "-in", s(&cert), "-noout", "-text"]);
    assert!(
        text.contains("Microsoft Smartcard Login")
            || text.contains("Smart Card Logon")
            || text.contains("1.3.6.1.4.1.311.20.2.2"),
        "Smart Card Logon EKU missing:\n{text}"
    );
    assert!(text.contains("TLS Web Client Authentication"), "{text}");
    assert!(
        text.contains(&format!("UPN:user{user}@contoso.com"))
            || text.contains(&format!("user{user}@contoso.com")),
        "UPN missing:\n{text}"
    );
    assert!(
        text.contains(&format!(
            "Subject: DC = com, DC = contoso, CN = Users, CN = user{user}"
        )),
        "{text}"
    );
    // What AD CS adds: the SID extension (strong mapping), the template, where the CRL
    // and the CA certificate are published.
    assert!(
        text.contains("1.3.6.1.4.1.311.25.2"),
        "SID extension missing:\n{text}"
    );
    assert!(text.contains(&directory::sid(user)), "SID missing:\n{text}");
    assert!(
        text.contains("1.3.6.1.4.1.311.21.7"),
        "template extension missing:\n{text}"
    );
    assert!(
        text.contains("URI:http://pki.contoso.com/CertEnroll/contoso-issuing-ca.crl"),
        "CRL distribution point missing:\n{text}"
    );
    assert!(
        text.contains("CA Issuers - URI:http://pki.contoso.com/CertEnroll/contoso-issuing-ca.crt"),
        "AIA missing:\n{text}"
    );
    if alg == KeyAlg::Rsa2048 {
        assert!(text.contains("Key Encipherment"), "{text}");
    }

    // The certified key is the requested key.
    let cert_key = ok(&["x509", "-in", s(&cert), "-pubkey", "-noout"]);
    let req_key = ok(&["req", "-in", s(&csr), "-pubkey", "-noout"]);
    assert_eq!(cert_key, req_key);
}

/// The checks every export passes, however it was made.
fn check_dir(dir: &Path, alg: KeyAlg) {
    check_infrastructure(dir);
    // The CRL lists nothing.
    let (ca, crl) = (dir.join("ca.pem"), dir.join("crl.pem"));
    let text = ok(&["crl", "-in", s(&crl), "-CAfile", s(&ca), "-noout", "-text"]);
    assert!(text.contains("No Revoked Certificates"), "{text}");
    for user in 0..2 {
        check_user(dir, user, alg);
    }
}

/// The CA's CRL and the RA's certificate, which every export writes.
fn check_infrastructure(dir: &Path) {
    let (ca, crl, ra) = (dir.join("ca.pem"), dir.join("crl.pem"), dir.join("ra.pem"));
    // The RA certificate is valid today, not revoked, and carries the Certificate Request
    // Agent EKU.
    let text = ok(&[
        "verify",
        "-CAfile",
        s(&ca),
        "-crl_check",
        "-CRLfile",
        s(&crl),
        s(&ra),
    ]);
    assert!(text.contains(": OK"), "{text}");
    let text = ok(&["x509", "-in", s(&ra), "-noout", "-text"]);
    assert!(
        text.contains("1.3.6.1.4.1.311.20.2.1") || text.contains("Certificate Request Agent"),
        "{text}"
    );
    // The CRL is the CA's, signed and current.
    let text = ok(&["crl", "-in", s(&crl), "-CAfile", s(&ca), "-noout", "-text"]);
    assert!(text.contains("verify OK"), "{text}");
    assert!(text.contains("Next Update"), "{text}");
}

/// An export without `--with-keys` holds no private key, under any name.
fn no_private_key(dir: &Path) {
    for (name, bytes) in common::files(dir) {
        assert!(
            !String::from_utf8_lossy(&bytes).contains("PRIVATE KEY"),
            "{name} holds a private key"
        );
        assert!(
            !name.ends_with("key.pem") && !name.starts_with("kdc") && !name.starts_with("revoked"),
            "{name} is written only with --with-keys"
        );
    }
}

/// `key` is a private key file (PKCS#8 PEM, mode 0600) of the key `cert` certifies.
fn check_key(key: &Path, cert: &Path) {
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(key)
        .expect("key file")
        .permissions()
        .mode()
        & 0o777;
    assert_eq!(mode, 0o600, "{} has mode {mode:o}", key.display());
    let text = std::fs::read_to_string(key).expect("key file");
    assert!(text.starts_with("-----BEGIN PRIVATE KEY-----\n"), "{text}");
    let public = ok(&["pkey", "-in", s(key), "-pubout"]);
    assert_eq!(
        public,
        ok(&["x509", "-in", s(cert), "-pubkey", "-noout"]),
        "{} is not the key of {}",
        key.display(),
        cert.display()
    );
}

/// The values in the subjectAltName of `cert`, as `openssl asn1parse -dump` shows them:
/// object identifiers, integers and the text of string types, in order.
fn san_values(cert: &Path) -> Vec<String> {
    let outer = ok(&["asn1parse", "-in", s(cert)]);
    let mut lines = outer.lines();
    lines
        .by_ref()
        .find(|l| l.contains("X509v3 Subject Alternative Name"))
        .expect("a subjectAltName");
    let value = lines.next().expect("its value");
    let offset = value.split(':').next().expect("offset").trim().to_string();
    let inner = ok(&["asn1parse", "-in", s(cert), "-strparse", &offset, "-dump"]);
    inner
        .lines()
        .filter_map(|l| {
            if let Some((_, v)) = l.split_once("prim: OBJECT            :") {
                Some(v.trim().to_string())
            } else if let Some((_, v)) = l.split_once("prim: INTEGER           :") {
                Some(v.trim().to_string())
            } else if l.trim_start().starts_with("0000 - ") {
                // The hex dump's text column: the string itself (short names only).
                l.split("   ").last().map(|t| t.trim().to_string())
            } else {
                None
            }
        })
        .collect()
}

/// `pki export --with-keys`: what a real KDC needs, checked with openssl; see
/// `contrib/kdc/test-kdc.sh` for the KDC itself.
fn check_with_keys(dir: &Path, alg: KeyAlg, realm: &str) {
    check_infrastructure(dir);
    let (ca, crl) = (dir.join("ca.pem"), dir.join("crl.pem"));
    for user in 0..2 {
        check_user(dir, user, alg);
        let at = |name: &str| user_dir(dir, user).join(name);
        check_key(&at("key.pem"), &at("cert.pem"));
    }
    check_key(&dir.join("ca-key.pem"), &ca);
    check_key(&dir.join("kdc-key.pem"), &dir.join("kdc.pem"));
    let revoked = dir.join("revoked");
    check_key(&revoked.join("key.pem"), &revoked.join("cert.pem"));

    // The revoked user is user 2, enrolled like the others (serial 3), then revoked:
    // openssl refuses it with the exported CRL, and accepts it without.
    let cert = revoked.join("cert.pem");
    let text = ok(&["x509", "-in", s(&cert), "-noout", "-text", "-serial"]);
    assert!(text.contains("user2@contoso.com"), "{text}");
    assert!(text.contains("serial=03"), "{text}");
    let text = ok(&["verify", "-CAfile", s(&ca), s(&cert)]);
    assert!(text.contains(": OK"), "{text}");
    let out = openssl(&[
        "verify",
        "-CAfile",
        s(&ca),
        "-crl_check",
        "-CRLfile",
        s(&crl),
        s(&cert),
    ]);
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        !out.status.success() && text.contains("certificate revoked"),
        "{text}"
    );
    let text = ok(&["crl", "-in", s(&crl), "-CAfile", s(&ca), "-noout", "-text"]);
    assert!(text.contains("Serial Number: 03"), "{text}");
    assert!(text.contains("Key Compromise"), "{text}");

    // The KDC certificate: the CA's, valid today, not revoked, not a CA, with the
    // id-pkinit-KPKdc EKU (openssl's "Signing KDC Response") and the id-pkinit-san
    // KRB5PrincipalName krbtgt/REALM@REALM (name type 2, NT-SRV-INST).
    let kdc = dir.join("kdc.pem");
    let text = ok(&[
        "verify",
        "-CAfile",
        s(&ca),
        "-crl_check",
        "-CRLfile",
        s(&crl),
        s(&kdc),
    ]);
    assert!(text.contains(": OK"), "{text}");
    let text = ok(&["x509", "-in", s(&kdc), "-noout", "-text"]);
    assert!(text.contains("Signing KDC Response"), "{text}");
    assert!(text.contains("CA:FALSE"), "{text}");
    assert!(!text.contains("Smartcard"), "{text}");
    assert_eq!(
        san_values(&kdc),
        ["1.3.6.1.5.2.2", realm, "02", "krbtgt", realm],
        "{text}"
    );
}

#[test]
fn the_export_with_keys_writes_matching_keys_a_kdc_certificate_and_a_revoked_user() {
    if !openssl_available() {
        return;
    }
    let e = CliExport::new(&["--with-keys"]);
    check_with_keys(e.dir(), KeyAlg::Rsa2048, "CONTOSO.COM");
    let e = CliExport::new(&[
        "--with-keys",
        "--set",
        "pki.client_key=ecdsa-p256",
        "--set",
        "pki.realm=AD.EXAMPLE.ORG",
    ]);
    check_with_keys(e.dir(), KeyAlg::EcdsaP256, "AD.EXAMPLE.ORG");
}

fn check_export(alg: KeyAlg) {
    if !openssl_available() {
        return;
    }
    let e = Exported::new(alg, 2);
    check_dir(e.dir(), alg);

    // openssl agrees with our CRL when it revokes something: the same CA (same key pool,
    // same settings) revokes user 0's certificate (serial 1) and the agent's.
    let material = PkiMaterial::new(e.settings.clone(), 2, &no_staged_progress).expect("material");
    let mut pki = RealPki::new(Arc::new(material));
    pki.revoke_serial(1, 0);
    pki.revoke_agent(0);
    let revoking = e.path("revoking.crl.pem");
    let pem = der::pem::encode_string("X509 CRL", der::pem::LineEnding::LF, &pki.crl_der(0))
        .expect("PEM");
    std::fs::write(&revoking, pem).expect("write");
    let ca = e.path("ca.pem");
    let args = |user: u32, crl: &Path| -> Vec<String> {
        [
            "verify",
            "-CAfile",
            s(&ca),
            "-crl_check",
            "-CRLfile",
            s(crl),
        ]
        .iter()
        .map(|a| a.to_string())
        .chain([s(&e.user(user, "cert.pem")).to_string()])
        .collect()
    };
    let run = |a: Vec<String>| {
        let refs: Vec<&str> = a.iter().map(String::as_str).collect();
        openssl(&refs)
    };
    let out = run(args(0, &revoking));
    assert!(
        !out.status.success(),
        "a revoked certificate must not verify"
    );
    let text =
        String::from_utf8_lossy(&out.stdout).to_string() + &String::from_utf8_lossy(&out.stderr);
    assert!(text.contains("certificate revoked"), "{text}");
    assert!(
        run(args(1, &revoking)).status.success(),
        "user 1 is not revoked"
    );
    // The agent is: its envelopes no longer verify with the CRL checked.
    let bundle = e.path("ca-and-revoking-crl.pem");
    let text = std::fs::read_to_string(&ca).expect("ca")
        + &std::fs::read_to_string(&revoking).expect("crl");
    std::fs::write(&bundle, text).expect("write");
    let out = openssl(&[
        "cms",
        "-verify",
        "-inform",
        "DER",
        "-in",
        s(&e.user(1, "request.p7b")),
        "-CAfile",
        s(&bundle),
        "-crl_check",
        "-purpose",
        "any",
        "-out",
        s(&e.path("revoked.out")),
    ]);
    let text =
        String::from_utf8_lossy(&out.stdout).to_string() + &String::from_utf8_lossy(&out.stderr);
    assert!(
        !out.status.success() && text.contains("certificate revoked"),
        "{text}"
    );

    // And openssl is not vacuous: a tampered envelope fails to verify.
    let p7b = std::fs::read(e.user(0, "request.p7b")).expect("p7b");
    let mut bad = p7b.clone();
    let at = bad.len() - 1;
    bad[at] ^= 1;
    let bad_path = e.path("tampered.p7b");
    std::fs::write(&bad_path, bad).expect("write");
    let out = openssl(&[
        "cms",
        "-verify",
        "-inform",
        "DER",
        "-in",
        s(&bad_path),
        "-CAfile",
        s(&e.path("ca.pem")),
        "-purpose",
        "any",
        "-out",
        s(&e.path("tampered.out")),
    ]);
    assert!(!out.status.success(), "a tampered envelope must not verify");
}

#[test]
fn rsa_export_verifies_with_openssl() {
    check_export(KeyAlg::Rsa2048);
}

/// `whfb-sim pki export` as the README runs it: no epoch, so the artefacts are valid on
/// the day of the run, and openssl checks them against today's date and the CRL.
#[test]
fn the_export_command_writes_artifacts_valid_today() {
    if !openssl_available() {
        return;
    }
    let e = CliExport::new(&[]);
    check_dir(e.dir(), KeyAlg::Rsa2048);
    no_private_key(e.dir());
    let e = CliExport::new(&["--set", "pki.client_key=ecdsa-p256"]);
    check_dir(e.dir(), KeyAlg::EcdsaP256);
    no_private_key(e.dir());
    // A pinned epoch is honoured: the certificates start then (whatever today is).
    let e = CliExport::new(&["--set", "pki.epoch=2026-01-05T00:00:00Z"]);
    let cert = user_dir(e.dir(), 0).join("cert.pem");
    let text = ok(&["x509", "-in", s(&cert), "-noout", "-startdate"]);
    assert!(
        text.contains("notBefore=Jan  5 00:00:00 2026 GMT"),
        "{text}"
    );
}

#[test]
fn ecdsa_export_verifies_with_openssl() {
    check_export(KeyAlg::EcdsaP256);
}
