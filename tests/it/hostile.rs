//! Hostile input, as issues 11 and 22 found it: every case that used to panic, abort,
//! exit 1, hang or exhaust the machine now exits 2 at once with a message naming the key,
//! flag or file and the limit, writes nothing, and `check` refuses exactly what `run`
//! refuses; and every command run twice into its own default folder replaces its set.
//! Each case runs in a child process killed after a deadline, so a hang fails the test
//! instead of stalling the suite. (`merge`'s cases: `tests/it/hostile_shards.rs`.)

use crate::common::{bin, bin_limited, child, mkfifo, repo, sparse_file};
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

/// A case that takes longer than this has hung (a refusal takes milliseconds).
const DEADLINE: Duration = Duration::from_secs(60);

struct Outcome {
    code: Option<i32>,
    stdout: String,
    stderr: String,
}

/// Runs the binary with `args` (and a private key cache), killing it after [`DEADLINE`].
fn run_bounded(args: &[&str]) -> Outcome {
    run_in(args, None, None)
}

/// [`run_bounded`] under `ulimit -v KIB` (when given) and in folder `cwd` (when given).
fn run_in(args: &[&str], address_space_kib: Option<u64>, cwd: Option<&Path>) -> Outcome {
    let tmp = tempfile::tempdir().expect("temp dir");
    let (out_path, err_path) = (tmp.path().join("stdout"), tmp.path().join("stderr"));
    let mut cmd = match address_space_kib {
        Some(kib) => bin_limited(kib),
        None => bin(),
    };
    if let Some(dir) = cwd {
        cmd.current_dir(dir);
    }
    let mut child = cmd
        .args(args)
        .env("WHFB_SIM_KEY_CACHE", tmp.path().join("keys"))
        .stdin(Stdio::null())
        .stdout(std::fs::File::create(&out_path).expect("stdout file"))
        .stderr(std::fs::File::create(&err_path).expect("stderr file"))
        .spawn()
        .expect("the binary starts");
    let (status, _) = child::wait_or_kill(&mut child, args, DEADLINE);
    Outcome {
        code: status.code(),
        stdout: std::fs::read_to_string(out_path).unwrap_or_default(),
        stderr: std::fs::read_to_string(err_path).unwrap_or_default(),
    }
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
fn scenario_files_must_be_small_regular_text() {
    // A device, a FIFO (which would block the open for ever) and a sparse file are
    // typed and sized before a byte is read.
    let o = run_bounded(&["check", "/dev/zero"]);
    assert_eq!(o.code, Some(2), "{}", o.stderr);
    assert!(
        o.stderr.contains("/dev/zero") && o.stderr.contains("is a character device"),
        "{}",
        o.stderr
    );
    let tmp = tempfile::tempdir().expect("temp dir");
    let fifo = tmp.path().join("fifo.toml");
    mkfifo(&fifo);
    let f = fifo.to_str().expect("utf-8");
    for args in [
        vec!["check", f],
        vec!["run", f, "--quiet"],
        vec!["pki", "pool", "--scenario", f, "--quiet"],
    ] {
        let o = run_bounded(&args);
        assert_eq!(o.code, Some(2), "{args:?}: {}", o.stderr);
        assert!(
            o.stderr.contains(f) && o.stderr.contains("is a FIFO"),
            "{args:?}: {}",
            o.stderr
        );
    }
    let big = tmp.path().join("big.toml");
    sparse_file(&big, 3 << 30);
    let o = run_bounded(&["check", big.to_str().expect("utf-8")]);
    assert_eq!(o.code, Some(2), "{}", o.stderr);
    assert!(
        o.stderr.contains("larger than the limit of 1024 KiB"),
        "{}",
        o.stderr
    );
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

/// The address space issue 22's cases run in, KiB: a refusal needs a few MB, and what used
/// to be sized by a hostile value (a vector of 2^32 samples) aborts under it.
const LIMITED_KIB: u64 = 1024 * 1024;

/// [`run_bounded`] under [`LIMITED_KIB`] of address space.
fn run_limited(args: &[&str]) -> Outcome {
    run_in(args, Some(LIMITED_KIB), None)
}

/// Asserts exit 2 with each of `words` in the first line of the message.
fn refused(o: &Outcome, what: &str, words: &[&str]) {
    assert_eq!(o.code, Some(2), "{what}: {}", o.stderr);
    let first = o.stderr.lines().next().unwrap_or_default();
    for w in words {
        assert!(first.contains(w), "{what}: `{w}` not in: {first}");
    }
    assert!(!o.stderr.contains("panicked"), "{what}: {}", o.stderr);
}

#[test]
fn numeric_flags_are_checked_where_they_combine() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let out = tmp.path().join("out");
    let o = out.to_str().expect("utf-8");
    let plan = repo("scenarios/plan-20k.toml");
    let r = run_limited(&[
        "plan",
        &plan,
        "--set",
        "pki.mode=off",
        "--users",
        "50",
        "--target",
        "post-kb.time_to_usable.p95<=10m",
        "--search",
        "adfs.servers=1..8",
        "--cost",
        "adfs.servers=9e307",
        "--out",
        o,
        "--quiet",
    ]);
    refused(
        &r,
        "plan --cost 9e307",
        &["--cost", "allowed: at most 1e15"],
    );
    for samples in ["18446744073709551615", "4294967295", "0"] {
        let r = run_limited(&["calibrate", "--samples", samples]);
        refused(&r, samples, &["--samples", "allowed: 1 to 10000"]);
    }
    let r = run_limited(&["pki", "pool", "--users", "4294967295", "--quiet"]);
    refused(&r, "pool 2^32-1", &["--users 4294967295", "50,000,000"]);
    let r = run_limited(&["pki", "pool", "--users", "50000000", "--quiet"]);
    refused(&r, "pool 5e7", &["key pool fill is too large", "limit"]);
    // Within the larger limits with one thread, but not within this process's address
    // space: refused before anything is allocated, no staging folder left.
    let r = run_in(
        &[
            "run",
            "--users",
            "50000000",
            "--allow-large",
            "--threads",
            "1",
            "--set",
            "pki.mode=off",
            "--out",
            o,
            "--quiet",
        ],
        Some(LIMITED_KIB),
        None,
    );
    refused(
        &r,
        "run 5e7 --allow-large",
        &["does not fit this machine", "ulimit -v"],
    );
    assert_eq!(
        std::fs::read_dir(tmp.path()).expect("list").count(),
        0,
        "nothing written"
    );
}

#[test]
fn repeated_sweep_params_and_an_empty_key_cache_are_refused() {
    let sweep = repo("scenarios/sweep-sync-interval.toml");
    for (params, words) in [
        (
            vec!["aad_connect.interval=1h,2h", "aad_connect.interval=3h"],
            vec!["--param aad_connect.interval: given twice"],
        ),
        (
            vec!["aad_connect.interval=1h,1h"],
            vec!["--param aad_connect.interval: value `1h` is given twice"],
        ),
    ] {
        let mut args = vec!["sweep", sweep.as_str(), "--quiet"];
        for p in &params {
            args.extend_from_slice(&["--param", p]);
        }
        refused(&run_limited(&args), &params.join(" "), &words);
    }
    for args in [
        vec!["run", "--set", "pki.key_cache=", "--quiet"],
        vec!["pki", "pool", "--set", "pki.key_cache=", "--quiet"],
    ] {
        refused(
            &run_limited(&args),
            "empty key cache",
            &[
                "pki.key_cache",
                "allowed: a folder path, or the key left out",
            ],
        );
    }
}

/// Runs `args` in `cwd` twice: exit 0 both times, and the second set replaced the first.
fn twice(cwd: &Path, args: &[&str], out: &str) {
    for round in 1..=2 {
        let o = run_in(args, None, Some(cwd));
        assert_eq!(o.code, Some(0), "round {round} of {args:?}: {}", o.stderr);
    }
    let out = cwd.join(out);
    assert!(out.is_dir(), "{}", out.display());
    let leftovers: Vec<String> = std::fs::read_dir(out.parent().expect("parent"))
        .expect("list")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with('.'))
        .collect();
    assert!(leftovers.is_empty(), "{args:?} left {leftovers:?}");
}

