//! Answers a planner acts on (README, "Sizing a farm"), as a user gets them from the command line: peak
//! figures that size things, the bottleneck named honestly, timeouts that make an
//! overloaded farm look like one, `adfs.patched = "all"` following the farm in a sweep,
//! and fault windows that leave a trace (users hit, failed calls, delay against a shadow
//! run, event 301, users.csv columns).

use crate::common::{csv_rows, json, repo, run, stderr, temp_out, variant};
use std::path::PathBuf;

/// `whfb-sim CMD ARGS --set pki.mode=off --out DIR --quiet` into a fresh folder.
fn off(cmd: &str, args: &[&str]) -> (tempfile::TempDir, PathBuf) {
    let (dir, out) = temp_out();
    let out_s = out.display().to_string();
    let mut all = vec![cmd];
    all.extend_from_slice(args);
    all.extend_from_slice(&["--set", "pki.mode=off", "--out", &out_s, "--quiet"]);
    let o = run(&all);
    assert!(o.status.success(), "{all:?}: {}", stderr(&o));
    (dir, out)
}

fn f(v: &serde_json::Value) -> f64 {
    v.as_f64().unwrap_or_else(|| panic!("not a number: {v}"))
}

/// A scenario file in a fresh folder.
fn scenario_file(text: &str) -> (tempfile::TempDir, String) {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("s.toml");
    std::fs::write(&p, text).unwrap();
    (dir, p.display().to_string())
}

#[test]
fn undersized_ca_names_the_ca_and_overload_shows_as_failures_and_retries() {
    let (_d, out) = off("run", &[&repo("scenarios/undersized-ca.toml")]);
    let s = json(&out.join("summary.json"));
    let small = variant(&s, "ca-1-worker");
    assert_eq!(
        small["bottleneck"]["resource"], "ca",
        "{}",
        small["bottleneck"]
    );
    assert!(
        f(&small["bottleneck"]["share"]) > 0.8,
        "{}",
        small["bottleneck"]
    );
    // Four CA workers keep up: no material waiting, no bottleneck.
    let big = variant(&s, "ca-4-workers");
    assert!(big["bottleneck"].is_null(), "{}", big["bottleneck"]);
    assert!(f(&big["capacity_waiting"]["per_request_s"]) < 1.0);
    // AD FS workers spent their time waiting for the CA.
    let h = &small["resources"]["adfs-1"]["holding"];
    assert!(f(&h["ca_share"]) > 0.8, "{h}");
    let md = std::fs::read_to_string(out.join("report.md")).unwrap();
    assert!(
        md.contains("the **CA** limits throughput")
            && md.contains("AD FS workers were held waiting for the CA"),
        "{md}"
    );
    // Overload: failed attempts by reason and retries, not hour-long waits.
    let fails = &small["enrollment_failures"];
    let timeouts =
        fails["request_timeout"].as_u64().unwrap() + fails["ca_timeout"].as_u64().unwrap();
    assert!(timeouts > 1_000, "{fails}");
    assert!(small["enrollment_requests"].as_u64().unwrap() > 10_000 + timeouts / 2);
    for r in ["adfs-1", "adfs-2", "ca"] {
        let res = &small["resources"][r];
        assert!(f(&res["mean_wait_s"]) <= 60.0, "{r}: {res}");
        assert!(f(&res["peak"]["mean_wait_s"]) <= 60.0 + 1e-9, "{r}: {res}");
    }
    assert!(small["resources"]["ca"]["discarded"].as_u64().unwrap() > 0);
    assert!(small["resources"]["adfs-1"]["withdrawn"].as_u64().unwrap() > 0);
    // No certificate from an abandoned request was installed: every usable user's
    // successful request was answered within the client's timeout.
    let users = csv_rows(&out.join("users.csv")).1;
    let mut retried = 0;
    for u in users.iter().filter(|u| u["variant"] == "ca-1-worker") {
        let n: u32 = u["enrollment_failures"].parse().unwrap();
        let attempts: u32 = u["enroll_attempts"].parse().unwrap();
        assert!(attempts > n || u["outcome"] != "usable", "{u:?}");
        retried += (n > 0) as u32;
        if u["outcome"] == "usable" {
            let sent: f64 = u["request_sent_s"].parse().unwrap();
            let issued: f64 = u["cert_issued_s"].parse().unwrap();
            assert!(issued - sent <= 60.0 + 1e-3, "{u:?}");
        }
    }
    assert!(retried > 1_000, "{retried} users retried");
    // The peak sizes; the whole-run mean does not.
    let ca = &small["resources"]["ca"];
    assert!(f(&ca["peak"]["utilization"]) > 0.95, "{ca}");
    assert!(f(&ca["utilization"]) < 0.2, "{ca}");
    assert_eq!(f(&ca["peak"]["window_s"]), 3_600.0);
}

