//! Queues with a closed form (M/M/c, M/D/1), built from the same engine pieces the AD FS
//! farm and the CA use: a [`Resource`] for the servers and their FIFO queue, an
//! [`EventQueue`] for the clock, [`Dist`] for interarrival and service times, and the
//! resource's own statistics for the mean wait.
//!
//! The driver below is deliberately tiny (arrivals and departures, nothing else) so that a
//! disagreement with Erlang C or Pollaczek–Khinchine points at the engine, not at it.

use super::{check_confidence, replicate_each, theory, Check, Config, Unit};
use crate::engine::resource::ResourceStats;
use crate::engine::time::{to_secs, SECOND};
use crate::engine::{Dist, EventQueue, Resource, SimTime, StreamFactory};

/// One open queue: `servers` servers, one FIFO queue, Poisson or other arrivals.
#[derive(Debug, Clone)]
pub(crate) struct QueueModel {
    /// Servers.
    pub servers: u32,
    /// Time between arrivals.
    pub interarrival: Dist,
    /// Service time, drawn when service starts.
    pub service: Dist,
    /// Customers whose arrival precedes the measurement (the resource's statistics are
    /// reset at the arrival of the next one).
    pub warmup: u64,
    /// Customers measured after the warm-up; the run stops at the next arrival.
    pub customers: u64,
    /// The wait, in seconds, whose exceedance share is measured.
    pub tail_at_s: f64,
}

/// What one replication of a [`QueueModel`] measured after its warm-up.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct QueueRun {
    /// The resource's own statistics over the measured span.
    pub stats: ResourceStats,
    /// Length of the measured span, seconds.
    pub span_s: f64,
    /// Share of measured customers (arrived after the warm-up, service started before
    /// the end) whose wait exceeded `tail_at_s`, recorded by the driver per customer.
    pub tail_share: f64,
    /// Events the queue processed (for speed figures).
    pub events: u64,
}

/// The driver's own per-customer record of waits, independent of the resource's.
#[derive(Default)]
struct Tally {
    /// Start of the measured span.
    from: Option<SimTime>,
    measured: u64,
    over: u64,
}

impl Tally {
    /// A customer who arrived at `arrived_at` starts service at `now`.
    fn started(&mut self, now: SimTime, arrived_at: SimTime, tail_at: SimTime) {
        if self.from.is_some_and(|t0| arrived_at >= t0) {
            self.measured += 1;
            if now - arrived_at > tail_at {
                self.over += 1;
            }
        }
    }
}

enum Ev {
    Arrival,
    Departure,
}

/// Stream kinds of the driver.
const ARRIVALS: u64 = 1;
const SERVICE: u64 = 2;

impl QueueModel {
    /// Runs replication `rep` with streams from `seed`.
    pub fn run(&self, seed: u64, rep: u32) -> QueueRun {
        let f = StreamFactory::new(seed, rep);
        let mut arr = f.stream(ARRIVALS, 0);
        let mut svc = f.stream(SERVICE, 0);
        let mut q: EventQueue<Ev> = EventQueue::with_capacity(self.servers as usize + 2);
        // The token is the customer's arrival time: the driver sees each wait itself.
        let mut res: Resource<SimTime> = Resource::new(self.servers, 0);
        let tail_at = (self.tail_at_s * SECOND as f64).round() as SimTime;
        let mut arrived = 0u64;
        let mut tally = Tally::default();
        q.schedule_in(self.interarrival.sample(&mut arr), Ev::Arrival);
        let mut end = 0;
        while let Some((now, ev)) = q.pop_until(SimTime::MAX) {
            match ev {
                Ev::Arrival => {
                    arrived += 1;
                    if arrived == self.warmup + 1 {
                        res.reset_stats(now);
                        tally.from = Some(now);
                    }
                    if arrived > self.warmup + self.customers {
                        end = now;
                        break;
                    }
                    if let Some(t) = res.request(now, now) {
                        tally.started(now, t, tail_at);
                        q.schedule_in(self.service.sample(&mut svc), Ev::Departure);
                    }
                    q.schedule_in(self.interarrival.sample(&mut arr), Ev::Arrival);
                }
                Ev::Departure => {
                    if let Some(t) = res.release(now) {
                        tally.started(now, t, tail_at);
                        q.schedule_in(self.service.sample(&mut svc), Ev::Departure);
                    }
                }
            }
        }
        QueueRun {
            stats: res.stats(end),
            span_s: to_secs(end - tally.from.unwrap_or(0)),
            tail_share: if tally.measured == 0 {
                0.0
            } else {
                tally.over as f64 / tally.measured as f64
            },
            events: q.processed(),
        }
    }
}

