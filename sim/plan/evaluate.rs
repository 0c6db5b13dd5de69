//! Evaluating combinations: each is the scenario with the searched keys overridden (a
//! sweep point, built and validated as `sweep` builds them), run with the scenario's seed
//! for every combination (common random numbers: differences between combinations are
//! the capacity's, not the dice's), in parallel batches that share the PKI material, and
//! reduced at once to each target's estimate.
//!
//! An estimate is read from the run's summary (`summary.json`), so it means what the
//! summary's figure means. Whether the target is met "with 95 % confidence" uses the
//! figure's 95 % interval across replications: the summary's own interval where it has
//! one (`ci95_by_stat` of a time, `ci95` of a mean); for other figures (a peak
//! utilisation, a count) a Student-t interval over the per-replication figures, each read
//! from the summary of that replication alone. With one replication there is no interval:
//! the point figure is used and the answer is flagged fragile.

use super::target::{cost, SearchKey, Target};
use crate::analysis::student::mean_interval;
use crate::report::figure::figure;
use crate::report::summary::{summarize, Summary};
use crate::run::pki_backend::MaterialCache;
use crate::run::sweep::{point_at, run_sweep, Axis, AxisOrigin, SweepPlan, SweepPoint};
use crate::run::{run_scenario, Progress, RunOptions, ScenarioResult, VariantResult};
use crate::scenario::Scenario;
use serde::Serialize;
use std::sync::Arc;
use toml::Value;

/// How an estimate's bound was obtained.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Method {
    /// The summary's 95 % interval of the figure.
    SummaryInterval,
    /// A Student-t 95 % interval over the per-replication figures.
    ReplicationInterval,
    /// No interval (one replication, or a figure not defined per replication): the
    /// point figure itself, so the answer is fragile.
    Point,
    /// The figure is absent or null (e.g. a percentile when nobody became usable): the
    /// target cannot be shown to hold.
    Absent,
}

/// One target's estimate at one combination.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Estimate {
    /// The figure, as the summary has it.
    pub value: Option<f64>,
    /// Its 95 % interval across replications.
    pub interval: Option<[f64; 2]>,
    /// What is compared with the target: the interval's end on the side that matters
    /// (the upper one for `<=`), or the value when there is no interval.
    pub bound: Option<f64>,
    /// How `bound` was obtained.
    pub method: Method,
    /// Whether the bound satisfies the target.
    pub meets: bool,
    /// Target value minus bound for `<=` (bound minus value for `>=`): positive = spare,
    /// negative = missed by that much.
    pub margin: Option<f64>,
}

/// Why an evaluation was made.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// A step of the search.
    Search,
    /// A key one step below the recommendation, for the nearest cheaper failing one.
    Neighbour,
    /// The recommendation run again with fresh replications.
    Verification,
}

impl Role {
    /// The role's name in `plan.csv`.
    pub fn name(self) -> &'static str {
        match self {
            Role::Search => "search",
            Role::Neighbour => "neighbour",
            Role::Verification => "verification",
        }
    }
}

/// One evaluated combination.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Evaluation {
    /// The searched keys' values, in `--search` order.
    pub values: Vec<i64>,
    /// Σ weight × value.
    pub cost: f64,
    /// The seed it ran with.
    pub seed: u64,
    /// Why it was run.
    pub role: Role,
    /// One per target, in `--target` order.
    pub estimates: Vec<Estimate>,
    /// Whether every target is met.
    pub meets: bool,
}

/// A searched key as a sweep axis over `values`, named `--search KEY` in errors.
pub(crate) fn search_axis(key: &str, values: impl Iterator<Item = i64>) -> Axis {
    let values: Vec<Value> = values.map(Value::Integer).collect();
    Axis {
        key: key.to_string(),
        labels: values.iter().map(|v| v.to_string()).collect(),
        values,
        origin: AxisOrigin::Named("--search"),
    }
}

/// Runs combinations of one scenario and estimates the targets.
pub(crate) struct Evaluator<'a> {
    keys: &'a [SearchKey],
    targets: &'a [Target],
    axes: Vec<Axis>,
    threads: Option<usize>,
    materials: Arc<MaterialCache>,
}

