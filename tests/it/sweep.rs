//! `whfb-sim sweep` through the built binary: rows per point × variant, summary.json,
//! charts, byte-identical outputs whatever the thread count, and usage errors.

use crate::common::run;
use std::path::Path;
use std::process::Output;

const SYNC: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/scenarios/sweep-sync-interval.toml"
);
const FARM: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/scenarios/sweep-adfs-farm.toml"
);
const INTERVALS: [&str; 7] = ["30m", "1h", "2h", "3h", "4h", "6h", "8h"];

fn sweep_ok(args: &[&str], out: &Path) -> Output {
    let mut all = vec!["sweep"];
    all.extend_from_slice(args);
    all.extend_from_slice(&["--set", "pki.mode=off", "--out", out.to_str().unwrap()]);
    let o = run(&all);
    assert!(
        o.status.success(),
        "whfb-sim {all:?} failed: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    o
}

fn check_chart(dir: &Path, stem: &str) {
    let svg = std::fs::read_to_string(dir.join(format!("{stem}.svg"))).unwrap();
    assert!(
        svg.contains("<svg") && svg.trim_end().ends_with("</svg>"),
        "{stem}.svg"
    );
    let bytes = std::fs::read(dir.join(format!("{stem}.png"))).unwrap();
    assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n", "{stem}.png");
    let mut reader = png::Decoder::new(std::io::Cursor::new(bytes))
        .read_info()
        .unwrap();
    let mut buf = vec![0; reader.output_buffer_size()];
    let info = reader.next_frame(&mut buf).unwrap();
    assert!(info.width >= 600 && info.height >= 400, "{stem}.png");
}

#[test]
fn sync_interval_sweep_writes_a_row_per_point_and_variant() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path();
    let o = sweep_ok(&[SYNC, "--users", "200", "--replications", "2"], out);
    let table = String::from_utf8_lossy(&o.stdout);
    assert!(table.contains("7 points × 2 variants"), "{table}");

    let mut r = csv::Reader::from_path(out.join("sweep.csv")).unwrap();
    let header: Vec<String> = r.headers().unwrap().iter().map(String::from).collect();
    assert_eq!(
        &header[..9],
        [
            "aad_connect.interval",
            "variant",
            "replications",
            "users",
            "usable",
            "no_tpm",
            "gave_up",
            "pending",
            "rejected"
        ]
    );
    for stat in ["mean", "p50", "p90", "p95", "p99", "max"] {
        for suffix in ["s", "ci_lo_s", "ci_hi_s"] {
            let col = format!("ttu_{stat}_{suffix}");
            assert!(header.contains(&col), "missing {col}");
        }
    }
    let rows: Vec<csv::StringRecord> = r.records().map(|x| x.unwrap()).collect();
    assert_eq!(rows.len(), 7 * 2);
    for (i, row) in rows.iter().enumerate() {
        assert_eq!(&row[0], INTERVALS[i / 2]);
        assert_eq!(&row[1], ["pre-kb", "post-kb"][i % 2]);
        assert_eq!(&row[2], "2");
        assert_eq!(&row[3], "200");
        let col = |name: &str| &row[header.iter().position(|h| h == name).unwrap()];
        let (p95, lo, hi): (f64, f64, f64) = (
            col("ttu_p95_s").parse().unwrap(),
            col("ttu_p95_ci_lo_s").parse().unwrap(),
            col("ttu_p95_ci_hi_s").parse().unwrap(),
        );
        assert!(lo <= p95 && p95 <= hi, "row {i}");
        // Each variant after the first carries its paired difference from the first.
        for st in ["mean", "p50", "p90", "p95"] {
            let d = col(&format!("ttu_{st}_diff_s"));
            if i % 2 == 0 {
                assert!(d.is_empty() && col("against").is_empty(), "row {i}");
            } else {
                assert_eq!(col("against"), "pre-kb");
                let (d, lo, hi): (f64, f64, f64) = (
                    d.parse().unwrap(),
                    col(&format!("ttu_{st}_diff_ci_lo_s")).parse().unwrap(),
                    col(&format!("ttu_{st}_diff_ci_hi_s")).parse().unwrap(),
                );
                assert!(lo <= d && d <= hi, "row {i} {st}");
            }
        }
    }

    let s: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("summary.json")).unwrap()).unwrap();
    assert_eq!(s["pki_mode"], "off");
    assert_eq!(s["replications"], 2);
    assert_eq!(s["swept"][0]["key"], "aad_connect.interval");
    assert_eq!(s["swept"][0]["values"].as_array().unwrap().len(), 7);
    let points = s["points"].as_array().unwrap();
    assert_eq!(points.len(), 7);
    for (p, want) in points.iter().zip(INTERVALS) {
        assert_eq!(p["values"]["aad_connect.interval"], want);
        let variants = p["variants"].as_array().unwrap();
        assert_eq!(variants.len(), 2);
        for v in variants {
            assert!(v["outcomes"]["usable"].as_u64().unwrap() > 0);
            assert!(v["time_to_usable_s"]["p95"].as_f64().is_some());
            assert!(v["time_to_usable_s"]["ci95"].is_array());
            assert!(v["resources"]["aad_connect"].is_object());
        }
        assert_eq!(p["comparisons"].as_array().unwrap().len(), 4);
    }
    for stem in ["sweep-p50", "sweep-p95", "sweep-p99"] {
        check_chart(&out.join("charts"), stem);
    }
    let md = std::fs::read_to_string(out.join("report.md")).unwrap();
    assert!(
        md.contains("](charts/sweep-p95.svg)") && md.contains("**OFF**"),
        "{md}"
    );
}

