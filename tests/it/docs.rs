//! The docs' examples, run as the docs write them.
//!
//! Every ```` ```console ```` block of README.md and docs/*.md is a trycmd case: each
//! `$ whfb-sim …` line runs against this build's binary and its output must match the
//! block (`...` and `[..]` elide what a clock or a machine decides: progress, wall times).
//! The simulated figures are deterministic for a seed, so a changed default that an
//! example shows fails here. Blocks marked ```` ```console,long ```` are too slow for a
//! debug build's test run; `cargo test --test it docs:: -- --ignored` runs them. Blocks marked
//! ```` ```bash tested ```` are shell scripts (loops, `wait`) run with bash, once as written
//! and once with a shard that fails, which must fail the script.
//! Every other fence names its language (```` ```text ````, ```` ```toml ````, ```` ```sh ````):
//! trycmd takes a bare ```` ``` ```` block for a case.
//!
//! The cases run on copies of the docs in a temporary folder, each with a working folder
//! that links the repository's `scenarios/` and `contrib/`, so the relative paths of the
//! examples resolve and what they write (`reports/…`, `shards/…`) never lands in the
//! checkout; the key pool is a temporary one too. `TRYCMD=overwrite` writes the new outputs
//! back into the docs themselves.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

/// The repository's root: where README.md and docs/ live.
fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// README.md and every docs/*.md, in a fixed order.
fn doc_files() -> Vec<PathBuf> {
    let mut docs: Vec<PathBuf> = fs::read_dir(root().join("docs"))
        .expect("docs/ is readable")
        .map(|entry| entry.expect("docs/ entry").path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "md"))
        .collect();
    docs.sort();
    docs.insert(0, root().join("README.md"));
    docs
}

/// The file name a doc's copy gets in the staging folder (`docs/model.md` → `docs-model.md`).
fn staged_name(doc: &Path) -> String {
    let relative = doc
        .strip_prefix(root())
        .expect("a doc under the repository");
    relative.to_string_lossy().replace(['/', '\\'], "-")
}

/// Which console blocks a staged copy keeps runnable: trycmd skips a block whose info
/// string carries `ignore`.
#[derive(Clone, Copy, PartialEq)]
enum Blocks {
    /// The ordinary ```` ```console ```` blocks.
    Quick,
    /// Only the ```` ```console,long ```` ones.
    Long,
}

/// The doc's text with the blocks that are not to run marked `ignore` for trycmd.
fn stage_text(text: &str, blocks: Blocks) -> String {
    text.lines()
        .map(|line| match (line, blocks) {
            ("```console,long", Blocks::Quick) => "```console,ignore,long",
            ("```console", Blocks::Long) => "```console,ignore",
            ("```console,long", Blocks::Long) => "```console",
            _ => line,
        })
        .map(|line| format!("{line}\n"))
        .collect()
}

/// Undoes [`stage_text`], for writing `TRYCMD=overwrite`'s results back.
fn unstage_text(text: &str, blocks: Blocks) -> String {
    text.lines()
        .map(|line| match (line, blocks) {
            ("```console,ignore,long", Blocks::Quick) => "```console,long",
            ("```console,ignore", Blocks::Long) => "```console",
            ("```console", Blocks::Long) => "```console,long",
            _ => line,
        })
        .map(|line| format!("{line}\n"))
        .collect()
}

/// A working folder in which the examples' relative paths resolve.
fn working_folder(dir: &Path) {
    fs::create_dir_all(dir).expect("working folder");
    for linked in ["scenarios", "contrib"] {
        std::os::unix::fs::symlink(root().join(linked), dir.join(linked)).expect("link");
    }
}

/// Runs the console blocks of every doc; with `TRYCMD=overwrite`, writes the outputs back.
fn run_console_blocks(blocks: Blocks) {
    let staging = tempfile::tempdir().expect("staging folder");
    let docs = doc_files();
    for doc in &docs {
        let text = fs::read_to_string(doc).expect("doc readable");
        let name = staged_name(doc);
        fs::write(staging.path().join(&name), stage_text(&text, blocks)).expect("staged copy");
        working_folder(&staging.path().join(name.replace(".md", ".in")));
    }
    let cases = trycmd::TestCases::new();
    cases
        .register_bin("whfb-sim", PathBuf::from(crate::common::BIN))
        .env(
            "WHFB_SIM_KEY_CACHE",
            staging.path().join("key-cache").to_string_lossy(),
        )
        .timeout(std::time::Duration::from_secs(600))
        .case(staging.path().join("*.md"));
    // A failure names the staged copy; this says which doc it stands for.
    eprintln!(
        "doc examples staged in {} (docs/X.md as docs-X.md)",
        staging.path().display()
    );
    cases.run();
    if std::env::var("TRYCMD").is_ok_and(|mode| mode == "overwrite") {
        for doc in &docs {
            let staged = fs::read_to_string(staging.path().join(staged_name(doc)))
                .expect("staged copy readable");
            fs::write(doc, unstage_text(&staged, blocks)).expect("doc written back");
        }
    }
}

