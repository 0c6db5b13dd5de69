//! `summary.json`: per variant, outcomes, time to usable and to PIN with percentiles and
//! confidence intervals across replications, resources (whole run and busiest window),
//! failed calls, the bottleneck, fault windows and sync cycles (the contract docs/reports.md describes).

use crate::analysis::plateau::plateau_at;
use crate::analysis::quantile;
use crate::analysis::sectioning::pooled_estimate;
use crate::engine::stats::quantile_sorted;
use crate::engine::time::to_secs;
use crate::model::done::{EnrollFailure, RunOutput, UserRecord};
use crate::model::pki_port::Refusal;
use crate::model::Outcome;
use crate::model::ResourceId;
use crate::run::{ScenarioResult, VariantResult};
use crate::scenario::fault::FaultEffect;
use crate::scenario::schema::Trust;
use serde::Serialize;
use std::collections::BTreeMap;

/// The whole summary.
#[derive(Debug, Clone, Serialize)]
pub struct Summary {
    /// Scenario name.
    pub scenario: String,
    /// Seed.
    pub seed: u64,
    /// Users per replication.
    pub users: u32,
    /// Replications per variant; counts below are summed over them.
    pub replications: u32,
    /// `"real"` or `"off"`.
    pub pki_mode: &'static str,
    /// Simulated horizon, seconds.
    pub horizon_s: f64,
    /// One entry per variant, in scenario order.
    pub variants: Vec<VariantSummary>,
    /// Each variant after the first against the first: paired differences of time to
    /// usable (mean, p50, p90, p95) with 95 % intervals.
    pub comparisons: Vec<super::comparisons::Comparison>,
    /// What a run to a precision (`run --precision`) reached; absent otherwise.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub precision: Option<crate::analysis::sequential::Precision>,
}

