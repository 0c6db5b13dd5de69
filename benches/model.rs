//! (b) The provisioning model with crypto off, one thread: events/s of `Model::run` on
//! the default scenario's two variants at 20,000 users (set-up, the users' profiles and
//! random streams, included: it is part of every run). `WHFB_SIM_BENCH_USERS=1000,1000000`
//! measures other population sizes instead.

mod common;

use criterion::measurement::WallTime;
use criterion::{
    black_box, criterion_group, criterion_main, BenchmarkGroup, Criterion, Throughput,
};
use whfb_sim::model::{Model, TraceFilter};
use whfb_sim::pki::OffPki;
use whfb_sim::scenario::Scenario;

fn bench(c: &mut Criterion) {
    let sizes: Vec<u32> = std::env::var("WHFB_SIM_BENCH_USERS")
        .ok()
        .map(|v| v.split(',').filter_map(|n| n.trim().parse().ok()).collect())
        .unwrap_or_else(|| vec![20_000]);
    let mut g = c.benchmark_group("model_off");
    for users in sizes {
        run_size(&mut g, users);
    }
    g.finish();
}

fn run_size(g: &mut BenchmarkGroup<'_, WallTime>, users: u32) {
    let scenario = Scenario::load_default(&[format!("users={users}"), "pki.mode=off".into()])
        .expect("default scenario");
    for v in &scenario.variants {
        let spec = &v.spec;
        let run = || {
            let mut pki = OffPki::new(&Default::default(), spec.users as usize);
            Model::new(spec, 0, &mut pki, &TraceFilter::Off).run()
        };
        let events = run().events;
        eprintln!("{} at {users} users: {events} events per run", v.name);
        g.throughput(Throughput::Elements(events));
        g.bench_function(format!("{}_{users}_users", v.name), |b| {
            b.iter(|| black_box(run().events))
        });
    }
}

criterion_group! {
    name = benches;
    config = common::quick(8);
    targets = bench
}
criterion_main!(benches);
