//! The command line as a user drives it: the default run, every shipped scenario, the
//! `--set` overrides, determinism, and every bad input we could think of (exit 2, a precise
//! message, no output written).

use crate::common::{bin, repo, run, stderr, stdout, summary, temp_out, variant};
use std::path::{Path, PathBuf};

/// Runs `args` with crypto off into a fresh folder and returns it.
fn run_off(args: &[&str]) -> (tempfile::TempDir, PathBuf) {
    let (dir, out) = temp_out();
    let mut all: Vec<&str> = vec!["run"];
    all.extend_from_slice(args);
    let out_s = out.display().to_string();
    all.extend_from_slice(&["--set", "pki.mode=off", "--out", &out_s]);
    let o = run(&all);
    assert!(o.status.success(), "{:?} failed: {}", all, stderr(&o));
    (dir, out)
}

fn p50(s: &serde_json::Value, name: &str) -> f64 {
    variant(s, name)["time_to_usable_s"]["p50"]
        .as_f64()
        .unwrap()
}

#[test]
fn default_run_writes_the_contract_fields() {
    let (_d, out) = run_off(&["--users", "400", "--quiet"]);
    let s = summary(&out);
    for k in [
        "scenario",
        "seed",
        "users",
        "replications",
        "pki_mode",
        "variants",
    ] {
        assert!(s.get(k).is_some(), "summary.json lacks {k}");
    }
    assert_eq!(s["pki_mode"], "off");
    assert_eq!(s["users"], 400);
    assert!(s["replications"].is_u64());
    let names: Vec<&str> = s["variants"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["pre-kb", "post-kb"]);
    for v in s["variants"].as_array().unwrap() {
        for k in ["usable", "no_tpm", "gave_up", "pending", "rejected"] {
            assert!(v["outcomes"][k].is_u64(), "outcome {k}");
        }
        assert!(v["rejected_by"].is_object());
        for t in ["time_to_usable_s", "time_to_pin_s"] {
            for k in ["mean", "p50", "p90", "p95", "p99", "max"] {
                assert!(v[t][k].is_f64(), "{t}.{k}");
            }
            assert!(v[t]["ci95"].is_null(), "one replication: no interval");
        }
        for r in ["adfs-1", "adfs-2", "ca", "drs", "aad_connect"] {
            for k in ["utilization", "mean_queue", "max_queue", "mean_wait_s"] {
                assert!(v["resources"][r].get(k).is_some(), "{r}.{k}");
            }
        }
        assert!(v["sync_cycles"].as_u64().unwrap() > 0);
    }
    let csv = std::fs::read_to_string(out.join("users.csv")).unwrap();
    let mut lines = csv.lines();
    let header = lines.next().unwrap();
    for col in [
        "variant",
        "user",
        "outcome",
        "signin_s",
        "launched_s",
        "mfa_done_s",
        "pin_set_s",
        "key_ready_s",
        "key_registered_s",
        "key_in_ad_s",
        "cert_issued_s",
        "usable_s",
    ] {
        assert!(header.split(',').any(|c| c == col), "users.csv lacks {col}");
    }
    assert_eq!(lines.count(), 800, "one row per user and variant");
}

#[test]
fn pre_kb_follows_the_sync_and_post_kb_takes_minutes() {
    let (_d, out) = run_off(&["--users", "600", "--quiet"]);
    let s = summary(&out);
    let (pre, post) = (p50(&s, "pre-kb"), p50(&s, "post-kb"));
    // Pre-KB waits for a sync cycle and the 24-minute retry; post-KB only for the UI.
    assert!(pre >= 24.0 * 60.0, "pre-kb p50 {pre}s");
    assert!(post < 5.0 * 60.0, "post-kb p50 {post}s");
}

