//! The outputs of `whfb-sim run`, checked through the built binary: every file and chart
//! is written, charts are real SVG and PNG, report.md says what it rests on, confidence
//! intervals appear with replications, and the event log matches users.csv.

use crate::common::{csv_rows, ok, run};
use std::collections::HashMap;
use std::path::Path;

/// Checks an SVG is a whole document and a PNG decodes; returns the PNG's size.
fn check_chart(dir: &Path, stem: &str) -> (u32, u32) {
    let svg = std::fs::read_to_string(dir.join(format!("{stem}.svg"))).unwrap();
    assert!(
        svg.contains("<svg") && svg.trim_end().ends_with("</svg>"),
        "{stem}.svg"
    );
    assert!(svg.contains("<text"), "{stem}.svg has no text");
    let bytes = std::fs::read(dir.join(format!("{stem}.png"))).unwrap();
    assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n", "{stem}.png signature");
    assert_eq!(&bytes[12..16], b"IHDR");
    let w = u32::from_be_bytes(bytes[16..20].try_into().unwrap());
    let h = u32::from_be_bytes(bytes[20..24].try_into().unwrap());
    assert!(w >= 600 && h >= 400, "{stem}.png is {w}x{h}");
    // A full decode checks every chunk's CRC and the compressed data.
    let mut reader = png::Decoder::new(std::io::Cursor::new(bytes))
        .read_info()
        .unwrap();
    let mut buf = vec![0; reader.output_buffer_size()];
    let info = reader.next_frame(&mut buf).unwrap();
    assert_eq!((info.width, info.height), (w, h));
    // Not a blank canvas: some pixels are dark (text, axes, lines).
    assert!(
        buf[..info.buffer_size()]
            .chunks(3)
            .filter(|p| p[0] < 100)
            .count()
            > 500,
        "{stem}.png looks empty"
    );
    (w, h)
}

#[test]
fn default_run_writes_every_output_and_chart() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path();
    ok(&[
        "run",
        "--users",
        "300",
        "--set",
        "pki.mode=off",
        "--quiet",
        "--out",
        out.to_str().unwrap(),
    ]);
    for f in [
        "summary.json",
        "users.csv",
        "resources.csv",
        "sync_cycles.csv",
        "report.md",
    ] {
        assert!(out.join(f).is_file(), "{f} missing");
    }
    assert!(
        !out.join("events.csv").exists(),
        "events.csv without --trace"
    );
    for stem in ["cdf", "histogram", "stages", "waiting", "resources"] {
        check_chart(&out.join("charts"), stem);
    }
    let md = std::fs::read_to_string(out.join("report.md")).unwrap();
    for want in [
        "**OFF**",
        "pki.mode = \"off\"",
        "no confidence intervals",
        "| variant | usable |",
        "](charts/cdf.svg)",
        "](charts/resources.svg)",
        "## Where the time goes",
        "95 % of all users usable within",
    ] {
        assert!(md.contains(want), "report.md lacks {want:?}");
    }
    // No file left half-written.
    let leftovers: Vec<_> = std::fs::read_dir(out)
        .unwrap()
        .chain(std::fs::read_dir(out.join("charts")).unwrap())
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains(".tmp-"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}

