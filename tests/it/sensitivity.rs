//! `whfb-sim sensitivity` through the built binary: on the default scenario the share of
//! devices already joined decides the post-KB p95 while the CA's issue time does not
//! matter for the pre-KB median; the low and high points are exactly a sweep's points;
//! Morris ranks a key that matters above one that does not at r·(k+1) points; outputs are
//! byte-identical at any thread count and after a shard split and merge, and replaced as
//! a set; bad flags are usage errors (exit 2) that name the flag.

use crate::common::{files, json, ok, refused, s, same_files};
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Output;

const DEFAULT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/scenarios/default.toml");

/// The entry of `key` in sensitivity.json.
fn key<'a>(j: &'a Value, key: &str) -> &'a Value {
    j["keys"]
        .as_array()
        .expect("keys")
        .iter()
        .find(|k| k["key"] == key)
        .unwrap_or_else(|| panic!("{key} not in sensitivity.json"))
}

/// The CA's issue time over a range of our own (whatever the registry says of it).
const CA_RANGE: &str =
    r#"ca.issue={ dist = "exponential", mean = "20ms" }..{ dist = "exponential", mean = "200ms" }"#;

#[test]
fn on_the_default_scenario_joined_share_decides_the_tail_and_the_ca_does_not_matter() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("sens");
    let o = ok(&[
        "sensitivity",
        DEFAULT,
        "--set",
        "pki.mode=off",
        "--replications",
        "3",
        "--figure",
        "post-kb.time_to_usable.p95",
        "--figure",
        "pre-kb.time_to_usable.p50",
        "--keys",
        "prerequisites.joined_share,signin.away,ca.issue,mfa.p_fail,pin.entry",
        "--range",
        CA_RANGE,
        "--out",
        s(&out),
    ]);
    let j = json(&out.join("sensitivity.json"));
    assert_eq!(j["method"], "oat");
    assert_eq!(j["evaluated"], 1 + 2 * 5);
    let joined = &key(&j, "prerequisites.joined_share")["effects"]["post-kb.time_to_usable.p95"];
    assert!(joined["rank"].as_u64().unwrap() <= 2, "{joined}");
    assert_eq!(joined["verdict"], "matters", "{joined}");
    // From 90 % to 99 % of devices ready, the p95 falls by hours.
    assert!(joined["effect"].as_f64().unwrap() < -3_600.0, "{joined}");
    let share = joined["share_of_total"].as_f64().unwrap();
    assert!(share > 0.5 && share <= 1.0, "{joined}");
    let ca = key(&j, "ca.issue");
    let kind = whfb_sim::params::find("ca.issue").unwrap().source.kind;
    assert_eq!(ca["source_kind"], kind.as_str());
    assert_eq!(ca["range_from"], "flag");
    let ca_p50 = &ca["effects"]["pre-kb.time_to_usable.p50"];
    assert_eq!(ca_p50["negligible"], true, "{ca_p50}");
    assert_eq!(ca_p50["verdict"], "negligible", "{ca_p50}");
    // The effect is the difference of the two ends, with an interval from 3 replications.
    let (lo, hi) = (
        ca_p50["low_value"].as_f64().unwrap(),
        ca_p50["high_value"].as_f64().unwrap(),
    );
    assert!((ca_p50["effect"].as_f64().unwrap() - (hi - lo)).abs() < 1e-3);
    assert!(ca_p50["ci95"].is_array());
    // Every file of the set, and the sentences that say what to do.
    for f in [
        "sensitivity.json",
        "sensitivity.csv",
        "report.md",
        "charts/tornado-post-kb.time_to_usable.p95.svg",
        "charts/tornado-post-kb.time_to_usable.p95.png",
        "charts/tornado-pre-kb.time_to_usable.p50.svg",
        "charts/tornado-pre-kb.time_to_usable.p50.png",
    ] {
        assert!(out.join(f).is_file(), "{f} missing");
    }
    let report = std::fs::read_to_string(out.join("report.md")).unwrap();
    assert!(report.contains("measure these first"), "{report}");
    assert!(report.contains("prerequisites.joined_share"), "{report}");
    let stdout = String::from_utf8_lossy(&o.stdout);
    assert!(stdout.contains("measure these first"), "{stdout}");
    let csv = std::fs::read_to_string(out.join("sensitivity.csv")).unwrap();
    assert_eq!(csv.lines().count(), 1 + 2 * 5, "{csv}");
}

