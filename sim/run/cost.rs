//! Before anything runs: how big a run or sweep is (model events, peak memory, bytes
//! written), estimated from the scenario alone, and the limits that refuse what cannot
//! reasonably finish or fit. `check`, `run` and `sweep` all call [`admit_run`] or
//! `admit_sweep`, so `check` gives the verdict `run` would.
//!
//! The estimate leans high: it counts a user's loops (sign-in cycles, retries, periodic
//! enrollment) over a generous active span (see `active_span`), and sync cycles and
//! series buckets up to the horizon, whereas a run stops once the rollout is over. The
//! base events per user come from the shard split's calibrated figure
//! ([`super::shard::cost`]).

use super::shard::cost::events_per_user;
use crate::error::UsageError;
use crate::model::done::{SyncCycle, TraceRecord};
use crate::model::user::User;
use crate::model::{TraceFilter, UserRecord};
use crate::scenario::schema::PkiMode;
use crate::scenario::{Scenario, Spec};

/// What a run may cost: model events, peak memory and bytes written.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Limits {
    /// Model events over every simulation (shadow runs included).
    pub events: f64,
    /// Peak memory, bytes.
    pub memory: f64,
    /// Bytes written to the output folder.
    pub output: f64,
}

/// The limits without `--allow-large`: a few minutes of CPU, memory any laptop has.
pub(crate) const DEFAULT_LIMITS: Limits = Limits {
    events: 2e9,
    memory: 2.0 * GIB,
    output: 256.0 * MIB,
};

/// The limits with `--allow-large`: big but finite runs (hours of CPU on a few cores).
pub const LARGE_LIMITS: Limits = Limits {
    events: 1e11,
    memory: 64.0 * GIB,
    output: 64.0 * GIB,
};

/// Most worker threads `--threads` may ask for.
pub(crate) const MAX_THREADS: usize = 1024;

/// Most points a sweep may have (before any is validated or run).
pub(crate) const MAX_SWEEP_POINTS: usize = 10_000;

const MIB: f64 = 1024.0 * 1024.0;
const GIB: f64 = 1024.0 * MIB;

/// Model events per sign-in cycle of a user not yet done: sign-in, sign-out, the
/// deferred attempt after the sign-in.
const EVENTS_PER_SIGNIN: f64 = 3.0;
/// Events per enrollment attempt on the synchronous path (request, AD FS, key check, RA,
/// CA, install, timeouts).
const EVENTS_PER_ENROLLMENT: f64 = 8.0;
/// Events per sync cycle: tick, cut-off, end.
const EVENTS_PER_SYNC_CYCLE: f64 = 3.0;
/// Pending events per user in the queue (its entry is time, sequence and event).
const QUEUE_BYTES_PER_USER: f64 = 2.0 * 32.0;
/// A resource's live series per bucket (busy, queue and wait accumulators).
const SERIES_LIVE_BYTES: f64 = 64.0;
/// A resource's reported series per bucket (five figures and the waits' sum and count).
const SERIES_KEPT_BYTES: f64 = 56.0;
/// A trace record's message text, on top of the record.
const TRACE_TEXT_BYTES: f64 = 80.0;
/// Real PKI per user: the key pair, the signed request, the registered key and what the
/// CA and the directory keep.
const PKI_BYTES_PER_USER: f64 = 6.0 * 1024.0;
/// Bytes of one row of each CSV (measured on the default scenario, rounded up).
const USERS_ROW: f64 = 160.0;
const RESOURCES_ROW: f64 = 55.0;
const SYNC_ROW: f64 = 85.0;
const EVENTS_ROW: f64 = 115.0;
const SWEEP_ROW: f64 = 400.0;
/// report.md, summary.json and the charts of a run (a sweep's charts are per point).
const FIXED_OUTPUT: f64 = 2.0 * MIB;

