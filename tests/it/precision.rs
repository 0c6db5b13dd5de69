//! `run --precision`: replications added until the intervals are narrow enough, the
//! block `summary.json` records, determinism across thread counts, and the bad flags.

use crate::common::{self, run, summary};
use std::path::{Path, PathBuf};
use std::process::Output;

/// `run` of the default scenario, 60 users, crypto off, with `args`, into `dir/name`.
fn run_into(dir: &Path, name: &str, args: &[&str]) -> (Output, PathBuf) {
    let out = dir.join(name);
    let out_s = out.display().to_string();
    let mut all = vec![
        "run",
        "--users",
        "60",
        "--set",
        "pki.mode=off",
        "--quiet",
        "--out",
        &out_s,
    ];
    all.extend_from_slice(args);
    (run(&all), out)
}

#[test]
fn precision_run_records_its_block_and_does_not_depend_on_threads() {
    let dir = tempfile::tempdir().unwrap();
    let on = |threads: &str| {
        let (o, out) = run_into(
            dir.path(),
            threads,
            &[
                "--precision",
                "15%",
                "--max-replications",
                "14",
                "--threads",
                threads,
            ],
        );
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        out
    };
    let (a, b) = (on("1"), on("2"));
    common::same_files(&a, &b);

    let s = summary(&a);
    let p = &s["precision"];
    assert_eq!(p["target"], 0.15);
    let reps = p["replications"].as_u64().unwrap();
    // It starts with 10 and may not pass the cap.
    assert!((10..=14).contains(&reps), "{p}");
    assert_eq!(s["replications"].as_u64(), Some(reps));
    let achieved = p["achieved"].as_f64();
    let met = achieved.is_some_and(|x| x <= 0.15);
    assert_eq!(p["hit_max"].as_bool(), Some(!met), "{p}");
    if !met {
        assert_eq!(reps, 14, "{p}");
    }
    assert_eq!(
        p["figures"],
        serde_json::json!([
            "pre-kb.time_to_usable.p50",
            "pre-kb.time_to_usable.p95",
            "post-kb.time_to_usable.p50",
            "post-kb.time_to_usable.p95"
        ])
    );
    // The achieved precision is the worst side of those figures' intervals, leaving out
    // the percentiles on a plateau.
    let unreachable = p["unreachable"].as_array().unwrap();
    let mut worst: f64 = 0.0;
    for v in s["variants"].as_array().unwrap() {
        let t = &v["time_to_usable_s"];
        for stat in ["p50", "p95"] {
            let path = format!("{}.time_to_usable.{stat}", v["name"].as_str().unwrap());
            if unreachable.contains(&serde_json::json!(path)) {
                continue;
            }
            let x = t[stat].as_f64().unwrap();
            let ci = &t["ci95_by_stat"][stat];
            let (lo, hi) = (ci[0].as_f64().unwrap(), ci[1].as_f64().unwrap());
            worst = worst.max((hi - x).max(x - lo) / x);
        }
    }
    assert!((achieved.unwrap() - worst).abs() < 1e-12, "{p} vs {worst}");

    // Replication r has the same streams as in a plain run with that many replications:
    // the users are the same.
    let n = reps.to_string();
    let (plain, c) = run_into(dir.path(), "plain", &["--replications", &n]);
    assert!(plain.status.success());
    assert_eq!(
        std::fs::read(a.join("users.csv")).unwrap(),
        std::fs::read(c.join("users.csv")).unwrap()
    );
    assert!(summary(&c).get("precision").is_none());
}

#[test]
fn a_loose_target_stops_after_the_first_batch() {
    let dir = tempfile::tempdir().unwrap();
    let (o, out) = run_into(
        dir.path(),
        "loose",
        &[
            "--precision",
            "99%",
            "--precision-on",
            "post-kb.time_to_pin.mean",
        ],
    );
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let p = &summary(&out)["precision"];
    assert_eq!(p["replications"], 10);
    assert_eq!(p["hit_max"], false);
    assert_eq!(
        p["figures"],
        serde_json::json!(["post-kb.time_to_pin.mean"])
    );
}