/// Servers of the M/M/c checks (c = 1 is M/M/1).
const SERVERS: [u32; 4] = [1, 2, 4, 8];
/// Loads of every queue check.
const LOADS: [f64; 3] = [0.5, 0.8, 0.9];
/// Mean service time: 1 s, so µ = 1/s and waits read in service times.
const MEAN_SERVICE: f64 = SECOND as f64;

/// The M/M/c and M/D/1 checks.
pub fn checks(cfg: &Config) -> Vec<Check> {
    let size = cfg.size;
    let mut cases: Vec<(u32, f64, bool)> = Vec::new();
    for c in SERVERS {
        for rho in LOADS {
            cases.push((c, rho, false));
        }
    }
    for rho in LOADS {
        cases.push((1, rho, true));
    }
    let models: Vec<(QueueModel, u64)> = cases
        .iter()
        .enumerate()
        .map(|(i, &(c, rho, deterministic))| {
            let lambda = rho * c as f64; // per second, µ = 1
            let model = QueueModel {
                servers: c,
                interarrival: Dist::Exponential {
                    mean: MEAN_SERVICE / lambda,
                },
                service: if deterministic {
                    Dist::Fixed(MEAN_SERVICE as SimTime)
                } else {
                    Dist::Exponential { mean: MEAN_SERVICE }
                },
                warmup: size.warmup,
                customers: size.customers,
                tail_at_s: 1.0 / (c as f64 - lambda),
            };
            (model, cfg.seed_for(100 + i as u64))
        })
        .collect();
    let runs = replicate_each(models.len(), size.replications, |i, r| {
        models[i].0.run(models[i].1, r)
    });
    let mut out = Vec::new();
    for (&(c, rho, deterministic), reps) in cases.iter().zip(&runs) {
        let lambda = rho * c as f64;
        let waits: Vec<f64> = reps.iter().map(|r| r.stats.mean_wait_s).collect();
        let events: u64 = reps.iter().map(|r| r.events).sum();
        let note = format!(
            "{} customers after a warm-up of {}; {events} events",
            size.customers, size.warmup
        );
        if deterministic {
            out.push(
                Check::interval(
                    "queue",
                    format!("M/D/1 ρ={rho:.1} mean wait Wq (Pollaczek–Khinchine)"),
                    Unit::Seconds,
                    theory::md1_mean_wait(lambda, 1.0),
                    &waits,
                    check_confidence(),
                )
                .with_note(&note),
            );
            continue;
        }
        let kind = if c == 1 {
            "M/M/1".to_string()
        } else {
            format!("M/M/{c}")
        };
        out.push(
            Check::interval(
                "queue",
                format!("{kind} ρ={rho:.1} mean wait Wq (Erlang C)"),
                Unit::Seconds,
                theory::mmc_mean_wait(c, lambda, 1.0),
                &waits,
                check_confidence(),
            )
            .with_note(&note),
        );
        let t = 1.0 / (c as f64 - lambda);
        let tails: Vec<f64> = reps.iter().map(|r| r.tail_share).collect();
        out.push(
            Check::interval(
                "queue",
                format!("{kind} ρ={rho:.1} P(Wq > {t:.3} s) (FIFO tail)"),
                Unit::Share,
                theory::mmc_wait_tail(c, lambda, 1.0, t),
                &tails,
                check_confidence(),
            )
            .with_note(&note),
        );
        if rho == 0.9 {
            let util: Vec<f64> = reps.iter().map(|r| r.stats.utilization).collect();
            out.push(
                Check::interval(
                    "queue",
                    format!("{kind} ρ={rho:.1} utilisation"),
                    Unit::Share,
                    rho,
                    &util,
                    check_confidence(),
                )
                .with_note(&note),
            );
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deterministic_queue_without_overlap_never_waits() {
        // Arrivals every 2 s, service 1 s: nobody waits, the server is busy half the time.
        let m = QueueModel {
            servers: 1,
            interarrival: Dist::Fixed(2 * SECOND),
            service: Dist::Fixed(SECOND),
            warmup: 10,
            customers: 100,
            tail_at_s: 0.0,
        };
        let r = m.run(1, 0);
        assert_eq!(r.stats.mean_wait_s, 0.0);
        assert_eq!(r.stats.arrivals, 100);
        assert!((r.stats.utilization - 0.5).abs() < 1e-9);
        assert_eq!(r.tail_share, 0.0);
        assert!((r.span_s - 200.0).abs() < 1e-9);
    }

    #[test]
    fn same_seed_same_run() {
        let m = QueueModel {
            servers: 2,
            interarrival: Dist::Exponential { mean: 6e5 },
            service: Dist::Exponential { mean: 1e6 },
            warmup: 100,
            customers: 2_000,
            tail_at_s: 1.0,
        };
        assert_eq!(m.run(7, 3), m.run(7, 3));
        assert_ne!(m.run(7, 3), m.run(7, 4));
    }
}