/// One contribution to an estimate: what it is, the keys that drive it, how much.
#[derive(Debug, Clone, PartialEq)]
pub struct Part {
    /// What it counts, e.g. "sign-in cycles".
    pub what: &'static str,
    /// The keys (or flags) that drive it.
    pub keys: &'static str,
    /// Its amount (events or bytes).
    pub amount: f64,
}

/// An estimate of one figure, by parts.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Figure {
    /// The parts, in the order they were counted ([`Figure::largest`] finds the largest).
    pub parts: Vec<Part>,
}

impl Figure {
    fn add(&mut self, what: &'static str, keys: &'static str, amount: f64) {
        match self.parts.iter_mut().find(|p| p.what == what) {
            Some(p) => p.amount += amount,
            None => self.parts.push(Part { what, keys, amount }),
        }
    }

    /// The sum of the parts (infinite or NaN parts count as infinite).
    pub fn total(&self) -> f64 {
        let t: f64 = self.parts.iter().map(|p| p.amount).sum();
        if t.is_nan() {
            f64::INFINITY
        } else {
            t
        }
    }

    /// The largest part.
    pub fn largest(&self) -> Option<&Part> {
        self.parts
            .iter()
            .max_by(|a, b| a.amount.total_cmp(&b.amount))
    }
}

/// A run's or sweep's estimated cost.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Estimate {
    /// Model events over every simulation.
    pub events: Figure,
    /// Peak memory, bytes.
    pub memory: Figure,
    /// Bytes written.
    pub output: Figure,
    /// "users = 2000, 2 variants × 1 replication, 1 simulation each", for messages.
    pub shape: String,
}

/// `x / step` for durations in µs, infinite when `step` is 0.
fn per(span: f64, step: f64) -> f64 {
    if step > 0.0 {
        span / step
    } else {
        f64::INFINITY
    }
}

/// Expected tries of a step that fails with probability `p`, at most `cap` (∞ when the
/// tries take no time and always fail).
fn tries(p: f64, cap: f64) -> f64 {
    let p = p.clamp(0.0, 1.0);
    if p < 1.0 {
        (1.0 / (1.0 - p)).min(cap)
    } else {
        cap
    }
}

/// How long a user keeps costing events, µs: from time 0 to the end of the last arrival
/// window (or of the last fault window, if later), plus two sync intervals (the key
/// reaching AD), the retry schedule, an enrollment period and a sign-in cycle; at most
/// the horizon. Users still pending then (stuck behind a fault that lasts to the
/// horizon) cost more, which the series and sync terms, bounded by the horizon, follow.
fn active_span(spec: &Spec) -> f64 {
    let arrivals = spec.signin.waves.iter().map(|w| w.end.0).max().unwrap_or(0);
    let faults = spec.faults.iter().map(|f| f.end.0).max().unwrap_or(0);
    let cycle = spec.signin.session.0.mean().max(0.0) + spec.signin.away.0.mean().max(0.0);
    let retries = spec.enrollment.retry_schedule.last().map_or(0, |d| d.0);
    let span = arrivals.max(faults) as f64
        + 2.0 * spec.aad_connect.interval.0 as f64
        + retries as f64
        + spec.enrollment.periodic.0 as f64
        + cycle;
    span.min(spec.horizon.0 as f64)
}

