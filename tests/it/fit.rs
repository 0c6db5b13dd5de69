//! `whfb-sim fit` through the binary, on exports written the way Windows, Azure AD
//! Connect and certutil write them: a pilot whose durations are known (drawn here from
//! lognormals unlike the defaults), cut off while some users still wait. The fit must
//! recover each median within its reported interval, count the censored users, and
//! write a scenario that loads.

use crate::common::{bin, run, stderr};
use rand::{Rng, SeedableRng};
use rand_distr::{Distribution, LogNormal};
use std::fmt::Write;
use std::path::Path;

const GUID_UDR: &str = "{23B8D46B-67DD-40A3-B636-D43E50552C6D}";
const GUID_HELLO: &str = "{906b8a99-63ce-58d7-86ab-10989bbd5567}";

fn time(secs: f64) -> String {
    // 2025-12-01T00:00:00Z is 1764547200 s after the epoch; 7 fractional digits, as
    // Get-WinEvent writes them.
    let t = 1_764_547_200.0 + secs;
    let whole = t.floor() as i64;
    let frac = ((t - whole as f64) * 1e7).round() as i64;
    let (days, tod) = (whole.div_euclid(86_400), whole.rem_euclid(86_400));
    let day = days - 20_423; // days since 2025-12-01
    format!(
        "2025-12-{:02}T{:02}:{:02}:{:02}.{frac:07}Z",
        1 + day,
        tod / 3_600,
        tod % 3_600 / 60,
        tod % 60
    )
}

fn event(out: &mut String, pc: &str, id: u32, guid: &str, at: f64, record: u64, data: &str) {
    let _ = writeln!(
        out,
        r#"<Event xmlns="http://schemas.microsoft.com/win/2004/08/events/event"><System><Provider Name="p" Guid="{guid}" /><EventID>{id}</EventID><TimeCreated SystemTime="{}" /><EventRecordID>{record}</EventRecordID><Channel>c</Channel><Computer>{pc}</Computer><Security UserID="S-1-5-21-9-{pc}" /></System><EventData>{data}</EventData></Event>"#,
        time(at)
    );
}

/// A pilot of `n` devices: the policy applies at 08:00; 90 % are ready at the first
/// sign-in; user steps lognormal(median 70 s, p95 200 s), key creation median 3 s, DRS
/// median 1.2 s; post-KB enrollment in seconds. The export ends at `end` seconds.
fn pilot(dir: &Path, n: usize, end: f64) {
    let mut rng = rand_pcg::Pcg64Mcg::seed_from_u64(42);
    let ln = |median: f64, p95: f64| {
        LogNormal::new(median.ln(), (p95.ln() - median.ln()) / 1.644_853_6).unwrap()
    };
    let (steps, key, drs) = (ln(70.0, 200.0), ln(3.0, 8.0), ln(1.2, 4.0));
    let mut xml = String::new();
    for i in 0..n {
        let pc = format!("PC{i:04}");
        let t0 = 8.0 * 3_600.0 + rng.random_range(0.0..3_600.0);
        let mut r = 0u64;
        let mut e = |id: u32, guid: &str, at: f64, data: &str, xml: &mut String| {
            r += 1;
            if at <= end {
                event(xml, &pc, id, guid, at, r, data);
            }
        };
        let ready_at = if rng.random::<f64>() < 0.9 {
            t0
        } else {
            e(
                360,
                GUID_UDR,
                t0,
                "<Data Name=\"DeviceIsJoined\">No</Data>",
                &mut xml,
            );
            t0 + 3_600.0 * 10.0
        };
        e(358, GUID_UDR, ready_at, "", &mut xml);
        let k0 = ready_at + steps.sample(&mut rng);
        e(3225, GUID_HELLO, k0, "", &mut xml);
        let kt = key.sample(&mut rng);
        let k1 = k0 + kt;
        e(
            8225,
            GUID_HELLO,
            k1,
            &format!(
                "<Data Name=\"ProcessingTime\">{}</Data>",
                kt.round().max(1.0)
            ),
            &mut xml,
        );
        e(3510, GUID_HELLO, k1 + 0.1, "", &mut xml);
        let reg = k1 + 0.1 + drs.sample(&mut rng);
        e(8510, GUID_HELLO, reg, "", &mut xml);
        e(300, GUID_UDR, reg, "", &mut xml);
        e(3066, GUID_HELLO, reg + 0.2, "", &mut xml);
        e(8066, GUID_HELLO, reg + 1.5, "", &mut xml);
        e(
            1006,
            "{bea18b89-126f-4155-9ee4-d36038b02680}",
            reg + 1.6,
            "",
            &mut xml,
        );
    }
    std::fs::write(dir.join("events.xml"), &xml).unwrap();
    // The same export again (an administrator ran wevtutil twice): deduplicated.
    std::fs::write(dir.join("events-again.xml"), &xml).unwrap();
}

