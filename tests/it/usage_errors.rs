//! Every subcommand refuses the user's mistakes the same way: exit 2, nothing on stdout,
//! and a message on stderr that names the flag, file, key or variable to fix. Each
//! subcommand gets an unknown flag (clap's refusal) and bad values the library refuses (a
//! missing file, a number out of range, a refused key cache folder), so that a command
//! cannot slip to exit 1 on bad input however deep the refusal is found.

use std::path::{Path, PathBuf};
use std::process::Command;
use whfb_sim::commands::{self, CheckArgs};
use whfb_sim::error::{exit_code, is_usage, message};

/// One refused command line and what its message must name.
struct Case {
    args: Vec<String>,
    names: &'static str,
    /// `WHFB_SIM_KEY_CACHE` for it [default: an empty folder of the test's own].
    key_cache: Option<PathBuf>,
}

fn case(args: &[&str], names: &'static str) -> Case {
    Case {
        args: args.iter().map(|s| s.to_string()).collect(),
        names,
        key_cache: None,
    }
}

fn repo(p: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join(p)
        .display()
        .to_string()
}

/// Runs every case in `dir` and returns the failures, one line each.
fn refusals(dir: &Path, cases: &[Case]) -> Vec<String> {
    let cache = dir.join("cache");
    std::fs::create_dir_all(&cache).expect("cache folder");
    let mut wrong = Vec::new();
    for c in cases {
        let out = Command::new(crate::common::BIN)
            .args(&c.args)
            .current_dir(dir)
            .env("WHFB_SIM_KEY_CACHE", c.key_cache.as_ref().unwrap_or(&cache))
            .output()
            .expect("the binary runs");
        let err = String::from_utf8_lossy(&out.stderr);
        let shown = format!("`whfb-sim {}`", c.args.join(" "));
        if out.status.code() != Some(2) {
            wrong.push(format!(
                "{shown}: exit {:?}, not 2: {err}",
                out.status.code()
            ));
        } else if !err.starts_with("error: ") || !err.contains(c.names) {
            wrong.push(format!(
                "{shown}: stderr does not name `{}`: {err}",
                c.names
            ));
        } else if !out.stdout.is_empty() {
            let text = String::from_utf8_lossy(&out.stdout);
            wrong.push(format!("{shown}: printed on stdout: {text}"));
        }
    }
    wrong
}