/// One simulation's model events of `spec`, by parts.
fn simulation_events(spec: &Spec, f: &mut Figure, times: f64) {
    let users = spec.users as f64;
    let horizon = active_span(spec);
    let session = spec.signin.session.0.mean().max(0.0);
    let away = spec.signin.away.0.mean().max(0.0);
    let signins = per(horizon, session + away);
    let signed_in = if session + away > 0.0 {
        horizon * session / (session + away)
    } else {
        horizon
    };
    f.add(
        "provisioning steps",
        "users",
        times * users * events_per_user(spec),
    );
    f.add(
        "sign-in cycles",
        "signin.session, signin.away, horizon",
        times * users * EVENTS_PER_SIGNIN * signins,
    );
    let m = &spec.mfa;
    let per_signin = {
        let q = (m.p_fail + m.p_timeout).clamp(0.0, 1.0);
        let cap = m.max_attempts as f64;
        if q < 1.0 {
            ((1.0 - q.powf(cap)) / (1.0 - q)).min(cap)
        } else {
            cap
        }
    };
    let mfa_signins = signins.min(m.max_abandoned_signins as f64 + 1.0);
    f.add(
        "MFA attempts",
        "mfa.p_fail, mfa.p_timeout, mfa.max_attempts, mfa.max_abandoned_signins",
        times * users * 2.0 * per_signin * mfa_signins,
    );
    f.add(
        "PIN entries",
        "pin.p_reject, pin.entry",
        times
            * users
            * tries(
                spec.pin.p_reject,
                per(horizon, spec.pin.entry.0.mean().max(0.0)),
            ),
    );
    f.add(
        "DRS throttles",
        "drs.p_throttle, drs.throttle_backoff",
        times
            * users
            * 2.0
            * tries(
                spec.drs.p_throttle,
                per(horizon, spec.drs.throttle_backoff.0 as f64),
            ),
    );
    f.add(
        "periodic enrollment attempts",
        "enrollment.periodic",
        times * users * EVENTS_PER_ENROLLMENT * per(signed_in, spec.enrollment.periodic.0 as f64),
    );
    let unjoined = (1.0 - spec.prerequisites.joined_share).clamp(0.0, 1.0);
    f.add(
        "join retries",
        "prerequisites.join_retry, prerequisites.joined_share",
        times * users * unjoined * 2.0 * per(signed_in, spec.prerequisites.join_retry.0 as f64),
    );
    f.add(
        "sync cycles",
        "aad_connect.interval, aad_connect.sync_now, horizon",
        times * EVENTS_PER_SYNC_CYCLE * sync_cycles(spec),
    );
}

/// Sync cycles in a simulation at most: one per interval to the horizon, the manual
/// ones, and one at the end of every fault window (a scheduler restart).
pub(crate) fn sync_cycles(spec: &Spec) -> f64 {
    per(spec.horizon.0 as f64, spec.aad_connect.interval.0 as f64)
        + spec.aad_connect.sync_now.len() as f64
        + spec.faults.len() as f64
        + 1.0
}

/// Series buckets per resource at most: the horizon in buckets.
pub(crate) fn buckets(spec: &Spec) -> f64 {
    per(spec.horizon.0 as f64, spec.report.series_bucket.0 as f64).ceil()
}

/// Resources with a series: the AD FS servers, the CA, DRS, the sync scheduler.
fn resources(spec: &Spec) -> f64 {
    spec.adfs.servers as f64 + 3.0
}

/// Traced users of `spec` under `trace`.
pub(crate) fn traced(spec: &Spec, trace: &TraceFilter) -> f64 {
    match trace {
        TraceFilter::Off => 0.0,
        TraceFilter::All => spec.users as f64,
        TraceFilter::Users(ids) => ids.len().min(spec.users as usize) as f64,
    }
}

/// Events per user of one simulation (for the trace's size).
pub(crate) fn events_per_traced_user(spec: &Spec) -> f64 {
    let mut one = Spec {
        users: 1,
        ..spec.clone()
    };
    one.aad_connect.sync_now.clear();
    let mut f = Figure::default();
    simulation_events(&one, &mut f, 1.0);
    f.parts
        .iter()
        .filter(|p| p.what != "sync cycles")
        .map(|p| p.amount)
        .sum()
}

const SIZES_KEYS: &str = "users, replications, variants";
const SERIES_KEYS: &str = "horizon, report.series_bucket, adfs.servers";
const SYNC_KEYS: &str = "horizon, aad_connect.interval";

