//! Golden outputs: every shipped scenario run through `run`, `sweep`, `plan` and
//! `sensitivity` with small settings, and the SHA-256 of every file each writes compared
//! with `tests/golden/outputs.sha256`. A refactoring that must not change any output
//! (entry points, validation, report layout) proves it here byte for byte.
//!
//! `WHFB_SIM_BLESS=1 cargo test --test it golden_outputs::` rewrites the manifest; review its
//! diff before committing it, since every changed line is a changed output.
//!
//! No file is left out: two identical runs write identical bytes (charts included: the
//! PNG and SVG backends draw with an embedded font and write no timestamps), and the
//! outputs hold no wall-clock times and do not depend on the number of threads.
//! The hashes pin this platform: `f64::ln`, `exp` and the like come from the system's
//! libm, whose last bits may differ on another one, so a manifest made elsewhere may
//! need blessing once, after checking that only such bits moved.
//!
//! Self-contained on purpose (no `tests/common`), so that it can be moved into a single
//! test binary as it is.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

/// The manifest, relative to the crate root.
const MANIFEST: &str = "tests/golden/outputs.sha256";

/// Settings that keep every case to about a second in a debug build.
const SMALL: &[&str] = &[
    "--users",
    "200",
    "--replications",
    "2",
    "--set",
    "pki.mode=off",
];

/// One command to run: its name (the folder its outputs are listed under) and arguments
/// (without `--out` and `--quiet`, which every case gets).
struct Case {
    name: String,
    args: Vec<String>,
}

fn case(name: impl Into<String>, args: &[&str]) -> Case {
    Case {
        name: name.into(),
        args: args.iter().map(|s| s.to_string()).collect(),
    }
}

/// The scenarios the repository ships, by file stem, in name order.
fn shipped_scenarios() -> Vec<(String, PathBuf)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios");
    let mut out: Vec<(String, PathBuf)> = std::fs::read_dir(&dir)
        .expect("read scenarios/")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .map(|p| {
            let stem = p.file_stem().expect("stem").to_string_lossy().into_owned();
            (stem, p)
        })
        .collect();
    out.sort();
    out
}

fn cases() -> Vec<Case> {
    let scenarios = shipped_scenarios();
    let path_of = |stem: &str| -> String {
        scenarios
            .iter()
            .find(|(s, _)| s == stem)
            .unwrap_or_else(|| panic!("scenarios/{stem}.toml is not shipped any more"))
            .1
            .display()
            .to_string()
    };
    let mut out = vec![case("run/embedded-default", &["run"])];
    out[0].args.extend(SMALL.iter().map(|s| s.to_string()));
    for (stem, path) in &scenarios {
        let mut c = case(format!("run/{stem}"), &["run", &path.display().to_string()]);
        c.args.extend(SMALL.iter().map(|s| s.to_string()));
        out.push(c);
    }
    // Real cryptography on a handful of users (its simulated durations come from
    // pki.timing, so the keys themselves do not show in the outputs).
    out.push(case(
        "run/default-pki-real",
        &["run", "--users", "20", "--replications", "1"],
    ));
    let default = path_of("default");
    let sync = path_of("sweep-sync-interval");
    let farm = path_of("sweep-adfs-farm");
    let plan = path_of("plan-20k");
    let sync3h = path_of("sync-3h");
    out.extend([
        case(
            "run/default-trace-users",
            &[
                "run",
                &default,
                "--users",
                "50",
                "--replications",
                "1",
                "--set",
                "pki.mode=off",
                "--trace-users",
                "1,7",
            ],
        ),
        // The run written as a pilot's exports: events XML per device, run history,
        // certutil CSV, sign-in CSV.
        case(
            "run/default-trace-format",
            &[
                "run",
                &default,
                "--users",
                "30",
                "--replications",
                "1",
                "--set",
                "pki.mode=off",
                "--trace-format",
                "windows-xml",
            ],
        ),
        case(
            "run/default-precision",
            &[
                "run",
                &default,
                "--users",
                "200",
                "--set",
                "pki.mode=off",
                "--precision",
                "20%",
                "--max-replications",
                "4",
            ],
        ),
        // Its shipped 5 replications, cut to 2 on fewer users.
        case(
            "sweep/sweep-sync-interval",
            &[
                "sweep",
                &sync,
                "--users",
                "100",
                "--replications",
                "2",
                "--set",
                "pki.mode=off",
            ],
        ),
        case(
            "sweep/sweep-adfs-farm",
            &[
                "sweep",
                &farm,
                "--users",
                "200",
                "--replications",
                "1",
                "--set",
                "pki.mode=off",
                "--param",
                "ca.workers=1,2",
                "--param",
                "adfs.workers=2,4",
            ],
        ),
        case(
            "sweep/sweep-sync-interval-precision",
            &[
                "sweep",
                &sync,
                "--users",
                "200",
                "--replications",
                "2",
                "--set",
                "pki.mode=off",
                "--param",
                "aad_connect.interval=30m,2h",
                "--precision",
                "20%",
                "--max-replications",
                "4",
            ],
        ),
        case(
            "plan/plan-20k",
            &[
                "plan",
                &plan,
                "--users",
                "1000",
                "--replications",
                "2",
                "--set",
                "pki.mode=off",
                "--target",
                "post-kb.time_to_usable.p95<=5m",
                "--search",
                "adfs.servers=1..3",
                "--search",
                "ca.workers=1..3",
            ],
        ),
        case(
            "sensitivity/sync-3h-oat",
            &[
                "sensitivity",
                &sync3h,
                "--users",
                "200",
                "--replications",
                "1",
                "--set",
                "pki.mode=off",
                "--figure",
                "post-kb.time_to_usable.p95",
            ],
        ),
        case(
            "sensitivity/sync-3h-morris",
            &[
                "sensitivity",
                &sync3h,
                "--users",
                "200",
                "--replications",
                "1",
                "--set",
                "pki.mode=off",
                "--figure",
                "post-kb.time_to_usable.p95",
                "--method",
                "morris",
                "--trajectories",
                "2",
            ],
        ),
    ]);
    out
}

