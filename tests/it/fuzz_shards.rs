//! Fuzzing kept in the repository, beside `fuzz_scenario.rs`: shard results of a small
//! sharded run (a fault window, so shadow runs; traced users) with their manifests and
//! units mutated, and the sizes, checksums and fingerprint recomputed so that the damage
//! gets past the integrity checks to the parser and to the checks that hold a shard to
//! its job. `merge` may accept or refuse each (a usage error, exit 2), but never panic,
//! fail otherwise, or leave anything behind. Most cases go through everything `merge`
//! does but drawing the charts (opening the set, reading every unit back, the summary,
//! every CSV, the report and the terminal table); fewer run the whole command. The case
//! counts keep it to about five seconds of a debug build on two cores; the counts of
//! accepted and refused cases are printed (`-- --nocapture`). `WHFB_FUZZ_CASES=N` runs N
//! cases of each instead (a longer soak, e.g. on a release build).
#![cfg(unix)]

use crate::common::shard_edit::*;
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use whfb_sim::commands::cluster::{merge, MergeArgs};
use whfb_sim::commands::{CommonArgs, RunArgs, SimArgs};
use whfb_sim::error::{is_usage, UsageError};
use whfb_sim::model::TraceFilter;
use whfb_sim::report;
use whfb_sim::run::cost;
use whfb_sim::run::shard::{merge as shard_merge, Job, Work};

/// Values a hostile editor puts in a JSON field.
fn hostile() -> Vec<Value> {
    vec![
        Value::Null,
        true.into(),
        0.into(),
        1.into(),
        (-1).into(),
        u32::MAX.into(),
        (u32::MAX as u64 + 1).into(),
        u64::MAX.into(),
        i64::MIN.into(),
        f64::MAX.into(),
        (-f64::MAX).into(),
        1e-300.into(),
        0.5.into(),
        1e15.into(),
        1e16.into(),
        "".into(),
        "..".into(),
        "/etc/passwd".into(),
        "x".repeat(5000).into(),
        "adfs-1".into(),
        "p0-v0-r0".into(),
        "whfb-sim-shard/1".into(),
        Value::Array(Vec::new()),
        Value::Object(Default::default()),
        serde_json::json!([0, 0, 0, 0, 0]),
        serde_json::json!({ "point": 0, "variant": 0, "replication": 0 }),
    ]
}

/// A tiny deterministic generator, so that one `u64` from proptest drives a mutation.
struct Dice(u64);