#[test]
fn peak_figures_are_present_and_far_above_the_whole_run_in_a_busy_scenario() {
    let (_d, out) = off("run", &[&repo("scenarios/pre-vs-post-10k.toml")]);
    let s = json(&out.join("summary.json"));
    for v in ["pre-kb", "post-kb"] {
        let res = &variant(&s, v)["resources"];
        for (name, r) in res.as_object().unwrap() {
            let p = &r["peak"];
            for k in ["window_s", "start_s", "mean_queue", "max_queue", "waits"] {
                assert!(p[k].is_number(), "{v} {name}: peak.{k} missing: {p}");
            }
            assert!(f(&p["max_queue"]) <= f(&r["max_queue"]), "{v} {name}");
        }
        let ca = &res["ca"];
        assert!(
            f(&ca["peak"]["utilization"]) > 10.0 * f(&ca["utilization"]),
            "{v}: {ca}"
        );
        assert!(res["drs"]["peak"]["utilization"].is_null());
        assert!(f(&res["aad_connect"]["peak"]["mean_queue"]) > 100.0, "{v}");
    }
}

#[test]
fn readme_sweep_keeps_post_kb_fast_at_four_servers() {
    let (_d, out) = off(
        "sweep",
        &[
            &repo("scenarios/default.toml"),
            "--param",
            "adfs.servers=2,3,4",
            "--param",
            "ca.workers=1,2",
        ],
    );
    let s = json(&out.join("summary.json"));
    let points = s["points"].as_array().unwrap();
    assert_eq!(points.len(), 6);
    for p in points {
        let post = variant(p, "post-kb");
        let p50 = f(&post["time_to_usable_s"]["p50"]);
        assert!(p50 < 300.0, "{}: post-kb p50 {p50}", p["label"]);
        assert_eq!(
            post["enrollment_failures"]["key_not_in_ad"], 0,
            "{}",
            p["label"]
        );
    }
    assert!(s["notes"].as_array().unwrap().is_empty(), "{}", s["notes"]);
    // sweep.csv carries the peak of every resource per point.
    let rows = csv_rows(&out.join("sweep.csv")).1;
    assert_eq!(rows.len(), 12);
    let four = rows
        .iter()
        .find(|r| r["adfs.servers"] == "4" && r["variant"] == "post-kb")
        .unwrap();
    for c in [
        "adfs-4_peak_utilization",
        "adfs-4_peak_mean_wait_s",
        "ca_peak_utilization",
        "ca_peak_mean_wait_s",
        "bottleneck",
    ] {
        assert!(four.contains_key(c), "sweep.csv lacks {c}");
    }
    assert!(four["adfs-4_peak_utilization"].parse::<f64>().unwrap() > 0.0);
    let two = rows
        .iter()
        .find(|r| r["adfs.servers"] == "2" && r["variant"] == "post-kb")
        .unwrap();
    assert_eq!(two["adfs-4_peak_utilization"], "", "no such server at 2");
    let md = std::fs::read_to_string(out.join("report.md")).unwrap();
    assert!(
        md.contains("## Peak load and bottleneck at each point"),
        "{md}"
    );
}

