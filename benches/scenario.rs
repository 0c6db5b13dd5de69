//! (d) A whole scenario end to end: the embedded default scenario (2,000 users, pre-KB and
//! post-KB) in real mode from a warm key pool in a temporary folder, on one thread and on
//! two (the two variants run in parallel), and the same with crypto off. Outputs are not
//! written: `run_scenario` is what `whfb-sim run` does before writing its reports.

mod common;

use criterion::{black_box, criterion_group, criterion_main, Criterion, Throughput};
use whfb_sim::run::{run_scenario, RunOptions};
use whfb_sim::scenario::Scenario;

fn bench(c: &mut Criterion) {
    let base = Scenario::load_default(&[]).expect("default scenario");
    let users = base.base.users as usize;
    let dir = common::warm_pool(users);
    let cache = format!("pki.key_cache={}", dir.path().display());
    let real = Scenario::load_default(&[cache]).expect("default scenario");
    let off = Scenario::load_default(&["pki.mode=off".to_string()]).expect("default scenario");
    let mut g = c.benchmark_group("scenario_default");
    g.throughput(Throughput::Elements(users as u64));
    for (name, scenario, threads) in [
        ("real_1_thread", &real, 1),
        ("real_2_threads", &real, 2),
        ("off_1_thread", &off, 1),
    ] {
        let opts = RunOptions {
            threads: Some(threads),
            ..RunOptions::default()
        };
        g.bench_function(name, |b| {
            b.iter(|| black_box(run_scenario(scenario, &opts).expect("run").variants.len()))
        });
    }
    g.finish();
}

criterion_group! {
    name = benches;
    config = common::quick(20);
    targets = bench
}
criterion_main!(benches);