#[test]
fn every_subcommand_exits_2_naming_the_unknown_flag() {
    let commands: [&[&str]; 14] = [
        &["run"],
        &["sweep"],
        &["plan"],
        &["fit"],
        &["compare-pilot"],
        &["sensitivity"],
        &["merge"],
        &["check"],
        &["scenario"],
        &["params"],
        &["validate"],
        &["pki", "export"],
        &["pki", "pool"],
        &["calibrate"],
    ];
    let cases: Vec<Case> = commands
        .iter()
        .map(|c| {
            let mut args: Vec<&str> = c.to_vec();
            args.push("--no-such-flag");
            case(&args, "--no-such-flag")
        })
        .collect();
    let dir = tempfile::tempdir().expect("temp dir");
    let wrong = refusals(dir.path(), &cases);
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

#[test]
fn every_subcommand_exits_2_naming_the_bad_value() {
    let dir = tempfile::tempdir().expect("temp dir");
    let d = dir.path();
    std::fs::write(d.join("bad.toml"), "name = \"x\"\nusers = \"many\"\n").expect("write");
    std::fs::write(d.join("notes.txt"), "not an export\n").expect("write");
    std::fs::create_dir(d.join("empty")).expect("mkdir");
    let scenario = repo("scenarios/default.toml");
    let sc = scenario.as_str();
    let fast = [
        "--set",
        "pki.mode=off",
        "--users",
        "5",
        "--replications",
        "1",
    ];
    let with_fast = |args: &[&str]| -> Vec<String> {
        args.iter()
            .chain(fast.iter())
            .map(|s| s.to_string())
            .collect()
    };
    let mut cases = vec![
        // run: clap's refusal of a value, the library's of a file, a number and a folder.
        case(&["run", "--seed", "abc"], "--seed"),
        case(&["run", "missing.toml"], "missing.toml"),
        case(&["run", "bad.toml"], "bad.toml:2:1: key `users`"),
        case(&["run", "--threads", "0"], "--threads 0"),
        case(&["run", "--set", "nosuch.key=1"], "--set nosuch.key=1"),
        case(&["run", "--shard", "3/2", "--out", "o"], "--shard 3/2"),
        case(&["run", "--precision", "200%"], "--precision"),
        // sweep
        case(&["sweep", "missing.toml"], "missing.toml"),
        case(&["sweep", sc, "--param", "nosuch=1,2"], "--param nosuch"),
        // plan
        case(
            &[
                "plan",
                sc,
                "--target",
                "post-kb.time_to_usable.p95<=10m",
                "--search",
                "adfs.servers=8..1",
            ],
            "--search adfs.servers",
        ),
        case(
            &[
                "plan",
                sc,
                "--target",
                "post-kb.time_to_usable.p95<=ten",
                "--search",
                "adfs.servers=1..2",
            ],
            "--target",
        ),
        // fit
        case(&["fit", "missing.json", "--out", "o"], "missing.json"),
        case(&["fit", "empty", "--out", "o"], "no export files found"),
        case(
            &["fit", "notes.txt", "--out", "o", "--bootstrap", "9999999"],
            "--bootstrap 9999999",
        ),
        case(
            &[
                "fit",
                "notes.txt",
                "--out",
                "o",
                "--policy-start",
                "yesterday",
            ],
            "--policy-start",
        ),
        // compare-pilot
        case(&["compare-pilot", "missing.toml", "empty"], "missing.toml"),
        case(
            &["compare-pilot", "notes.txt", "empty", "--replications", "0"],
            "--replications 0",
        ),
        case(
            &["compare-pilot", "notes.txt", "empty", "--accept", "p50"],
            "--accept",
        ),
        // sensitivity
        case(
            &[
                "sensitivity",
                "missing.toml",
                "--figure",
                "post-kb.time_to_usable.p95",
            ],
            "missing.toml",
        ),
        case(
            &[
                "sensitivity",
                sc,
                "--figure",
                "nosuch.x.p50",
                "--set",
                "pki.mode=off",
            ],
            "--figure `nosuch.x.p50`",
        ),
        // merge
        case(&["merge", "missing"], "missing"),
        case(&["merge", "empty"], "empty: not a shard result"),
        // check
        case(&["check", "missing.toml"], "missing.toml"),
        case(&["check", "bad.toml"], "bad.toml:2:1: key `users`"),
        // scenario takes nothing, so anything more is refused
        case(&["scenario", "extra"], "extra"),
        // params
        case(&["params", "--format", "xml"], "--format"),
        // validate
        case(&["validate", "--seed", "x"], "--seed"),
        case(&["validate", "--threads", "0"], "--threads 0"),
        // pki export
        case(&["pki", "export", "--users", "x", "--out", "o"], "--users"),
        case(
            &["pki", "export", "--users", "0", "--out", "o"],
            "--users 0",
        ),
        case(
            &[
                "pki",
                "export",
                "--users",
                "1",
                "--out",
                "o",
                "--scenario",
                "missing.toml",
            ],
            "missing.toml",
        ),
        case(
            &[
                "pki",
                "export",
                "--users",
                "1",
                "--out",
                "o",
                "--set",
                "pki.epoch=notadate",
            ],
            "key `pki.epoch`",
        ),
        // pki pool
        case(&["pki", "pool", "--users", "0"], "--users"),
        case(
            &["pki", "pool", "--users", "2000000000"],
            "--users 2000000000",
        ),
        case(
            &["pki", "pool", "--scenario", "missing.toml"],
            "missing.toml",
        ),
        // calibrate
        case(&["calibrate", "--samples", "x"], "--samples"),
        case(&["calibrate", "--samples", "0"], "--samples 0"),
        case(&["calibrate", "--client-key", "dsa"], "--client-key dsa"),
    ];
    // A folder the user's output would replace is checked as the run starts.
    cases.push(Case {
        args: with_fast(&["run", "--out", "notes.txt"]),
        names: "--out notes.txt",
        key_cache: None,
    });
    // A key cache that cannot be used is the user's to fix, found deep in the pool; both
    // the command that fills the pool and a run that reads it refuse it.
    let not_a_folder = d.join("notes.txt");
    for args in [
        vec!["pki", "pool", "--users", "1"],
        vec![
            "run",
            "--users",
            "2",
            "--replications",
            "1",
            "--out",
            "r",
            "--quiet",
        ],
    ] {
        cases.push(Case {
            args: args.iter().map(|s| s.to_string()).collect(),
            names: "$WHFB_SIM_KEY_CACHE",
            key_cache: Some(not_a_folder.clone()),
        });
    }
    let wrong = refusals(d, &cases);
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
    for out in ["o", "r"] {
        assert!(!d.join(out).exists(), "a refused command wrote {out}/");
    }
}

#[test]
fn the_library_says_a_refusal_is_the_users_as_the_binary_does() {
    let dir = tempfile::tempdir().expect("temp dir");
    let missing = dir.path().join("missing.toml");
    let err = commands::check(&CheckArgs {
        scenario: missing.clone(),
        sets: Vec::new(),
        allow_large: false,
    })
    .expect_err("a missing scenario is refused");
    assert!(is_usage(&err), "{err:#}");
    assert_eq!(exit_code(&err), 2);
    assert!(
        message(&err).contains(&missing.display().to_string()),
        "{err:#}"
    );
    let err = commands::pki::pool(&commands::pki::PoolArgs {
        users: Some(0),
        ..Default::default()
    })
    .expect_err("no users is refused");
    assert_eq!(exit_code(&err), 2, "{err:#}");
    assert_eq!(message(&err), "--users must be at least 1");
}
