//! Real cryptography end to end through the command line: a run in real mode, attacks
//! refused by the real checks, the same decisions as the off mode, `pki export` and
//! `calibrate`. Keys go to a temporary key cache.

use crate::common::{self, summary};
use std::path::Path;
use std::process::{Command, Output};

/// The binary with its keys in the key cache `cache`.
fn bin(cache: &Path) -> Command {
    let mut c = common::bin();
    c.env("WHFB_SIM_KEY_CACHE", cache);
    c
}

fn ok(o: Output) -> String {
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// Every attack kind at once, and a revocation of the agent at 08:30 during the morning
/// wave (AD FS re-enrolls an hour later).
const ATTACKS: [&str; 12] = [
    "--set",
    "attacks.mismatched_key=0.12",
    "--set",
    "attacks.non_agent_signer=0.12",
    "--set",
    "attacks.other_identity=0.12",
    "--set",
    "attacks.replayed_envelope=0.12",
    "--set",
    "attacks.revoked_agent=0.2",
    "--set",
    "faults=[{ kind = \"agent_revoked\", start = \"8h30m\" }]",
];

#[test]
fn real_mode_refuses_attacks_and_agrees_with_off_mode() {
    let tmp = tempfile::tempdir().unwrap();
    let cache = tmp.path().join("keys");
    let run = |mode: &str, out: &str| {
        let out = tmp.path().join(out);
        ok(bin(&cache)
            .args(["run", "--users", "150", "--quiet", "--out"])
            .arg(&out)
            .args(["--set", &format!("pki.mode={mode}")])
            .args(ATTACKS)
            .output()
            .unwrap());
        out
    };
    let real = run("real", "real");
    let s = summary(&real);
    assert_eq!(s["pki_mode"], "real");
    for v in s["variants"].as_array().unwrap() {
        let by = &v["rejected_by"];
        let n = |k: &str| by[k].as_u64().unwrap();
        for reason in [
            "key_mismatch",
            "signer_not_agent",
            "identity_mismatch",
            "envelope_replayed",
            "agent_revoked",
        ] {
            assert!(n(reason) > 0, "no {reason}: {v}");
        }
        let total: u64 = by
            .as_object()
            .unwrap()
            .values()
            .map(|x| x.as_u64().unwrap())
            .sum();
        assert_eq!(v["outcomes"]["rejected"].as_u64().unwrap(), total, "{v}");
        assert!(v["outcomes"]["usable"].as_u64().unwrap() > 0);
    }
    // The off mode makes the same decisions on identities: same users.csv.
    let off = run("off", "off");
    assert_eq!(
        std::fs::read(real.join("users.csv")).unwrap(),
        std::fs::read(off.join("users.csv")).unwrap()
    );
    assert_eq!(summary(&off)["pki_mode"], "off");
    // The pool made one key per user and reuses it: a second run generates nothing new.
    let size = |p: &Path| -> u64 {
        walk(p)
            .iter()
            .map(|f| std::fs::metadata(f).unwrap().len())
            .sum()
    };
    let before = size(&cache);
    run("real", "again");
    assert_eq!(size(&cache), before);
    assert_eq!(
        std::fs::read(real.join("users.csv")).unwrap(),
        std::fs::read(tmp.path().join("again/users.csv")).unwrap()
    );
}

/// Determinism (README, "Determinism"): the same bytes whatever the number of threads, in real mode too, where the
/// RA's, the CA's and the client's checks run on worker threads while the event loop goes
/// on. Two cases: the default scenario (two variants × two replications running side by
/// side) with attacks refused on those threads, and one variant alone whose requests
/// arrive in a one-minute wave, so many checks are in flight at once and idle workers
/// compute them.
#[test]
fn real_mode_gives_identical_bytes_at_any_thread_count() {
    let tmp = tempfile::tempdir().unwrap();
    let cache = tmp.path().join("keys");
    let wave = tmp.path().join("wave.toml");
    std::fs::write(
        &wave,
        "name = \"wave\"\nusers = 80\nseed = 5\n\
         [signin]\nwaves = [{ start = \"8h\", end = \"8h1m\", share = 1.0 }]\n\
         [adfs]\npatched = 2\n",
    )
    .unwrap();
    let run = |scenario: Option<&Path>, threads: &str, extra: &[&str]| {
        let out = tmp.path().join(format!(
            "{}-{threads}",
            scenario.map_or("default".into(), |p| p
                .display()
                .to_string()
                .replace('/', "_"))
        ));
        let mut c = bin(&cache);
        c.arg("run");
        if let Some(p) = scenario {
            c.arg(p);
        }
        ok(c.args(["--quiet", "--threads", threads, "--out"])
            .arg(&out)
            .args(["--set", "pki.mode=real"])
            .args(extra)
            .output()
            .unwrap());
        out
    };
    let mut default_args = vec!["--users", "60", "--replications", "2"];
    default_args.extend(ATTACKS);
    for (scenario, extra) in [
        (None, &default_args[..]),
        (Some(wave.as_path()), &ATTACKS[..]),
    ] {
        let one = run(scenario, "1", extra);
        let s = summary(&one);
        assert_eq!(s["pki_mode"], "real");
        for threads in ["2", "4"] {
            let many = run(scenario, threads, extra);
            for f in ["summary.json", "users.csv"] {
                assert_eq!(
                    std::fs::read(one.join(f)).unwrap(),
                    std::fs::read(many.join(f)).unwrap(),
                    "{f} differs between 1 and {threads} threads ({scenario:?})"
                );
            }
        }
        assert!(s["variants"]
            .as_array()
            .unwrap()
            .iter()
            .all(|v| v["outcomes"]["usable"].as_u64().unwrap() > 0));
    }
}

fn walk(p: &Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(p).unwrap() {
        let path = e.unwrap().path();
        if path.is_dir() {
            out.extend(walk(&path));
        } else {
            out.push(path);
        }
    }
    out
}

#[test]
fn an_expired_agent_certificate_stops_enrollment() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    // The agent certificate expires on Monday at 06:00, before anyone signs in.
    ok(bin(&tmp.path().join("keys"))
        .args(["run", "--users", "20", "--quiet", "--out"])
        .arg(&out)
        .args(["--set", "pki.agent_expires=6h"])
        .output()
        .unwrap());
    let s = summary(&out);
    for v in s["variants"].as_array().unwrap() {
        assert_eq!(v["outcomes"]["usable"], 0, "{v}");
        assert_eq!(
            v["rejected_by"]["agent_expired"].as_u64().unwrap(),
            v["outcomes"]["rejected"].as_u64().unwrap()
        );
        assert!(v["outcomes"]["rejected"].as_u64().unwrap() > 0);
    }
}

