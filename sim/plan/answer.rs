//! From the search to the answer: the cheapest combination on the staircase that still
//! meets the targets when run again with fresh replications (the next seed, the same
//! number of replications), the combinations one step below it in each key (evaluated on
//! the search's seed, so the "why not cheaper" compares like with like), and the nearest
//! cheaper one that fails, with the targets it misses and by how much.

use super::evaluate::{Evaluation, Evaluator, Role};
use super::search::{search, Found};
use super::target::{cost, SearchKey, Target};
use crate::run::Progress;
use crate::scenario::{Override, Scenario};
use serde::Serialize;
use std::collections::BTreeMap;

/// What `plan` assumes of the figures, as written into `plan.json` and the report.
pub(crate) const ASSUMES: &str = "more of any searched key never makes a target's figure worse (monotone figures: more servers or workers never lengthen a wait); the search infers combinations it did not run from that";

/// A target the nearest cheaper combination misses.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Miss {
    /// The target as written.
    pub target: String,
    /// The bound compared with it (null when the figure is absent).
    pub bound: Option<f64>,
    /// By how much the bound misses the target's value, in its unit (null when absent).
    pub by: Option<f64>,
}

/// The answer of a plan.
#[derive(Debug, Clone)]
pub struct Answer {
    /// The recommended combination (the cheapest that met and verified), or the best
    /// found when none did.
    pub recommended: Vec<i64>,
    /// Whether `recommended` meets every target, in the search run and in verification.
    pub meets: bool,
    /// Its evaluation on the search's seed.
    pub estimate: Evaluation,
    /// Its verification run (none when nothing met in the search).
    pub verification: Option<Evaluation>,
    /// Staircase combinations that met in the search but failed verification, in order.
    pub failed_verification: Vec<Evaluation>,
    /// The nearest cheaper combination that fails, and what it misses.
    pub cheaper_failing: Option<(Evaluation, Vec<Miss>)>,
    /// Every evaluation on the search's seed (search steps and neighbours), in order,
    /// then the verification runs.
    pub evaluations: Vec<Evaluation>,
    /// Distinct combinations evaluated on the search's seed.
    pub evaluated: usize,
    /// Sentences for the reader: where an assumption did not hold, what is fragile.
    pub notes: Vec<String>,
}

/// The seed of the verification runs: the next one, so its replications are fresh.
pub(crate) fn verification_seed(seed: u64) -> u64 {
    (seed + 1) & i64::MAX as u64
}

/// The targets a combination misses, and by how much.
pub fn misses(targets: &[Target], e: &Evaluation) -> Vec<Miss> {
    targets
        .iter()
        .zip(&e.estimates)
        .filter(|(_, est)| !est.meets)
        .map(|(t, est)| Miss {
            target: t.text.clone(),
            bound: est.bound,
            by: est.margin.map(|m| -m),
        })
        .collect()
}

/// How far a combination is from meeting: the largest shortfall over targets, relative to
/// each target's value (absolute where the value is 0); infinite where a figure is absent.
fn shortfall(targets: &[Target], e: &Evaluation) -> f64 {
    targets
        .iter()
        .zip(&e.estimates)
        .map(|(t, est)| match est.margin {
            None => f64::INFINITY,
            Some(m) => (-m).max(0.0) / if t.value == 0.0 { 1.0 } else { t.value.abs() },
        })
        .fold(0.0, f64::max)
}