/// The figure `path` (variant.stat of time to usable) of sweep point `i`.
fn sweep_figure(j: &Value, i: usize, variant: &str, stat: &str) -> f64 {
    j["points"][i]["variants"]
        .as_array()
        .unwrap()
        .iter()
        .find(|v| v["name"] == variant)
        .unwrap()["time_to_usable_s"][stat]
        .as_f64()
        .unwrap()
}

#[test]
fn the_low_and_high_points_are_the_points_of_a_sweep_of_the_key() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("sens");
    let small = [
        "--set",
        "pki.mode=off",
        "--users",
        "300",
        "--replications",
        "2",
        "--seed",
        "11",
        "--quiet",
    ];
    let mut args = vec![
        "sensitivity",
        DEFAULT,
        "--figure",
        "post-kb.time_to_usable.p95",
        "--figure",
        "pre-kb.time_to_usable.mean",
        "--keys",
        "prerequisites.joined_share,signin.away",
        "--out",
        s(&out),
    ];
    args.extend_from_slice(&small);
    ok(&args);
    let j = json(&out.join("sensitivity.json"));
    for k in ["prerequisites.joined_share", "signin.away"] {
        let entry = key(&j, k);
        let (lo, hi) = (
            entry["low"].as_str().unwrap(),
            entry["high"].as_str().unwrap(),
        );
        let sweep_out = dir.path().join(format!("sweep-{k}"));
        let param = format!("{k}={lo},{hi}");
        let mut args = vec!["sweep", DEFAULT, "--param", &param, "--out", s(&sweep_out)];
        args.extend_from_slice(&small);
        ok(&args);
        let sw = json(&sweep_out.join("summary.json"));
        for (figure, variant, stat) in [
            ("post-kb.time_to_usable.p95", "post-kb", "p95"),
            ("pre-kb.time_to_usable.mean", "pre-kb", "mean"),
        ] {
            let e = &entry["effects"][figure];
            assert_eq!(
                e["low_value"].as_f64().unwrap(),
                sweep_figure(&sw, 0, variant, stat),
                "{k} {figure}"
            );
            assert_eq!(
                e["high_value"].as_f64().unwrap(),
                sweep_figure(&sw, 1, variant, stat),
                "{k} {figure}"
            );
        }
    }
}

/// A Morris run of `pin.entry` (which sets much of the post-KB median) and two keys that
/// change nothing in it, on `threads` threads into `out`.
fn morris(out: &Path, threads: &str) -> Output {
    ok(&[
        "sensitivity",
        DEFAULT,
        "--set",
        "pki.mode=off",
        "--users",
        "300",
        "--figure",
        "post-kb.time_to_usable.p50",
        "--method",
        "morris",
        "--trajectories",
        "4",
        "--keys",
        "pki.cert_validity,pin.entry,ca.envelope_max_age",
        "--threads",
        threads,
        "--out",
        s(out),
        "--quiet",
    ])
}

#[test]
fn morris_ranks_a_key_that_matters_above_those_that_do_not_at_r_times_k_plus_one_points() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("morris");
    morris(&out, "2");
    let j = json(&out.join("sensitivity.json"));
    assert_eq!(j["method"], "morris");
    assert_eq!(j["evaluated"], 4 * (3 + 1));
    assert_eq!(j["morris"]["trajectories"], 4);
    assert_eq!(j["morris"]["levels"], 4);
    let fig = "post-kb.time_to_usable.p50";
    let pin = &key(&j, "pin.entry")["effects"][fig];
    let validity = &key(&j, "pki.cert_validity")["effects"][fig];
    assert_eq!(pin["rank"], 1, "{pin}");
    assert!(pin["mu_star"].as_f64().unwrap() > 10.0, "{pin}");
    assert!(
        pin["mu_star_ci95"].is_array() && pin["sigma"].is_number(),
        "{pin}"
    );
    assert_eq!(pin["elementary_effects"], 4);
    assert!(
        validity["mu_star"].as_f64().unwrap() < pin["mu_star"].as_f64().unwrap() / 10.0,
        "{validity}"
    );
    assert_eq!(validity["negligible"], true, "{validity}");
    assert!(out
        .join("charts/morris-post-kb.time_to_usable.p50.svg")
        .is_file());
    // Byte-identical on one thread.
    let one = dir.path().join("morris-1");
    morris(&one, "1");
    same_files(&out, &one);
}