/// The estimate of a run of `scenario` with `trace`, on `threads` workers.
pub(crate) fn estimate_run(scenario: &Scenario, trace: &TraceFilter, threads: usize) -> Estimate {
    let reps = scenario.base.replications as f64;
    let mut e = Estimate::default();
    let (mut working_users, mut working_series): (f64, f64) = (0.0, 0.0);
    let mut simulations = 0.0;
    let mut largest_file = Figure::default();
    let (mut users_csv, mut res_csv, mut sync_csv, mut events_csv) = (0.0, 0.0, 0.0, 0.0);
    for v in &scenario.variants {
        let s = &v.spec;
        let sims = 1.0 + s.faults.len() as f64;
        simulations += reps * sims;
        simulation_events(s, &mut e.events, reps * sims);
        let users = s.users as f64;
        let series = resources(s) * buckets(s);
        let cycles = sync_cycles(s);
        let trace_rows = traced(s, trace) * events_per_traced_user(s);
        let trace_bytes =
            trace_rows * (std::mem::size_of::<TraceRecord>() as f64 + TRACE_TEXT_BYTES);
        // Kept until the reports are written: every replication's records and series.
        e.memory.add(
            "user records",
            SIZES_KEYS,
            reps * users * std::mem::size_of::<UserRecord>() as f64,
        );
        e.memory.add(
            "time series",
            SERIES_KEYS,
            reps * series * SERIES_KEPT_BYTES,
        );
        e.memory.add(
            "sync cycle log",
            SYNC_KEYS,
            reps * cycles * std::mem::size_of::<SyncCycle>() as f64,
        );
        e.memory
            .add("trace", "--trace, --trace-users", reps * trace_bytes);
        // One simulation's working set: its users, queue, fault bitmaps, live series.
        let live_users = users
            * (std::mem::size_of::<User>() as f64
                + QUEUE_BYTES_PER_USER
                + 4.0
                + s.faults.len() as f64 / 8.0)
            + trace_bytes;
        working_users = working_users.max(live_users);
        working_series = working_series.max(series * SERIES_LIVE_BYTES);
        if s.pki.mode == PkiMode::Real {
            e.memory.add(
                "PKI material",
                "users, pki.mode",
                users * PKI_BYTES_PER_USER,
            );
        }
        users_csv += reps * users * USERS_ROW;
        res_csv += reps * series * RESOURCES_ROW;
        sync_csv += reps * cycles * SYNC_ROW;
        events_csv += reps * trace_rows * EVENTS_ROW;
    }
    let parallel = simulations.min(threads.max(1) as f64);
    e.memory.add(
        "users of the simulations in progress",
        "users, --threads",
        parallel * working_users,
    );
    e.memory.add(
        "time series of the simulations in progress",
        SERIES_KEYS,
        parallel * working_series,
    );
    e.output.add("users.csv", SIZES_KEYS, users_csv);
    e.output.add("resources.csv", SERIES_KEYS, res_csv);
    e.output.add("sync_cycles.csv", SYNC_KEYS, sync_csv);
    e.output
        .add("events.csv", "--trace, --trace-users", events_csv);
    e.output
        .add("report.md, summary.json, charts", "", FIXED_OUTPUT);
    // Each CSV is built in memory before it is written.
    if let Some(p) = e.output.largest() {
        largest_file.add("largest output file", p.keys, p.amount);
    }
    e.memory.parts.extend(largest_file.parts);
    e.shape = format!(
        "users = {}, {} variant(s) × {} replication(s), {} simulation(s) with shadow runs",
        scenario.base.users,
        scenario.variants.len(),
        scenario.base.replications,
        simulations
    );
    e
}

