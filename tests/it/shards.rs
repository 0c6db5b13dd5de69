//! Sharded runs and sweeps through the built binary: every shard of N, merged, gives the
//! unsharded command's files byte for byte (sweeps at N = 1, 3, 7 and with empty
//! shards, `run --replications`, real crypto with a different key pool per shard);
//! shard results do not depend on the thread count; `merge` refuses mismatched,
//! missing, duplicate and damaged shards with exit 2; `pki pool` fills once.

use crate::common::{files, ok, ok_with, refused, run_with, s, same_files};
use std::path::{Path, PathBuf};
use std::process::Output;

const SYNC: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/scenarios/sweep-sync-interval.toml"
);

/// Runs all `n` shards of `base` (the command without --shard/--out) into `root/n-K`
/// and returns their folders.
fn shards(base: &[&str], root: &Path, n: u32, env: &[(&str, &Path)]) -> Vec<PathBuf> {
    (1..=n)
        .map(|k| {
            let dir = root.join(format!("{n}-{k}"));
            let spec = format!("{k}/{n}");
            let mut args = base.to_vec();
            args.extend_from_slice(&["--shard", &spec, "--out", s(&dir), "--quiet"]);
            ok_with(&args, env);
            dir
        })
        .collect()
}

fn merge(dirs: &[PathBuf], out: &Path) -> Output {
    let mut args = vec!["merge"];
    args.extend(dirs.iter().map(|d| s(d)));
    args.extend_from_slice(&["--out", s(out)]);
    ok(&args)
}

fn units_in(dir: &Path) -> usize {
    let m: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.join("shard.json")).expect("manifest"))
            .expect("json");
    m["units"].as_array().expect("units").len()
}

const SWEEP: [&str; 11] = [
    "sweep",
    SYNC,
    "--param",
    "aad_connect.interval=30m,2h,8h",
    "--users",
    "150",
    "--replications",
    "2",
    "--set",
    "pki.mode=off",
    "--seed=5",
];

#[test]
fn sweep_shards_merge_into_the_unsharded_files() {
    let dir = tempfile::tempdir().unwrap();
    let full = dir.path().join("full");
    let mut args = SWEEP.to_vec();
    args.extend_from_slice(&["--out", s(&full)]);
    let unsharded = ok(&args);
    // 3 points × 2 variants × 2 replications = 12 units; 13 shards leave one empty.
    for n in [1, 3, 7, 13] {
        let dirs = shards(&SWEEP, &dir.path().join("shards"), n, &[]);
        let counts: Vec<usize> = dirs.iter().map(|d| units_in(d)).collect();
        assert_eq!(counts.iter().sum::<usize>(), 12, "N = {n}: {counts:?}");
        if n == 13 {
            assert!(counts.contains(&0), "an empty shard: {counts:?}");
        }
        let merged = dir.path().join(format!("merged-{n}"));
        let o = merge(&dirs, &merged);
        same_files(&full, &merged);
        // The table printed is the unsharded one too (but for the output folder).
        let table = |o: &Output| {
            String::from_utf8_lossy(&o.stdout)
                .lines()
                .filter(|l| !l.starts_with("outputs:"))
                .collect::<Vec<_>>()
                .join("\n")
        };
        assert_eq!(table(&o), table(&unsharded), "N = {n}");
    }
    // A folder holding the shard folders works as well as the folders themselves.
    let merged = dir.path().join("merged-parent");
    let parent = dir.path().join("only7");
    std::fs::create_dir(&parent).unwrap();
    for k in 1..=7 {
        std::fs::rename(
            dir.path().join("shards").join(format!("7-{k}")),
            parent.join(format!("7-{k}")),
        )
        .unwrap();
    }
    merge(&[parent], &merged);
    same_files(&full, &merged);
}

#[test]
fn run_replication_shards_merge_into_the_unsharded_files() {
    let dir = tempfile::tempdir().unwrap();
    let base = [
        "run",
        "--users",
        "120",
        "--replications",
        "3",
        "--set",
        "pki.mode=off",
        "--set",
        "aad_connect.interval=1h",
        "--trace-users",
        "3,17",
    ];
    let full = dir.path().join("full");
    let mut args = base.to_vec();
    args.extend_from_slice(&["--out", s(&full), "--quiet"]);
    ok(&args);
    for expected in [
        "users.csv",
        "resources.csv",
        "sync_cycles.csv",
        "events.csv",
        "summary.json",
        "report.md",
        "charts/cdf.svg",
        "charts/cdf.png",
    ] {
        assert!(full.join(expected).is_file(), "{expected}");
    }
    // 2 variants × 3 replications = 6 units: N = 2, 4 and 7 (one empty shard).
    for n in [2, 4, 7] {
        let dirs = shards(&base, &dir.path().join("shards"), n, &[]);
        let merged = dir.path().join(format!("merged-{n}"));
        merge(&dirs, &merged);
        same_files(&full, &merged);
    }
}