#[test]
fn thread_count_does_not_change_sweep_outputs() {
    let a = tempfile::tempdir().unwrap();
    let b = tempfile::tempdir().unwrap();
    let args = [SYNC, "--users", "150", "--replications", "2", "--quiet"];
    let mut one = args.to_vec();
    one.extend(["--threads", "1"]);
    let mut two = args.to_vec();
    two.extend(["--threads", "2"]);
    sweep_ok(&one, a.path());
    sweep_ok(&two, b.path());
    let mut files = vec![
        "sweep.csv".to_string(),
        "summary.json".into(),
        "report.md".into(),
    ];
    for stem in ["sweep-p50", "sweep-p95", "sweep-p99"] {
        files.push(format!("charts/{stem}.svg"));
        files.push(format!("charts/{stem}.png"));
    }
    for f in files {
        let x = std::fs::read(a.path().join(&f)).unwrap();
        let y = std::fs::read(b.path().join(&f)).unwrap();
        assert!(x == y, "{f} differs between --threads 1 and --threads 2");
    }
}

#[test]
fn param_replaces_the_files_values_and_adds_keys() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path();
    sweep_ok(
        &[
            FARM,
            "--users",
            "150",
            "--param",
            "ca.workers=1,2",
            "--param",
            "adfs.workers=2,4",
            "--param",
            "aad_connect.interval=30m,1h",
            "--quiet",
        ],
        out,
    );
    let mut r = csv::Reader::from_path(out.join("sweep.csv")).unwrap();
    let header: Vec<String> = r.headers().unwrap().iter().map(String::from).collect();
    assert_eq!(
        &header[..4],
        [
            "ca.workers",
            "adfs.workers",
            "aad_connect.interval",
            "variant"
        ]
    );
    assert_eq!(r.records().count(), 2 * 2 * 2 * 2);
    for stem in ["sweep-p50", "sweep-p95", "sweep-p99"] {
        check_chart(&out.join("charts"), stem);
    }
}

#[test]
fn bad_params_are_usage_errors_that_name_the_key() {
    for (param, key) in [
        ("adfs.nosuch=1,2", "adfs.nosuch"),
        ("ca.workers=", "ca.workers"),
        ("ca.workers=1,0", "ca.workers"),
        ("aad_connect.interval=10m,1h", "aad_connect.interval"),
        ("aad_connect.interval=soon", "aad_connect.interval"),
        (
            "variants.pre-kb.adfs.patched=1",
            "variants.pre-kb.adfs.patched",
        ),
        ("ca.workers", "ca.workers"),
    ] {
        let o = run(&[
            "sweep",
            SYNC,
            "--users",
            "50",
            "--set",
            "pki.mode=off",
            "--quiet",
            "--param",
            param,
        ]);
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{param}: {err}");
        assert!(err.contains(key), "{param}: {err}");
        assert!(!err.contains("panicked"), "{param}: {err}");
    }
    // Nothing to sweep.
    let dir = tempfile::tempdir().unwrap();
    let plain = dir.path().join("plain.toml");
    std::fs::write(&plain, "users = 20\npki.mode = \"off\"\n").unwrap();
    let o = run(&["sweep", plain.to_str().unwrap(), "--quiet"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("nothing to sweep"));
}
