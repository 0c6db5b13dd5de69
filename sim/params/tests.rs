//! The registry against what it describes: the embedded default scenario (every key, its
//! value, its comment), the scenario loader (every key is a `--set` path, every refused
//! example is refused with the registry's `allowed` words), and the estimates' ranges.

use super::level::Level;
use super::{all, find, SourceKind, Type};
use crate::scenario::{Scenario, DEFAULT_SCENARIO};
use toml::Value;

/// Keys the default scenario leaves out on purpose (shown as a commented example).
const NOT_IN_DEFAULT_FILE: [&str; 3] = ["faults", "pki.key_cache", "signin.trace"];

/// Every leaf key of a scenario table as a dotted path; a distribution (an inline table
/// with `dist`) and an array are leaves.
fn leaves(prefix: &str, t: &toml::Table, out: &mut Vec<(String, Value)>) {
    for (k, v) in t {
        let key = if prefix.is_empty() {
            k.clone()
        } else {
            format!("{prefix}.{k}")
        };
        match v {
            Value::Table(inner) if !inner.contains_key("dist") => leaves(&key, inner, out),
            _ => out.push((key, v.clone())),
        }
    }
}

fn default_file_keys() -> Vec<(String, Value)> {
    let mut doc: toml::Table = toml::from_str(DEFAULT_SCENARIO).unwrap();
    doc.remove("variants");
    doc.remove("sweep");
    let mut out = Vec::new();
    leaves("", &doc, &mut out);
    out
}

fn value(text: &str) -> Value {
    let t: toml::Table = toml::from_str(&format!("v = {text}")).unwrap();
    t["v"].clone()
}

#[test]
fn every_key_of_the_default_scenario_is_registered_with_its_value() {
    let file = default_file_keys();
    for (key, v) in &file {
        let p = find(key).unwrap_or_else(|| {
            panic!("`{key}` is in the default scenario but not in the registry")
        });
        assert_eq!(
            &value(p.default),
            v,
            "{key}: the registry's default differs from the file's"
        );
    }
    for p in all() {
        assert!(
            NOT_IN_DEFAULT_FILE.contains(&p.key) || file.iter().any(|(k, _)| k == p.key),
            "`{}` is registered but the default scenario does not show it",
            p.key
        );
    }
    let mut keys: Vec<&str> = all().iter().map(|p| p.key).collect();
    keys.sort_unstable();
    keys.dedup();
    assert_eq!(keys.len(), all().len(), "a key is registered twice");
}

#[test]
fn the_default_scenario_comments_say_what_the_registry_says() {
    let mut table = String::new();
    for line in DEFAULT_SCENARIO.lines() {
        let code = line.split('#').next().unwrap_or_default().trim();
        if let Some(header) = code.strip_prefix('[') {
            table = header.trim_end_matches(']').trim().to_string();
            continue;
        }
        let Some((code, comment)) = line.split_once('#') else {
            continue;
        };
        let Some((key, _)) = code.split_once('=') else {
            continue;
        };
        if table.starts_with("variants") {
            continue;
        }
        let key = if table.is_empty() {
            key.trim().to_string()
        } else {
            format!("{table}.{}", key.trim())
        };
        let Some(p) = find(&key) else {
            continue;
        };
        let says_estimate = comment.contains("estimate");
        let says_published = comment.contains("published");
        match p.source.kind {
            SourceKind::Estimate => assert!(says_estimate, "`{line}`: {} is an estimate", p.key),
            SourceKind::Published => assert!(
                says_published && !says_estimate,
                "`{line}`: {} is published",
                p.key
            ),
            SourceKind::Decision => assert!(
                !says_estimate && !says_published,
                "`{line}`: {} is a decision",
                p.key
            ),
        }
    }
    // A section cited is one of the project's own docs, never of notes outside the
    // repository.
    for line in DEFAULT_SCENARIO.lines().filter(|l| l.contains('§')) {
        assert!(
            line.contains("docs/model.md"),
            "`{line}` cites a section of what?"
        );
    }
}

#[test]
fn every_key_is_a_set_path_and_its_default_loads() {
    // `signin.trace`'s default is no file at all; naming one reads it, which
    // `scenario::signin_trace` and tests/it/pilot_workflow.rs test with real files.
    for p in all().iter().filter(|p| p.key != "signin.trace") {
        let set = format!("{}={}", p.key, p.default);
        Scenario::load_default(std::slice::from_ref(&set))
            .unwrap_or_else(|e| panic!("--set {set}: {e}"));
    }
}

#[test]
fn refused_values_are_refused_in_the_registry_s_words() {
    for p in all() {
        let Some(bad) = p.invalid else { continue };
        let set = format!("{}={bad}", p.key);
        let err = match Scenario::load_default(std::slice::from_ref(&set)) {
            Ok(_) => panic!("--set {set} was accepted"),
            Err(e) => e.to_string(),
        };
        assert!(
            err.contains(p.allowed),
            "--set {set}: `{err}` does not say `{}`",
            p.allowed
        );
    }
}

#[test]
fn estimates_have_ranges_that_hold_the_default_and_load() {
    for p in all() {
        let is_estimate = p.source.kind == SourceKind::Estimate;
        assert_eq!(
            is_estimate,
            p.low.is_some(),
            "{}: only estimates have a range",
            p.key
        );
        assert!(p.low.is_some() == p.high.is_some(), "{}", p.key);
        if p.source.kind == SourceKind::Published {
            assert!(
                p.source.url.starts_with("https://") && !p.source.title.is_empty(),
                "{}",
                p.key
            );
        }
        let (Some(lo), Some(hi)) = (p.low, p.high) else {
            continue;
        };
        assert!(
            p.ty.is_variable(),
            "{}: a range on a {} key",
            p.key,
            p.ty.as_str()
        );
        let (l, h, d) = (
            Level::parse(lo).unwrap(),
            Level::parse(hi).unwrap(),
            Level::parse(p.default).unwrap(),
        );
        assert!(
            Level::between(&l, &h, 0.5).is_some(),
            "{}: low and high differ in shape",
            p.key
        );
        assert!(l.scalar() < h.scalar(), "{}: low is not below high", p.key);
        assert!(
            l.scalar() <= d.scalar() && d.scalar() <= h.scalar(),
            "{}: the default is outside its plausible range",
            p.key
        );
        for end in [lo, hi] {
            let set = format!("{}={end}", p.key);
            Scenario::load_default(std::slice::from_ref(&set))
                .unwrap_or_else(|e| panic!("--set {set}: {e}"));
        }
        if p.ty == Type::Integer {
            assert!(!lo.contains('.') && !hi.contains('.'), "{}", p.key);
        }
    }
}

#[test]
fn the_parameter_table_in_the_docs_is_the_registry_s() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/docs/model.md");
    let doc = std::fs::read_to_string(path).expect("docs/model.md");
    let (_, rest) = doc
        .split_once("<!-- params:begin -->\n")
        .expect("docs/model.md has a `<!-- params:begin -->` line");
    let (table, _) = rest
        .split_once("<!-- params:end -->")
        .expect("docs/model.md has a `<!-- params:end -->` line");
    assert_eq!(
        table.trim(),
        super::print::markdown(all()).trim(),
        "docs/model.md's table is not `whfb-sim params --format md`: regenerate it"
    );
}