#[test]
fn fault_shadow_runs_travel_with_their_units() {
    // Each unit carries its shadow runs (the variant without each fault window), so the
    // fault table of merged shards is the unsharded one, delays included.
    let dir = tempfile::tempdir().unwrap();
    let base = [
        "run",
        "scenarios/drs-outage.toml",
        "--users",
        "300",
        "--replications",
        "2",
        "--set",
        "pki.mode=off",
    ];
    let full = dir.path().join("full");
    let mut args = base.to_vec();
    args.extend_from_slice(&["--out", s(&full), "--quiet"]);
    ok(&args);
    let summary: serde_json::Value =
        serde_json::from_slice(&std::fs::read(full.join("summary.json")).unwrap()).unwrap();
    let fault = &summary["variants"][0]["faults"][0];
    assert!(fault["users_hit"].as_u64().unwrap() > 0, "{fault}");
    assert!(fault["delay_s"]["mean"].as_f64().unwrap() > 0.0, "{fault}");
    for n in [2, 3] {
        let dirs = shards(&base, &dir.path().join("shards"), n, &[]);
        let merged = dir.path().join(format!("merged-{n}"));
        merge(&dirs, &merged);
        same_files(&full, &merged);
    }
}

#[test]
fn real_crypto_shards_merge_exactly_even_with_a_key_pool_each() {
    let dir = tempfile::tempdir().unwrap();
    let (pool_a, pool_b) = (dir.path().join("keys-a"), dir.path().join("keys-b"));
    let base = [
        "run",
        "--users",
        "24",
        "--replications",
        "2",
        "--set",
        "attacks.mismatched_key=0.2",
    ];
    let full = dir.path().join("full");
    let mut args = base.to_vec();
    args.extend_from_slice(&["--out", s(&full), "--quiet"]);
    ok_with(&args, &[("WHFB_SIM_KEY_CACHE", &pool_a)]);
    let summary: serde_json::Value =
        serde_json::from_slice(&std::fs::read(full.join("summary.json")).unwrap()).unwrap();
    assert_eq!(summary["pki_mode"], "real");
    assert!(
        summary["variants"][1]["outcomes"]["rejected"]
            .as_u64()
            .unwrap()
            > 0,
        "the real RA refused the attacker's keys"
    );
    // Shard 1 reads the pool the unsharded run filled; shard 2 generates other keys in
    // a pool of its own (another host): what a run reports does not depend on the keys.
    let s1 = dir.path().join("s1");
    let s2 = dir.path().join("s2");
    let mut a1 = base.to_vec();
    a1.extend_from_slice(&["--shard", "1/2", "--out", s(&s1), "--quiet"]);
    ok_with(&a1, &[("WHFB_SIM_KEY_CACHE", &pool_a)]);
    let mut a2 = base.to_vec();
    a2.extend_from_slice(&["--shard", "2/2", "--out", s(&s2), "--quiet"]);
    ok_with(&a2, &[("WHFB_SIM_KEY_CACHE", &pool_b)]);
    let merged = dir.path().join("merged");
    merge(&[s1, s2], &merged);
    same_files(&full, &merged);
}

#[test]
fn a_shard_result_does_not_depend_on_the_thread_count_or_the_folder() {
    let dir = tempfile::tempdir().unwrap();
    let run = |threads: &str, out: &Path| {
        let mut args = SWEEP.to_vec();
        args.extend_from_slice(&["--shard", "2/3", "--threads", threads, "--out", s(out)]);
        ok(&args)
    };
    let one = dir.path().join("one");
    let two = dir.path().join("deeper/two");
    run("1", &one);
    let o = run("2", &two);
    same_files(&one, &two);
    let said = String::from_utf8_lossy(&o.stdout);
    assert!(
        said.contains("shard 2/3 of `sync-interval`: ") && said.contains(" of 12 simulations"),
        "{said}"
    );
    // No folders, hosts or times in the manifest.
    let manifest = std::fs::read_to_string(one.join("shard.json")).unwrap();
    assert!(!manifest.contains(s(dir.path())), "{manifest}");
    assert!(
        !manifest.contains(env!("CARGO_MANIFEST_DIR")),
        "no absolute path"
    );
    // Running the shard again into the same folder replaces it cleanly.
    run("2", &one);
    same_files(&one, &two);
}