#[test]
fn a_longer_sync_interval_moves_pre_kb_only() {
    let (_a, base) = run_off(&["--users", "600", "--quiet"]);
    let (_b, slow) = run_off(&[
        "--users",
        "600",
        "--quiet",
        "--set",
        "aad_connect.interval=3h",
    ]);
    let (b, s) = (summary(&base), summary(&slow));
    assert!(
        p50(&s, "pre-kb") > p50(&b, "pre-kb") + 1800.0,
        "pre-kb should wait longer"
    );
    let (pb, ps) = (p50(&b, "post-kb"), p50(&s, "post-kb"));
    assert!((ps - pb).abs() / pb < 0.05, "post-kb moved: {pb} → {ps}");
}

#[test]
fn same_seed_gives_identical_bytes_at_any_thread_count() {
    let (_a, one) = run_off(&[
        "--users",
        "300",
        "--quiet",
        "--threads",
        "1",
        "--replications",
        "2",
    ]);
    let (_b, two) = run_off(&[
        "--users",
        "300",
        "--quiet",
        "--threads",
        "2",
        "--replications",
        "2",
    ]);
    let (_c, again) = run_off(&[
        "--users",
        "300",
        "--quiet",
        "--threads",
        "2",
        "--replications",
        "2",
    ]);
    for f in ["summary.json", "users.csv"] {
        let a = std::fs::read(one.join(f)).unwrap();
        assert_eq!(
            a,
            std::fs::read(two.join(f)).unwrap(),
            "{f} differs between 1 and 2 threads"
        );
        assert_eq!(
            a,
            std::fs::read(again.join(f)).unwrap(),
            "{f} differs between runs"
        );
    }
    let (_d, other) = run_off(&["--users", "300", "--quiet", "--seed", "99"]);
    assert_ne!(
        std::fs::read(one.join("users.csv")).unwrap(),
        std::fs::read(other.join("users.csv")).unwrap()
    );
}

#[test]
fn every_shipped_scenario_runs() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios");
    let mut n = 0;
    for entry in std::fs::read_dir(dir).unwrap() {
        let p = entry.unwrap().path();
        if p.extension().is_some_and(|e| e == "toml") {
            let ps = p.display().to_string();
            let c = run(&["check", &ps]);
            assert!(c.status.success(), "check {ps}: {}", stderr(&c));
            // Small populations keep the test fast; the files' own sizes run in the README.
            let (_d, out) = run_off(&[&ps, "--users", "300", "--quiet"]);
            let s = summary(&out);
            assert!(!s["variants"].as_array().unwrap().is_empty(), "{ps}");
            n += 1;
        }
    }
    assert!(n >= 7, "expected the shipped scenarios, found {n}");
}

#[test]
fn shipped_scenarios_show_what_they_are_about() {
    let (_a, out) = run_off(&[
        &repo("scenarios/require-tpm.toml"),
        "--users",
        "1000",
        "--quiet",
    ]);
    let s = summary(&out);
    let no_tpm = s["variants"][0]["outcomes"]["no_tpm"].as_u64().unwrap();
    assert!(
        (60..=140).contains(&no_tpm),
        "about 10 % TPM-less: {no_tpm}"
    );

    let (_b, out) = run_off(&[
        &repo("scenarios/undersized-ca.toml"),
        "--users",
        "10000",
        "--quiet",
    ]);
    let s = summary(&out);
    // AD FS workers hold each request while the CA works, so the backlog shows in the
    // farm's queues and in the users' wait.
    let farm_q = |v: usize| {
        s["variants"][v]["resources"]["adfs-1"]["max_queue"]
            .as_f64()
            .unwrap()
    };
    assert!(
        farm_q(0) > 100.0 && farm_q(1) < 10.0,
        "farm queues {} vs {}",
        farm_q(0),
        farm_q(1)
    );
    assert!(p50(&s, "ca-1-worker") > 10.0 * p50(&s, "ca-4-workers"));

    let (_c, out) = run_off(&[
        &repo("scenarios/partly-patched.toml"),
        "--users",
        "900",
        "--quiet",
    ]);
    let s = summary(&out);
    let (none, one, all) = (
        p50(&s, "none-patched"),
        p50(&s, "one-of-three"),
        p50(&s, "all-patched"),
    );
    assert!(all < one.min(none), "{none} {one} {all}");
}