/// The docs' ```` ```console ```` examples: commands and the outputs the docs show.
#[test]
fn console_examples() {
    run_console_blocks(Blocks::Quick);
}

/// The ```` ```console,long ```` examples (minutes in a debug build).
#[test]
#[ignore = "minutes in a debug build: cargo test --test it docs:: -- --ignored"]
fn long_console_examples() {
    run_console_blocks(Blocks::Long);
}

/// Every ```` ```bash tested ```` block of the docs, with the doc it is in.
fn tested_shell_blocks() -> Vec<(PathBuf, String)> {
    let mut blocks = Vec::new();
    for doc in doc_files() {
        let text = fs::read_to_string(&doc).expect("doc readable");
        let mut lines = text.lines();
        while let Some(line) = lines.next() {
            if line == "```bash tested" {
                let body: Vec<&str> = lines.by_ref().take_while(|l| *l != "```").collect();
                blocks.push((doc.clone(), body.join("\n") + "\n"));
            }
        }
    }
    blocks
}

/// A `whfb-sim` on PATH for the shell blocks: this build's binary, crypto off and 200
/// users for the commands that simulate (the scripts' control flow is under test here,
/// not their figures, which the console blocks pin), and a failure for the shard named
/// by `WHFB_DOCS_FAIL_SHARD`, as a crashed node would give.
fn wrapper(dir: &Path) -> PathBuf {
    let bin = crate::common::BIN;
    let script = format!(
        "#!/bin/sh\n\
         case \" $* \" in *\" --shard ${{WHFB_DOCS_FAIL_SHARD:-none}} \"*) echo 'injected shard failure' >&2; exit 2;; esac\n\
         case \"$1\" in run|sweep|sensitivity|plan) exec '{bin}' \"$@\" --set pki.mode=off --users 200;; esac\n\
         exec '{bin}' \"$@\"\n"
    );
    let path = dir.join("whfb-sim");
    fs::write(&path, script).expect("wrapper written");
    use std::os::unix::fs::PermissionsExt;
    fs::set_permissions(&path, fs::Permissions::from_mode(0o755)).expect("wrapper mode");
    dir.to_path_buf()
}

/// Runs one shell block in a fresh working folder; returns its exit status and the folder.
fn run_shell(script: &str, fail_shard: Option<&str>) -> (std::process::Output, tempfile::TempDir) {
    let work = tempfile::tempdir().expect("working folder");
    working_folder(&work.path().join("w"));
    let bin_dir = wrapper(work.path());
    let path = format!(
        "{}:{}",
        bin_dir.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let mut command = Command::new("bash");
    command
        .arg("-c")
        .arg(script)
        .current_dir(work.path().join("w"))
        .env("PATH", path)
        .env("WHFB_SIM_KEY_CACHE", work.path().join("key-cache"));
    if let Some(shard) = fail_shard {
        command.env("WHFB_DOCS_FAIL_SHARD", shard);
    }
    (command.output().expect("bash runs"), work)
}

/// The shell examples succeed as written, and a failing shard fails them before `merge`.
#[test]
fn shell_examples() {
    let blocks = tested_shell_blocks();
    assert!(
        !blocks.is_empty(),
        "no ```bash tested block in the docs: the cluster loop should be one"
    );
    for (doc, script) in &blocks {
        let (output, work) = run_shell(script, None);
        assert!(
            output.status.success(),
            "{}: the block failed ({}):\n{script}\nstderr:\n{}",
            doc.display(),
            output.status,
            String::from_utf8_lossy(&output.stderr)
        );
        if script.contains("--shard") {
            let merged = work.path().join("w/reports/my-sweep/sweep.csv");
            assert!(
                merged.is_file(),
                "{}: the loop ran but wrote no {}",
                doc.display(),
                merged.display()
            );
            let (failed, work) = run_shell(script, Some("3/4"));
            assert!(
                !failed.status.success(),
                "{}: the block succeeded although shard 3/4 failed:\n{script}",
                doc.display()
            );
            assert!(
                !work.path().join("w/reports/my-sweep").exists(),
                "{}: merge ran although shard 3/4 failed",
                doc.display()
            );
        }
    }
}

/// The text of `doc` from the line starting with `from` up to the next line starting with
/// `to`: one bullet or section of a page.
fn section<'a>(doc: &'a str, from: &str, to: &str) -> &'a str {
    let start = doc
        .find(from)
        .unwrap_or_else(|| panic!("no `{from}` in the page"));
    let rest = &doc[start..];
    let end = rest[from.len()..]
        .find(to)
        .map_or(rest.len(), |i| i + from.len());
    &rest[..end]
}

