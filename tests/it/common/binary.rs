//! Running the built binary as the tests do: its path named once, the scheduler's
//! variables kept out, settings passed to the child (never set in this process, which
//! every test shares), and reading what it wrote.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The built `whfb-sim` binary, the one place its path is named.
pub const BIN: &str = env!("CARGO_BIN_EXE_whfb-sim");

/// What an enclosing scheduler job (CI on Slurm or Kubernetes) sets and `--shard` reads:
/// kept out of every run so that a test gets the same answer inside such a job.
const SCHEDULER_VARS: [&str; 6] = [
    "SLURM_ARRAY_TASK_ID",
    "SLURM_ARRAY_TASK_COUNT",
    "SLURM_ARRAY_TASK_MIN",
    "SLURM_ARRAY_TASK_MAX",
    "SLURM_ARRAY_TASK_STEP",
    "JOB_COMPLETION_INDEX",
];

/// The binary as a command, without the scheduler's variables; a test that means to set
/// one (`.env(..)`) sets it on the command afterwards.
pub fn bin() -> Command {
    let mut c = Command::new(BIN);
    for var in SCHEDULER_VARS {
        c.env_remove(var);
    }
    c
}

/// The binary as a command under `ulimit -v KIB` (address space, KiB), so that an
/// allocation sized by a hostile value aborts instead of exhausting the machine. The
/// limit is set in a shell in front of the binary, never in this process, which every
/// test shares.
pub fn bin_limited(address_space_kib: u64) -> Command {
    let mut c = Command::new("sh");
    c.arg("-c")
        .arg(format!(
            "ulimit -v {address_space_kib} && exec \"$0\" \"$@\""
        ))
        .arg(BIN);
    for var in SCHEDULER_VARS {
        c.env_remove(var);
    }
    c
}

/// Runs the binary with `args` and returns what it did.
pub fn run(args: &[&str]) -> Output {
    run_with(args, &[])
}

/// [`run`] with the variables `env` set for the binary (a key cache, a scheduler's index).
pub fn run_with(args: &[&str], env: &[(&str, &Path)]) -> Output {
    let mut c = bin();
    c.args(args);
    for (k, v) in env {
        c.env(k, v);
    }
    c.output().expect("the binary runs")
}

/// [`run`], failing the test with the binary's stderr unless it succeeds.
pub fn ok(args: &[&str]) -> Output {
    ok_with(args, &[])
}

/// [`run_with`], failing the test with the binary's stderr unless it succeeds.
pub fn ok_with(args: &[&str], env: &[(&str, &Path)]) -> Output {
    let o = run_with(args, env);
    assert!(
        o.status.success(),
        "whfb-sim {args:?} failed: {}",
        stderr(&o)
    );
    o
}

/// Runs `args`, expecting a usage error: exit 2, no panic, and every one of `fragments` in
/// the message, which is returned.
pub fn refused(args: &[&str], fragments: &[&str]) -> String {
    let o = run(args);
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(2), "whfb-sim {args:?}: {err}");
    for f in fragments {
        assert!(
            err.contains(f),
            "whfb-sim {args:?}: expected `{f}` in: {err}"
        );
    }
    assert!(!err.contains("panicked"), "{err}");
    err
}

/// The standard error of a run, as text.
pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// The standard output of a run, as text.
pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// `p` (relative to the repository root) as an absolute path, ready to pass as an
/// argument whatever folder the binary runs in.
pub fn repo(p: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join(p)
        .display()
        .to_string()
}

/// `p` as an argument; temporary folders have UTF-8 paths.
pub fn s(p: &Path) -> &str {
    p.to_str().expect("utf-8 path")
}

/// A fresh temporary folder and `out` inside it, not yet created: where a command writes
/// its output set. The folder goes when the first value is dropped.
pub fn temp_out() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().expect("temp dir");
    let out = dir.path().join("out");
    (dir, out)
}

/// The JSON file at `path`.
pub fn json(path: &Path) -> serde_json::Value {
    serde_json::from_slice(&std::fs::read(path).expect("read")).expect("json")
}

/// `summary.json` of the output folder `dir`.
pub fn summary(dir: &Path) -> serde_json::Value {
    json(&dir.join("summary.json"))
}

/// The entry of variant `name` in a summary.
pub fn variant<'a>(s: &'a serde_json::Value, name: &str) -> &'a serde_json::Value {
    s["variants"]
        .as_array()
        .expect("variants")
        .iter()
        .find(|v| v["name"] == name)
        .unwrap_or_else(|| panic!("no variant {name}"))
}

/// The header of the CSV file at `path` and its rows, by column name.
pub fn csv_rows(path: &Path) -> (Vec<String>, Vec<HashMap<String, String>>) {
    let mut r = csv::Reader::from_path(path).expect("csv");
    let header: Vec<String> = r
        .headers()
        .expect("header")
        .iter()
        .map(String::from)
        .collect();
    let rows = r
        .records()
        .map(|rec| {
            let rec = rec.expect("record");
            header
                .iter()
                .cloned()
                .zip(rec.iter().map(String::from))
                .collect()
        })
        .collect();
    (header, rows)
}