#[test]
fn run_and_sweep_twice_into_their_default_folders() {
    let tmp = tempfile::tempdir().expect("temp dir");
    twice(
        tmp.path(),
        &["run", "--users", "30", "--set", "pki.mode=off", "--quiet"],
        "reports/default",
    );
    let sweep = repo("scenarios/sweep-sync-interval.toml");
    twice(
        tmp.path(),
        &[
            "sweep",
            &sweep,
            "--users",
            "30",
            "--set",
            "pki.mode=off",
            "--quiet",
        ],
        "reports/sync-interval-sweep",
    );
}

#[test]
fn plan_twice_into_its_default_folder() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let plan = repo("scenarios/plan-20k.toml");
    twice(
        tmp.path(),
        &[
            "plan",
            &plan,
            "--set",
            "pki.mode=off",
            "--users",
            "60",
            "--replications",
            "2",
            "--target",
            "post-kb.time_to_usable.p95<=1d",
            "--search",
            "adfs.servers=1..2",
            "--search",
            "ca.workers=1..2",
            "--quiet",
        ],
        "reports/plan-20k-plan",
    );
}

#[test]
fn shards_merge_and_pki_export_twice_into_their_folders() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let base = [
        "run",
        "--users",
        "30",
        "--replications",
        "2",
        "--set",
        "pki.mode=off",
    ];
    for k in ["1/2", "2/2"] {
        let dir = format!("shards/{}", &k[..1]);
        let mut a = base.to_vec();
        a.extend_from_slice(&["--shard", k, "--out", &dir, "--quiet"]);
        twice(tmp.path(), &a, &dir);
    }
    twice(
        tmp.path(),
        &["merge", "shards/1", "shards/2", "--quiet"],
        "reports/default",
    );
    twice(
        tmp.path(),
        &[
            "pki",
            "export",
            "--users",
            "2",
            "--set",
            "pki.client_key=ecdsa-p256",
            "--out",
            "export",
            "--quiet",
        ],
        "export",
    );
}
