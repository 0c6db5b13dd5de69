//! Checks the exported PKI artefacts with the real `openssl` binary: an independent
//! implementation must agree that the requests, the RA's CMS envelopes, the issued
//! certificates and the CA's CRL are well formed and correctly signed, and that the
//! certificates carry what AD CS puts there (SID and template extensions, CRL
//! distribution point, AIA). The command-line path is run as a user runs it: no epoch
//! given, openssl checking against today's date (no `-attime`), with the CRL.
//!
//! Skipped, loudly, when `openssl` is not installed, unless `WHFB_SIM_REQUIRE_OPENSSL` is
//! set (CI sets it so a missing binary fails instead of passing silently).

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

fn s(p: &Path) -> &str {
    p.to_str().expect("temp paths are UTF-8")
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
        let o = Command::new(env!("CARGO_BIN_EXE_whfb-sim"))
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
    for user in 0..2 {
        check_user(dir, user, alg);
    }
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
    // The CRL is the CA's, signed, current, and lists nothing.
    let text = ok(&["crl", "-in", s(&crl), "-CAfile", s(&ca), "-noout", "-text"]);
    assert!(text.contains("verify OK"), "{text}");
    assert!(text.contains("Next Update"), "{text}");
    assert!(text.contains("No Revoked Certificates"), "{text}");
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
    let e = CliExport::new(&["--set", "pki.client_key=ecdsa-p256"]);
    check_dir(e.dir(), KeyAlg::EcdsaP256);
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