impl<'a> Evaluator<'a> {
    /// An evaluator of `keys`' combinations (of the scenario each run is given), on
    /// `threads` workers.
    pub fn new(
        keys: &'a [SearchKey],
        targets: &'a [Target],
        threads: Option<usize>,
    ) -> Evaluator<'a> {
        let axes = keys
            .iter()
            .map(|k| search_axis(&k.key, k.values()))
            .collect();
        Evaluator {
            keys,
            targets,
            axes,
            threads,
            materials: Arc::new(MaterialCache::default()),
        }
    }

    /// The scenario at `values`, run on `base` (the scenario, or it with another seed).
    fn point(&self, base: &Scenario, values: &[i64]) -> anyhow::Result<SweepPoint> {
        let index: Vec<usize> = self
            .keys
            .iter()
            .zip(values)
            .map(|(k, &v)| (v - k.lo) as usize)
            .collect();
        let mut p = point_at(base, &self.axes, &index).map_err(anyhow::Error::msg)?;
        // Only the targeted variants: the others cannot change the answer.
        p.scenario
            .variants
            .retain(|v| self.targets.iter().any(|t| t.variant() == v.name));
        Ok(p)
    }

    /// Runs every combination of `batch` in parallel on `base` and estimates the targets.
    pub fn run(
        &self,
        base: &Scenario,
        batch: &[Vec<i64>],
        role: Role,
        progress: Progress<'_>,
    ) -> anyhow::Result<Vec<Evaluation>> {
        let points = batch
            .iter()
            .map(|v| self.point(base, v))
            .collect::<anyhow::Result<Vec<_>>>()?;
        let plan = SweepPlan {
            axes: self.axes.clone(),
            points,
        };
        let horizon_s = base.base.horizon.secs();
        let opts = RunOptions {
            threads: self.threads,
            materials: Some(std::sync::Arc::clone(&self.materials)),
            progress,
            ..RunOptions::default()
        };
        let estimated = run_sweep(&plan, &opts, &|p: &SweepPoint, o| {
            Ok(estimates(
                self.targets,
                run_scenario(&p.scenario, o)?,
                horizon_s,
            ))
        })?;
        Ok(batch
            .iter()
            .zip(estimated)
            .map(|(values, estimates)| Evaluation {
                values: values.clone(),
                cost: cost(self.keys, values),
                seed: base.base.seed,
                role,
                meets: estimates.iter().all(|e| e.meets),
                estimates,
            })
            .collect())
    }
}

/// The interval the summary gives for the figure at `path`: `ci95_by_stat` of the
/// statistic for a time (`..._s.p95`), and `ci95` for its mean.
fn summary_interval(summary: &Summary, path: &str) -> Option<[f64; 2]> {
    let (parent, stat) = path.rsplit_once('.')?;
    let end = |p: String| figure(summary, &p).ok().flatten();
    let by_stat = |i: usize| end(format!("{parent}.ci95_by_stat.{stat}.{i}"));
    if let (Some(lo), Some(hi)) = (by_stat(0), by_stat(1)) {
        return Some([lo, hi]);
    }
    if stat == "mean" {
        if let (Some(lo), Some(hi)) = (
            end(format!("{parent}.ci95.0")),
            end(format!("{parent}.ci95.1")),
        ) {
            return Some([lo, hi]);
        }
    }
    None
}

/// Each replication alone, as a result of one replication per variant (fault outcomes
/// left out: they are measured over all replications together). `sensitivity` pairs
/// figures that have no per-replication estimator of their own this way too.
pub(crate) fn per_replication(result: ScenarioResult) -> Vec<ScenarioResult> {
    let reps = result.replications as usize;
    let mut out: Vec<ScenarioResult> = (0..reps)
        .map(|_| ScenarioResult {
            scenario: result.scenario.clone(),
            seed: result.seed,
            users: result.users,
            replications: 1,
            pki_real: result.pki_real,
            variants: Vec::new(),
        })
        .collect();
    for v in result.variants {
        for (r, run) in v.replications.into_iter().enumerate() {
            out[r].variants.push(VariantResult {
                name: v.name.clone(),
                trust: v.trust,
                replications: vec![run],
                faults: Vec::new(),
            });
        }
    }
    out
}

/// Every target's estimate from one combination's result.
fn estimates(targets: &[Target], result: ScenarioResult, horizon_s: f64) -> Vec<Estimate> {
    let summary = summarize(&result, horizon_s);
    let mut found: Vec<(Option<f64>, Option<[f64; 2]>, Method)> = targets
        .iter()
        .map(|t| {
            let value = figure(&summary, &t.figure).ok().flatten();
            match (value, summary_interval(&summary, &t.figure)) {
                (None, _) => (None, None, Method::Absent),
                (Some(v), Some(ci)) => (Some(v), Some(ci), Method::SummaryInterval),
                (Some(v), None) => (Some(v), None, Method::Point),
            }
        })
        .collect();
    let need_reps = found.iter().any(|f| f.2 == Method::Point) && result.replications > 1;
    if need_reps {
        let singles: Vec<Summary> = per_replication(result)
            .iter()
            .map(|r| summarize(r, horizon_s))
            .collect();
        for (t, f) in targets.iter().zip(&mut found) {
            if f.2 != Method::Point {
                continue;
            }
            let xs: Option<Vec<f64>> = singles
                .iter()
                .map(|s| figure(s, &t.figure).ok().flatten())
                .collect();
            if let Some((_, Some(ci))) = xs.map(|xs| mean_interval(&xs, 0.95)) {
                f.1 = Some(ci);
                f.2 = Method::ReplicationInterval;
            }
        }
    }
    targets
        .iter()
        .zip(found)
        .map(|(t, (value, interval, method))| {
            let bound = interval.map(|ci| t.op.side(ci)).or(value);
            Estimate {
                value,
                interval,
                bound,
                method,
                meets: bound.is_some_and(|b| t.op.holds(b, t.value)),
                margin: bound.map(|b| t.margin(b)),
            }
        })
        .collect()
}