/// The estimate of a sweep over `points` (each a scenario), on `threads` workers: the
/// events of every point; the memory of the points that run at once, each reduced to its
/// summary when done; the sweep's own files.
pub(crate) fn estimate_sweep(points: &[&Scenario], threads: usize) -> Estimate {
    let mut e = Estimate::default();
    let parallel = points.len().min(threads.max(1)).max(1);
    let mut per_point: Vec<f64> = Vec::with_capacity(points.len());
    let mut rows = 0.0;
    for p in points {
        let one = estimate_run(p, &TraceFilter::Off, threads);
        for part in one.events.parts {
            e.events.add(part.what, part.keys, part.amount);
        }
        // A point writes no CSV of its own: its memory without the largest file.
        let kept: f64 = one
            .memory
            .parts
            .iter()
            .filter(|p| p.what != "largest output file")
            .map(|p| p.amount)
            .sum();
        per_point.push(kept);
        rows += p.variants.len() as f64;
    }
    per_point.sort_by(|a, b| b.total_cmp(a));
    e.memory.add(
        "points in progress",
        "users, replications, the swept keys, --threads",
        per_point.iter().take(parallel).sum(),
    );
    e.output
        .add("sweep.csv", "the swept keys", rows * SWEEP_ROW);
    e.output
        .add("report.md, summary.json, charts", "", FIXED_OUTPUT);
    e.shape = format!("{} sweep point(s)", points.len());
    e
}

fn show_events(x: f64) -> String {
    if x.is_finite() {
        format!("{x:.2e}")
    } else {
        "unbounded (a loop that takes no simulated time)".into()
    }
}

fn show_bytes(x: f64) -> String {
    if !x.is_finite() {
        "unbounded".into()
    } else if x >= GIB {
        format!("{:.1} GiB", x / GIB)
    } else {
        format!("{:.1} MiB", x / MIB)
    }
}

/// The first figure of `e` over `limits`, as a message naming the keys, the estimate and
/// the limit; `None` when everything fits.
pub(crate) fn over_limits(e: &Estimate, limits: &Limits, allow_large: bool) -> Option<String> {
    type Shown = fn(f64) -> String;
    let figures: [(&str, &Figure, f64, f64, Shown); 3] = [
        (
            "model events",
            &e.events,
            limits.events,
            LARGE_LIMITS.events,
            show_events,
        ),
        (
            "peak memory",
            &e.memory,
            limits.memory,
            LARGE_LIMITS.memory,
            show_bytes,
        ),
        (
            "output",
            &e.output,
            limits.output,
            LARGE_LIMITS.output,
            show_bytes,
        ),
    ];
    for (name, fig, limit, large, show) in figures {
        let total = fig.total();
        if total <= limit {
            continue;
        }
        let largest = fig.largest().map_or_else(String::new, |p| {
            format!(
                "; most of it from {} ({}, keys: {})",
                p.what,
                show(p.amount),
                if p.keys.is_empty() { "none" } else { p.keys }
            )
        });
        let hint = if !allow_large && limit < large && total <= large {
            format!("--allow-large accepts up to {}", show(large))
        } else {
            format!("even --allow-large accepts at most {}", show(large))
        };
        return Some(format!(
            "the run is too large: {name} estimated at {}{largest}; limit {} ({hint}); for {}. Lower `users`, `replications` or those keys",
            show(total),
            show(limit),
            e.shape
        ));
    }
    None
}

/// The limits in force: [`LARGE_LIMITS`] with `--allow-large`, else `DEFAULT_LIMITS`.
pub fn limits(allow_large: bool) -> Limits {
    if allow_large {
        LARGE_LIMITS
    } else {
        DEFAULT_LIMITS
    }
}

/// Worker threads a run will use: `--threads`, else every core.
pub(crate) fn threads_or_cores(threads: Option<usize>) -> usize {
    threads.unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()))
}

/// Address space the program takes besides its data: the binary, thread stacks, and the
/// allocator's per-thread arenas (64 MiB of address space each), which `ulimit -v` counts.
fn address_space_overhead(threads: usize) -> f64 {
    256.0 * MIB + threads as f64 * 64.0 * MIB
}

