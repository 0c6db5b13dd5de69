//! Checks the exported PKI artefacts with the real `openssl` binary: an independent
//! implementation must agree that the requests, the RA's CMS envelopes and the issued
//! certificates are well formed and correctly signed.
//!
//! Skipped, loudly, when `openssl` is not installed, unless `WHFB_SIM_REQUIRE_OPENSSL` is
//! set (CI sets it so a missing binary fails instead of passing silently).

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::{SystemTime, UNIX_EPOCH};

use whfb_sim::pki::export::{export, user_dir};
use whfb_sim::pki::{KeyAlg, PkiSettings};

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
        Exported { _keys: keys, out }
    }

    fn path(&self, name: &str) -> PathBuf {
        self.out.path().join(name)
    }

    fn user(&self, user: u32, name: &str) -> PathBuf {
        user_dir(self.out.path(), user).join(name)
    }
}

fn pem_der(path: &Path) -> Vec<u8> {
    let text = std::fs::read_to_string(path).expect("read PEM");
    der::pem::decode_vec(text.as_bytes()).expect("PEM").1
}

fn check_user(e: &Exported, user: u32, alg: KeyAlg) {
    let csr = e.user(user, "request.csr.pem");
    let p7b = e.user(user, "request.p7b");
    let cert = e.user(user, "cert.pem");
    let ca = e.path("ca.pem");

    // The request's self-signature.
    let text = ok(&["req", "-in", s(&csr), "-verify", "-noout"]);
    assert!(text.contains("verify OK"), "{text}");

    // The RA's envelope verifies up to the CA and carries the request unchanged. The
    // agent EKU is no standard purpose, hence `-purpose any`.
    let content = e.out.path().join(format!("content{user}.der"));
    let text = ok(&[
        "cms",
        "-verify",
        "-inform",
        "DER",
        "-in",
        s(&p7b),
        "-CAfile",
        s(&ca),
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

    // The certificate chains to the CA.
    let text = ok(&["verify", "-CAfile", s(&ca), s(&cert)]);
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
        text.contains(&format!("Subject: CN = user{user}")),
        "{text}"
    );
    if alg == KeyAlg::Rsa2048 {
        assert!(text.contains("Key Encipherment"), "{text}");
    }

    // The certified key is the requested key.
    let cert_key = ok(&["x509", "-in", s(&cert), "-pubkey", "-noout"]);
    let req_key = ok(&["req", "-in", s(&csr), "-pubkey", "-noout"]);
    assert_eq!(cert_key, req_key);
}

fn check_export(alg: KeyAlg) {
    if !openssl_available() {
        return;
    }
    let e = Exported::new(alg, 2);
    for user in 0..2 {
        check_user(&e, user, alg);
    }

    // The RA certificate carries the Certificate Request Agent EKU.
    let text = ok(&["x509", "-in", s(&e.path("ra.pem")), "-noout", "-text"]);
    assert!(
        text.contains("1.3.6.1.4.1.311.20.2.1") || text.contains("Certificate Request Agent"),
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

#[test]
fn ecdsa_export_verifies_with_openssl() {
    check_export(KeyAlg::EcdsaP256);
}
