//! Server-side crypto off the event loop: one real-mode variant on a 2-thread pool, with
//! the RA's, the CA's and the client's checks computed at once on the event loop's thread
//! (`inline`) or started on the pool when a server starts on the request and joined at the
//! completion event (`offloaded`, what `RealPki::new` does), and the offloaded port on a
//! 1-thread pool (where it computes at once) for reference.
//!
//! Workload: a wave of `WHFB_SIM_BENCH_WAVE_USERS` users (default 2,000) signing in within
//! `WHFB_SIM_BENCH_WAVE_MINUTES` minutes (default 10) on every AD FS server patched: the
//! shorter the wave, the more requests are in service at once. The
//! key pool is warm (see `common::warm_pool`); request signing happens before the timed
//! part, so only the simulation with its server-side checks is measured.

mod common;

use std::sync::Arc;

use criterion::{black_box, criterion_group, criterion_main, Criterion, Throughput};
use whfb_sim::model::{Model, TraceFilter};
use whfb_sim::pki::{no_staged_progress, PkiMaterial, RealPki};
use whfb_sim::run::pki_backend::settings_of;
use whfb_sim::scenario::Scenario;

fn bench(c: &mut Criterion) {
    let users: usize = std::env::var("WHFB_SIM_BENCH_WAVE_USERS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(2_000);
    let minutes: u32 = std::env::var("WHFB_SIM_BENCH_WAVE_MINUTES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(10);
    let dir = common::warm_pool(users);
    let toml = format!(
        "name = \"wave\"\nusers = {users}\nseed = 11\n\
         [signin]\nwaves = [{{ start = \"8h\", end = \"8h{minutes}m\", share = 1.0 }}]\n\
         [adfs]\npatched = 2\n[pki]\nmode = \"real\"\nkey_cache = \"{}\"\n",
        dir.path().display()
    );
    let scenario = Scenario::load_str(&toml, "wave.toml", "wave", &[]).expect("scenario");
    let spec = &scenario.variants[0].spec;
    let material = Arc::new(
        PkiMaterial::new(
            settings_of(spec).expect("settings"),
            users,
            &no_staged_progress,
        )
        .expect("material"),
    );
    let pool = |n| {
        rayon::ThreadPoolBuilder::new()
            .num_threads(n)
            .build()
            .expect("pool")
    };
    let (one, two) = (pool(1), pool(2));
    let mut g = c.benchmark_group(format!("offload_wave_{users}_users_{minutes}_min"));
    g.throughput(Throughput::Elements(users as u64));
    for (name, threads, offload) in [
        ("inline_2_threads", &two, false),
        ("offloaded_2_threads", &two, true),
        ("offloaded_1_thread", &one, true),
    ] {
        let run = || {
            threads.install(|| {
                let m = Arc::clone(&material);
                let mut pki = if offload {
                    RealPki::new(m)
                } else {
                    RealPki::inline(m)
                };
                Model::new(spec, 0, &mut pki, &TraceFilter::Off).run()
            })
        };
        let probe = run();
        eprintln!("{name}: {} events", probe.events);
        g.bench_function(name, |b| b.iter(|| black_box(run().events)));
    }
    g.finish();
}

criterion_group! {
    name = benches;
    config = common::quick(10);
    targets = bench
}
criterion_main!(benches);