/// The non-zero counts of a per-reason table, as a reader writes them: `"a 3, b 1"`
/// (empty when every count is zero).
pub(crate) fn nonzero_counts(counts: &BTreeMap<&'static str, u64>) -> String {
    counts
        .iter()
        .filter(|(_, n)| **n > 0)
        .map(|(k, n)| format!("{k} {n}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// One variant's figures.
#[derive(Debug, Clone, Serialize, Default)]
pub struct VariantSummary {
    /// Variant name.
    pub name: String,
    /// Its trust model: `certificate`, `key` or `cloud_kerberos`.
    pub trust: Trust,
    /// Users per outcome, summed over replications.
    pub outcomes: BTreeMap<&'static str, u64>,
    /// Rejected users per refusal reason.
    pub rejected_by: BTreeMap<&'static str, u64>,
    /// From first sign-in to the PIN working on-prem (for certificate trust: certificate
    /// installed), over users that became usable.
    pub time_to_usable_s: TimeStats,
    /// From first sign-in to PIN set, over users that set one.
    pub time_to_pin_s: TimeStats,
    /// Shared resources, averaged over replications (`max_queue`: the largest).
    pub resources: BTreeMap<String, ResourceSummary>,
    /// Sync cycles, summed over replications.
    pub sync_cycles: u64,
    /// Whether any replication still had users on the way at the horizon.
    pub hit_horizon: bool,
    /// Events processed, summed over replications.
    pub events: u64,
    /// Enrollment requests sent (first attempts and retries), summed over replications.
    pub enrollment_requests: u64,
    /// Failed enrollment attempts (not security refusals) by reason, summed.
    pub enrollment_failures: BTreeMap<&'static str, u64>,
    /// Failed key registrations by reason, summed.
    pub registration_failures: BTreeMap<&'static str, u64>,
    /// Time requests spent waiting in queues for a worker, and what explains it.
    pub capacity_waiting: super::bottleneck::CapacityWaiting,
    /// The resource that explains most of the capacity-caused waiting; `null` when
    /// capacity causes no material waiting.
    pub bottleneck: Option<super::bottleneck::Bottleneck>,
    /// One entry per fault window of the variant, in the scenario's order.
    pub faults: Vec<FaultSummary>,
}

impl VariantSummary {
    /// Its resources with their identity, read back from the keys of `resources` (the
    /// names [`ResourceId`] writes, kept as strings so `summary.json` orders them as
    /// before), for the findings that pick resources by kind.
    pub(crate) fn resources_by_id(&self) -> impl Iterator<Item = (ResourceId, &ResourceSummary)> {
        self.resources
            .iter()
            .filter_map(|(name, r)| Some((name.parse().ok()?, r)))
    }

    /// The figures of `resource`, if the variant has it.
    pub fn resource(&self, resource: ResourceId) -> Option<&ResourceSummary> {
        self.resources.get(&resource.to_string())
    }
}

/// What one fault window did (summed over replications; delays pooled). In
/// `summary.json` its effect is written as `kind`, `server` and `factor`.
#[derive(Debug, Clone)]
pub struct FaultSummary {
    /// What broke: `kind` (`drs_down`, `drs_slow`, `adfs_server_down`, `ca_down`,
    /// `aad_connect_stopped`, `agent_revoked`, `dc_unreachable`), with `server`
    /// (`adfs_server_down`, 1-based) or `factor` (`drs_slow`, the latency multiplier); the
    /// other kinds write them as null.
    pub effect: FaultEffect,
    /// Window start, seconds since Monday 00:00.
    pub start_s: f64,
    /// Window end as the scenario file gives it (0 for `agent_revoked`).
    pub end_s: f64,
    /// Users the window hit (a call of theirs failed, or was slowed or held by it).
    pub users_hit: u64,
    /// Calls that failed because of it.
    pub failed_calls: u64,
    /// Delay of the hit users who became usable both with and without the window:
    /// usable time in this run minus in the shadow run without the window, seconds.
    pub delay_s: DelayStats,
    /// Hit users usable without the window but not with it.
    pub not_usable: u64,
}

/// A [`FaultSummary`] as `summary.json` writes it: the effect spread over `kind`,
/// `server` and `factor`, in the contract's field order (docs/reports.md).
#[derive(Serialize)]
struct FaultSummaryJson<'a> {
    kind: &'static str,
    start_s: f64,
    end_s: f64,
    server: Option<u32>,
    factor: Option<f64>,
    users_hit: u64,
    failed_calls: u64,
    delay_s: &'a DelayStats,
    not_usable: u64,
}

impl Serialize for FaultSummary {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        FaultSummaryJson {
            kind: self.effect.kind().as_str(),
            start_s: self.start_s,
            end_s: self.end_s,
            server: self.effect.server(),
            factor: self.effect.factor(),
            users_hit: self.users_hit,
            failed_calls: self.failed_calls,
            delay_s: &self.delay_s,
            not_usable: self.not_usable,
        }
        .serialize(s)
    }
}

/// Mean and percentiles of a set of delays, seconds (null when empty).
#[derive(Debug, Clone, Serialize, Default)]
pub struct DelayStats {
    /// How many delays.
    pub n: u64,
    /// Mean.
    pub mean: Option<f64>,
    /// Median.
    pub p50: Option<f64>,
    /// 95th percentile.
    pub p95: Option<f64>,
}

/// Distribution figures of a time, seconds.
///
/// Every figure is computed over the pooled observations of all replications (the same
/// users as `users.csv` and the CDF chart). With several replications each figure but the
/// maximum has a 95 % interval: the mean's by sectioning (Student t on the spread of the
/// per-replication means around the pooled one, `analysis::sectioning`), a percentile's
/// by inverting the sectioning interval of the distribution function
/// (`analysis::quantile`), which stays valid where the distribution jumps: on a plateau it
/// spans the step.
#[derive(Debug, Clone, Serialize, Default)]
pub struct TimeStats {
    /// Observations pooled over replications.
    pub n: u64,
    /// Mean.
    pub mean: Option<f64>,
    /// Median.
    pub p50: Option<f64>,
    /// 90th percentile.
    pub p90: Option<f64>,
    /// 95th percentile.
    pub p95: Option<f64>,
    /// 99th percentile.
    pub p99: Option<f64>,
    /// Maximum.
    pub max: Option<f64>,
    /// 95 % interval of the mean (sectioning over replications, cut at 0); null with one
    /// replication.
    pub ci95: Option<[f64; 2]>,
    /// The 95 % interval of each statistic but the maximum (the largest of all
    /// observations has no such interval); empty with one replication. A percentile on a
    /// plateau has an interval that spans the step.
    pub ci95_by_stat: BTreeMap<&'static str, [f64; 2]>,
    /// How many replications the intervals rest on (replications with at least one
    /// observation); 0 when there is no interval.
    pub ci_replications: u32,
    /// The percentiles that sit on a plateau of the pooled distribution: a fifth of their
    /// tail of observations more or less (p95: 94 %–96 %) moves them by more than a
    /// factor of two (see `analysis::plateau`), so they are not stable figures; their
    /// intervals are wide for that reason, and no relative precision can be promised.
    pub on_plateau: Vec<&'static str>,
    /// For each percentile in `on_plateau`, the values at both ends of that window.
    pub plateau_s: BTreeMap<&'static str, [f64; 2]>,
}

impl TimeStats {
    /// The figure named `stat` (`mean`, `p50`, `p90`, `p95`, `p99`, `max`).
    pub fn get(&self, stat: &str) -> Option<f64> {
        match stat {
            "mean" => self.mean,
            "p50" => self.p50,
            "p90" => self.p90,
            "p95" => self.p95,
            "p99" => self.p99,
            "max" => self.max,
            _ => None,
        }
    }
}

/// A resource's figures.
#[derive(Debug, Clone, Serialize)]
pub struct ResourceSummary {
    /// Mean share of servers busy; null for DRS (latency only, no servers modelled).
    pub utilization: Option<f64>,
    /// Time-averaged queue (DRS: calls in flight; AAD Connect: keys waiting to sync).
    pub mean_queue: f64,
    /// Largest queue.
    pub max_queue: f64,
    /// Mean wait before service (DRS: latency; AAD Connect: registration → key in AD).
    pub mean_wait_s: f64,
    /// Requests (DRS calls; AAD Connect: keys synced), summed over replications.
    pub arrivals: u64,
    /// Requests withdrawn from the queue by a caller that gave up (a timeout), summed.
    pub withdrawn: u64,
    /// Calls refused because the resource was down (a fault window), summed. DRS:
    /// key registrations and receipt validations; CA: the RA's calls.
    pub failed: u64,
    /// Work finished for a caller who had given up, summed: requests AD FS finished after
    /// the client left; certificates the CA issued that were never installed.
    pub discarded: u64,
    /// The busiest `report.peak_window`.
    pub peak: PeakSummary,
    /// AD FS servers: where the workers' time went (null for other resources).
    pub holding: Option<HoldingSummary>,
}

/// A resource over its busiest window. With several replications: the mean of the
/// per-replication peaks (`max_queue`: the largest).
#[derive(Debug, Clone, Serialize, Default)]
pub struct PeakSummary {
    /// Length of the window, seconds (shorter than `report.peak_window` only when the run
    /// was).
    pub window_s: f64,
    /// Start of the first replication's busiest window, seconds since Monday 00:00.
    pub start_s: f64,
    /// Mean share of workers busy over the window (null for DRS).
    pub utilization: Option<f64>,
    /// Time-averaged queue over the window.
    pub mean_queue: f64,
    /// Largest queue in the window.
    pub max_queue: f64,
    /// Mean wait of the requests whose wait ended in the window (null when none did).
    pub mean_wait_s: Option<f64>,
    /// How many waits ended in the window, summed over replications.
    pub waits: u64,
}

/// Where an AD FS server's workers spent their time, worker-seconds (mean over
/// replications).
#[derive(Debug, Clone, Serialize, Default)]
pub struct HoldingSummary {
    /// Every part together.
    pub worker_s: f64,
    /// The server's own work: request handling, key lookup in AD, the RA.
    pub own_s: f64,
    /// Validating key receipts against DRS.
    pub drs_check_s: f64,
    /// Waiting for a CA worker.
    pub ca_queue_s: f64,
    /// The CA working on the request.
    pub ca_service_s: f64,
    /// Share of the workers' time spent waiting for or on the CA.
    pub ca_share: f64,
}

/// The statistics of a [`TimeStats`], in report order.
pub(crate) const STATS: [&str; 6] = ["mean", "p50", "p90", "p95", "p99", "max"];

/// Rounds a figure to 1e-4, as every figure of the summary is.
pub fn round(x: f64) -> f64 {
    (x * 1e4).round() / 1e4
}

/// The share each percentile of [`STATS`] stands for (`None` for the mean and the max).
pub(crate) fn stat_share(stat: &str) -> Option<f64> {
    match stat {
        "p50" => Some(0.5),
        "p90" => Some(0.9),
        "p95" => Some(0.95),
        "p99" => Some(0.99),
        _ => None,
    }
}

/// The estimator behind `stat` of [`STATS`], over a sorted, non-empty sample.
pub(crate) fn stat_estimator(stat: &str) -> impl Fn(&[f64]) -> f64 + '_ {
    move |sorted: &[f64]| match stat_share(stat) {
        Some(p) => quantile_sorted(sorted, p),
        None if stat == "max" => sorted[sorted.len() - 1],
        None => sorted.iter().sum::<f64>() / sorted.len() as f64,
    }
}

