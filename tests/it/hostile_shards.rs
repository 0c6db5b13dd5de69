//! `merge` given hostile shard results (issue 22): units with absurd user ids, figures,
//! counts and names with their checksums recomputed, manifests and units that are FIFOs,
//! links to `/dev/zero`, sparse or gzip bombs, jobs forged consistently. Each is exit 2
//! naming the shard folder and the file, within seconds, in bounded memory (the merge
//! runs under `ulimit -v`, so an allocation sized by a forged value aborts instead of
//! passing), leaving the previous output set as it was and no staging folder.
#![cfg(unix)]

use crate::common::shard_edit::*;
use crate::common::{bin_limited, child, files, mkfifo, ok, s};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

/// A refusal takes well under a second; a hang or a read of gigabytes takes longer.
const DEADLINE: Duration = Duration::from_secs(20);
/// The address space the merge may use, KiB: far below what a forged size would ask for,
/// far above what this small job needs (two threads).
const ADDRESS_SPACE_KIB: u64 = 1024 * 1024;

struct Outcome {
    code: Option<i32>,
    stderr: String,
    took: Duration,
}

/// Runs the binary with `args` under [`ADDRESS_SPACE_KIB`] of address space, killed after
/// [`DEADLINE`].
fn run_limited(args: &[&str]) -> Outcome {
    let tmp = tempfile::tempdir().expect("temp dir");
    let err_path = tmp.path().join("stderr");
    let mut child = bin_limited(ADDRESS_SPACE_KIB)
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(&err_path).expect("stderr file"))
        .spawn()
        .expect("sh starts");
    let (status, took) = child::wait_or_kill(&mut child, args, DEADLINE);
    Outcome {
        code: status.code(),
        stderr: std::fs::read_to_string(err_path).unwrap_or_default(),
        took,
    }
}

/// Two shards of a small run with a fault window (shadow runs) and traced users, and the
/// merged output of the good shards.
struct Fixture {
    root: tempfile::TempDir,
    shards: [PathBuf; 2],
    out: PathBuf,
    before: BTreeMap<String, Vec<u8>>,
}

const BASE: [&str; 12] = [
    "run",
    "scenarios/drs-outage.toml",
    "--users",
    "40",
    "--replications",
    "2",
    "--set",
    "pki.mode=off",
    "--trace-users",
    "1,7",
    "--threads",
    "2",
];

fn fixture() -> Fixture {
    let root = tempfile::tempdir().expect("temp dir");
    let shards = [root.path().join("good-1"), root.path().join("good-2")];
    for (k, dir) in shards.iter().enumerate() {
        let spec = format!("{}/2", k + 1);
        let mut a = BASE.to_vec();
        a.extend_from_slice(&["--shard", &spec, "--out", s(dir), "--quiet"]);
        ok(&a);
    }
    let out = root.path().join("merged");
    ok(&[
        "merge",
        s(&shards[0]),
        s(&shards[1]),
        "--out",
        s(&out),
        "--quiet",
    ]);
    let before = files(&out);
    Fixture {
        root,
        shards,
        out,
        before,
    }
}

impl Fixture {
    /// A copy of shard `k` (0 or 1) to damage, named `name`.
    fn copy(&self, k: usize, name: &str) -> PathBuf {
        let to = self.root.path().join(name);
        copy_shard(&self.shards[k], &to);
        to
    }

    /// Merges `damaged` (in place of shard 1 of 2) into the earlier output: exit 2 within
    /// the deadline, naming the folder and each of `words`, the earlier output unchanged
    /// and no staging folder left.
    fn refused(&self, damaged: &Path, words: &[&str]) -> String {
        let o = run_limited(&[
            "merge",
            s(damaged),
            s(&self.shards[1]),
            "--out",
            s(&self.out),
            "--threads",
            "2",
            "--quiet",
        ]);
        assert_eq!(o.code, Some(2), "{}: {}", damaged.display(), o.stderr);
        assert!(o.took < Duration::from_secs(10), "{:?}", o.took);
        assert!(o.stderr.contains(s(damaged)), "{}", o.stderr);
        for w in words {
            assert!(o.stderr.contains(w), "`{w}` not in: {}", o.stderr);
        }
        assert!(
            o.stderr.len() < 4096,
            "a long message: {} bytes",
            o.stderr.len()
        );
        assert!(!o.stderr.contains("panicked"), "{}", o.stderr);
        assert!(
            files(&self.out) == self.before,
            "the earlier output changed"
        );
        let left: Vec<String> = std::fs::read_dir(self.root.path())
            .expect("list")
            .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
            .filter(|n| n.contains("staging") || n.contains(".old-"))
            .collect();
        assert!(left.is_empty(), "left behind: {left:?}");
        o.stderr
    }
}

