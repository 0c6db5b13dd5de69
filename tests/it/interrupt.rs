//! Output folders are replaced as a set: a real SIGINT or SIGTERM sent to a running
//! `whfb-sim` leaves the previous complete set byte for byte and no staging or temporary
//! file (exit 130); a finished run leaves no file of an earlier one.
#![cfg(unix)]

use crate::common::{self, bin};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

fn ok(cmd: &mut Command) -> Output {
    let o = cmd.output().expect("spawn");
    assert!(
        o.status.success(),
        "{:?}: {}",
        o.status,
        String::from_utf8_lossy(&o.stderr)
    );
    o
}

/// `run` of `users` users with crypto off, writing `out`.
fn off_run(users: &str, out: &Path) -> Command {
    let mut c = bin();
    c.args(["run", "--set", "pki.mode=off", "--quiet", "--users", users])
        .arg("--out")
        .arg(out);
    c
}

/// A run long enough (thousands of users on one thread) to be caught.
fn long_run(out: &Path) -> Command {
    let mut c = off_run("6000", out);
    c.args(["--threads", "1"]);
    c
}

/// The entries of `dir`, sorted.
fn names(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .expect("read_dir")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

/// Waits until `parent` holds the staging folder of `out`'s name (and, with
/// `with_file`, a file in it: the outputs are being written); panics if the child ends
/// first.
fn wait_for_staging(child: &mut Child, parent: &Path, name: &str, with_file: bool) -> PathBuf {
    let start = Instant::now();
    let prefix = format!(".{name}.staging-");
    loop {
        let found = names(parent)
            .into_iter()
            .find(|n| n.starts_with(&prefix))
            .map(|n| parent.join(n));
        if let Some(dir) = found {
            let ready = !with_file
                || std::fs::read_dir(&dir).is_ok_and(|mut entries| entries.next().is_some());
            if ready {
                return dir;
            }
        }
        if let Some(status) = child.try_wait().expect("try_wait") {
            panic!("the run ended ({status}) before it could be interrupted");
        }
        assert!(
            start.elapsed() < Duration::from_secs(300),
            "no staging folder"
        );
        std::thread::sleep(Duration::from_millis(2));
    }
}

fn signal(child: &Child, sig: &str) {
    let status = Command::new("kill")
        .args(["-s", sig, &child.id().to_string()])
        .status()
        .expect("kill");
    assert!(status.success(), "kill -s {sig}");
}

/// Interrupts `cmd` (which writes `out`) with `sig` once its staging folder exists (and
/// holds a file, with `late`), and checks exit 130, `out` unchanged (or still absent) and
/// nothing new beside it.
fn interrupt(mut cmd: Command, out: &Path, sig: &str, late: bool) {
    let parent = out.parent().expect("parent");
    let name = out
        .file_name()
        .expect("name")
        .to_string_lossy()
        .into_owned();
    let before = out.exists().then(|| common::files(out));
    let beside = names(parent);
    let mut child = cmd
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    wait_for_staging(&mut child, parent, &name, late);
    signal(&child, sig);
    let o = child.wait_with_output().expect("wait");
    assert_eq!(
        o.status.code(),
        Some(130),
        "{sig} ({}): {}",
        if late {
            "while writing"
        } else {
            "while running"
        },
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(
        out.exists().then(|| common::files(out)) == before,
        "{sig}: the previous outputs in {} changed",
        out.display()
    );
    assert_eq!(names(parent), beside, "{sig}: leftovers beside the outputs");
}

#[test]
fn an_interrupted_run_leaves_the_previous_set_byte_identical() {
    let root = tempfile::tempdir().expect("tempdir");
    let out = root.path().join("out");
    // The previous set, traced, so that it holds a file the new run would not write.
    ok(off_run("200", &out).args(["--trace-users", "0,1"]));
    assert!(out.join("events.csv").is_file());
    for (sig, late) in [
        ("INT", false),
        ("TERM", false),
        ("INT", true),
        ("TERM", true),
    ] {
        interrupt(long_run(&out), &out, sig, late);
    }
}

#[test]
fn a_finished_run_leaves_no_file_of_an_earlier_one() {
    let root = tempfile::tempdir().expect("tempdir");
    let out = root.path().join("out");
    let run = |trace: bool| {
        let mut c = off_run("50", &out);
        if trace {
            c.arg("--trace");
        }
        ok(&mut c);
    };
    run(true);
    assert!(out.join("events.csv").is_file());
    run(false);
    assert!(
        !out.join("events.csv").exists(),
        "a stale events.csv survived"
    );
    assert!(out.join("summary.json").is_file());
    assert_eq!(names(root.path()), ["out"]);
}

#[test]
fn an_interrupted_sweep_shard_or_export_leaves_nothing_behind() {
    let root = tempfile::tempdir().expect("tempdir");
    let scenario = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/scenarios/sweep-sync-interval.toml"
    );
    // A sweep into a folder that does not exist yet: afterwards, still nothing.
    let sweep_out = root.path().join("sweep");
    let mut sweep = bin();
    sweep
        .args([
            "sweep",
            scenario,
            "--set",
            "pki.mode=off",
            "--users",
            "3000",
        ])
        .args(["--threads", "1", "--quiet", "--out"])
        .arg(&sweep_out);
    interrupt(sweep, &sweep_out, "INT", false);
    assert!(names(root.path()).is_empty(), "{:?}", names(root.path()));

    // A shard result over an earlier one.
    let shard_out = root.path().join("shard");
    let shard = |users: &str| {
        let mut c = off_run(users, &shard_out);
        c.args(["--threads", "1", "--shard", "1/2"]);
        c
    };
    ok(&mut shard("100"));
    interrupt(shard("6000"), &shard_out, "TERM", false);

    // `pki export` (real keys, ECDSA to keep it quick) over an earlier export.
    let keys = root.path().join("keys");
    std::fs::create_dir(&keys).expect("keys");
    let export_out = root.path().join("export");
    let export = |users: &str| {
        let mut c = bin();
        c.env("WHFB_SIM_KEY_CACHE", &keys)
            .args(["pki", "export", "--users", users, "--quiet"])
            .args(["--set", "pki.client_key=ecdsa-p256", "--out"])
            .arg(&export_out);
        c
    };
    ok(&mut export("2"));
    interrupt(export("3000"), &export_out, "INT", false);
    let temporary: Vec<_> = common::files(&keys)
        .into_keys()
        .filter(|n| n.contains(".tmp"))
        .collect();
    assert!(temporary.is_empty(), "left in the key cache: {temporary:?}");
    assert_eq!(names(root.path()), ["export", "keys", "shard"]);
}

#[test]
fn out_that_is_a_file_or_holds_other_files_is_refused() {
    let root = tempfile::tempdir().expect("tempdir");
    let file = root.path().join("notes.txt");
    std::fs::write(&file, b"mine").expect("write");
    let folder = root.path().join("papers");
    std::fs::create_dir(&folder).expect("mkdir");
    std::fs::write(folder.join("thesis.tex"), b"mine").expect("write");
    for (out, says) in [(&file, "is a file"), (&folder, "thesis.tex")] {
        let o = off_run("5", out).output().expect("spawn");
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{err}");
        assert!(err.contains("--out") && err.contains(says), "{err}");
    }
    assert_eq!(std::fs::read(&file).expect("read"), b"mine");
    assert_eq!(names(&folder), ["thesis.tex"]);
    assert_eq!(names(root.path()), ["notes.txt", "papers"]);
}

#[test]
fn an_interrupted_key_pool_fill_exits_130_leaving_whole_chunks_only() {
    // `pki pool` writes no output set, but the same handler (installed before any file is
    // opened) removes the chunk being written and exits 130, as every command does.
    let root = tempfile::tempdir().expect("tempdir");
    let keys = root.path().join("keys");
    let mut child = bin()
        .env("WHFB_SIM_KEY_CACHE", &keys)
        .args(["pki", "pool", "--users", "20000", "--quiet"])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    let locks = keys.join("whfb-sim-keys").join("locks");
    let start = Instant::now();
    while !locks.exists() {
        assert!(
            child.try_wait().expect("wait").is_none(),
            "the fill ended before it was interrupted"
        );
        assert!(start.elapsed() < Duration::from_secs(30), "no fill started");
        std::thread::sleep(Duration::from_millis(10));
    }
    std::thread::sleep(Duration::from_millis(300));
    signal(&child, "TERM");
    let o = child.wait_with_output().expect("wait");
    assert_eq!(
        o.status.code(),
        Some(130),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let temporary: Vec<_> = common::files(&keys)
        .into_keys()
        .filter(|n| n.contains(".tmp"))
        .collect();
    assert!(temporary.is_empty(), "left in the key cache: {temporary:?}");
}
