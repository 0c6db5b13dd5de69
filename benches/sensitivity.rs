//! (e) `sensitivity`, one-at-a-time: the default scenario, crypto off, both figures of
//! the README's walk-through. By default a cut-down analysis (three keys, one
//! replication) so that `cargo bench` stays quick; `WHFB_SIM_BENCH_SENSITIVITY=full`
//! measures the real thing — every estimate that matters for the default scenario (44
//! keys, 89 points), 3 replications — on two threads. Outputs are not written: the
//! design, the runs, the reduction and the analysis are timed.

mod common;

use criterion::{black_box, criterion_group, criterion_main, Criterion};
use whfb_sim::run::sweep::run_sweep;
use whfb_sim::run::{run_scenario, RunOptions};
use whfb_sim::scenario::Scenario;
use whfb_sim::sensitivity::design::build;
use whfb_sim::sensitivity::output::analyse;
use whfb_sim::sensitivity::reduce::reduce;
use whfb_sim::sensitivity::Request;

fn bench(c: &mut Criterion) {
    let full = std::env::var("WHFB_SIM_BENCH_SENSITIVITY").is_ok_and(|v| v == "full");
    let reps = if full {
        "replications=3"
    } else {
        "replications=1"
    };
    let scenario = Scenario::load_default(&["pki.mode=off".to_string(), reps.to_string()])
        .expect("default scenario");
    let req = Request {
        figures: vec![
            "post-kb.time_to_usable.p95".into(),
            "pre-kb.time_to_usable.p50".into(),
        ],
        keys: if full {
            Vec::new()
        } else {
            vec![
                "prerequisites.joined_share".into(),
                "signin.away".into(),
                "pin.entry".into(),
            ]
        },
        ..Request::default()
    };
    let name = if full {
        "oat_default_estimates_3_replications"
    } else {
        "oat_3_keys_1_replication"
    };
    let mut g = c.benchmark_group("sensitivity");
    g.bench_function(name, |b| {
        b.iter(|| {
            let design = build(&scenario, &req).expect("design");
            let horizon = scenario.base.horizon.secs();
            let opts = RunOptions {
                threads: Some(2),
                ..RunOptions::default()
            };
            let points = run_sweep(&design.plan(), &opts, &|p, o| {
                let r = run_scenario(&p.scenario, o)?;
                Ok(reduce(&req.figures, r, horizon, true))
            })
            .expect("points");
            black_box(analyse(&design, &req.figures, &points, scenario.base.seed))
        })
    });
    g.finish();
}

criterion_group! {
    name = benches;
    config = common::quick(10);
    targets = bench
}
criterion_main!(benches);
