//! (b) The provisioning model with crypto off, one thread: events/s of `Model::run` on
//! the default scenario's two variants at 20,000 users (set-up, the users' profiles and
//! random streams, included: it is part of every run).

mod common;

use criterion::{black_box, criterion_group, criterion_main, Criterion, Throughput};
use whfb_sim::model::{Model, TraceFilter};
use whfb_sim::pki::OffPki;
use whfb_sim::scenario::Scenario;

fn bench(c: &mut Criterion) {
    const USERS: u32 = 20_000;
    let scenario = Scenario::load_default(&[format!("users={USERS}"), "pki.mode=off".to_string()])
        .expect("default scenario");
    let mut g = c.benchmark_group("model_off");
    for v in &scenario.variants {
        let spec = &v.spec;
        let run = || {
            let mut pki = OffPki::new(&Default::default(), spec.users as usize);
            Model::new(spec, 0, &mut pki, &TraceFilter::Off).run()
        };
        let events = run().events;
        eprintln!("{} at {USERS} users: {events} events per run", v.name);
        g.throughput(Throughput::Elements(events));
        g.bench_function(format!("{}_{USERS}_users", v.name), |b| {
            b.iter(|| black_box(run().events))
        });
    }
    g.finish();
}

criterion_group! {
    name = benches;
    config = common::quick(8);
    targets = bench
}
criterion_main!(benches);