/// A small one-at-a-time analysis with one figure that is not a time.
const SMALL_OAT: [&str; 16] = [
    "sensitivity",
    DEFAULT,
    "--set",
    "pki.mode=off",
    "--users",
    "200",
    "--replications",
    "2",
    "--figure",
    "post-kb.time_to_usable.p90",
    "--figure",
    "post-kb.resources.adfs-1.peak.utilization",
    "--keys",
    "adfs.workers,aad_connect.overhead",
    "--seed",
    "3",
];

#[test]
fn outputs_do_not_depend_on_threads_or_shards() {
    let dir = tempfile::tempdir().unwrap();
    let run = |out: &Path, extra: &[&str]| {
        let mut args = SMALL_OAT.to_vec();
        args.extend_from_slice(&["--out", s(out), "--quiet"]);
        args.extend_from_slice(extra);
        ok(&args)
    };
    let one = dir.path().join("t1");
    let two = dir.path().join("t2");
    run(&one, &["--threads", "1"]);
    run(&two, &["--threads", "2"]);
    same_files(&one, &two);
    let j = json(&one.join("sensitivity.json"));
    let util = &key(&j, "adfs.workers")["effects"]["post-kb.resources.adfs-1.peak.utilization"];
    // Not a time: paired replication by replication through each one's own summary.
    assert_eq!(util["pairing"], "replication", "{util}");
    // Sharded three ways and merged: the same files.
    let dirs: Vec<PathBuf> = (1..=3)
        .map(|k| {
            let d = dir.path().join(format!("shard-{k}"));
            let spec = format!("{k}/3");
            run(&d, &["--shard", &spec]);
            assert!(d.join("shard.json").is_file());
            d
        })
        .collect();
    let merged = dir.path().join("merged");
    let mut args = vec!["merge"];
    args.extend(dirs.iter().map(|d| s(d)));
    args.extend_from_slice(&["--out", s(&merged), "--quiet"]);
    ok(&args);
    same_files(&one, &merged);
}

#[test]
fn a_second_run_replaces_the_set() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("sens");
    let mut args = SMALL_OAT.to_vec();
    args.extend_from_slice(&["--out", s(&out), "--quiet"]);
    ok(&args);
    assert!(out
        .join("charts/tornado-post-kb.resources.adfs-1.peak.utilization.svg")
        .is_file());
    // Again with one figure: the other's chart is gone, nothing else is left over.
    let mut again: Vec<&str> = SMALL_OAT[..10].to_vec();
    again.extend_from_slice(&SMALL_OAT[12..]);
    again.extend_from_slice(&["--out", s(&out), "--quiet"]);
    ok(&again);
    let names: Vec<String> = files(&out).into_keys().collect();
    assert_eq!(
        names,
        [
            "charts/tornado-post-kb.time_to_usable.p90.png",
            "charts/tornado-post-kb.time_to_usable.p90.svg",
            "report.md",
            "sensitivity.csv",
            "sensitivity.json",
        ]
    );
    let leftovers: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .flatten()
        .map(|e| e.file_name())
        .collect();
    assert_eq!(leftovers, vec![std::ffi::OsString::from("sens")]);
    // A folder holding something else is not replaced.
    let foreign = dir.path().join("foreign");
    std::fs::create_dir(&foreign).unwrap();
    std::fs::write(foreign.join("notes.txt"), "mine").unwrap();
    let mut args = SMALL_OAT.to_vec();
    args.extend_from_slice(&["--out", s(&foreign)]);
    refused(&args, &["--out", "notes.txt"]);
}