#[test]
fn scenario_command_prints_a_valid_commented_scenario() {
    let o = run(&["scenario"]);
    assert!(o.status.success());
    let text = stdout(&o);
    assert!(text.contains("# whfb-sim default scenario"));
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("copy.toml");
    std::fs::write(&f, &text).unwrap();
    let c = run(&["check", &f.display().to_string()]);
    assert!(c.status.success(), "{}", stderr(&c));
    assert!(stdout(&c).contains("pre-kb, post-kb"));
}

/// A bad input: exit 2, the message contains every fragment, nothing written.
fn refused(args: &[&str], file: Option<&str>, fragments: &[&str]) {
    let (dir, out) = temp_out();
    let mut all: Vec<String> = args.iter().map(|s| s.to_string()).collect();
    if let Some(text) = file {
        let f = dir.path().join("bad.toml");
        std::fs::write(&f, text).unwrap();
        all.insert(1, f.display().to_string());
    }
    if all[0] == "run" {
        all.extend([
            "--out".into(),
            out.display().to_string(),
            "--set".into(),
            "pki.mode=off".into(),
        ]);
    }
    let o = bin().args(&all).output().unwrap();
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(2), "{all:?}: {err}");
    for f in fragments {
        assert!(err.contains(f), "{all:?}: message lacks `{f}`: {err}");
    }
    assert!(!err.contains("panicked"), "{err}");
    assert!(!out.exists(), "{all:?} wrote outputs");
}

#[test]
fn bad_files_are_refused_with_file_line_column_and_key() {
    refused(
        &["run"],
        Some("users = 10\n[mfa]\np_fail = 1.5\n"),
        &[
            "bad.toml:3:1",
            "`mfa.p_fail`",
            "allowed: a number from 0 to 1",
        ],
    );
    refused(
        &["run"],
        Some("users = 10\n[mfa]\np_fial = 0.1\n"),
        &["bad.toml:3:1", "`mfa.p_fial`", "unknown key"],
    );
    refused(
        &["run"],
        Some("[adfs\n"),
        &["bad.toml:1:", "not valid TOML"],
    );
    refused(
        &["run"],
        Some("horizon = \"3 weeks\"\n"),
        &["bad.toml:1:1", "`horizon`", "not a duration"],
    );
    refused(&["run"], Some("users = -3\n"), &["`users`", "whole number"]);
    refused(&["run"], Some("users = 0\n"), &["`users`", "allowed: 1 to"]);
    refused(
        &["run"],
        Some("[adfs]\nservers = 2\npatched = 3\n"),
        &[
            "bad.toml:3:1",
            "`adfs.patched`",
            "allowed: 0 to adfs.servers",
        ],
    );
    refused(
        &["run"],
        Some("[aad_connect]\ninterval = \"10m\"\n"),
        &["`aad_connect.interval`", "30m", "allow_below_minimum"],
    );
    refused(
        &["run"],
        Some("[pin]\nentry = { dist = \"lognormal\", median = \"20s\", p95 = \"10s\" }\n"),
        &["`pin.entry`", "must be above `median`"],
    );
    refused(
        &["run"],
        Some("[pin]\nentry = { dist = \"beta\", k = 2 }\n"),
        &["`pin.entry.dist`", "unknown variant `beta`"],
    );
    refused(
        &["run"],
        Some("[signin]\nwaves = [{ start = \"08:00\", end = \"09:00\", share = 0.5 }]\n"),
        &["`signin.waves`", "sum to 1"],
    );
    refused(
        &["run"],
        Some("[[faults]]\nkind = \"adfs_server_down\"\nstart = \"8h\"\nend = \"9h\"\nserver = 7\n"),
        &["`faults[0].server`", "does not exist"],
    );
    refused(
        &["run"],
        Some("[[faults]]\nkind = \"meteor\"\nstart = \"8h\"\nend = \"9h\"\n"),
        &["`faults[0].kind`", "unknown variant"],
    );
    refused(
        &["run"],
        Some("[[faults]]\nkind = \"drs_slow\"\nstart = \"8h\"\nend = \"9h\"\n"),
        &["`faults[0].factor`", "needs `factor`"],
    );
    refused(
        &["run"],
        Some("[pki]\nclient_key = \"rsa-1024\"\n"),
        &["`pki.client_key`", "rsa-2048"],
    );
    refused(
        &["run"],
        Some("[pki]\nepoch = \"yesterday\"\n"),
        &["`pki.epoch`", "YYYY-MM-DD"],
    );
    refused(
        &["check"],
        Some("[pki]\nrealm = \"contoso.com\"\n"),
        &["bad.toml:2:", "`pki.realm`", "uppercase DNS-like name"],
    );
    refused(
        &["run"],
        Some("[variants.post-kb]\nadfs.patched = 5\n"),
        &["bad.toml:2:", "`variants.post-kb.adfs.patched`"],
    );
    refused(
        &["run"],
        Some("[variants.x]\nseed = 5\n"),
        &["`variants.x.seed`", "cannot change"],
    );
    refused(
        &["check"],
        Some("[key]\ntpm_firmware_share = 0.8\ntpm_discrete_share = 0.5\n"),
        &["`key.tpm_discrete_share`", "exceeds 1"],
    );
}