#[test]
fn a_sweep_that_leaves_a_numbered_farm_partly_patched_says_so() {
    let (_f, file) = scenario_file(
        "users = 200\n[variants.pre-kb]\nadfs.patched = 0\n[variants.post-kb]\nadfs.patched = 2\n",
    );
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let o = run(&[
        "sweep",
        &file,
        "--param",
        "adfs.servers=2,4",
        "--set",
        "pki.mode=off",
        "--out",
        &out.display().to_string(),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(
        text.contains("only partly patched") && text.contains("adfs.servers=4 (2 of 4 patched)"),
        "{text}"
    );
    let s = json(&out.join("summary.json"));
    assert_eq!(s["notes"].as_array().unwrap().len(), 1, "{}", s["notes"]);
    let md = std::fs::read_to_string(out.join("report.md")).unwrap();
    assert!(md.contains("partly patched"), "{md}");
    // With "all" the farm follows the servers: nothing to say, and no refusals.
    let (_g, file) = scenario_file(
        "users = 200\n[variants.pre-kb]\nadfs.patched = \"none\"\n[variants.post-kb]\nadfs.patched = \"all\"\n",
    );
    let (_h, out) = off("sweep", &[&file, "--param", "adfs.servers=2,4"]);
    let s = json(&out.join("summary.json"));
    assert!(s["notes"].as_array().unwrap().is_empty());
    for p in s["points"].as_array().unwrap() {
        assert_eq!(
            variant(p, "post-kb")["enrollment_failures"]["key_not_in_ad"],
            0
        );
    }
}

#[test]
fn drs_outage_reports_the_users_hit_and_the_delay() {
    let (_d, out) = off("run", &[&repo("scenarios/drs-outage.toml"), "--trace"]);
    let s = json(&out.join("summary.json"));
    let users = csv_rows(&out.join("users.csv")).1;
    let events = csv_rows(&out.join("events.csv")).1;
    for name in ["pre-kb", "post-kb"] {
        let v = variant(&s, name);
        let faults = v["faults"].as_array().unwrap();
        assert_eq!(faults.len(), 1, "{name}");
        let w = &faults[0];
        assert_eq!(w["kind"], "drs_down");
        assert_eq!(
            (f(&w["start_s"]), f(&w["end_s"])),
            (29_700.0, 30_900.0) // 08:15, 08:35
        );
        let hit = w["users_hit"].as_u64().unwrap();
        let failed = w["failed_calls"].as_u64().unwrap();
        assert!(hit > 100 && failed >= hit, "{name}: {w}");
        // Users who could not register waited for their next sign-in: hours.
        assert!(f(&w["delay_s"]["mean"]) > 3_600.0, "{name}: {w}");
        assert!(
            f(&w["delay_s"]["p95"]) >= f(&w["delay_s"]["p50"]),
            "{name}: {w}"
        );
        // Failed DRS calls are in the DRS resource, failed registrations in users.csv and
        // in events.csv as event 301.
        assert_eq!(
            v["resources"]["drs"]["failed"].as_u64().unwrap(),
            failed,
            "{name}"
        );
        let reg = v["registration_failures"]["drs_unreachable"]
            .as_u64()
            .unwrap();
        let in_csv: u64 = users
            .iter()
            .filter(|u| u["variant"] == name)
            .map(|u| u["registration_failures"].parse::<u64>().unwrap())
            .sum();
        assert_eq!(reg, in_csv, "{name}");
        let e301 = events
            .iter()
            .filter(|e| e["variant"] == name && e["event_id"] == "301")
            .count() as u64;
        assert_eq!(e301, reg, "{name}");
        let hit_users = users
            .iter()
            .filter(|u| u["variant"] == name && u["registration_failures"] != "0")
            .count() as u64;
        assert!(hit_users <= hit, "{name}");
    }
    let md = std::fs::read_to_string(out.join("report.md")).unwrap();
    assert!(
        md.contains("## Fault windows")
            && md.contains("shadow run")
            && md.contains("drs_down Mon 08:15"),
        "{md}"
    );
    assert!(md.contains("event 301"), "{md}");
}

#[test]
fn faults_may_be_set_per_variant_and_cleared_with_an_empty_list() {
    let (_f, file) = scenario_file(
        r#"users = 300
[[faults]]
kind = "drs_down"
start = "08:00"
end = "08:30"

[variants.inherits]
adfs.patched = "all"

[variants.cleared]
adfs.patched = "all"
faults = []

[variants.own]
adfs.patched = "all"
[[variants.own.faults]]
kind = "ca_down"
start = "08:10"
end = "08:40"
"#,
    );
    let c = run(&["check", &file]);
    assert!(c.status.success(), "{}", stderr(&c));
    let (_d, out) = off("run", &[&file]);
    let s = json(&out.join("summary.json"));
    let kinds = |v: &str| -> Vec<String> {
        variant(&s, v)["faults"]
            .as_array()
            .unwrap()
            .iter()
            .map(|w| w["kind"].as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(kinds("inherits"), ["drs_down"]);
    assert!(kinds("cleared").is_empty());
    assert_eq!(kinds("own"), ["ca_down"]);
    let own = &variant(&s, "own")["faults"][0];
    assert!(own["failed_calls"].as_u64().unwrap() > 0, "{own}");
    assert!(
        variant(&s, "own")["resources"]["ca"]["failed"]
            .as_u64()
            .unwrap()
            > 0
    );
    assert_eq!(variant(&s, "own")["resources"]["drs"]["failed"], 0);
    assert_eq!(variant(&s, "cleared")["resources"]["drs"]["failed"], 0);
    // A bad window inside a variant is located there.
    let (_g, bad) = scenario_file(
        "users = 10\n[variants.a]\nadfs.patched = 1\n[[variants.a.faults]]\nkind = \"ca_down\"\nstart = \"09:00\"\nend = \"08:00\"\n",
    );
    let o = run(&["check", &bad]);
    assert_eq!(o.status.code(), Some(2));
    let e = stderr(&o);
    assert!(
        e.contains(":7:") && e.contains("variants.a.faults[0].end"),
        "{e}"
    );
}

#[test]
fn shadow_runs_keep_outputs_identical_at_any_thread_count() {
    let args = [
        repo("scenarios/drs-outage.toml"),
        "--users".into(),
        "500".into(),
        "--replications".into(),
        "2".into(),
        "--trace-users".into(),
        "1,2,3".into(),
    ];
    let a: Vec<&str> = args.iter().map(String::as_str).collect();
    let (_x, one) = off("run", &[&a[..], &["--threads", "1"]].concat());
    let (_y, two) = off("run", &[&a[..], &["--threads", "2"]].concat());
    for file in [
        "summary.json",
        "users.csv",
        "resources.csv",
        "events.csv",
        "report.md",
        "charts/waiting.svg",
        "charts/resources.svg",
    ] {
        assert_eq!(
            std::fs::read(one.join(file)).unwrap(),
            std::fs::read(two.join(file)).unwrap(),
            "{file} differs between 1 and 2 threads"
        );
    }
    let s = json(&one.join("summary.json"));
    assert!(
        variant(&s, "post-kb")["faults"][0]["users_hit"]
            .as_u64()
            .unwrap()
            > 0
    );
}

#[test]
fn bad_new_keys_are_refused_naming_the_key() {
    for (text, fragments) in [
        ("[report]\npeak_window = \"7m\"\n", vec!["report.peak_window", "multiple of report.series_bucket"]),
        ("[report]\npeak_window = \"1m\"\n", vec!["report.peak_window"]),
        ("horizon = \"2h\"\n[signin]\nwaves = [{ start = \"0s\", end = \"1h\", share = 1.0 }]\n[report]\npeak_window = \"3h\"\n", vec!["report.peak_window", "horizon"]),
        ("[adfs]\npatched = \"most\"\n", vec!["adfs.patched", "\"all\", \"none\""]),
        ("[adfs]\npatched = -1\n", vec!["adfs.patched"]),
        ("[adfs]\nservers = 2\npatched = 3\n", vec!["adfs.patched", "allowed: 0 to adfs.servers"]),
        ("[enrollment]\nrequest_timeout = \"0s\"\n", vec!["enrollment.request_timeout", "positive"]),
        ("[adfs]\nca_timeout = \"0s\"\n", vec!["adfs.ca_timeout", "positive"]),
    ] {
        let (_d, file) = scenario_file(&format!("users = 10\n{text}"));
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("out");
        let o = run(&["run", &file, "--set", "pki.mode=off", "--out", &out.display().to_string()]);
        let e = stderr(&o);
        assert_eq!(o.status.code(), Some(2), "{text}: {e}");
        for frag in fragments {
            assert!(e.contains(frag), "{text}: message lacks `{frag}`: {e}");
        }
        assert!(!e.contains("panicked") && !out.exists(), "{text}: {e}");
    }
    // The sweep of adfs.servers below a numbered patch level stays an error.
    let (_f, file) = scenario_file("users = 10\n[variants.post-kb]\nadfs.patched = 3\n");
    let o = run(&[
        "sweep",
        &file,
        "--param",
        "adfs.servers=3,2",
        "--set",
        "pki.mode=off",
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("adfs.patched"), "{}", stderr(&o));
}