#[test]
fn bad_precision_flags_exit_2_with_a_precise_message() {
    let dir = tempfile::tempdir().unwrap();
    for (args, says) in [
        (vec!["--precision", "0"], "--precision `0`: write"),
        (
            vec!["--precision", "150%"],
            "--precision `150%` is out of range",
        ),
        (vec!["--precision", "abc"], "--precision `abc`"),
        (
            vec!["--precision", "5%", "--max-replications", "0"],
            "--max-replications 0 is not allowed",
        ),
        (
            vec!["--precision", "5%", "--precision-on", "time_to_usable.p42"],
            "--precision-on `time_to_usable.p42`: no statistic `p42`",
        ),
        (
            vec!["--max-replications", "5"],
            "only apply with --precision",
        ),
        (
            vec!["--precision", "5%", "--shard", "1/2"],
            "--precision cannot be combined with --shard",
        ),
        // The cost limits see the first batch: one that does not fit is refused.
        (
            vec!["--precision", "5%", "--set", "users=30000000"],
            "too large",
        ),
    ] {
        let (o, out) = run_into(dir.path(), "bad", &args);
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {err}");
        assert!(err.contains(says), "{args:?}: {err}");
        assert!(!out.exists(), "{args:?} wrote {}", out.display());
    }
}

#[test]
fn a_sweep_runs_each_point_to_the_precision_at_any_thread_count() {
    let dir = tempfile::tempdir().unwrap();
    let scenario = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/scenarios/sweep-sync-interval.toml"
    );
    let on = |threads: &str| {
        let out = dir.path().join(threads);
        let out_s = out.display().to_string();
        let o = run(&[
            "sweep",
            scenario,
            "--param",
            "aad_connect.interval=30m,2h",
            "--users",
            "60",
            "--replications",
            "1",
            "--set",
            "pki.mode=off",
            "--precision",
            "15%",
            "--max-replications",
            "12",
            "--threads",
            threads,
            "--quiet",
            "--out",
            &out_s,
        ]);
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        out
    };
    let (a, b) = (on("1"), on("2"));
    common::same_files(&a, &b);
    let s = summary(&a);
    let points = s["points"].as_array().unwrap();
    assert_eq!(points.len(), 2);
    let report = std::fs::read_to_string(a.join("report.md")).unwrap();
    for p in points {
        let reached = &p["precision"];
        let reps = reached["replications"].as_u64().unwrap();
        assert!((10..=12).contains(&reps), "{reached}");
        assert_eq!(p["replications"].as_u64(), Some(reps));
        assert_eq!(reached["target"], 0.15);
        // report.md says what each point ran, not the 1 replication asked for.
        let line = format!(
            "{}: {reps} replications ({} degrees of freedom), worst half-width",
            p["label"].as_str().unwrap(),
            reps - 1
        );
        assert!(report.contains(&line), "no `{line}` in\n{report}");
        let verdict = if reached["hit_max"] == true {
            "NOT reached, stopped at the cap"
        } else {
            "within the 15.0 % target"
        };
        assert!(report.contains(verdict), "{report}");
    }
    assert!(!report.contains("1 replication per point"), "{report}");
}

#[test]
fn the_terminal_of_a_precision_sweep_says_what_each_point_ran() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("sweep");
    let o = run(&[
        "sweep",
        concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/scenarios/sweep-sync-interval.toml"
        ),
        "--param",
        "aad_connect.interval=30m,2h",
        "--users",
        "60",
        "--replications",
        "5",
        "--set",
        "pki.mode=off",
        "--precision",
        "1%",
        "--max-replications",
        "11",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let stdout = String::from_utf8_lossy(&o.stdout);
    // 1 % is out of reach for 60 users: every point stops at the cap of 11, and the
    // table's heading says so instead of the 5 asked for.
    assert!(
        stdout.contains("11 replications per point (10 degrees of freedom)"),
        "{stdout}"
    );
    assert!(!stdout.contains("5 replications per point"), "{stdout}");
    assert_eq!(
        stdout.matches("NOT reached, stopped at the cap").count(),
        2,
        "{stdout}"
    );
}

#[test]
fn a_figure_on_a_plateau_is_named_instead_of_running_to_the_cap() {
    // The default scenario's p95s sit on the step between users whose device was ready
    // and those who wait hours for a later sign-in: no number of replications gives them
    // a 5 % interval, so they are named and the p50s alone decide when to stop.
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("plateau");
    let o = run(&[
        "run",
        "--set",
        "pki.mode=off",
        "--precision",
        "5%",
        "--max-replications",
        "40",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let p = &summary(&out)["precision"];
    assert_eq!(
        p["unreachable"],
        serde_json::json!(["pre-kb.time_to_usable.p95", "post-kb.time_to_usable.p95"]),
        "{p}"
    );
    assert_eq!(p["hit_max"], false, "{p}");
    assert!(p["replications"].as_u64().unwrap() < 40, "{p}");
    assert!(p["achieved"].as_f64().unwrap() <= 0.05, "{p}");
    let stdout = String::from_utf8_lossy(&o.stdout);
    assert!(
        stdout.contains("post-kb.time_to_usable.p95 are on a plateau"),
        "{stdout}"
    );
}