/// A jump of a time distribution shorter than this is not flagged as a plateau, seconds:
/// nobody plans around a minute.
pub(crate) const PLATEAU_MIN_GAP_S: f64 = 60.0;

/// Per replication, the sorted values of `metric` over its users.
pub fn samples(reps: &[RunOutput], metric: impl Fn(&UserRecord) -> Option<f64>) -> Vec<Vec<f64>> {
    reps.iter()
        .map(|r| {
            let mut v: Vec<f64> = r.users.iter().filter_map(&metric).collect();
            v.sort_unstable_by(f64::total_cmp);
            v
        })
        .collect()
}

/// Time statistics of `metric` over the pooled replications of a variant.
pub(crate) fn time_stats(
    reps: &[RunOutput],
    metric: impl Fn(&UserRecord) -> Option<f64>,
) -> TimeStats {
    let per_rep = samples(reps, metric);
    let pooled = crate::analysis::sectioning::pooled(&per_rep);
    if pooled.is_empty() {
        return TimeStats::default();
    }
    let mut t = TimeStats {
        n: pooled.len() as u64,
        ..TimeStats::default()
    };
    // Every percentile's interval from one pass over the pooled observations.
    let shares: Vec<(f64, f64)> = STATS
        .iter()
        .filter_map(|st| stat_share(st).map(|p| (p, quantile_sorted(&pooled, p))))
        .collect();
    let percentile_intervals: Vec<(f64, Option<[f64; 2]>)> = shares
        .iter()
        .map(|(p, _)| *p)
        .zip(quantile::intervals(&per_rep, &shares, 0.95))
        .collect();
    for st in STATS {
        let Some(e) = pooled_estimate(&per_rep, 0.95, stat_estimator(st)) else {
            continue;
        };
        let value = Some(round(e.value));
        match st {
            "mean" => t.mean = value,
            "p50" => t.p50 = value,
            "p90" => t.p90 = value,
            "p95" => t.p95 = value,
            "p99" => t.p99 = value,
            _ => t.max = value,
        }
        // A percentile's interval is inverted from the distribution function's, which
        // holds where the distribution jumps; sectioning the percentile itself does not.
        let interval = match stat_share(st) {
            Some(p) => percentile_intervals
                .iter()
                .find(|(q, _)| *q == p)
                .and_then(|(_, ci)| *ci),
            None => e.interval,
        };
        // A time is never negative: with few, spread-out replications the interval of the
        // mean can reach below zero, and is cut there.
        if let (Some([lo, hi]), false) = (interval, st == "max") {
            t.ci95_by_stat.insert(st, [round(lo).max(0.0), round(hi)]);
            t.ci_replications = e.sections as u32;
        }
        if let Some(pl) = stat_share(st).and_then(|p| plateau_at(&pooled, p, PLATEAU_MIN_GAP_S)) {
            t.on_plateau.push(st);
            t.plateau_s.insert(st, [round(pl.below), round(pl.above)]);
        }
    }
    t.ci95 = t.ci95_by_stat.get("mean").copied();
    t
}