#[test]
fn forged_user_ids_counts_figures_and_names_are_refused() {
    let f = fixture();
    let unit = "units/p0-v";
    for (name, id) in [("id-max", 4_294_967_295u64), ("id-200m", 200_000_000)] {
        let d = f.copy(0, name);
        edit_unit(&d, 0, |u| u["unit"]["run"]["users"][5]["id"] = id.into());
        f.refused(&d, &[unit, &format!("has id {id}")]);
    }
    let d = f.copy(0, "figure-max");
    edit_unit(&d, 0, |u| {
        u["unit"]["run"]["resources"][0]["stats"]["mean_wait_s"] = f64::MAX.into()
    });
    f.refused(&d, &["mean wait is 1.7976931348623157e308"]);
    let d = f.copy(0, "events-max");
    edit_unit(&d, 0, |u| u["unit"]["run"]["events"] = u64::MAX.into());
    f.refused(&d, &["18446744073709551615 events"]);
    let d = f.copy(0, "long-name");
    edit_unit(&d, 0, |u| {
        u["unit"]["run"]["resources"][1]["name"] = "r".repeat(1 << 20).into()
    });
    // The unit is refused as it is read: a name the model has no resource for is not a
    // resource, and the message shows only its start.
    f.refused(&d, &["is not a resource", "rrrr…"]);
    let d = f.copy(0, "fewer-users");
    edit_unit(&d, 0, |u| {
        u["unit"]["run"]["users"]
            .as_array_mut()
            .expect("users")
            .truncate(30)
    });
    f.refused(&d, &["30 user records; the job has users = 40"]);
    let d = f.copy(0, "foreign-trace");
    edit_unit(&d, 0, |u| u["unit"]["run"]["trace"][0]["user"] = 3.into());
    f.refused(&d, &["user 3, whom the job does not trace"]);
}

#[test]
fn forged_but_consistent_jobs_are_refused() {
    let f = fixture();
    // Both shards claim 50,000,000 users, with recomputed fingerprints: the job is held
    // to the limits before anything is sized by it.
    let a = f.copy(0, "huge-1");
    let b = f.copy(1, "huge-2");
    for d in [&a, &b] {
        edit_job(d, |j| {
            let sets = j["sets"].as_array_mut().expect("sets");
            for v in sets.iter_mut() {
                if v.as_str().is_some_and(|t| t.starts_with("users=")) {
                    *v = "users=50000000".into();
                }
            }
        });
    }
    let o = run_limited(&["merge", s(&a), s(&b), "--out", s(&f.out), "--quiet"]);
    assert_eq!(o.code, Some(2), "{}", o.stderr);
    assert!(
        o.stderr.contains("users = 50000000") && o.stderr.contains("limit"),
        "{}",
        o.stderr
    );
    assert!(files(&f.out) == f.before);
    // A job of 60 users whose units hold 40.
    let a = f.copy(0, "sixty-1");
    let b = f.copy(1, "sixty-2");
    for d in [&a, &b] {
        edit_job(d, |j| {
            for v in j["sets"].as_array_mut().expect("sets").iter_mut() {
                if v.as_str().is_some_and(|t| t.starts_with("users=")) {
                    *v = "users=60".into();
                }
            }
        });
    }
    let o = run_limited(&["merge", s(&a), s(&b), "--out", s(&f.out), "--quiet"]);
    assert_eq!(o.code, Some(2), "{}", o.stderr);
    assert!(
        o.stderr.contains("40 user records; the job has users = 60"),
        "{}",
        o.stderr
    );
    // A scenario text past the scenario file's limit.
    let a = f.copy(0, "long-text-1");
    let b = f.copy(1, "long-text-2");
    for d in [&a, &b] {
        edit_job(d, |j| {
            let text = format!(
                "{}\n# {}\n",
                j["scenario_text"].as_str().expect("text"),
                "x".repeat(2 << 20)
            );
            j["scenario_text"] = text.into();
        });
    }
    let o = run_limited(&["merge", s(&a), s(&b), "--out", s(&f.out), "--quiet"]);
    assert_eq!(o.code, Some(2), "{}", o.stderr);
    assert!(o.stderr.contains("not a scenario file"), "{}", o.stderr);
}

#[test]
fn fifos_devices_sparse_files_and_gzip_bombs_are_refused_unread() {
    let f = fixture();
    let d = f.copy(0, "fifo-manifest");
    mkfifo(&d.join("shard.json"));
    f.refused(&d, &["shard.json is a FIFO"]);
    let d = f.copy(0, "fifo-unit");
    mkfifo(&unit_path(&d, 0));
    f.refused(&d, &["units/", "is a FIFO"]);
    let d = f.copy(0, "zero-manifest");
    std::fs::remove_file(d.join("shard.json")).expect("rm");
    std::os::unix::fs::symlink("/dev/zero", d.join("shard.json")).expect("symlink");
    f.refused(&d, &["shard.json is a character device"]);
    let d = f.copy(0, "zero-unit");
    let u = unit_path(&d, 0);
    std::fs::remove_file(&u).expect("rm");
    std::os::unix::fs::symlink("/dev/zero", &u).expect("symlink");
    f.refused(&d, &["is a character device"]);
    let d = f.copy(0, "sparse-manifest");
    std::fs::File::options()
        .write(true)
        .open(d.join("shard.json"))
        .expect("open")
        .set_len(3 << 30)
        .expect("sparse");
    f.refused(&d, &["shard.json is 3221225472 bytes", "64 MiB"]);
    // 20 MB of zeros compress to 20 KB; the manifest then claims 3 GB of JSON.
    let d = f.copy(0, "bomb");
    put_unit_bytes(&d, 0, &vec![b' '; 20 << 20]);
    let mut m = manifest(&d);
    m["units"][0]["json_bytes"] = 3_000_000_000u64.into();
    write_manifest(&d, &m);
    f.refused(&d, &["3000000000 bytes of JSON", "holds at most"]);
    // The same bomb with its true size: within the cap of this job? No: 20 MB of JSON
    // is far more than 40 users can produce.
    let d = f.copy(0, "bomb-true-size");
    put_unit_bytes(&d, 0, &vec![b' '; 20 << 20]);
    f.refused(&d, &["holds at most"]);
}