/// Every file under `dir`, by `/`-separated relative path.
fn files(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    fn walk(root: &Path, d: &Path, out: &mut BTreeMap<String, Vec<u8>>) {
        for e in std::fs::read_dir(d).expect("read_dir") {
            let p = e.expect("entry").path();
            if p.is_dir() {
                walk(root, &p, out);
            } else {
                let rel = p.strip_prefix(root).expect("prefix");
                let rel: Vec<String> = rel
                    .components()
                    .map(|c| c.as_os_str().to_string_lossy().into_owned())
                    .collect();
                out.insert(rel.join("/"), std::fs::read(&p).expect("read"));
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(dir, dir, &mut out);
    out
}

fn sha256_hex(bytes: &[u8]) -> String {
    aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, bytes)
        .as_ref()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Runs every case and lists `<sha256>  <case>/<file>` for each output, sorted.
fn manifest() -> String {
    let bin = crate::common::BIN;
    let tmp = tempfile::tempdir().expect("tempdir");
    let keys = tmp.path().join("keys");
    let mut lines = Vec::new();
    for c in cases() {
        let out = tmp.path().join(c.name.replace('/', "__"));
        let run = Command::new(bin)
            .args(&c.args)
            .arg("--quiet")
            .arg("--out")
            .arg(&out)
            .env("WHFB_SIM_KEY_CACHE", &keys)
            .env_remove("SLURM_ARRAY_TASK_ID")
            .env_remove("JOB_COMPLETION_INDEX")
            .output()
            .expect("spawn whfb-sim");
        assert!(
            run.status.success(),
            "{}: whfb-sim {:?} failed: {}\n{}",
            c.name,
            c.args,
            run.status,
            String::from_utf8_lossy(&run.stderr)
        );
        let written = files(&out);
        assert!(!written.is_empty(), "{}: wrote no files", c.name);
        for (rel, bytes) in written {
            lines.push(format!("{}  {}/{rel}", sha256_hex(&bytes), c.name));
        }
    }
    lines.sort_by(|a, b| a[64..].cmp(&b[64..]));
    let mut text = lines.join("\n");
    text.push('\n');
    text
}

#[test]
fn outputs_match_the_golden_manifest() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(MANIFEST);
    let now = manifest();
    if std::env::var_os("WHFB_SIM_BLESS").is_some_and(|v| v == "1") {
        std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
        std::fs::write(&path, &now).expect("write manifest");
        return;
    }
    let golden = std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!(
            "{}: {e}; create it with WHFB_SIM_BLESS=1 cargo test --test it golden_outputs::",
            path.display()
        )
    });
    let by_file = |text: &str| -> BTreeMap<String, String> {
        text.lines()
            .filter_map(|l| l.split_once("  "))
            .map(|(h, f)| (f.to_string(), h.to_string()))
            .collect()
    };
    let (want, got) = (by_file(&golden), by_file(&now));
    let mut problems = Vec::new();
    for (f, h) in &want {
        match got.get(f) {
            None => problems.push(format!("missing now: {f}")),
            Some(g) if g != h => problems.push(format!("changed: {f}")),
            Some(_) => {}
        }
    }
    for f in got.keys().filter(|f| !want.contains_key(*f)) {
        problems.push(format!("new: {f}"));
    }
    assert!(
        problems.is_empty(),
        "outputs differ from {MANIFEST} (WHFB_SIM_BLESS=1 rewrites it if the change is meant):\n{}",
        problems.join("\n")
    );
}

/// The comparison would pass vacuously if a case wrote nothing or the manifest were
/// empty; this pins that the manifest lists every case.
#[test]
fn the_manifest_lists_every_case() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(MANIFEST);
    let golden =
        std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    for c in cases() {
        let prefix = format!("{}/", c.name);
        assert!(
            golden
                .lines()
                .filter_map(|l| l.split_once("  "))
                .any(|(_, f)| f.starts_with(&prefix)),
            "{MANIFEST} has no file of case {}",
            c.name
        );
    }
}