/// Seconds from first sign-in to the certificate being installed.
pub fn time_to_usable(u: &UserRecord) -> Option<f64> {
    Some(to_secs(
        u.milestones.usable?.checked_sub(u.milestones.signin?)?,
    ))
}

/// Seconds from first sign-in to the PIN being set.
pub fn time_to_pin(u: &UserRecord) -> Option<f64> {
    Some(to_secs(
        u.milestones.pin_set?.checked_sub(u.milestones.signin?)?,
    ))
}

fn variant_summary(v: &VariantResult) -> VariantSummary {
    let mut outcomes: BTreeMap<&'static str, u64> =
        Outcome::ALL.iter().map(|o| (o.as_str(), 0)).collect();
    let mut rejected_by: BTreeMap<&'static str, u64> =
        Refusal::ALL.iter().map(|r| (r.as_str(), 0)).collect();
    for r in &v.replications {
        for u in &r.users {
            *outcomes.entry(u.outcome.as_str()).or_default() += 1;
            if let Some(reason) = u.rejected_by {
                *rejected_by.entry(reason.as_str()).or_default() += 1;
            }
        }
    }
    let resources = resource_summaries(&v.replications);
    let mut enrollment_failures: BTreeMap<&'static str, u64> =
        EnrollFailure::ALL.iter().map(|f| (f.as_str(), 0)).collect();
    let mut registration_failures: BTreeMap<&'static str, u64> =
        [("drs_unreachable", 0)].into_iter().collect();
    for r in &v.replications {
        for f in EnrollFailure::ALL {
            *enrollment_failures.entry(f.as_str()).or_default() += r.failures.enrollment[f.index()];
        }
        *registration_failures.entry("drs_unreachable").or_default() +=
            r.failures.registration_drs_unreachable;
    }
    let (capacity_waiting, bottleneck) = super::bottleneck::attribute(&v.replications);
    VariantSummary {
        name: v.name.clone(),
        trust: v.trust,
        outcomes,
        rejected_by,
        time_to_usable_s: time_stats(&v.replications, time_to_usable),
        time_to_pin_s: time_stats(&v.replications, time_to_pin),
        resources,
        sync_cycles: v
            .replications
            .iter()
            .map(|r| r.sync_cycles.iter().filter(|c| !c.aborted).count() as u64)
            .sum(),
        hit_horizon: v
            .replications
            .iter()
            .any(|r| r.hit_horizon && r.users.iter().any(|u| u.outcome == Outcome::Pending)),
        events: v.replications.iter().map(|r| r.events).sum(),
        enrollment_requests: v
            .replications
            .iter()
            .flat_map(|r| r.users.iter())
            .map(|u| u.enroll_attempts as u64)
            .sum(),
        enrollment_failures,
        registration_failures,
        capacity_waiting,
        bottleneck,
        faults: v.faults.iter().map(fault_summary).collect(),
    }
}