/// `pki export --with-keys` refuses a realm that is no uppercase DNS-like name before it
/// writes anything (the KDC certificate would carry it).
#[test]
fn pki_export_refuses_a_bad_realm() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("pki");
    for realm in ["contoso.com", "", "CONTOSO..COM"] {
        let set = format!("pki.realm={realm}");
        let o = bin()
            .env("WHFB_SIM_KEY_CACHE", dir.path().join("keys"))
            .args(["pki", "export", "--users", "2", "--with-keys", "--quiet"])
            .args(["--set", &set, "--out"])
            .arg(&out)
            .output()
            .unwrap();
        let err = stderr(&o);
        assert_eq!(o.status.code(), Some(2), "{set}: {err}");
        for f in [
            format!("--set {set}"),
            "`pki.realm`".into(),
            "uppercase".into(),
        ] {
            assert!(err.contains(&f), "{set}: message lacks `{f}`: {err}");
        }
        assert!(!out.exists(), "{set}: wrote outputs");
    }
}

#[test]
fn bad_flags_are_refused() {
    refused(
        &["run", "/nonexistent/scenario.toml"],
        None,
        &["/nonexistent/scenario.toml", "cannot read"],
    );
    refused(
        &["run", "--set", "adfs.servers"],
        None,
        &["is not KEY=VALUE"],
    );
    refused(
        &["run", "--set", "adfs.bogus=1"],
        None,
        &["--set adfs.bogus=1", "unknown key"],
    );
    refused(
        &["run", "--set", "adfs.patched=9"],
        None,
        &["--set adfs.patched=9", "allowed: 0 to adfs.servers"],
    );
    refused(
        &["run", "--set", "variants.nope.adfs.patched=1"],
        None,
        &["no variant `nope`", "pre-kb, post-kb"],
    );
    refused(
        &["run", "--set", "mfa.p_fail=lots"],
        None,
        &["`mfa.p_fail`", "expected a number"],
    );
    refused(&["run", "--threads", "0"], None, &["--threads"]);
    refused(&["run", "--users", "-5"], None, &["-5"]);
    refused(
        &["run", "--trace-users", "5000"],
        None,
        &["--trace-users", "does not exist"],
    );
    refused(&["run", "--bogus"], None, &["--bogus"]);
    refused(&["frobnicate"], None, &["frobnicate"]);
}
