//! Fuzzing kept in the repository: mutated scenario texts and `--set` values go through
//! the parser, the overrides, the validation and the cost estimate. None may panic, and
//! whatever validation and the (larger) cost limits admit has a finite estimate within
//! those limits. The case counts keep it to well under a minute of `cargo test`; the
//! counts of accepted and refused inputs are printed (`-- --nocapture`).

use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};
use std::sync::atomic::{AtomicUsize, Ordering};
use whfb_sim::model::TraceFilter;
use whfb_sim::run::cost::{self, LARGE_LIMITS};
use whfb_sim::scenario::{Scenario, DEFAULT_SCENARIO};

/// Values a hostile user tries: zeros, negatives, huge numbers, tiny and huge
/// durations, probabilities next to 1, wrong types, odd strings.
const HOSTILE: &[&str] = &[
    "0",
    "-1",
    "1",
    "4294967295",
    "18446744073709551615",
    "9223372036854775807",
    "1e308",
    "-1e308",
    "nan",
    "inf",
    "0.999999999",
    "1.0",
    "\"0s\"",
    "\"1us\"",
    "\"1s\"",
    "\"10000d\"",
    "\"2913000d\"",
    "\"99999999999d\"",
    "\"-5m\"",
    "\"\"",
    "\"..\"",
    "\"/\"",
    "\"1970-01-01T00:00:00Z\"",
    "\"9999-12-31T23:59:59Z\"",
    "true",
    "[]",
    "[\"1us\"]",
    "{}",
    "{ dist = \"fixed\", value = \"0s\" }",
    "{ dist = \"lognormal\", median = \"1us\", p95 = \"2us\" }",
    "{ dist = \"normal\", mean = \"-1h\", sd = \"1h\" }",
    "{ dist = \"empirical\", values = [\"0s\"], weights = [0.0] }",
    "\"random\"",
    "\"all\"",
    // Ordinary values, so that combinations get past validation to the estimate.
    "2",
    "100",
    "0.5",
    "\"30m\"",
    "\"1h\"",
    "\"5m\"",
    "\"2d\"",
    "\"off\"",
];

/// Every leaf key of the default scenario as a dotted path (`adfs.servers`,
/// `signin.waves[0].share`, `variants.post-kb.adfs.patched`).
fn default_keys() -> Vec<String> {
    fn walk(prefix: &str, v: &toml::Value, out: &mut Vec<String>) {
        match v {
            toml::Value::Table(t) => {
                for (k, v) in t {
                    let p = if prefix.is_empty() {
                        k.clone()
                    } else {
                        format!("{prefix}.{k}")
                    };
                    walk(&p, v, out);
                }
            }
            toml::Value::Array(a) if a.iter().any(|x| x.is_table()) => {
                for (i, v) in a.iter().enumerate() {
                    walk(&format!("{prefix}[{i}]"), v, out);
                }
            }
            _ => out.push(prefix.to_string()),
        }
    }
    let t: toml::Value = toml::from_str(DEFAULT_SCENARIO).expect("the default parses");
    let mut out = Vec::new();
    walk("", &t, &mut out);
    // Keys the default leaves out, so that they are fuzzed too.
    out.extend(
        [
            "faults",
            "attacks.mismatched_key",
            "pki.crl_validity",
            "report.peak_window",
        ]
        .map(String::from),
    );
    out
}

/// Accepted and refused inputs, for the report.
struct Tally {
    accepted: AtomicUsize,
    refused_invalid: AtomicUsize,
    refused_cost: AtomicUsize,
}

impl Tally {
    const fn new() -> Tally {
        Tally {
            accepted: AtomicUsize::new(0),
            refused_invalid: AtomicUsize::new(0),
            refused_cost: AtomicUsize::new(0),
        }
    }
}

/// Loads `text` with `sets`, estimates the run, and checks that what is admitted is
/// bounded.
fn exercise(text: &str, sets: &[String], tally: &Tally) -> Result<(), TestCaseError> {
    let s = match Scenario::load_str(text, "fuzz.toml", "fuzz", sets) {
        Ok(s) => s,
        Err(e) => {
            // A refusal says where: a file position, a flag, or a key.
            prop_assert!(!e.message.is_empty());
            tally.refused_invalid.fetch_add(1, Ordering::Relaxed);
            return Ok(());
        }
    };
    match cost::admit_run(&s, &TraceFilter::All, Some(4), true) {
        Err(m) => {
            prop_assert!(m.to_string().contains("limit"), "{m}");
            tally.refused_cost.fetch_add(1, Ordering::Relaxed);
        }
        Ok(e) => {
            for (fig, limit) in [
                (e.events.total(), LARGE_LIMITS.events),
                (e.memory.total(), LARGE_LIMITS.memory),
                (e.output.total(), LARGE_LIMITS.output),
            ] {
                prop_assert!(fig.is_finite() && fig <= limit, "{fig} > {limit}: {e:?}");
            }
            tally.accepted.fetch_add(1, Ordering::Relaxed);
        }
    }
    Ok(())
}