/// Each resource's figures over the replications: means (counts summed, `max_queue` the
/// largest), the busiest window as the mean of the per-replication peaks.
fn resource_summaries(reps: &[RunOutput]) -> BTreeMap<String, ResourceSummary> {
    let mut resources: BTreeMap<String, ResourceSummary> = BTreeMap::new();
    let n = reps.len().max(1) as f64;
    // Replications in which a peak had a wait to average, per resource.
    let mut wait_reps: BTreeMap<String, f64> = BTreeMap::new();
    for (ri, r) in reps.iter().enumerate() {
        for res in &r.resources {
            let e = resources
                .entry(res.resource.to_string())
                .or_insert(ResourceSummary {
                    utilization: res.has_servers.then_some(0.0),
                    mean_queue: 0.0,
                    max_queue: 0.0,
                    mean_wait_s: 0.0,
                    arrivals: 0,
                    withdrawn: 0,
                    failed: 0,
                    discarded: 0,
                    peak: PeakSummary {
                        utilization: res.has_servers.then_some(0.0),
                        ..PeakSummary::default()
                    },
                    holding: res.holding.map(|_| HoldingSummary::default()),
                });
            if let Some(u) = e.utilization.as_mut() {
                *u += res.stats.utilization / n;
            }
            e.mean_queue += res.stats.mean_queue / n;
            e.max_queue = e.max_queue.max(res.stats.max_queue);
            e.mean_wait_s += res.stats.mean_wait_s / n;
            e.arrivals += res.stats.arrivals;
            e.withdrawn += res.stats.withdrawn;
            e.failed += res.failed;
            e.discarded += res.discarded;
            let p = &res.peak;
            let ep = &mut e.peak;
            if ri == 0 {
                ep.window_s = p.window_s;
                ep.start_s = p.start_s;
            }
            if let (Some(u), Some(pu)) = (ep.utilization.as_mut(), p.utilization) {
                *u += pu / n;
            }
            ep.mean_queue += p.mean_queue / n;
            ep.max_queue = ep.max_queue.max(p.max_queue);
            ep.waits += p.waits;
            if let Some(w) = p.mean_wait_s {
                *ep.mean_wait_s.get_or_insert(0.0) += w;
                *wait_reps.entry(res.resource.to_string()).or_default() += 1.0;
            }
            if let (Some(h), Some(eh)) = (res.holding, e.holding.as_mut()) {
                eh.own_s += h.own_s / n;
                eh.drs_check_s += h.drs_check_s / n;
                eh.ca_queue_s += h.ca_queue_s / n;
                eh.ca_service_s += h.ca_service_s / n;
            }
        }
    }
    for (name, e) in resources.iter_mut() {
        e.utilization = e.utilization.map(round);
        e.mean_queue = round(e.mean_queue);
        e.mean_wait_s = round(e.mean_wait_s);
        let p = &mut e.peak;
        p.utilization = p.utilization.map(round);
        p.mean_queue = round(p.mean_queue);
        let k = wait_reps.get(name).copied().unwrap_or(1.0);
        p.mean_wait_s = p.mean_wait_s.map(|w| round(w / k));
        if let Some(h) = e.holding.as_mut() {
            h.worker_s = round(h.own_s + h.drs_check_s + h.ca_queue_s + h.ca_service_s);
            h.ca_share = if h.worker_s > 0.0 {
                round((h.ca_queue_s + h.ca_service_s) / h.worker_s)
            } else {
                0.0
            };
            for x in [
                &mut h.own_s,
                &mut h.drs_check_s,
                &mut h.ca_queue_s,
                &mut h.ca_service_s,
            ] {
                *x = round(*x);
            }
        }
    }
    resources
}

