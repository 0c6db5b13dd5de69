//! The pilot workflow through the binary, end to end: a simulated 400-user pre-KB pilot
//! written as a pilot's exports (`run --trace-format windows-xml`), fitted (`fit`), and
//! the fitted scenario compared with the pilot (`compare-pilot`): it must reproduce its
//! own pilot, and a scenario with a two-hour sync interval must depart from it at time to
//! usable. Also `signin.trace` replayed by `run`, and the bad inputs of each.

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Output;

use crate::common::bin;

fn ok(out: Output) -> Output {
    assert!(
        out.status.success(),
        "exit {:?}\nstdout: {}\nstderr: {}",
        out.status.code(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

/// Runs and expects exit 2 with every `wanted` text in stderr; returns stderr.
fn refused(args: &[&str], cwd: &Path, wanted: &[&str]) -> String {
    let out = bin().args(args).current_dir(cwd).output().expect("runs");
    let err = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
    for w in wanted {
        assert!(err.contains(w), "{args:?}: `{err}` lacks `{w}`");
    }
    err
}

fn json(path: PathBuf) -> Value {
    serde_json::from_slice(&std::fs::read(&path).expect("read")).expect("json")
}

/// Whether the 95 % interval `[lo, hi]` (a JSON pair), widened 1.6 times about its
/// middle (about 3.1 standard errors: 99.8 % for a normal estimate), holds `x`. Several
/// recovered parameters are checked at once, so each gets a wider net than 95 %: the
/// test then fails for a wrong fit, not one seed in seven.
fn holds(ci: &Value, x: f64) -> bool {
    let (lo, hi) = (ci[0].as_f64().unwrap(), ci[1].as_f64().unwrap());
    let (mid, half) = ((lo + hi) / 2.0, (hi - lo) / 2.0 * 1.6);
    (x - mid).abs() <= half.max(1e-9 * x.abs())
}

#[test]
fn a_simulated_pilot_is_fitted_and_reproduced_and_a_wrong_sync_interval_departs() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    // The pilot: the default scenario's pre-KB variant, 400 users, watched for 3 days.
    ok(bin()
        .args(["run", "--users", "400", "--replications", "1", "--quiet"])
        .args([
            "--set",
            "pki.mode=off",
            "--set",
            "horizon=3d",
            "--seed",
            "7",
        ])
        // No DRS throttling: a throttled registration's 300 s back-off is part of
        // 3510 → 300 as the events show it; with it the stage is not drs.latency alone.
        .args(["--set", "drs.p_throttle=0"])
        .args(["--trace-format", "windows-xml", "--out"])
        .arg(d.join("pilot"))
        .output()
        .unwrap());
    let exports = d.join("pilot/exports/pre-kb");
    let devices = std::fs::read_dir(exports.join("events")).unwrap().count();
    assert!((390..=400).contains(&devices), "{devices} device logs");
    let signins = std::fs::read_to_string(exports.join("signins.csv")).unwrap();
    assert!(signins.starts_with("Date (UTC),"));
    assert!(std::fs::read_to_string(exports.join("certutil.csv"))
        .unwrap()
        .ends_with("CertUtil: -view command completed successfully.\n"));

    // Fit: each quantity the exports show comes back within its interval.
    ok(bin()
        .args(["fit", "--bootstrap", "99", "--quiet", "--out"])
        .arg(d.join("fit"))
        .arg(&exports)
        .output()
        .unwrap());
    let fit = json(d.join("fit/fit.json"));
    assert_eq!(fit["population"]["devices"].as_u64(), Some(devices as u64));
    let q = |name: &str| {
        fit["quantities"]
            .as_array()
            .unwrap()
            .iter()
            .find(|q| q["quantity"] == name)
            .unwrap_or_else(|| panic!("no {name}"))
            .clone()
    };
    // drs.latency is lognormal(median 1 s, p95 5 s): μ = 0, σ = ln 5 / 1.645.
    let drs = q("key_registration");
    // The best family by AIC is the true one (400 draws tell lognormal from gamma and
    // Weibull by far more than chance); whether it is also the one `chosen` depends on a
    // goodness-of-fit p-value, which falls under 0.05 one time in twenty by design.
    let best = &drs["candidates"][0];
    assert_eq!(best["family"], "lognormal", "{drs}");
    assert!(drs["gof"]["bootstrap"].as_u64() == Some(99) || drs["family"] == "empirical");
    let ci = &best["params_ci95"];
    assert!(holds(&ci[0], 0.0), "μ interval {ci}");
    assert!(holds(&ci[1], 5f64.ln() / 1.644_853_6), "σ interval {ci}");
    let ready = &fit["shares"][0];
    assert_eq!(ready["key"], "prerequisites.joined_share");
    assert!(holds(&ready["ci95"], 0.95), "{ready}");
    let sync = &fit["sync"];
    assert_eq!(sync["interval_s"].as_f64(), Some(1800.0));
    assert!(holds(&sync["per_object_ci95"], 0.06), "{sync}");
    // The cycle's intercept is import_ad (1 min) + overhead (2 min).
    assert!(holds(&sync["overhead_ci95"], 180.0), "{sync}");
    let scenario = std::fs::read_to_string(d.join("fit/scenario.toml")).unwrap();
    assert!(scenario.contains("overhead = \"2m\""), "{scenario}");

    // signins.csv replays the pilot's population: the fitted scenario with it as its
    // trace has one user per device.
    let check = ok(bin()
        .arg("check")
        .arg(d.join("fit/scenario.toml"))
        .args(["--set", "signin.trace=signins.csv"])
        .output()
        .unwrap());
    let said = String::from_utf8_lossy(&check.stdout);
    assert!(said.contains(&format!(", {devices} users,")), "{said}");

    // The fitted scenario reproduces its pilot; with a 2 h sync interval it departs.
    let compare = |name: &str, extra: &[&str]| {
        ok(bin()
            .args(["compare-pilot", "--quiet", "--replications", "8"])
            .args(["--bootstrap", "199", "--set", "pki.mode=off"])
            .args(extra)
            .arg("--out")
            .arg(d.join(name))
            .arg(d.join("fit/scenario.toml"))
            .arg(&exports)
            .output()
            .unwrap());
        json(d.join(name).join("compare.json"))
    };
    let same = compare("same", &[]);
    assert_eq!(same["verdict"], "reproduces", "{same:#}");
    assert_eq!(same["first_departure"], Value::Null);
    let stages: Vec<&str> = same["stages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["stage"].as_str().unwrap())
        .collect();
    assert!(stages.contains(&"time_to_usable") && stages.contains(&"user_steps"));
    assert_eq!(same["pilot"]["devices"].as_u64(), Some(devices as u64));
    assert!(d.join("same/charts/compare-time_to_usable.svg").is_file());
    assert!(std::fs::read_to_string(d.join("same/report.md"))
        .unwrap()
        .contains("reproduces the pilot"));

    let slow = compare("slow", &["--set", "aad_connect.interval=2h"]);
    assert_eq!(slow["verdict"], "departs", "{slow:#}");
    assert_eq!(slow["first_departure"], "time_to_usable");
    let p50 = &slow["figures"][0];
    assert_eq!(p50["figure"], "p50");
    assert_eq!(p50["within"], false);
    assert!(
        slow["test"]["p_value"].as_f64().unwrap() < 1e-3,
        "{}",
        slow["test"]
    );
    // Same seed, any thread count: the same bytes (simulation and bootstrap).
    for threads in ["1", "2"] {
        ok(bin()
            .args(["compare-pilot", "--quiet", "--replications", "3"])
            .args([
                "--bootstrap",
                "60",
                "--set",
                "pki.mode=off",
                "--threads",
                threads,
            ])
            .arg("--out")
            .arg(d.join(format!("threads{threads}")))
            .arg(d.join("fit/scenario.toml"))
            .arg(&exports)
            .output()
            .unwrap());
    }
    for f in [
        "compare.json",
        "report.md",
        "charts/compare-time_to_usable.svg",
    ] {
        assert_eq!(
            std::fs::read(d.join("threads1").join(f)).unwrap(),
            std::fs::read(d.join("threads2").join(f)).unwrap(),
            "{f} differs between 1 and 2 threads"
        );
    }
    // --strict turns the departure into exit 1 (not a usage error).
    let strict = bin()
        .args([
            "compare-pilot",
            "--quiet",
            "--replications",
            "2",
            "--bootstrap",
            "50",
        ])
        .args([
            "--set",
            "pki.mode=off",
            "--set",
            "aad_connect.interval=2h",
            "--strict",
        ])
        .arg("--out")
        .arg(d.join("strict"))
        .arg(d.join("fit/scenario.toml"))
        .arg(&exports)
        .output()
        .unwrap();
    assert_eq!(strict.status.code(), Some(1));

    // Bad inputs: exit 2, naming the flag and what is allowed.
    let s = d.join("fit/scenario.toml");
    let e = exports.to_str().unwrap();
    let s = s.to_str().unwrap();
    refused(
        &["compare-pilot", s, e, "--accept", "p50=lots"],
        d,
        &["--accept", "allowed: comma-separated pNN=T%"],
    );
    refused(
        &["compare-pilot", s, e, "--variant", "nope"],
        d,
        &["--variant nope", "pilot"],
    );
    refused(
        &["compare-pilot", s, e, "--replications", "0"],
        d,
        &["--replications 0", "allowed: 1 to 1000"],
    );
    refused(
        &["compare-pilot", s, "/nonexistent/exports"],
        d,
        &["/nonexistent/exports"],
    );
    refused(
        &["compare-pilot", s, e, "--policy-start", "yesterday"],
        d,
        &["--policy-start"],
    );
    assert!(
        !d.join("reports").exists(),
        "a refused comparison left outputs"
    );
}

#[test]
fn run_replays_a_sign_in_trace_and_refuses_a_bad_one() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::write(
        d.join("signins.csv"),
        "user,time\nalice,28800\nbob,2026-01-05T09:00:00Z\ncarol,30000.5\nbob,2026-01-06T08:00:00Z\n",
    )
    .unwrap();
    let toml = "name = \"traced\"\nreplications = 1\n[signin]\ntrace = \"signins.csv\"\n[pki]\nmode = \"off\"\n";
    std::fs::write(d.join("traced.toml"), toml).unwrap();
    // Run from another folder: the trace is found beside the scenario file.
    ok(bin()
        .args(["run", "--quiet", "--trace", "--out"])
        .arg(d.join("out"))
        .arg(d.join("traced.toml"))
        .current_dir(std::env::temp_dir())
        .output()
        .unwrap());
    let users = std::fs::read_to_string(d.join("out/users.csv")).unwrap();
    let rows: Vec<&str> = users.lines().skip(1).collect();
    assert_eq!(rows.len(), 3, "users follows the trace:\n{users}");
    // Users are numbered by first sign-in: alice 08:00, carol 08:20:00.5, bob 09:00.
    let signin: Vec<&str> = rows.iter().map(|r| r.split(',').nth(11).unwrap()).collect();
    assert_eq!(signin, ["28800.000", "30000.500", "32400.000"]);
    let events = std::fs::read_to_string(d.join("out/events.csv")).unwrap();
    assert!(events.lines().filter(|l| l.contains(",2,sign_in,")).count() >= 1);

    let toml_path = d.join("traced.toml");
    let t = toml_path.to_str().unwrap();
    // A shard result does not carry the trace file: sharding it is refused.
    refused(
        &["run", t, "--shard", "1/2", "--out", "sharded"],
        d,
        &["--shard", "signin.trace"],
    );
    assert!(!d.join("sharded").exists());
    refused(
        &["check", t, "--set", "users=10"],
        d,
        &["--set users=10", "signin.trace"],
    );
    std::fs::write(d.join("signins.csv"), "user,time\nalice,8am\n").unwrap();
    refused(
        &["check", t],
        d,
        &[
            "traced.toml",
            "signin.trace",
            "signins.csv: line 2, column `time`",
            "allowed:",
        ],
    );
    std::fs::write(d.join("signins.csv"), "name,when\nalice,1\n").unwrap();
    refused(
        &["check", t],
        d,
        &["line 1", "allowed: the columns `user,time`"],
    );
    std::fs::remove_file(d.join("signins.csv")).unwrap();
    refused(&["check", t], d, &["signins.csv: not found"]);
    std::fs::write(
        d.join("variant.toml"),
        format!("{toml}[variants.a]\nsignin.trace = \"other.csv\"\n"),
    )
    .unwrap();
    refused(
        &["check", d.join("variant.toml").to_str().unwrap()],
        d,
        &["a variant cannot change `signin.trace`"],
    );
}