/// The most memory a run on `threads` workers can have on this machine, and what sets it:
/// the physical memory, or less under an address-space limit (`ulimit -v`). `None` where
/// neither is known.
pub(crate) fn machine_memory(threads: usize) -> Option<(f64, String)> {
    #[cfg(target_os = "linux")]
    {
        let info = rustix::system::sysinfo();
        let physical = info.totalram as f64 * f64::from(info.mem_unit.max(1));
        let mut best = (physical > 0.0).then(|| (physical, "physical memory".to_string()));
        if let Some(limit) = rustix::process::getrlimit(rustix::process::Resource::As).current {
            let usable = limit as f64 - address_space_overhead(threads);
            if best.as_ref().is_none_or(|(b, _)| usable < *b) {
                best = Some((
                    usable.max(0.0),
                    format!("`ulimit -v` of {}", show_bytes(limit as f64)),
                ));
            }
        }
        best
    }
    #[cfg(not(target_os = "linux"))]
    {
        let _ = threads;
        None
    }
}

/// Refuses an estimate whose peak memory exceeds what this machine allows (see
/// [`machine_memory`]), even below the limits: an allocation that fails aborts the
/// process, half-way, with nothing to say what happened.
fn over_machine(e: &Estimate, threads: usize) -> Option<String> {
    let (allowed, what) = machine_memory(threads)?;
    let total = e.memory.total();
    if total <= allowed {
        return None;
    }
    let largest = e.memory.largest().map_or_else(String::new, |p| {
        format!(
            "; most of it from {} ({}, keys: {})",
            p.what,
            show_bytes(p.amount),
            if p.keys.is_empty() { "none" } else { p.keys }
        )
    });
    Some(format!(
        "the run does not fit this machine: peak memory estimated at {}{largest}; this machine allows {} ({what}); for {}. Lower `users`, `replications` or those keys, or run it where there is more memory",
        show_bytes(total),
        show_bytes(allowed),
        e.shape
    ))
}

/// Refuses a run of `scenario` that the limits do not admit (the message names the keys,
/// the estimate and the limit), or whose memory this machine does not have.
pub fn admit_run(
    scenario: &Scenario,
    trace: &TraceFilter,
    threads: Option<usize>,
    allow_large: bool,
) -> Result<Estimate, UsageError> {
    let threads = threads_or_cores(threads);
    let e = estimate_run(scenario, trace, threads);
    match over_limits(&e, &limits(allow_large), allow_large).or_else(|| over_machine(&e, threads)) {
        Some(m) => Err(m.into()),
        None => Ok(e),
    }
}

/// Refuses a fill of the key pool for `users` users (`pki pool`): every user's key, signed
/// request and receipt are held in memory while they are made, as a run of those users
/// holds them, so the fill is held to the same memory limits and to this machine.
pub(crate) fn admit_pool(users: u32, allow_large: bool) -> Result<Estimate, UsageError> {
    let mut e = Estimate::default();
    e.memory.add(
        "PKI material",
        "--users, pki.mode",
        f64::from(users) * PKI_BYTES_PER_USER,
    );
    e.shape = format!("pki pool --users {users}");
    let threads = threads_or_cores(None);
    match over_limits(&e, &limits(allow_large), allow_large).or_else(|| over_machine(&e, threads)) {
        Some(m) => Err((m
            .replacen("the run is too large", "the key pool fill is too large", 1)
            .replacen("the run does not fit", "the key pool fill does not fit", 1)
            .replacen(
                "Lower `users`, `replications` or those keys",
                "Lower --users",
                1,
            ))
        .into()),
        None => Ok(e),
    }
}