/// A mutation of the default scenario's text.
#[derive(Debug, Clone)]
enum Mutation {
    /// Line `n`'s value replaced by a hostile one.
    Value(usize, &'static str),
    /// Line `n` removed.
    Delete(usize),
    /// Line `n` written twice.
    Duplicate(usize),
    /// The text cut at byte `n` (on a character boundary).
    Truncate(usize),
    /// Bytes inserted at byte `n`.
    Insert(usize, String),
}

fn apply(text: &str, muts: &[Mutation]) -> String {
    let mut lines: Vec<String> = text.lines().map(String::from).collect();
    let mut cut: Option<usize> = None;
    let mut insert: Vec<(usize, String)> = Vec::new();
    for m in muts {
        let n = lines.len().max(1);
        match m {
            Mutation::Value(i, v) => {
                let l = &mut lines[i % n];
                if let Some((k, _)) = l.split_once('=') {
                    *l = format!("{k}= {v}");
                }
            }
            Mutation::Delete(i) => {
                lines.remove(i % n);
            }
            Mutation::Duplicate(i) => {
                let l = lines[i % n].clone();
                lines.insert(i % n, l);
            }
            Mutation::Truncate(i) => cut = Some(*i),
            Mutation::Insert(i, s) => insert.push((*i, s.clone())),
        }
    }
    let mut out = lines.join("\n");
    for (i, s) in insert {
        let mut at = i % (out.len() + 1);
        while !out.is_char_boundary(at) {
            at -= 1;
        }
        out.insert_str(at, &s);
    }
    if let Some(i) = cut {
        let mut at = i % (out.len() + 1);
        while !out.is_char_boundary(at) {
            at -= 1;
        }
        out.truncate(at);
    }
    out
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        6 => (any::<usize>(), prop::sample::select(HOSTILE)).prop_map(|(i, v)| Mutation::Value(i, v)),
        1 => any::<usize>().prop_map(Mutation::Delete),
        1 => any::<usize>().prop_map(Mutation::Duplicate),
        1 => any::<usize>().prop_map(Mutation::Truncate),
        1 => (any::<usize>(), "[\\[\\]{}=\"'.#\\n a-z0-9\\x00-\\x1f]{1,12}")
            .prop_map(|(i, s)| Mutation::Insert(i, s)),
    ]
}

#[test]
fn mutated_scenario_texts_never_panic_and_admitted_ones_are_bounded() {
    static TALLY: Tally = Tally::new();
    let mut runner = TestRunner::new(Config {
        cases: 2500,
        failure_persistence: None,
        ..Config::default()
    });
    runner
        .run(&prop::collection::vec(mutation(), 1..4), |muts| {
            exercise(&apply(DEFAULT_SCENARIO, &muts), &[], &TALLY)
        })
        .expect("no mutated scenario panics or admits an unbounded run");
    report("scenario texts", &TALLY);
}

#[test]
fn hostile_set_values_never_panic_and_admitted_ones_are_bounded() {
    static TALLY: Tally = Tally::new();
    let keys = default_keys();
    let mut runner = TestRunner::new(Config {
        cases: 2500,
        failure_persistence: None,
        ..Config::default()
    });
    let set = (prop::sample::select(keys), prop::sample::select(HOSTILE))
        .prop_map(|(k, v)| format!("{k}={v}"));
    runner
        .run(&prop::collection::vec(set, 1..4), |sets| {
            exercise(DEFAULT_SCENARIO, &sets, &TALLY)
        })
        .expect("no --set panics or admits an unbounded run");
    report("--set combinations", &TALLY);
}

fn report(what: &str, t: &Tally) {
    eprintln!(
        "fuzz {what}: {} accepted, {} refused by validation, {} refused by the cost limits",
        t.accepted.load(Ordering::Relaxed),
        t.refused_invalid.load(Ordering::Relaxed),
        t.refused_cost.load(Ordering::Relaxed)
    );
}