fn fit(args: &[&str]) -> std::process::Output {
    bin().arg("fit").args(args).output().unwrap()
}

#[test]
fn a_pilot_s_durations_are_recovered_with_censoring_counted() {
    let d = tempfile::tempdir().unwrap();
    let exports = d.path().join("exports");
    std::fs::create_dir(&exports).unwrap();
    // Cut at 12:00: the devices not ready at first (ready 10 h later) are still waiting.
    pilot(&exports, 300, 12.0 * 3_600.0);
    let out = d.path().join("fitted");
    let o = fit(&[
        exports.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "--bootstrap",
        "99",
        "--quiet",
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let j: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("fit.json")).unwrap()).unwrap();
    let q = |name: &str| {
        j["quantities"]
            .as_array()
            .unwrap()
            .iter()
            .find(|q| q["quantity"] == name)
            .unwrap()
            .clone()
    };
    for (name, median) in [
        ("user_steps", 70.0),
        ("key_creation", 3.0),
        ("key_registration", 1.2),
    ] {
        let x = q(name);
        let chosen = &x["chosen"];
        assert_eq!(x["family"], "lognormal", "{name}: {x:#}");
        // The median of a lognormal is exp(μ): its interval comes from μ's.
        let [lo, hi] = [0, 1].map(|i| chosen["params_ci95"][0][i].as_f64().unwrap().exp());
        assert!(
            lo <= median && median <= hi,
            "{name}: {median} not in [{lo}, {hi}]"
        );
    }
    // Every device that was not ready is censored, and counted.
    let ttu = q("time_to_usable");
    assert!(ttu["censored"].as_u64().unwrap() >= 10, "{ttu:#}");
    assert_eq!(j["population"]["devices"], 300);
    assert!(j["population"]["censored_users"].as_u64().unwrap() >= 10);
    // Each event was read twice and counted once.
    let share = &j["shares"][0];
    assert_eq!(share["key"], "prerequisites.joined_share");
    let [lo, hi] = [0, 1].map(|i| share["ci95"][i].as_f64().unwrap());
    assert!(lo <= 0.9 && 0.9 <= hi, "{share}");
    let scenario = std::fs::read_to_string(out.join("scenario.toml")).unwrap();
    assert!(
        scenario.contains("latency = { dist = \"lognormal\""),
        "{scenario}"
    );
    assert!(
        scenario.contains("[variants.pilot]") && scenario.contains("patched = \"all\""),
        "{scenario}"
    );
    // The fitted scenario runs.
    let o = run(&["check", out.join("scenario.toml").to_str().unwrap()]);
    assert!(o.status.success(), "{}", stderr(&o));
    let md = std::fs::read_to_string(out.join("fit.md")).unwrap();
    assert!(
        md.contains("Still estimates") && md.contains("right-censored"),
        "{md}"
    );
    for q in ["user_steps", "key_creation", "key_registration"] {
        assert!(md.contains(&format!("charts/fit-{q}.svg")), "{md}");
        for ext in ["svg", "png"] {
            assert!(
                out.join(format!("charts/fit-{q}.{ext}")).is_file(),
                "fit-{q}.{ext}"
            );
        }
    }
    // Run twice into the same folder: the set is replaced.
    let o = fit(&[
        exports.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "--bootstrap",
        "0",
        "--quiet",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
}

#[test]
fn bad_exports_and_flags_exit_2_naming_them() {
    let d = tempfile::tempdir().unwrap();
    let bad = d.path().join("bad.json");
    std::fs::write(&bad, "{\"not\": \"an export\"}").unwrap();
    let out = d.path().join("o");
    let empty = d.path().join("empty");
    std::fs::create_dir(&empty).unwrap();
    let laughs = d.path().join("laughs.xml");
    std::fs::write(&laughs, r#"<?xml version="1.0"?><!DOCTYPE l [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;&a;">]><Event><System><EventID>&b;</EventID></System></Event>"#).unwrap();
    for (args, says) in [
        (vec![bad.to_str().unwrap()], "bad.json"),
        (vec![empty.to_str().unwrap()], "no export files"),
        (vec![laughs.to_str().unwrap()], "document type"),
        (
            vec![empty.to_str().unwrap(), "--bootstrap", "1000000"],
            "--bootstrap",
        ),
        (
            vec![empty.to_str().unwrap(), "--policy-start", "monday"],
            "--policy-start",
        ),
    ] {
        let mut all = args.clone();
        all.extend(["--out", out.to_str().unwrap()]);
        let o = fit(&all);
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {err}");
        assert!(err.contains(says), "{args:?}: {err}");
        assert!(!out.exists());
    }
}
