//! The validation checks (DESIGN §7) as tests: each group of `whfb-sim validate` runs
//! through the library at the quick size and the default seed, where every check passes
//! for a correct simulator (the seed is fixed, so the outcome is deterministic). A
//! failure prints the group's table with the failing row's note.

use std::process::Command;
use whfb_sim::validation::{
    self, flow, queues, sampling, scheduler, Check, Config, Size, DEFAULT_SEED,
};

fn quick() -> Config {
    Config {
        seed: DEFAULT_SEED,
        size: Size::quick(),
    }
}

fn assert_all_pass(checks: &[Check]) {
    assert!(!checks.is_empty(), "no checks ran");
    assert!(
        validation::all_pass(checks),
        "\n{}\n{}",
        validation::table(checks),
        validation::failure_notes(checks)
    );
}

#[test]
fn queues_agree_with_erlang_c_and_pollaczek_khinchine() {
    let checks = queues::checks(&quick());
    // 4 M/M/c × 3 loads × (mean, tail) + 4 utilisations + 3 M/D/1.
    assert_eq!(checks.len(), 31);
    assert_all_pass(&checks);
}

#[test]
fn littles_law_holds_on_every_resource() {
    let checks = flow::little_checks(&quick());
    // adfs-1, adfs-2, ca, drs, aad_connect × pre-KB, post-KB.
    assert_eq!(checks.len(), 10);
    assert_all_pass(&checks);
}

#[test]
fn sync_scheduler_matches_its_closed_form() {
    assert_all_pass(&scheduler::checks(&quick()));
}

#[test]
fn pre_kb_retries_are_exact_per_user() {
    assert_all_pass(&flow::retry_checks(&quick()));
}

#[test]
fn post_kb_idle_farm_is_the_sum_of_the_steps() {
    assert_all_pass(&flow::post_kb_checks(&quick()));
}

#[test]
fn distributions_match_their_parameters() {
    assert_all_pass(&sampling::checks(&quick()));
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
    let out = Command::new(env!("CARGO_BIN_EXE_whfb-sim"))
        .args(["validate", "--quick"])
        .output()
        .expect("runs whfb-sim");
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
    for col in ["theory", "simulated [95% CI]", "dev", "result"] {
        assert!(header.contains(col), "{header}");
    }
    assert!(stdout.contains(" failed\n") && stdout.contains(", 0 failed"));
    assert!(!stdout.contains("FAIL"));
}

#[test]
fn cli_validate_refuses_zero_threads() {
    let out = Command::new(env!("CARGO_BIN_EXE_whfb-sim"))
        .args(["validate", "--quick", "--threads", "0"])
        .output()
        .expect("runs whfb-sim");
    assert_eq!(out.status.code(), Some(2));
}