#[test]
fn resource_series_and_sync_log_are_complete() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path();
    ok(&[
        "run",
        "--users",
        "200",
        "--set",
        "pki.mode=off",
        "--set",
        "horizon=3d",
        "--quiet",
        "--out",
        out.to_str().unwrap(),
    ]);
    let (header, rows) = csv_rows(&out.join("resources.csv"));
    assert_eq!(
        header,
        [
            "variant",
            "replication",
            "resource",
            "bucket_start_s",
            "mean_busy",
            "max_busy",
            "mean_queue",
            "max_queue",
            "utilization"
        ]
    );
    // The run ends when the last user has an outcome and the last key is in AD: the last
    // milestone in users.csv.
    let (_, users) = csv_rows(&out.join("users.csv"));
    let end = users
        .iter()
        .filter(|u| u["variant"] == "pre-kb")
        .flat_map(|u| {
            u.iter()
                .filter(|(k, _)| k.ends_with("_s") && *k != "time_to_usable_s")
                .filter_map(|(_, v)| v.parse::<f64>().ok())
        })
        .fold(0.0, f64::max);
    assert!(end > 3600.0, "{end}");
    for res in ["adfs-1", "adfs-2", "ca", "drs", "aad_connect"] {
        let mine: Vec<_> = rows
            .iter()
            .filter(|r| r["resource"] == res && r["variant"] == "pre-kb")
            .collect();
        // 5-minute buckets up to the end of the run.
        assert_eq!(mine.len(), (end / 300.0).ceil() as usize, "{res}");
        for r in &mine {
            let u = &r["utilization"];
            if res == "drs" {
                assert!(u.is_empty(), "DRS has no servers: {r:?}");
            } else {
                let u: f64 = u.parse().unwrap();
                assert!((0.0..=1.0).contains(&u), "{r:?}");
            }
        }
    }
    let (header, cycles) = csv_rows(&out.join("sync_cycles.csv"));
    assert_eq!(
        &header[..11],
        [
            "variant",
            "replication",
            "cycle",
            "start_s",
            "cutoff_s",
            "end_s",
            "start_clock",
            "keys",
            "devices",
            "manual",
            "aborted"
        ]
    );
    let pre: Vec<_> = cycles.iter().filter(|c| c["variant"] == "pre-kb").collect();
    // A 30-minute interval over the run (plus at most one cycle an overrun pushed back).
    let expected = (end / 1800.0) as usize;
    assert!(
        (expected - 1..=expected + 1).contains(&pre.len()),
        "{} cycles for {end} s",
        pre.len()
    );
    let keys: u64 = pre.iter().map(|c| c["keys"].parse::<u64>().unwrap()).sum();
    let summary: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("summary.json")).unwrap()).unwrap();
    assert_eq!(
        keys,
        summary["variants"][0]["resources"]["aad_connect"]["arrivals"]
            .as_u64()
            .unwrap(),
        "keys carried = keys synced"
    );
    for c in &pre {
        let (s, e): (f64, f64) = (c["start_s"].parse().unwrap(), c["end_s"].parse().unwrap());
        let cut: f64 = c["cutoff_s"].parse().unwrap();
        assert!(s <= cut && cut <= e, "{c:?}");
    }
}

#[test]
fn replications_give_every_pooled_figure_an_interval() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path();
    let o = ok(&[
        "run",
        "--users",
        "200",
        "--replications",
        "3",
        "--set",
        "pki.mode=off",
        "--out",
        out.to_str().unwrap(),
    ]);
    let table = String::from_utf8_lossy(&o.stdout);
    assert!(table.contains("3 replications"), "{table}");
    assert!(table.contains("95% CI"), "{table}");
    let s: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("summary.json")).unwrap()).unwrap();
    assert_eq!(s["replications"], 3);
    for v in s["variants"].as_array().unwrap() {
        let t = &v["time_to_usable_s"];
        assert_eq!(t["ci_replications"], 3);
        assert_eq!(t["ci95"], t["ci95_by_stat"]["mean"]);
        for stat in ["mean", "p50", "p90", "p95", "p99"] {
            let x = t[stat].as_f64().unwrap();
            let ci = t["ci95_by_stat"][stat].as_array().unwrap();
            let (lo, hi) = (ci[0].as_f64().unwrap(), ci[1].as_f64().unwrap());
            assert!(lo <= x && x <= hi, "{stat}: {x} outside [{lo}, {hi}]");
        }
        // The largest of all users has no interval across replications.
        assert!(t["ci95_by_stat"]["max"].is_null(), "{t}");
        assert!(
            t["on_plateau"].is_array() && t["plateau_s"].is_object(),
            "{t}"
        );
    }
    let md = std::fs::read_to_string(out.join("report.md")).unwrap();
    assert!(
        md.contains("pooled users of all 3 replications"),
        "report.md"
    );
    assert!(
        md.contains(" [") && md.contains("–"),
        "intervals in the markdown table"
    );
}

/// Type-7 quantile, as the summary's, written out again so the test checks the summary
/// against users.csv rather than against itself.
fn type7(sorted: &[f64], p: f64) -> f64 {
    let h = (sorted.len() - 1) as f64 * p;
    let (lo, hi) = (h.floor() as usize, h.ceil() as usize);
    sorted[lo] + (h - lo as f64) * (sorted[hi] - sorted[lo])
}