impl Dice {
    fn next(&mut self) -> u64 {
        // SplitMix64.
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

/// Changes one node of `v`, found by walking down from the top choosing a child at random
/// (so every part of the document is as likely as the series, which hold most nodes).
fn mutate(v: &mut Value, dice: &mut Dice, values: &[Value]) {
    let mut cur = v;
    let mut depth = 0;
    loop {
        // Not at the top two levels (`format`, `unit` and `id`, which any change makes a
        // plain refusal), then one in five.
        let stop = depth >= 2 && dice.below(5) == 0;
        depth += 1;
        let len = match &*cur {
            Value::Array(a) => a.len(),
            Value::Object(o) => o.len(),
            _ => 0,
        };
        if len == 0 || stop {
            break;
        }
        let i = dice.below(len);
        let next_is_leaf = match &*cur {
            Value::Array(a) => !(a[i].is_array() || a[i].is_object()),
            Value::Object(o) => o
                .values()
                .nth(i)
                .is_some_and(|c| !(c.is_array() || c.is_object())),
            _ => true,
        };
        // At a leaf's parent, act on the parent now and then: remove, duplicate, cut.
        if next_is_leaf && dice.below(10) == 0 {
            match cur {
                Value::Array(a) => match dice.below(3) {
                    0 => {
                        a.remove(i);
                    }
                    1 => {
                        let c = a[i].clone();
                        a.insert(i, c);
                    }
                    _ => a.truncate(i),
                },
                Value::Object(o) => {
                    let key = o.keys().nth(i).cloned().unwrap_or_default();
                    o.remove(&key);
                }
                _ => {}
            }
            return;
        }
        cur = match cur {
            Value::Array(a) => &mut a[i],
            Value::Object(o) => o.values_mut().nth(i).expect("child"),
            _ => unreachable!(),
        };
    }
    *cur = if dice.below(2) == 0 {
        near(cur, dice)
    } else {
        values[dice.below(values.len())].clone()
    };
}

/// A value of the same kind as `v`, near it or at an edge: what gets past the parser to
/// the checks and, when they allow it, to the reducers.
fn near(v: &Value, dice: &mut Dice) -> Value {
    match v {
        Value::Bool(b) => (!b).into(),
        Value::Null => [0u64, 1, 3_600_000_000, u64::MAX][dice.below(4)].into(),
        Value::Number(n) if n.is_u64() => {
            let x = n.as_u64().unwrap_or(0);
            [
                0,
                1,
                x.saturating_sub(1),
                x.saturating_add(1),
                x.saturating_mul(2),
                x / 2,
                x.saturating_add(3_600_000_000),
                u64::from(u32::MAX),
            ][dice.below(8)]
            .into()
        }
        Value::Number(n) => {
            let x = n.as_f64().unwrap_or(0.0);
            [0.0, x * 2.0, x / 2.0, x + 1.0, -x, 1.0 + 1e-6, 1e15][dice.below(7)].into()
        }
        Value::String(s) => {
            let mut t = s.clone();
            t.push('1');
            [t.into(), Value::from(""), Value::from(s.to_uppercase())][dice.below(3)].clone()
        }
        other => other.clone(),
    }
}

/// What a case changes.
#[derive(Debug, Clone)]
enum Target {
    /// A node of shard `k`'s manifest (the fingerprint recomputed when the job still reads).
    Manifest(usize),
    /// A node of unit `i` of shard `k`.
    Unit(usize, usize),
    /// A byte of unit `i` of shard `k`'s JSON text, replaced.
    UnitText(usize, usize),
}

fn target() -> impl Strategy<Value = (Target, u64)> {
    let t = prop_oneof![
        2 => (0..2usize).prop_map(Target::Manifest),
        6 => (0..2usize, 0..8usize).prop_map(|(k, i)| Target::Unit(k, i)),
        1 => (0..2usize, 0..8usize).prop_map(|(k, i)| Target::UnitText(k, i)),
    ];
    (t, any::<u64>())
}

/// Applies the mutations to the shard folders `dirs`.
fn apply(dirs: &[PathBuf], muts: &[(Target, u64)], values: &[Value]) {
    for (t, seed) in muts {
        let mut dice = Dice(*seed);
        match *t {
            Target::Manifest(k) => {
                let mut m = manifest(&dirs[k]);
                mutate(&mut m, &mut dice, values);
                if let Some(f) = fingerprint(&m["job"]) {
                    if m.is_object() {
                        m["fingerprint"] = f.into();
                    }
                }
                write_manifest(&dirs[k], &m);
            }
            Target::Unit(k, i) | Target::UnitText(k, i) => {
                let m = manifest(&dirs[k]);
                let n = m["units"].as_array().map_or(0, |u| u.len());
                if n == 0 || m["units"][i % n]["file"].as_str().is_none() {
                    continue;
                }
                let i = i % n;
                let Ok(gz) = std::fs::read(unit_path(&dirs[k], i)) else {
                    continue;
                };
                let mut json = Vec::new();
                if std::io::Read::read_to_end(&mut flate2::read::GzDecoder::new(&gz[..]), &mut json)
                    .is_err()
                {
                    continue;
                }
                if let Target::UnitText(..) = t {
                    if !json.is_empty() {
                        let at = dice.below(json.len());
                        json[at] = b"{}[],:\"0-e.x \\"[dice.below(13)];
                    }
                } else {
                    let Ok(mut v) = serde_json::from_slice::<Value>(&json) else {
                        continue;
                    };
                    // Mostly inside the simulation's output, where the checks are.
                    match v.pointer_mut("/unit/run") {
                        Some(run) if dice.below(8) != 0 => mutate(run, &mut dice, values),
                        _ => mutate(&mut v, &mut dice, values),
                    }
                    json = serde_json::to_vec(&v).expect("JSON");
                }
                put_unit_bytes(&dirs[k], i, &json);
            }
        }
    }
}

/// Cases of a test: `default`, or `WHFB_FUZZ_CASES` for a longer soak.
fn cases(default: u32) -> u32 {
    std::env::var("WHFB_FUZZ_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// Accepted and refused cases, for the report.
#[derive(Default)]
struct Tally {
    accepted: AtomicUsize,
    refused: AtomicUsize,
}

/// The base shard results: `run drs-outage.toml` with 12 users, 2 replications, crypto
/// off, a short horizon, users 1 and 5 traced, in 2 shards.
fn base(root: &Path) -> Vec<PathBuf> {
    let scenario = concat!(env!("CARGO_MANIFEST_DIR"), "/scenarios/drs-outage.toml");
    (1..=2)
        .map(|k| {
            let dir = root.join(format!("base-{k}"));
            let args = RunArgs {
                scenario: Some(scenario.into()),
                common: CommonArgs {
                    out: Some(dir.clone()),
                    sim: SimArgs {
                        users: Some(12),
                        replications: Some(2),
                        threads: Some(1),
                        sets: ["pki.mode=off", "horizon=3d", "report.series_bucket=30m"]
                            .map(String::from)
                            .to_vec(),
                        quiet: true,
                        ..SimArgs::default()
                    },
                    shard: Some(format!("{k}/2")),
                    shards: None,
                },
                trace_users: vec![1, 5],
                ..RunArgs::default()
            };
            whfb_sim::commands::run(&args).unwrap_or_else(|e| panic!("base shard {k}: {e}"));
            dir
        })
        .collect()
}

/// Copies the base shards into a fresh folder under `root` and damages them.
fn case_dirs(
    root: &Path,
    base: &[PathBuf],
    muts: &[(Target, u64)],
) -> (tempfile::TempDir, Vec<PathBuf>) {
    let tmp = tempfile::tempdir_in(root).expect("temp dir");
    let dirs: Vec<PathBuf> = base
        .iter()
        .enumerate()
        .map(|(k, b)| {
            let d = tmp.path().join(format!("s{k}"));
            copy_shard(b, &d);
            d
        })
        .collect();
    apply(&dirs, muts, &hostile());
    (tmp, dirs)
}

/// Everything `merge` does with a run's shards but drawing the charts: open and check the
/// set (held to the default limits), read point 0 back, and build every file but the
/// charts and the terminal table. A refusal must be a message.
fn merge_without_charts(dirs: &[PathBuf]) -> Result<(), UsageError> {
    let admit = |job: &Job, work: &Work| -> Result<(), UsageError> {
        cost::admit_run(&work.scenario, &job.trace, Some(1), false).map(|_| ())
    };
    let set = shard_merge::open(dirs, &admit)?;
    let result = set.read_point(0)?;
    let info = report::RunInfo::new(&set.work.scenario, set.job.trace != TraceFilter::Off);
    let summary = report::summary::summarize(&result, info.horizon_s);
    serde_json::to_vec_pretty(&summary).expect("the summary serialises");
    report::users_csv::users_csv(&result).expect("users.csv");
    report::resources_csv::resources_csv(&result, &info.capacities).expect("resources.csv");
    report::sync_cycles_csv::sync_cycles_csv(&result).expect("sync_cycles.csv");
    report::events_csv::events_csv(&result).expect("events.csv");
    report::markdown::run_report(&result, &summary, &info);
    report::table::comparison_table(&summary, "OFF");
    report::capacity_findings::terminal_lines(&summary);
    Ok(())
}

fn report_tally(what: &str, t: &Tally) {
    eprintln!(
        "fuzz {what}: {} accepted, {} refused",
        t.accepted.load(Ordering::Relaxed),
        t.refused.load(Ordering::Relaxed)
    );
}

#[test]
fn mutated_shards_never_panic_through_every_reducer() {
    static TALLY: Tally = Tally {
        accepted: AtomicUsize::new(0),
        refused: AtomicUsize::new(0),
    };
    let root = tempfile::tempdir().expect("temp dir");
    let base = base(root.path());
    // The base itself merges.
    merge_without_charts(&base).expect("the base shards merge");
    let mut runner = TestRunner::new(Config {
        cases: cases(120),
        failure_persistence: None,
        ..Config::default()
    });
    runner
        .run(&prop::collection::vec(target(), 1..4), |muts| {
            let (_tmp, dirs) = case_dirs(root.path(), &base, &muts);
            match merge_without_charts(&dirs) {
                Ok(()) => TALLY.accepted.fetch_add(1, Ordering::Relaxed),
                Err(e) => {
                    let m = e.to_string();
                    if std::env::var_os("FUZZ_SHOW").is_some() {
                        eprintln!(
                            "REFUSED {} {}",
                            m.len(),
                            m.chars().take(200).collect::<String>()
                        );
                    }
                    prop_assert!(!m.is_empty() && m.len() < 4096, "{m}");
                    TALLY.refused.fetch_add(1, Ordering::Relaxed)
                }
            };
            Ok(())
        })
        .expect("no mutated shard panics");
    report_tally("shard results, reducers", &TALLY);
}

#[test]
fn mutated_shards_merge_whole_or_are_refused_leaving_nothing() {
    static TALLY: Tally = Tally {
        accepted: AtomicUsize::new(0),
        refused: AtomicUsize::new(0),
    };
    let root = tempfile::tempdir().expect("temp dir");
    let base = base(root.path());
    let mut runner = TestRunner::new(Config {
        cases: cases(12),
        failure_persistence: None,
        ..Config::default()
    });
    runner
        .run(&prop::collection::vec(target(), 1..3), |muts| {
            let (tmp, dirs) = case_dirs(root.path(), &base, &muts);
            let out = tmp.path().join("merged");
            let args = MergeArgs {
                shards: dirs,
                out: Some(out.clone()),
                threads: Some(1),
                quiet: true,
                allow_large: false,
            };
            match merge(&args) {
                Ok(()) => {
                    prop_assert!(out.join("summary.json").is_file());
                    TALLY.accepted.fetch_add(1, Ordering::Relaxed);
                }
                Err(e) if is_usage(&e) => {
                    let m = whfb_sim::error::message(&e);
                    prop_assert!(!m.is_empty() && m.len() < 4096, "{m}");
                    prop_assert!(!out.exists(), "a refused merge wrote {}", out.display());
                    TALLY.refused.fetch_add(1, Ordering::Relaxed);
                }
                Err(e) => prop_assert!(false, "not a usage error: {e}"),
            }
            let left: Vec<String> = std::fs::read_dir(tmp.path())
                .expect("list")
                .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
                .filter(|n| n.starts_with('.'))
                .collect();
            prop_assert!(left.is_empty(), "left behind: {left:?}");
            Ok(())
        })
        .expect("no mutated shard panics or fails otherwise");
    report_tally("shard results, whole merge", &TALLY);
}