/// Runs the search on `scenario` and settles the answer.
pub fn plan(
    scenario: &Scenario,
    keys: &[SearchKey],
    targets: &[Target],
    threads: Option<usize>,
    progress: Progress<'_>,
) -> anyhow::Result<Answer> {
    let eval = Evaluator::new(keys, targets, threads);
    let mut evaluations: Vec<Evaluation> = Vec::new();
    let found: Found = search(keys, &mut |batch| {
        let done = eval.run(scenario, batch, Role::Search, progress)?;
        let meets = done.iter().map(|e| e.meets).collect();
        evaluations.extend(done);
        Ok(meets)
    })?;
    let seed = verification_seed(scenario.base.seed);
    let fresh = scenario
        .with_overrides(&[Override::parse(&format!("seed={seed}")).map_err(anyhow::Error::msg)?])
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    let mut notes = Vec::new();
    let mut failed_verification = Vec::new();
    let mut chosen: Option<(Evaluation, Evaluation)> = None;
    for candidate in &found.staircase {
        // One step down in each key, on the search's seed, unless already run.
        let neighbours: Vec<Vec<i64>> = (0..keys.len())
            .filter(|&i| candidate[i] > keys[i].lo)
            .map(|i| {
                let mut n = candidate.clone();
                n[i] -= 1;
                n
            })
            .filter(|n| !evaluations.iter().any(|e| &e.values == n))
            .collect();
        evaluations.extend(eval.run(scenario, &neighbours, Role::Neighbour, &|_, _, _| {})?);
        let verified = eval
            .run(
                &fresh,
                std::slice::from_ref(candidate),
                Role::Verification,
                &|_, _, _| {},
            )?
            .remove(0);
        let estimate = evaluations
            .iter()
            .find(|e| &e.values == candidate)
            .cloned()
            .expect("a staircase combination was evaluated");
        if verified.meets {
            chosen = Some((estimate, verified));
            break;
        }
        let miss: Vec<String> = misses(targets, &verified)
            .iter()
            .map(|m| m.target.clone())
            .collect();
        notes.push(format!(
            "{} met the targets in the search but not when verified with fresh replications (seed {seed}): {}; the next cheapest combination on the staircase was tried",
            describe(keys, candidate),
            miss.join(", ")
        ));
        failed_verification.push(verified);
    }
    let evaluated = evaluations.len();
    let (recommended, meets, estimate, verification) = match chosen {
        Some((estimate, verified)) => (estimate.values.clone(), true, estimate, Some(verified)),
        None => {
            if found.staircase.is_empty() {
                notes.push(
                    "no combination in the searched ranges meets every target; the recommendation is the one that comes closest (smallest largest shortfall relative to each target's value)".into(),
                );
            }
            let best = evaluations
                .iter()
                .min_by(|a, b| {
                    shortfall(targets, a)
                        .total_cmp(&shortfall(targets, b))
                        .then(a.cost.total_cmp(&b.cost))
                })
                .cloned()
                .expect("the search evaluates at least one combination");
            (best.values.clone(), false, best, None)
        }
    };
    let rec_cost = cost(keys, &recommended);
    let steps = |e: &Evaluation| -> i64 {
        e.values
            .iter()
            .zip(&recommended)
            .map(|(a, b)| (a - b).abs())
            .sum()
    };
    let cheaper_failing = if meets {
        evaluations
            .iter()
            .filter(|e| !e.meets && e.cost < rec_cost)
            .min_by(|a, b| steps(a).cmp(&steps(b)).then(b.cost.total_cmp(&a.cost)))
            .map(|e| (e.clone(), misses(targets, e)))
    } else {
        None
    };
    if meets {
        let retried = |e: &Evaluation| failed_verification.iter().any(|f| f.values == e.values);
        for e in evaluations
            .iter()
            .filter(|e| e.meets && e.cost < rec_cost && !retried(e))
        {
            notes.push(format!(
                "{} costs less and also met the targets on the search's seed, yet the search passed it over: the figures are not monotone there (noise across too few replications?), so the monotone assumption did not hold exactly",
                describe(keys, &e.values)
            ));
        }
    }
    if estimate.estimates.iter().any(|e| e.interval.is_none()) {
        notes.push("fragile: at least one target was judged on its point figure, without a 95 % interval (one replication, or a figure not defined per replication); run with more --replications".into());
    }
    evaluations.extend(failed_verification.iter().cloned());
    evaluations.extend(verification.iter().cloned());
    Ok(Answer {
        recommended,
        meets,
        estimate,
        verification,
        failed_verification,
        cheaper_failing,
        evaluations,
        evaluated,
        notes,
    })
}

/// `key=value, key=value` of a combination.
pub(crate) fn describe(keys: &[SearchKey], values: &[i64]) -> String {
    keys.iter()
        .zip(values)
        .map(|(k, v)| format!("{}={v}", k.key))
        .collect::<Vec<_>>()
        .join(", ")
}

/// A combination as `{KEY: value}`.
pub(crate) fn as_map(keys: &[SearchKey], values: &[i64]) -> BTreeMap<String, i64> {
    keys.iter()
        .zip(values)
        .map(|(k, &v)| (k.key.clone(), v))
        .collect()
}