/// A revoked agent certificate stops the RA's enrollments until AD FS enrolls a new one;
/// the users it refused in between retry on the client's schedule, none is rejected.
#[test]
fn a_revoked_agent_defers_enrollment_until_ad_fs_re_enrolls() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    let scenario = tmp.path().join("revoked.toml");
    std::fs::write(
        &scenario,
        "name = \"revoked\"\nusers = 30\nseed = 3\n\
         [signin]\nwaves = [{ start = \"8h\", end = \"8h20m\", share = 1.0 }]\n\
         [prerequisites]\njoined_share = 1.0\n[adfs]\npatched = 2\n\
         [pki]\nagent_reenroll = \"2h\"\n\
         [[faults]]\nkind = \"agent_revoked\"\nstart = \"7h\"\n",
    )
    .unwrap();
    ok(bin(&tmp.path().join("keys"))
        .arg("run")
        .arg(&scenario)
        .args(["--quiet", "--out"])
        .arg(&out)
        .output()
        .unwrap());
    let s = summary(&out);
    let v = &s["variants"][0];
    assert_eq!(v["outcomes"]["rejected"], 0, "{v}");
    assert_eq!(v["outcomes"]["usable"], 30, "{v}");
    let users = std::fs::read_to_string(out.join("users.csv")).unwrap();
    let mut lines = users.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    let col = |name: &str| header.iter().position(|h| *h == name).unwrap();
    for line in lines {
        let f: Vec<&str> = line.split(',').collect();
        let usable: f64 = f[col("usable_s")].parse().unwrap();
        let attempts: u32 = f[col("enroll_attempts")].parse().unwrap();
        // Not before AD FS holds its new agent certificate at 09:00.
        assert!(usable >= 9.0 * 3600.0, "{line}");
        assert!(attempts >= 2, "{line}");
    }
}

/// A CA without the May 2022 update issues certificates without the SID extension: in
/// full enforcement the DC refuses every logon, pre-KB and post-KB alike.
#[test]
fn without_the_sid_extension_every_user_ends_at_the_dc() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    ok(bin(&tmp.path().join("keys"))
        .args(["run", "--users", "20", "--quiet", "--out"])
        .arg(&out)
        .args(["--set", "ca.sid_extension=false"])
        .output()
        .unwrap());
    let s = summary(&out);
    for v in s["variants"].as_array().unwrap() {
        assert_eq!(v["outcomes"]["usable"], 0, "{v}");
        assert_eq!(v["outcomes"]["rejected"], 20, "{v}");
        assert_eq!(v["rejected_by"]["no_strong_mapping"], 20, "{v}");
    }
}

#[test]
fn pki_export_writes_the_artifacts() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("pki");
    let msg = ok(bin(&tmp.path().join("keys"))
        .args(["pki", "export", "--users", "3", "--quiet", "--out"])
        .arg(&out)
        .output()
        .unwrap());
    assert!(msg.contains("wrote 3 users"), "{msg}");
    for f in [
        "ca.pem",
        "ra.pem",
        "crl.pem",
        "ca-and-crl.pem",
        "user0/request.csr.pem",
        "user0/key-receipt.der",
        "user0/request.p7b",
        "user2/cert.pem",
    ] {
        assert!(out.join(f).is_file(), "{f} missing");
    }
    let bad = bin(tmp.path())
        .args(["pki", "export", "--users", "0", "--out"])
        .arg(&out)
        .output()
        .unwrap();
    assert_eq!(bad.status.code(), Some(2));
}

#[test]
fn calibrate_prints_scenario_lines_that_load() {
    let tmp = tempfile::tempdir().unwrap();
    let text = ok(bin(tmp.path())
        .args(["calibrate", "--samples", "2"])
        .output()
        .unwrap());
    let toml = &text[text.find("[pki.timing]").expect("a [pki.timing] table")..];
    let f = tmp.path().join("t.toml");
    std::fs::write(&f, toml).unwrap();
    ok(bin(tmp.path()).arg("check").arg(&f).output().unwrap());
    let bad = bin(tmp.path())
        .args(["calibrate", "--client-key", "dsa"])
        .output()
        .unwrap();
    assert_eq!(bad.status.code(), Some(2));
}
