//! The validation checks (docs/validation.md) as tests: the whole gate of `whfb-sim validate`
//! through the library at ten seeds in the quick size (seeds in parallel) and, on
//! demand, five seeds in the full size; the command line once. The family-wise
//! confidence makes a correct simulator pass at any seed with probability 99.5 %, so the
//! tests are not tuned to one seed. A failure lists each failing seed's failed rows.

use crate::common::run;
use rayon::prelude::*;
use whfb_sim::validation::{self, Config, Criterion, Size, DEFAULT_SEED, INTERVAL_CHECKS};

/// Runs the whole gate at each seed (seeds in parallel, so both cores stay busy) and
/// fails listing every seed that did not pass, with its failed rows.
fn gate_passes_at(seeds: std::ops::RangeInclusive<u64>, size: Size) {
    let failed: Vec<String> = seeds
        .into_par_iter()
        .map(|seed| {
            let checks = validation::run_all(&Config { seed, size });
            let intervals = checks
                .iter()
                .filter(|c| matches!(c.criterion, Criterion::Interval(_)))
                .count();
            assert_eq!(
                intervals, INTERVAL_CHECKS,
                "the family's size is out of date"
            );
            (seed, checks)
        })
        .filter(|(_, checks)| !validation::all_pass(checks))
        .map(|(seed, checks)| format!("seed {seed}:\n{}", validation::failure_notes(&checks)))
        .collect();
    assert!(failed.is_empty(), "{}", failed.concat());
}

#[test]
fn quick_gate_passes_at_seeds_1_to_10() {
    gate_passes_at(1..=10, Size::quick());
}

/// Full size at five seeds: minutes in a debug build, so on demand
/// (`cargo test --release --test validation -- --ignored`).
#[test]
#[ignore]
fn full_gate_passes_at_seeds_1_to_5() {
    gate_passes_at(1..=5, Size::full());
}

#[test]
fn results_do_not_depend_on_the_number_of_threads() {
    let cfg = Config {
        seed: 7,
        size: Size {
            replications: 3,
            customers: 2_000,
            warmup: 200,
            draws: 2_000,
            users: 60,
        },
    };
    let on = |threads: usize| {
        rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap()
            .install(|| validation::run_all(&cfg))
    };
    let one = on(1);
    assert_eq!(one, on(3));
    assert_eq!(validation::table(&one), validation::table(&on(2)));
}

#[test]
fn cli_validate_quick_passes_and_prints_the_table() {
    let out = run(&["validate", "--quick"]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains(&format!("seed {DEFAULT_SEED}, quick size")));
    let header = stdout
        .lines()
        .find(|l| l.starts_with("check "))
        .expect("table header");
    for col in ["theory", "simulated [CI]", "dev", "result"] {
        assert!(header.contains(col), "{header}");
    }
    assert!(stdout.contains(" failed\n") && stdout.contains(", 0 failed"));
    assert!(!stdout.contains("FAIL"));
    assert!(
        stdout.contains("at 99.989 % each; all 46 hold together") && stdout.contains("99.50 %"),
        "{stdout}"
    );
}

#[test]
fn cli_validate_refuses_zero_threads() {
    let out = run(&["validate", "--quick", "--threads", "0"]);
    assert_eq!(out.status.code(), Some(2));
}