#[test]
fn bad_flags_are_usage_errors_naming_the_flag() {
    let base = [
        "sensitivity",
        DEFAULT,
        "--set",
        "pki.mode=off",
        "--users",
        "20",
        "--figure",
        "pre-kb.time_to_usable.p50",
    ];
    // A key the registry gives no plausible range (whichever it is as the registry
    // changes): --keys needs --range for it.
    let no_range_key = whfb_sim::params::all()
        .iter()
        .find(|p| {
            use whfb_sim::params::Scope;
            p.ty.is_variable()
                && p.low.is_none()
                && matches!(p.scope, Scope::Always | Scope::Certificate)
        })
        .expect("a variable key without a range")
        .key;
    let with = |extra: &[&'static str]| {
        let mut v = base.to_vec();
        v.extend_from_slice(extra);
        v
    };
    let cases: Vec<(Vec<&str>, Vec<&str>)> = vec![
        (
            with(&["--keys", "adfs.nosuch"]),
            vec!["--keys adfs.nosuch", "unknown key"],
        ),
        (
            with(&["--keys", "key.require_tpm"]),
            vec!["--keys key.require_tpm", "bool", "allowed"],
        ),
        (with(&["--keys", "trust"]), vec!["--keys trust", "choice"]),
        (
            with(&["--keys", "mfa.p_fail", "--range", "mfa.p_fail=0.08..0.01"]),
            vec!["--range mfa.p_fail", "LO must be below HI"],
        ),
        (
            with(&["--keys", "mfa.p_fail", "--range", "mfa.p_fail=0.05..0.05"]),
            vec!["--range mfa.p_fail", "LO must be below HI"],
        ),
        (
            with(&["--keys", "mfa.p_fail", "--range", "mfa.p_fail=0.1..1.5"]),
            vec!["--range mfa.p_fail", "`1.5`", "0 to 1"],
        ),
        (
            with(&["--keys", "adfs.workers", "--range", "adfs.workers=0..8"]),
            vec!["--range adfs.workers", "`0`"],
        ),
        (
            with(&["--keys", no_range_key]),
            vec!["--keys", no_range_key, "no plausible range", "--range"],
        ),
        (
            with(&["--keys", "mfa.p_fail", "--estimates"]),
            vec!["--keys and --estimates", "allowed"],
        ),
        (
            with(&["--all", "--estimates"]),
            vec!["--estimates and --all"],
        ),
        (
            with(&["--range", "adfs.servers=1..4"]),
            vec!["--range adfs.servers", "--keys"],
        ),
        (
            with(&["--range", "mfa.p_fail=0.1"]),
            vec!["--range", "LO..HI"],
        ),
        (
            with(&["--trajectories", "5"]),
            vec!["--trajectories", "--method morris"],
        ),
        (
            with(&["--method", "morris", "--trajectories", "1"]),
            vec!["--trajectories 1", "2 to 1000"],
        ),
        (
            with(&["--method", "morris", "--trajectories", "1001"]),
            vec!["--trajectories 1001", "2 to 1000"],
        ),
        (
            with(&["--method", "morris", "--levels", "5"]),
            vec!["--levels 5", "even"],
        ),
        (
            with(&["--method", "morris", "--levels", "22"]),
            vec!["--levels 22", "2 to 20"],
        ),
        (
            with(&["--method", "sobol"]),
            vec!["--method", "oat", "morris"],
        ),
        (
            with(&["--figure", "post-kb.time_to_usable.p42"]),
            vec!["--figure", "p42", "it has"],
        ),
        (
            with(&["--figure", "mid-kb.time_to_usable.p50"]),
            vec!["--figure", "no variant `mid-kb`"],
        ),
    ];
    for (args, want) in cases {
        refused(&args, &want);
    }
    // Too large: more points than a sweep may have, or more work than the cost limits
    // admit — refused before anything runs.
    refused(
        &with(&["--method", "morris", "--trajectories", "1000"]),
        &["the design has", "points", "--trajectories"],
    );
    refused(
        &[
            "sensitivity",
            DEFAULT,
            "--figure",
            "post-kb.time_to_usable.p95",
            "--users",
            "2000000",
            "--replications",
            "10",
        ],
        &["the sensitivity analysis", "too large", "users"],
    );
    // --figure is required.
    refused(
        &["sensitivity", DEFAULT, "--set", "pki.mode=off"],
        &["--figure"],
    );
}