#[test]
fn pooled_percentiles_of_five_replications_match_users_csv_and_variants_are_compared() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path();
    let o = ok(&[
        "run",
        "--users",
        "300",
        "--replications",
        "5",
        "--set",
        "pki.mode=off",
        "--out",
        out.to_str().unwrap(),
    ]);
    let s: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("summary.json")).unwrap()).unwrap();
    let (_, rows) = csv_rows(&out.join("users.csv"));
    let mut pooled: HashMap<String, Vec<f64>> = HashMap::new();
    for r in &rows {
        if let Ok(t) = r["time_to_usable_s"].parse::<f64>() {
            pooled.entry(r["variant"].clone()).or_default().push(t);
        }
    }
    let variants = s["variants"].as_array().unwrap();
    let mut p50 = Vec::new();
    for v in variants {
        let name = v["name"].as_str().unwrap();
        let mut times = pooled.remove(name).unwrap();
        times.sort_unstable_by(f64::total_cmp);
        let t = &v["time_to_usable_s"];
        assert_eq!(t["n"].as_u64().unwrap() as usize, times.len());
        for (stat, p) in [("p50", 0.5), ("p90", 0.9), ("p95", 0.95), ("p99", 0.99)] {
            let want = type7(&times, p);
            let got = t[stat].as_f64().unwrap();
            // users.csv has milliseconds.
            assert!(
                (got - want).abs() < 0.01,
                "{name} {stat}: {got} vs users.csv {want}"
            );
        }
        assert!((t["max"].as_f64().unwrap() - times.last().unwrap()).abs() < 0.01);
        p50.push(t["p50"].as_f64().unwrap());
    }
    // post-kb against pre-kb: one entry per compared figure; a percentile's difference is
    // the difference of the pooled percentiles, inside its paired interval.
    let cmp = s["comparisons"].as_array().unwrap();
    let figures: Vec<&str> = cmp.iter().map(|c| c["figure"].as_str().unwrap()).collect();
    assert_eq!(figures, ["mean", "p50", "p90", "p95"]);
    for c in cmp {
        assert_eq!(c["variant"], "post-kb");
        assert_eq!(c["against"], "pre-kb");
        let d = c["difference"].as_f64().unwrap();
        let ci = c["ci95"].as_array().unwrap();
        let (lo, hi) = (ci[0].as_f64().unwrap(), ci[1].as_f64().unwrap());
        assert!(lo <= d && d <= hi, "{c}");
    }
    let d50 = cmp[1]["difference"].as_f64().unwrap();
    assert!((d50 - (p50[1] - p50[0])).abs() < 1e-3, "{d50} vs {p50:?}");
    assert!(d50 < 0.0, "post-kb is faster at the median");
    assert_eq!(cmp[0]["pairing"], "user");
    assert_eq!(cmp[0]["paired_users"].as_u64().unwrap(), 1500);
    let table = String::from_utf8_lossy(&o.stdout);
    assert!(table.contains("post-kb − pre-kb, p50: −"), "{table}");
    let md = std::fs::read_to_string(out.join("report.md")).unwrap();
    assert!(md.contains("### Paired differences") && md.contains("- post-kb − pre-kb, p95: "));
}

#[test]
fn the_default_scenario_p95_sits_on_a_plateau_and_the_report_says_who_is_on_each_side() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path();
    let o = ok(&[
        "run",
        "--set",
        "pki.mode=off",
        "--out",
        out.to_str().unwrap(),
    ]);
    let s: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("summary.json")).unwrap()).unwrap();
    for v in s["variants"].as_array().unwrap() {
        let t = &v["time_to_usable_s"];
        let flagged: Vec<&str> = t["on_plateau"]
            .as_array()
            .unwrap()
            .iter()
            .map(|x| x.as_str().unwrap())
            .collect();
        assert!(flagged.contains(&"p95"), "{}: {flagged:?}", v["name"]);
        assert!(!flagged.contains(&"p50"), "{}: {flagged:?}", v["name"]);
        let sides = t["plateau_s"]["p95"].as_array().unwrap();
        let (below, above) = (sides[0].as_f64().unwrap(), sides[1].as_f64().unwrap());
        let p95 = t["p95"].as_f64().unwrap();
        assert!(below <= p95 && p95 <= above && above > 2.0 * below, "{t}");
    }
    let table = String::from_utf8_lossy(&o.stdout);
    assert!(table.contains("* on a plateau"), "{table}");
    let md = std::fs::read_to_string(out.join("report.md")).unwrap();
    assert!(
        md.contains("**pre-kb p95**") && md.contains("sits on a plateau"),
        "{md}"
    );
    assert!(md.contains("had their device ready at the first sign-in"));
}