#[test]
fn merge_refuses_shards_that_do_not_belong_together() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    let dirs = shards(&SWEEP, &root.join("ok"), 3, &[]);
    let out = root.join("out");
    let m = |ds: &[&Path]| {
        let mut a = vec!["merge".to_string()];
        a.extend(ds.iter().map(|d| s(d).to_string()));
        a.extend(["--out".to_string(), s(&out).to_string()]);
        a
    };
    let refuse = |ds: &[&Path], frags: &[&str]| {
        let a = m(ds);
        let a: Vec<&str> = a.iter().map(String::as_str).collect();
        refused(&a, frags)
    };
    let (d1, d2, d3) = (dirs[0].as_path(), dirs[1].as_path(), dirs[2].as_path());

    // Missing and duplicated shards.
    refuse(&[d1, d3], &["shard 2/3 missing"]);
    refuse(&[d1, d2, d3, d2], &[s(d2), "shard 2/3 again"]);

    // Another seed, another scenario value, another split.
    let mut seed = SWEEP.to_vec();
    seed[10] = "--seed=6";
    let other_seed = shards(&seed, &root.join("seed"), 3, &[]);
    let e = refuse(
        &[d1, &other_seed[1], d3],
        &[s(&other_seed[1]), "not from the same `sweep`"],
    );
    assert!(e.contains("seed=6") && e.contains("seed=5"), "{e}");
    let mut params = SWEEP.to_vec();
    params[3] = "aad_connect.interval=30m,2h,4h";
    let other_params = shards(&params, &root.join("params"), 3, &[]);
    refuse(&[d1, d2, &other_params[2]], &["--param", "30m,2h,4h"]);
    let halves = shards(&SWEEP, &root.join("halves"), 2, &[]);
    refuse(&[d1, &halves[1], d3], &["cut 2 and 3 ways"]);

    // Damaged, unfinished, altered, foreign.
    let copy = |from: &Path, name: &str| {
        let to = root.join(name);
        std::fs::create_dir_all(to.join("units")).unwrap();
        for (rel, bytes) in files(from) {
            std::fs::write(to.join(rel), bytes).unwrap();
        }
        to
    };
    let damaged = copy(d2, "damaged");
    let unit = std::fs::read_dir(damaged.join("units"))
        .unwrap()
        .next()
        .unwrap()
        .unwrap()
        .path();
    let mut bytes = std::fs::read(&unit).unwrap();
    let mid = bytes.len() / 2;
    bytes[mid] ^= 0x20;
    std::fs::write(&unit, bytes).unwrap();
    refuse(&[d1, &damaged, d3], &[s(&damaged), "checksum"]);

    let unfinished = copy(d2, "unfinished");
    std::fs::remove_file(unfinished.join("shard.json")).unwrap();
    refuse(&[d1, &unfinished, d3], &[s(&unfinished), "did not finish"]);
    // In a folder of shard folders, an unfinished one is skipped (it may have been run
    // again elsewhere) and named if its shard is then missing.
    let parent = root.join("parent");
    std::fs::create_dir(&parent).unwrap();
    std::fs::rename(&unfinished, parent.join("b")).unwrap();
    std::fs::rename(copy(d1, "a"), parent.join("a")).unwrap();
    std::fs::rename(copy(d3, "c"), parent.join("c")).unwrap();
    refuse(
        &[&parent],
        &[
            "shard 2/3 missing",
            "skipped unfinished",
            s(&parent.join("b")),
        ],
    );
    std::fs::rename(copy(d2, "d"), parent.join("d")).unwrap();
    let a = m(&[&parent]);
    let a: Vec<&str> = a.iter().map(String::as_str).collect();
    ok(&a);

    let edit = |name: &str, from: &str, to: &str| {
        let d = copy(d2, name);
        let text = std::fs::read_to_string(d.join("shard.json")).unwrap();
        assert!(text.contains(from), "{from}");
        std::fs::write(d.join("shard.json"), text.replacen(from, to, 1)).unwrap();
        d
    };
    let altered = edit("altered", "\"seed=5\"", "\"seed=9\"");
    refuse(&[d1, &altered, d3], &[s(&altered), "altered"]);
    let sources = {
        let text = std::fs::read_to_string(d2.join("shard.json")).unwrap();
        let v: serde_json::Value = serde_json::from_str(&text).unwrap();
        v["binary"]["sources"].as_str().unwrap().to_string()
    };
    let older = edit("older", &sources, "0000000000000000");
    refuse(
        &[d1, &older, d3],
        &[s(&older), "written by whfb-sim", "0000000000000000"],
    );
    let zeroth = edit("zeroth", "\"index\": 2", "\"index\": 0");
    refuse(&[d1, &zeroth, d3], &[s(&zeroth), "damaged", "1 to 3"]);
    let future = edit("future", "whfb-sim-shard/1", "whfb-sim-shard/9");
    refuse(&[d1, &future, d3], &[s(&future), "whfb-sim-shard/9"]);
    let empty = root.join("empty");
    std::fs::create_dir(&empty).unwrap();
    refuse(&[&empty], &[s(&empty), "not a shard result"]);
    refuse(&[&root.join("nowhere")], &["not a folder"]);

    // The merged outputs may not land in a shard folder.
    refused(
        &["merge", s(d1), s(d2), s(d3), "--out", s(d2)],
        &["shard folder"],
    );
    // And all of it was fine together.
    let a = m(&[d1, d2, d3]);
    let a: Vec<&str> = a.iter().map(String::as_str).collect();
    ok(&a);
}

