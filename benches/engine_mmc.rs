//! (a) The bare engine: an M/M/c queue through `engine::Resource` and `EventQueue`, the
//! workload SimPy's own examples use. One iteration = 1,000,000 customers through M/M/4
//! at ρ = 0.9 (2,000,000 events); criterion reports the time per iteration and events/s.
//! `benches/simpy_mmc.py` is the same model in SimPy.

mod common;

use criterion::{black_box, criterion_group, criterion_main, Criterion, Throughput};
use whfb_sim::engine::time::SECOND;
use whfb_sim::engine::{Dist, EventQueue, Resource, SimTime, StreamFactory};

#[derive(Debug, Clone, Copy)]
enum Ev {
    Arrival,
    Departure,
}

/// Result of one M/M/c run.
struct MmcRun {
    events: u64,
    mean_wait_s: f64,
    end: SimTime,
}

/// `customers` Poisson arrivals (rate `lambda` per second) served by `c` servers with
/// exponential service (rate `mu` per second), FIFO.
fn mmc(customers: u64, c: u32, lambda: f64, mu: f64, seed: u64) -> MmcRun {
    let streams = StreamFactory::new(seed, 0);
    let mut arrivals = streams.stream(1, 0);
    let mut services = streams.stream(2, 0);
    let interarrival = Dist::Exponential {
        mean: SECOND as f64 / lambda,
    };
    let service = Dist::Exponential {
        mean: SECOND as f64 / mu,
    };
    let mut q = EventQueue::with_capacity(c as usize + 2);
    let mut res: Resource<u64> = Resource::new(c, 0);
    let mut arrived = 0u64;
    q.schedule_at(interarrival.sample(&mut arrivals), Ev::Arrival);
    while let Some((now, ev)) = q.pop_until(SimTime::MAX) {
        match ev {
            Ev::Arrival => {
                arrived += 1;
                if arrived < customers {
                    q.schedule_in(interarrival.sample(&mut arrivals), Ev::Arrival);
                }
                if res.request(now, arrived).is_some() {
                    q.schedule_in(service.sample(&mut services), Ev::Departure);
                }
            }
            Ev::Departure => {
                if res.release(now).is_some() {
                    q.schedule_in(service.sample(&mut services), Ev::Departure);
                }
            }
        }
    }
    let end = q.now();
    MmcRun {
        events: q.processed(),
        mean_wait_s: res.stats(end).mean_wait_s,
        end,
    }
}

fn bench(c: &mut Criterion) {
    const CUSTOMERS: u64 = 1_000_000;
    let (servers, lambda, mu) = (4, 3.6, 1.0);
    let probe = mmc(CUSTOMERS, servers, lambda, mu, 1);
    // Erlang C for M/M/4 at ρ = 0.9: Wq = C(4, 3.6) / (cμ − λ) = 0.78775 / 0.4 ≈ 1.969 s.
    eprintln!(
        "M/M/4, ρ = 0.9, {CUSTOMERS} customers: {} events, mean wait {:.3} s (Erlang C ≈ 1.969 s), {:.1} simulated days",
        probe.events,
        probe.mean_wait_s,
        probe.end as f64 / 86_400e6
    );
    let mut g = c.benchmark_group("engine_mmc");
    g.throughput(Throughput::Elements(probe.events));
    g.bench_function("mm4_1M_customers", |b| {
        b.iter(|| black_box(mmc(CUSTOMERS, servers, lambda, mu, 1).events))
    });
    g.finish();
}

criterion_group! {
    name = benches;
    config = common::quick(10);
    targets = bench
}
criterion_main!(benches);
