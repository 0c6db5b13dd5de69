//! Hostile input, as issue 11 found it: every case that used to panic, abort, exit 1,
//! hang or exhaust the machine now exits 2 at once with a message naming the key (or
//! flag) and the limit, writes nothing, and `check` refuses exactly what `run` refuses.
//! Each case runs in a child process killed after a deadline, so a hang fails the test
//! instead of stalling the suite.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// A case that takes longer than this has hung (a refusal takes milliseconds).
const DEADLINE: Duration = Duration::from_secs(60);

struct Outcome {
    code: Option<i32>,
    stdout: String,
    stderr: String,
}

/// Runs the binary with `args` (and a private key cache), killing it after [`DEADLINE`].
fn run_bounded(args: &[&str]) -> Outcome {
    let tmp = tempfile::tempdir().expect("temp dir");
    let (out_path, err_path) = (tmp.path().join("stdout"), tmp.path().join("stderr"));
    let mut child = Command::new(env!("CARGO_BIN_EXE_whfb-sim"))
        .args(args)
        .env("WHFB_SIM_KEY_CACHE", tmp.path().join("keys"))
        .stdin(Stdio::null())
        .stdout(std::fs::File::create(&out_path).expect("stdout file"))
        .stderr(std::fs::File::create(&err_path).expect("stderr file"))
        .spawn()
        .expect("the binary starts");
    let started = Instant::now();
    let status = loop {
        if let Some(s) = child.try_wait().expect("wait") {
            break s;
        }
        if started.elapsed() > DEADLINE {
            let _ = child.kill();
            let _ = child.wait();
            panic!(
                "`whfb-sim {}` ran past {DEADLINE:?}: it hangs",
                args.join(" ")
            );
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    Outcome {
        code: status.code(),
        stdout: std::fs::read_to_string(out_path).unwrap_or_default(),
        stderr: std::fs::read_to_string(err_path).unwrap_or_default(),
    }
}

fn repo(p: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join(p)
        .display()
        .to_string()
}

/// The hostile `run` cases: the flags, then words the message must hold (the key or
/// flag, and the limit).
fn run_cases() -> Vec<(Vec<&'static str>, Vec<&'static str>)> {
    vec![
        (
            vec!["--set", "pki.cert_validity=2913000d"],
            vec!["pki.cert_validity", "9999-12-31T23:59:59Z"],
        ),
        (
            vec!["--set", "adfs.servers=4294967295", "--set", "pki.mode=off"],
            vec!["adfs.servers", "1 to 1000"],
        ),
        (
            vec!["--set", "pki.agent_expires=3000000d"],
            vec!["pki.agent_expires", "9999-12-31T23:59:59Z"],
        ),
        (
            vec!["--set", "pki.epoch=1970-01-01T00:00:00Z"],
            vec!["pki.epoch", "from 1970-02-01T00:00:00Z"],
        ),
        (
            vec!["--set", "signin.session=0s", "--set", "signin.away=0s"],
            vec!["signin.away", "1s or more"],
        ),
        (
            vec!["--set", "adfs.servers=10000", "--users", "30"],
            vec!["adfs.servers", "1 to 1000"],
        ),
        (
            vec![
                "--set",
                "aad_connect.interval=1us",
                "--set",
                "aad_connect.allow_below_minimum=true",
            ],
            vec!["aad_connect.interval", "1s or more"],
        ),
        (
            vec![
                "--set",
                "drs.p_throttle=0.999999999",
                "--set",
                "drs.throttle_backoff=1us",
            ],
            vec!["drs.throttle_backoff", "1s or more"],
        ),
        (
            vec![
                "--set",
                "drs.p_throttle=0.999999999",
                "--set",
                "drs.throttle_backoff=1s",
            ],
            vec!["drs.p_throttle", "limit 2.00e9"],
        ),
        (
            vec!["--set", "pin.p_reject=0.999999999", "--set", "pin.entry=0s"],
            vec!["pin.p_reject", "pin.entry", "limit 2.00e9"],
        ),
        (
            vec!["--users", "50000000"],
            vec!["users = 50000000", "limit"],
        ),
        (
            vec![
                "--set",
                "horizon=10000d",
                "--set",
                "faults=[{ kind = \"aad_connect_stopped\", start = \"1h\", end = \"9999d\" }]",
            ],
            vec!["horizon", "limit 2.0 GiB"],
        ),
        (
            vec!["--set", "report.series_bucket=1s"],
            vec!["report.series_bucket", "limit 256.0 MiB"],
        ),
        (
            vec!["--set", "variants.post-kb.adfs.patched=-1"],
            vec![
                "--set variants.post-kb.adfs.patched=-1",
                "0 to adfs.servers",
            ],
        ),
        (
            vec!["--set", "variants.pre-kb.users=5"],
            vec!["variants.pre-kb.users", "a variant cannot change `users`"],
        ),
        (
            vec!["--set", "name=.."],
            vec!["key `name`", "a plain file name"],
        ),
    ]
}

#[test]
fn every_hostile_run_exits_2_naming_the_key_and_the_limit_and_writes_nothing() {
    for (flags, words) in run_cases() {
        let tmp = tempfile::tempdir().expect("temp dir");
        let out: PathBuf = tmp.path().join("out");
        let mut args = vec!["run", "--quiet", "--out", out.to_str().expect("utf-8 path")];
        args.extend_from_slice(&flags);
        let o = run_bounded(&args);
        assert_eq!(o.code, Some(2), "{flags:?}: {}", o.stderr);
        let first = o.stderr.lines().next().unwrap_or_default();
        for w in &words {
            assert!(first.contains(w), "{flags:?}: `{w}` not in: {first}");
        }
        assert!(
            !o.stderr.contains("panicked") && !o.stderr.contains(DEFAULT_NAME),
            "{flags:?}: {}",
            o.stderr
        );
        assert!(!out.exists(), "{flags:?}: wrote {}", out.display());
    }
}

/// How messages name the embedded default: a `--set` error must not blame it.
const DEFAULT_NAME: &str = "<embedded default scenario>";

/// `run`'s shorthand flags as `--set`s, for `check`.
fn as_sets(flags: &[&'static str]) -> Vec<String> {
    let mut out = Vec::new();
    let mut it = flags.iter();
    while let Some(f) = it.next() {
        let v = it.next().expect("a flag's value");
        out.push("--set".to_string());
        out.push(match *f {
            "--set" => v.to_string(),
            "--users" => format!("users={v}"),
            other => panic!("no --set for {other}"),
        });
    }
    out
}

#[test]
fn check_refuses_exactly_what_run_refuses() {
    let default = repo("scenarios/default.toml");
    for (flags, words) in run_cases() {
        let sets = as_sets(&flags);
        let mut args = vec!["check", default.as_str()];
        args.extend(sets.iter().map(String::as_str));
        let o = run_bounded(&args);
        assert_eq!(o.code, Some(2), "{flags:?}: {}", o.stderr);
        let first = o.stderr.lines().next().unwrap_or_default();
        for w in &words {
            // The file's own path stands where run names the embedded default.
            assert!(first.contains(w), "check {flags:?}: `{w}` not in: {first}");
        }
    }
}

#[test]
fn allow_large_accepts_big_but_finite_runs_and_nothing_past_the_larger_limits() {
    let default = repo("scenarios/default.toml");
    let o = run_bounded(&[
        "check",
        &default,
        "--set",
        "report.series_bucket=1s",
        "--allow-large",
    ]);
    assert_eq!(o.code, Some(0), "{}", o.stderr);
    assert!(o.stdout.contains("estimate:"), "{}", o.stdout);
    let o = run_bounded(&[
        "check",
        &default,
        "--set",
        "pin.p_reject=0.999999999",
        "--set",
        "pin.entry=0s",
        "--allow-large",
    ]);
    assert_eq!(o.code, Some(2), "{}", o.stderr);
    assert!(
        o.stderr
            .contains("even --allow-large accepts at most 1.00e11"),
        "{}",
        o.stderr
    );
}

#[test]
fn threads_are_capped_on_every_command() {
    for cmd in [
        vec!["run", "--threads", "99999"],
        vec!["validate", "--quick", "--threads", "99999"],
        vec!["run", "--threads", "0"],
    ] {
        let o = run_bounded(&cmd);
        assert_eq!(o.code, Some(2), "{cmd:?}: {}", o.stderr);
        assert!(
            o.stderr.contains("allowed: 1 to 1024"),
            "{cmd:?}: {}",
            o.stderr
        );
    }
}

#[test]
fn scenario_files_must_be_small_text() {
    let o = run_bounded(&["check", "/dev/zero"]);
    assert_eq!(o.code, Some(2), "{}", o.stderr);
    assert!(
        o.stderr.contains("larger than the limit of 1024 KiB"),
        "{}",
        o.stderr
    );
    let tmp = tempfile::tempdir().expect("temp dir");
    let bin = tmp.path().join("scenario.toml");
    std::fs::write(&bin, b"name = \"x\"\n\0\x01\x02").expect("write");
    let o = run_bounded(&["check", bin.to_str().expect("utf-8")]);
    assert_eq!(o.code, Some(2), "{}", o.stderr);
    assert!(o.stderr.contains("not a text file"), "{}", o.stderr);
    std::fs::write(&bin, [0xffu8, 0xfe, b'a']).expect("write");
    let o = run_bounded(&["check", bin.to_str().expect("utf-8")]);
    assert_eq!(o.code, Some(2), "{}", o.stderr);
    assert!(o.stderr.contains("not UTF-8"), "{}", o.stderr);
    let o = run_bounded(&["check", tmp.path().to_str().expect("utf-8")]);
    assert_eq!(o.code, Some(2), "{}", o.stderr);
}

#[test]
fn a_sweep_with_too_many_points_is_refused_before_it_is_built() {
    let values: Vec<String> = (1..=30).map(|i| i.to_string()).collect();
    let list = values.join(",");
    let (seed, users, reps) = (
        format!("seed={list}"),
        format!("users={list}"),
        format!("replications={list}"),
    );
    let o = run_bounded(&[
        "sweep",
        &repo("scenarios/sweep-sync-interval.toml"),
        "--quiet",
        "--param",
        &seed,
        "--param",
        &users,
        "--param",
        &reps,
    ]);
    assert_eq!(o.code, Some(2), "{}", o.stderr);
    assert!(o.stderr.contains("allowed: at most 10000"), "{}", o.stderr);
}

#[test]
fn pki_export_refuses_dates_past_9999_naming_the_key() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let out = tmp.path().join("export");
    let o = run_bounded(&[
        "pki",
        "export",
        "--users",
        "1",
        "--quiet",
        "--out",
        out.to_str().expect("utf-8"),
        "--set",
        "pki.cert_validity=2913000d",
    ]);
    assert_eq!(o.code, Some(2), "{}", o.stderr);
    assert!(o.stderr.contains("pki.cert_validity"), "{}", o.stderr);
    assert!(!out.exists());
    let o = run_bounded(&[
        "pki",
        "export",
        "--users",
        "4294967295",
        "--quiet",
        "--out",
        out.to_str().expect("utf-8"),
    ]);
    assert_eq!(o.code, Some(2), "{}", o.stderr);
    assert!(o.stderr.contains("allowed: 1 to 100000"), "{}", o.stderr);
    assert!(!out.exists());
}

#[test]
fn the_ends_of_the_documented_epoch_range_run_with_real_crypto() {
    // The earliest and (about) the latest epoch the validation allows both issue real
    // certificates: UTCTime at one end, GeneralizedTime at the other.
    for epoch in ["1970-02-01T00:00:00Z", "9975-06-01T00:00:00Z"] {
        let tmp = tempfile::tempdir().expect("temp dir");
        let out = tmp.path().join("out");
        let set = format!("pki.epoch={epoch}");
        let o = run_bounded(&[
            "run",
            "--quiet",
            "--users",
            "4",
            "--set",
            &set,
            "--set",
            "pki.client_key=ecdsa-p256",
            "--out",
            out.to_str().expect("utf-8"),
        ]);
        assert_eq!(o.code, Some(0), "{epoch}: {}", o.stderr);
        assert!(out.join("summary.json").exists(), "{epoch}");
    }
}