/// The mean, p50 and p95 of `xs` (type-7 percentiles), rounded.
fn delay_stats(xs: &[f64]) -> DelayStats {
    let mut v = xs.to_vec();
    v.sort_unstable_by(f64::total_cmp);
    if v.is_empty() {
        return DelayStats::default();
    }
    DelayStats {
        n: v.len() as u64,
        mean: Some(round(v.iter().sum::<f64>() / v.len() as f64)),
        p50: Some(round(quantile_sorted(&v, 0.5))),
        p95: Some(round(quantile_sorted(&v, 0.95))),
    }
}

fn fault_summary(f: &crate::run::shadow::FaultOutcome) -> FaultSummary {
    FaultSummary {
        effect: f.effect,
        start_s: to_secs(f.start),
        end_s: to_secs(f.end),
        users_hit: f.users_hit,
        failed_calls: f.failed_calls,
        delay_s: delay_stats(&f.delays_s),
        not_usable: f.not_usable,
    }
}

/// Builds the summary of a scenario run; `horizon_s` is the scenario's horizon.
pub fn summarize(result: &ScenarioResult, horizon_s: f64) -> Summary {
    Summary {
        scenario: result.scenario.clone(),
        seed: result.seed,
        users: result.users,
        replications: result.replications,
        pki_mode: if result.pki_real { "real" } else { "off" },
        horizon_s,
        variants: result.variants.iter().map(variant_summary).collect(),
        comparisons: super::comparisons::comparisons(&result.variants),
        precision: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rep(times: &[u64]) -> RunOutput {
        use crate::engine::time::SECOND;
        use crate::model::done::{KeySource, Milestones};
        RunOutput {
            users: times
                .iter()
                .enumerate()
                .map(|(i, &t)| UserRecord {
                    id: i as u32,
                    outcome: Outcome::Usable,
                    rejected_by: None,
                    milestones: Milestones {
                        signin: Some(0),
                        usable: Some(t * SECOND),
                        ..Milestones::default()
                    },
                    key_source: KeySource::Software,
                    signins: 1,
                    enroll_attempts: 1,
                    device_ready_at_start: true,
                    registration_failures: 0,
                    enrollment_failures: 0,
                    key_on_dc: None,
                    dc_wait: None,
                })
                .collect(),
            resources: Vec::new(),
            sync_cycles: Vec::new(),
            events: 0,
            end: 0,
            hit_horizon: false,
            trace: Vec::new(),
            failures: Default::default(),
            faults: Vec::new(),
        }
    }

    #[test]
    fn figures_are_of_the_pooled_users_with_intervals_around_them() {
        let reps = [
            rep(&[10, 20, 30, 400]),
            rep(&[12, 25, 31, 90]),
            rep(&[9, 18, 35, 200]),
        ];
        let t = time_stats(&reps, time_to_usable);
        assert_eq!(t.n, 12);
        assert_eq!(t.ci_replications, 3);
        let mut pooled: Vec<f64> = [10, 20, 30, 400, 12, 25, 31, 90, 9, 18, 35, 200]
            .iter()
            .map(|&x| x as f64)
            .collect();
        pooled.sort_unstable_by(f64::total_cmp);
        assert_eq!(t.p50, Some(round(quantile_sorted(&pooled, 0.5))));
        assert_eq!(t.p95, Some(round(quantile_sorted(&pooled, 0.95))));
        assert_eq!(t.mean, Some(round(pooled.iter().sum::<f64>() / 12.0)));
        // The max is the largest of all, and has no interval.
        assert_eq!(t.max, Some(400.0));
        assert!(!t.ci95_by_stat.contains_key("max"));
        for st in ["mean", "p50", "p90", "p95", "p99"] {
            let v = t.get(st).unwrap();
            let [lo, hi] = t.ci95_by_stat[st];
            // A percentile's interval ends on observations and may end at the estimate
            // itself (here every replication has exactly half its users at or below 25).
            assert!(
                lo <= v && v <= hi && lo < hi,
                "{st}: {v} not in [{lo}, {hi}]"
            );
        }
        assert_eq!(t.ci95, t.ci95_by_stat.get("mean").copied());
    }

    #[test]
    fn a_percentile_between_two_groups_is_on_a_plateau() {
        // 95 users within two minutes, 5 a day later: p95 sits on the jump, p50 does not.
        let mut times: Vec<u64> = (0..95).map(|i| 60 + i).collect();
        times.extend((0..5).map(|i| 86_400 + i));
        let t = time_stats(&[rep(&times)], time_to_usable);
        assert!(t.on_plateau.contains(&"p95"), "{t:?}");
        assert!(!t.on_plateau.contains(&"p50"), "{t:?}");
        let [below, above] = t.plateau_s["p95"];
        assert!(below < 200.0 && above > 3_600.0, "{below} {above}");
    }

    #[test]
    fn one_replication_has_no_interval() {
        let t = time_stats(&[rep(&[10, 20, 30])], time_to_usable);
        assert_eq!(t.ci95, None);
        assert!(t.ci95_by_stat.is_empty());
        assert_eq!(t.ci_replications, 0);
        assert_eq!(t.p50, Some(20.0));
        // A replication where nobody got there leaves the interval to the others.
        let t = time_stats(&[rep(&[10, 20]), rep(&[]), rep(&[12, 22])], time_to_usable);
        assert_eq!(t.ci_replications, 2);
    }
}