/// Refuses a sweep over `points` that the limits (or this machine) do not admit.
pub(crate) fn admit_sweep(
    points: &[&Scenario],
    threads: Option<usize>,
    allow_large: bool,
) -> Result<Estimate, UsageError> {
    let threads = threads_or_cores(threads);
    let e = estimate_sweep(points, threads);
    match over_limits(&e, &limits(allow_large), allow_large).or_else(|| over_machine(&e, threads)) {
        Some(m) => Err((m
            .replacen("the run is too large", "the sweep is too large", 1)
            .replacen("the run does not fit", "the sweep does not fit", 1))
        .into()),
        None => Ok(e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scenario(sets: &[&str]) -> Scenario {
        let sets: Vec<String> = sets.iter().map(|s| s.to_string()).collect();
        Scenario::load_default(&sets).expect("valid scenario")
    }

    fn verdict(sets: &[&str], allow_large: bool) -> Result<Estimate, String> {
        admit_run(&scenario(sets), &TraceFilter::Off, Some(2), allow_large)
            .map_err(|e| e.to_string())
    }

    #[test]
    fn shipped_scenarios_are_far_below_the_default_limits() {
        for entry in std::fs::read_dir("scenarios").expect("scenarios/") {
            let path = entry.expect("entry").path();
            let s = Scenario::load_file(&path, &[]).expect("valid");
            let l = DEFAULT_LIMITS;
            let e = estimate_run(&s, &TraceFilter::Off, 16);
            assert!(e.events.total() < l.events / 100.0, "{path:?}: {e:?}");
            assert!(e.memory.total() < l.memory / 4.0, "{path:?}: {e:?}");
            assert!(e.output.total() < l.output / 10.0, "{path:?}: {e:?}");
            // Every shipped scenario may be traced whole.
            let traced = estimate_run(&s, &TraceFilter::All, 16);
            assert!(
                over_limits(&traced, &l, false).is_none(),
                "{path:?}: {traced:?}"
            );
        }
    }

    #[test]
    fn estimates_grow_with_what_drives_them() {
        let base = estimate_run(&scenario(&[]), &TraceFilter::Off, 2);
        let users = estimate_run(&scenario(&["users=4000"]), &TraceFilter::Off, 2);
        let reps = estimate_run(&scenario(&["replications=3"]), &TraceFilter::Off, 2);
        let bucket = estimate_run(
            &scenario(&["report.series_bucket=1m"]),
            &TraceFilter::Off,
            2,
        );
        assert!(users.events.total() > 1.9 * base.events.total());
        assert!(reps.events.total() > 2.9 * base.events.total());
        assert!(bucket.output.total() > base.output.total());
        let traced = estimate_run(&scenario(&[]), &TraceFilter::All, 2);
        assert!(traced.output.total() > base.output.total());
    }

    #[test]
    fn refusals_name_the_keys_and_the_limit() {
        let e = verdict(&["users=50000000"], false).unwrap_err();
        assert!(e.contains("users") && e.contains("limit"), "{e}");
        let e = verdict(&["report.series_bucket=1s"], false).unwrap_err();
        assert!(
            e.contains("report.series_bucket") && e.contains("256.0 MiB"),
            "{e}"
        );
        assert!(verdict(&["report.series_bucket=1s"], true).is_ok());
        let e = verdict(
            &["drs.p_throttle=0.999999999", "drs.throttle_backoff=1s"],
            false,
        )
        .unwrap_err();
        assert!(e.contains("drs.p_throttle"), "{e}");
        let e = verdict(&["pin.p_reject=0.999999999", "pin.entry=0s"], true).unwrap_err();
        assert!(
            e.contains("pin.p_reject") && e.contains("even --allow-large"),
            "{e}"
        );
        let e = verdict(&["horizon=10000d"], false).unwrap_err();
        assert!(e.contains("horizon"), "{e}");
    }

    #[test]
    fn zero_time_loops_are_unbounded() {
        assert_eq!(per(1.0, 0.0), f64::INFINITY);
        assert_eq!(tries(1.0, f64::INFINITY), f64::INFINITY);
        assert!((tries(0.5, f64::INFINITY) - 2.0).abs() < 1e-12);
        assert_eq!(tries(0.999, 10.0), 10.0);
    }
}