/// Whether `name` occurs in `text` as a whole word (not inside a longer identifier).
fn names(text: &str, name: &str) -> bool {
    let is_ident = |c: char| c.is_ascii_alphanumeric() || c == '_';
    text.match_indices(name).any(|(i, _)| {
        let before = text[..i].chars().next_back();
        let after = text[i + name.len()..].chars().next();
        !before.is_some_and(is_ident) && !after.is_some_and(is_ident)
    })
}

/// docs/outputs.md names every column `users.csv` has and every field of `summary.json`
/// and of its variants, as this build writes them: a new field fails here until the page
/// says what it is.
#[test]
fn outputs_page_names_every_field() {
    let out = tempfile::tempdir().expect("out folder");
    let status = Command::new(crate::common::BIN)
        .args([
            "run",
            "--users",
            "50",
            "--set",
            "pki.mode=off",
            "--quiet",
            "--out",
        ])
        .arg(out.path().join("r"))
        .status()
        .expect("whfb-sim runs");
    assert!(status.success(), "the run failed: {status}");
    let page = fs::read_to_string(root().join("docs/outputs.md")).expect("docs/outputs.md");

    let users_csv = section(&page, "- `users.csv`", "\n- `");
    let header = fs::read_to_string(out.path().join("r/users.csv")).expect("users.csv");
    let header = header.lines().next().expect("a header line");
    let missing: Vec<&str> = header
        .split(',')
        .filter(|column| !names(users_csv, column))
        .collect();
    assert!(
        missing.is_empty(),
        "docs/outputs.md's users.csv list misses {missing:?}"
    );

    let summary_json = section(&page, "- `summary.json`", "\n- `users.csv`");
    let summary: serde_json::Value = serde_json::from_str(
        &fs::read_to_string(out.path().join("r/summary.json")).expect("summary.json"),
    )
    .expect("summary.json is JSON");
    let variant = &summary["variants"][0];
    let mut fields: Vec<&String> = summary.as_object().expect("an object").keys().collect();
    fields.extend(variant.as_object().expect("a variant object").keys());
    let missing: Vec<&String> = fields
        .into_iter()
        .filter(|field| !names(summary_json, field))
        .collect();
    assert!(
        missing.is_empty(),
        "docs/outputs.md's summary.json list misses {missing:?}"
    );
}

/// The source layout in docs/performance.md names every folder under sim/.
#[test]
fn layout_names_every_source_folder() {
    let page = fs::read_to_string(root().join("docs/performance.md")).expect("page");
    let layout = section(&page, "## Layout", "\n## ");
    let missing: Vec<String> = fs::read_dir(root().join("sim"))
        .expect("sim/")
        .map(|entry| entry.expect("sim/ entry").path())
        .filter(|path| path.is_dir())
        .map(|path| format!("sim/{}/", path.file_name().unwrap().to_string_lossy()))
        .filter(|folder| !layout.contains(folder.as_str()))
        .collect();
    assert!(
        missing.is_empty(),
        "docs/performance.md's Layout misses {missing:?}"
    );
}

/// Every relative link of README.md and docs/*.md points at a file that exists, and every
/// `#anchor` at a heading of its page, so the sections moved out of the README stay
/// reachable.
#[test]
fn relative_links_resolve() {
    let mut broken = Vec::new();
    for doc in doc_files() {
        let text = fs::read_to_string(&doc).expect("doc readable");
        for (i, _) in text.match_indices("](") {
            let rest = &text[i + 2..];
            let Some(end) = rest.find(')') else { continue };
            let target = &rest[..end];
            if target.contains("://") || target.starts_with("mailto:") || target.contains(' ') {
                continue;
            }
            let (file, anchor) = target.split_once('#').unwrap_or((target, ""));
            let path = if file.is_empty() {
                doc.clone()
            } else {
                doc.parent().expect("a folder").join(file)
            };
            if !path.exists() {
                broken.push(format!("{}: {target} (no such file)", doc.display()));
                continue;
            }
            if !anchor.is_empty() && path.extension().is_some_and(|ext| ext == "md") {
                let page = fs::read_to_string(&path).expect("linked page");
                if !page.lines().any(|line| {
                    line.starts_with('#')
                        && github_anchor(line.trim_start_matches('#').trim()) == anchor
                }) {
                    broken.push(format!("{}: {target} (no such heading)", doc.display()));
                }
            }
        }
    }
    assert!(broken.is_empty(), "broken links:\n{}", broken.join("\n"));
}