#[test]
fn one_replication_has_no_interval() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path();
    let o = ok(&[
        "run",
        "--users",
        "100",
        "--set",
        "pki.mode=off",
        "--out",
        out.to_str().unwrap(),
    ]);
    let table = String::from_utf8_lossy(&o.stdout);
    assert!(table.contains("no confidence intervals"), "{table}");
    let s: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("summary.json")).unwrap()).unwrap();
    let t = &s["variants"][0]["time_to_usable_s"];
    assert!(t["ci95"].is_null());
    assert_eq!(t["ci_replications"], 0);
}

#[test]
fn traced_users_events_are_ordered_and_match_users_csv() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path();
    ok(&[
        "run",
        "--users",
        "200",
        "--set",
        "pki.mode=off",
        "--trace-users",
        "1,5,9",
        "--quiet",
        "--out",
        out.to_str().unwrap(),
    ]);
    let (header, events) = csv_rows(&out.join("events.csv"));
    assert_eq!(
        header,
        [
            "variant",
            "replication",
            "time_s",
            "clock",
            "user",
            "step",
            "event_id",
            "message"
        ]
    );
    let (_, users) = csv_rows(&out.join("users.csv"));
    let mut seen = 0;
    for variant in ["pre-kb", "post-kb"] {
        for id in ["1", "5", "9"] {
            let mine: Vec<_> = events
                .iter()
                .filter(|e| e["variant"] == variant && e["user"] == id)
                .collect();
            assert!(!mine.is_empty(), "{variant} user {id} has no events");
            let times: Vec<f64> = mine.iter().map(|e| e["time_s"].parse().unwrap()).collect();
            assert!(
                times.windows(2).all(|w| w[0] <= w[1]),
                "{variant} {id}: {times:?}"
            );
            let row = users
                .iter()
                .find(|u| u["variant"] == variant && u["user"] == id)
                .unwrap();
            let first = |step: &str| {
                mine.iter()
                    .find(|e| e["step"] == step)
                    .map(|e| e["time_s"].clone())
                    .unwrap_or_default()
            };
            assert_eq!(first("sign_in"), row["signin_s"], "{variant} {id}");
            assert_eq!(
                first("key_registered"),
                row["key_registered_s"],
                "{variant} {id}"
            );
            assert_eq!(first("usable"), row["usable_s"], "{variant} {id}");
            assert_eq!(
                first("certificate_issued"),
                row["cert_issued_s"],
                "{variant} {id}"
            );
            for e in &mine {
                if e["step"] == "key_registered" {
                    assert_eq!(e["event_id"], "300");
                }
                // `Mon 08:14:03`: a weekday, then the clock time of time_s.
                let t: f64 = e["time_s"].parse().unwrap();
                let s = t as u64;
                let clock = format!(
                    "{:02}:{:02}:{:02}",
                    (s % 86_400) / 3_600,
                    (s % 3_600) / 60,
                    s % 60
                );
                assert!(e["clock"].ends_with(&clock), "{e:?}");
            }
            seen += 1;
        }
    }
    assert_eq!(seen, 6);
    assert!(
        events
            .iter()
            .all(|e| ["1", "5", "9"].contains(&e["user"].as_str())),
        "only the traced users"
    );
    assert!(
        events.iter().any(|e| e["event_id"] == "358"),
        "provisioning launch events"
    );
    let md = std::fs::read_to_string(out.join("report.md")).unwrap();
    assert!(md.contains("`events.csv`"));
}

#[test]
fn unknown_trace_user_is_a_usage_error() {
    let o = run(&[
        "run",
        "--users",
        "10",
        "--set",
        "pki.mode=off",
        "--trace-users",
        "10",
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("--trace-users"));
}