#[test]
fn bad_shard_flags_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("o");
    let o = s(&out);
    fn with<'a>(o: &'a str, extra: &[&'a str]) -> Vec<&'a str> {
        let mut a = vec!["run", "--users", "20", "--set", "pki.mode=off", "--out", o];
        a.extend_from_slice(extra);
        a
    }
    let run = |extra: &[&'static str]| with(o, extra);
    refused(&run(&["--shard", "0/3"]), &["--shard 0/3", "1 to 3"]);
    refused(&run(&["--shard", "4/3"]), &["1 to 3"]);
    refused(&run(&["--shard", "two"]), &["K/N"]);
    refused(
        &run(&["--shard", "auto"]),
        &["SLURM_ARRAY_TASK_ID", "JOB_COMPLETION_INDEX"],
    );
    refused(&run(&["--shards", "3"]), &["--shard auto"]);
    refused(&run(&["--shard", "1/2", "--shards", "2"]), &["--shards"]);
    refused(
        &["run", "--users", "20", "--shard", "1/2"],
        &["needs --out"],
    );
    refused(&["merge"], &["SHARD_DIR"]);
    // Slurm's and Kubernetes' variables are read by --shard auto.
    let slurm_dir = dir.path().join("slurm");
    let mut a = run(&["--shard", "auto", "--quiet"]);
    a[6] = s(&slurm_dir);
    let o = run_with(
        &a,
        &[
            ("SLURM_ARRAY_TASK_ID", Path::new("7")),
            ("SLURM_ARRAY_TASK_MIN", Path::new("5")),
            ("SLURM_ARRAY_TASK_COUNT", Path::new("3")),
        ],
    );
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let m: serde_json::Value =
        serde_json::from_slice(&std::fs::read(slurm_dir.join("shard.json")).unwrap()).unwrap();
    assert_eq!(m["shard"], serde_json::json!({"index": 3, "count": 3}));
    // N far beyond the units: an empty shard, and merge names a few missing ones only.
    let huge = dir.path().join("huge");
    let mut a = run(&["--shard", "3/4000000000", "--quiet"]);
    a[6] = s(&huge);
    ok(&a);
    assert_eq!(units_in(&huge), 0);
    let merged = dir.path().join("merged");
    refused(
        &["merge", s(&huge), "--out", s(&merged)],
        &["1/4000000000", "(3999999999 in all)"],
    );
    let o = run_with(
        &run(&["--shard", "auto", "--shards", "2"]),
        &[("JOB_COMPLETION_INDEX", Path::new("2"))],
    );
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("JOB_COMPLETION_INDEX=2"));
}

#[test]
fn pki_pool_fills_once_and_then_says_there_is_nothing_to_do() {
    let dir = tempfile::tempdir().unwrap();
    let pool = dir.path().join("pool");
    let env = [("WHFB_SIM_KEY_CACHE", pool.as_path())];
    let args = [
        "pki",
        "pool",
        "--users",
        "30",
        "--set",
        "pki.client_key=ecdsa-p256",
        "--quiet",
    ];
    let first = String::from_utf8_lossy(&ok_with(&args, &env).stdout).into_owned();
    assert!(
        first.contains("30 users' ecdsa-p256 keys (30 generated now, 0 were there), 30 requests signed, 4 PKI party keys generated"),
        "{first}"
    );
    let second = String::from_utf8_lossy(&ok_with(&args, &env).stdout).into_owned();
    assert!(second.contains("nothing to do"), "{second}");
    // A run of those users then generates and signs nothing: the pool stays unchanged.
    let before = files(&pool);
    ok_with(
        &[
            "run",
            "--users",
            "30",
            "--set",
            "pki.client_key=ecdsa-p256",
            "--out",
            s(&dir.path().join("r")),
            "--quiet",
        ],
        &env,
    );
    assert_eq!(files(&pool), before);
    refused(
        &["pki", "pool", "--users", "0"],
        &["--users must be at least 1"],
    );
}