/// The anchor GitHub gives a heading: lower case, spaces to `-`, punctuation dropped.
fn github_anchor(heading: &str) -> String {
    heading
        .chars()
        .filter_map(|c| match c {
            ' ' => Some('-'),
            '-' | '_' => Some(c),
            c if c.is_alphanumeric() => Some(c.to_lowercase().next().unwrap_or(c)),
            _ => None,
        })
        .collect()
}

/// The long flags `whfb-sim ARGS --help` lists, `--help` itself left out.
fn help_flags(args: &[&str]) -> Vec<String> {
    let output = Command::new(crate::common::BIN)
        .args(args)
        .arg("--help")
        .output()
        .expect("whfb-sim runs");
    assert!(output.status.success(), "{args:?} --help failed");
    let help = String::from_utf8(output.stdout).expect("UTF-8 help");
    let options = help.split("Options:").nth(1).unwrap_or_default();
    let mut flags: Vec<String> = options
        .lines()
        .filter_map(|line| {
            let line = line.trim_start().trim_start_matches("-h, ");
            let flag = line.strip_prefix("--")?;
            let end = flag
                .find(|c: char| !(c.is_ascii_alphanumeric() || c == '-'))
                .unwrap_or(flag.len());
            Some(format!("--{}", &flag[..end]))
        })
        .filter(|flag| flag != "--help")
        .collect();
    flags.sort();
    flags.dedup();
    flags
}

/// The rows of docs/cli.md's command table, each with the commands its first code span
/// names (`whfb-sim run\|sweep ...` names two) and the long flags it shows.
fn cli_rows(page: &str) -> Vec<(Vec<String>, Vec<String>)> {
    page.lines()
        .filter_map(|line| {
            let span = line.strip_prefix("| `whfb-sim ")?;
            let span = &span[..span.find('`')?];
            let mut words = span.split_whitespace();
            let first = words.next()?;
            let commands = if first == "pki" {
                vec![format!("pki {}", words.next()?)]
            } else {
                first.split("\\|").map(str::to_owned).collect()
            };
            let flags = line
                .match_indices("--")
                .map(|(i, _)| {
                    let rest = &line[i..];
                    let end = rest[2..]
                        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '-'))
                        .map_or(rest.len(), |e| e + 2);
                    rest[..end].to_owned()
                })
                .filter(|flag| flag.len() > 2)
                .collect();
            Some((commands, flags))
        })
        .collect()
}

/// docs/cli.md shows every flag each command's `--help` lists, and no flag a command
/// refuses (`sweep --trace` was documented and refused).
#[test]
fn cli_page_matches_help() {
    let page = fs::read_to_string(root().join("docs/cli.md")).expect("docs/cli.md");
    let rows = cli_rows(&page);
    let commands = [
        "run",
        "sweep",
        "plan",
        "sensitivity",
        "merge",
        "fit",
        "params",
        "check",
        "scenario",
        "validate",
        "calibrate",
        "pki export",
        "pki pool",
    ];
    let mut problems = Vec::new();
    for command in commands {
        let args: Vec<&str> = command.split(' ').collect();
        let help = help_flags(&args);
        let documented: Vec<&String> = rows
            .iter()
            .filter(|(names, _)| names.iter().any(|name| name == command))
            .flat_map(|(_, flags)| flags)
            .collect();
        if !rows
            .iter()
            .any(|(names, _)| names.iter().any(|name| name == command))
        {
            problems.push(format!("`whfb-sim {command}` has no row"));
        }
        for flag in &help {
            if !documented.contains(&flag) {
                problems.push(format!("`whfb-sim {command}`: {flag} is not shown"));
            }
        }
        for flag in documented {
            if !help.contains(flag) {
                problems.push(format!(
                    "`whfb-sim {command}`: {flag} is shown but --help has no such flag"
                ));
            }
        }
    }
    assert!(
        problems.is_empty(),
        "docs/cli.md vs --help:\n{}",
        problems.join("\n")
    );
}
