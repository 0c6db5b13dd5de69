//! Morris elementary effects (Morris, "Factorial sampling plans for preliminary
//! computational experiments", *Technometrics* 33(2), 1991; μ* from Campolongo, Cariboni
//! & Saltelli, "An effective screening design for sensitivity analysis of large models",
//! *Environmental Modelling & Software* 22(10), 2007; as SALib's `morris` computes them).
//!
//! Each key's range is mapped onto 0..1 and cut into `p` levels; a trajectory starts at a
//! random grid point and moves one key at a time by Δ = p / (2 (p − 1)), so `r`
//! trajectories cost `r (k + 1)` points. A key's elementary effect at a step is the change
//! of the figure when the key goes up by Δ, divided by Δ: the figure's change over the
//! key's whole plausible range if the response were linear, so keys with different units
//! compare. Per key: μ (the mean effect: its sign says which way), μ* (the mean absolute
//! effect: how much the key matters, effects of both signs counted), σ (their spread:
//! large against μ* means the effect depends on where the other keys are — interactions
//! or curvature), and a bootstrap 95 % interval of μ*.

use super::design::{Design, Role};
use super::reduce::PointData;
use crate::engine::stats::quantile_sorted;
use crate::report::summary::round;
use rand::{Rng, SeedableRng};
use rand_pcg::Pcg64Mcg;
use serde::Serialize;

/// Bootstrap resamples of the elementary effects behind μ*'s interval.
pub(crate) const BOOTSTRAP_RESAMPLES: usize = 1_000;

/// Mixed into the scenario's seed for the bootstrap's random streams.
const BOOTSTRAP_STREAM: u64 = 0x626f_6f74_7374_7270;

/// A key whose μ* is under this share of the figure's typical value does not matter.
pub(crate) const NEGLIGIBLE_SHARE: f64 = 0.01;

/// One key's Morris measures on one figure, in the figure's unit per the key's whole
/// range.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MorrisEffect {
    /// Mean elementary effect; null when no trajectory gave one (the figure absent).
    pub mu: Option<f64>,
    /// Mean absolute elementary effect.
    pub mu_star: Option<f64>,
    /// Standard deviation of the elementary effects (n − 1); null with fewer than two.
    pub sigma: Option<f64>,
    /// Bootstrap 95 % interval of μ* (percentiles of 1,000 resamples of the effects);
    /// null with fewer than two effects.
    pub mu_star_ci95: Option<[f64; 2]>,
    /// Elementary effects behind the figures (one per trajectory where the figure exists
    /// at both ends of the step).
    pub elementary_effects: usize,
    /// 1 for the largest μ* of the figure.
    pub rank: usize,
    /// Whether μ* is under 1 % of the figure's typical value (its mean magnitude over
    /// every point).
    pub negligible: bool,
}

/// Every key's measures.
#[derive(Debug, Clone, PartialEq)]
pub struct MorrisResult {
    /// Per figure, its mean magnitude over every point: the scale "negligible" is
    /// judged against.
    pub scale: Vec<Option<f64>>,
    /// Whether each figure is a time in seconds.
    pub time: Vec<bool>,
    /// Per factor (design order), per figure.
    pub effects: Vec<Vec<MorrisEffect>>,
}

impl MorrisResult {
    /// The factors in order of μ* on figure `f`, largest first.
    pub(crate) fn ranked(&self, f: usize) -> Vec<usize> {
        let mut order: Vec<usize> = (0..self.effects.len()).collect();
        order.sort_by_key(|&i| self.effects[i][f].rank);
        order
    }
}

/// Per factor, its elementary effects on figure `f` (one per trajectory where the figure
/// exists at both ends of the factor's step), scaled by 1/Δ.
pub fn elementary_effects(design: &Design, points: &[PointData], f: usize) -> Vec<Vec<f64>> {
    let grid = design.morris.as_ref().expect("a Morris design");
    let delta = grid.delta();
    let mut out = vec![Vec::new(); design.factors.len()];
    let first_of = |t: usize| {
        design
            .roles
            .iter()
            .position(|r| {
                *r == Role::Morris {
                    trajectory: t,
                    step: 0,
                }
            })
            .expect("every trajectory has points")
    };
    for (t, traj) in grid.trajectories.iter().enumerate() {
        let first = first_of(t);
        for (step, &factor) in traj.order.iter().enumerate() {
            let before = points[first + step].figures[f].value;
            let after = points[first + step + 1].figures[f].value;
            if let (Some(a), Some(b)) = (before, after) {
                // Always the change per step up, whichever way the trajectory went.
                let up = if traj.up[factor] { b - a } else { a - b };
                out[factor].push(up / delta);
            }
        }
    }
    out
}

/// The mean of `xs` (non-empty).
fn mean(xs: &[f64]) -> f64 {
    xs.iter().sum::<f64>() / xs.len() as f64
}

/// μ, μ*, σ and μ*'s bootstrap interval of one key's effects; `rng` drives the bootstrap.
fn measures(ee: &[f64], rng: &mut Pcg64Mcg) -> MorrisEffect {
    let n = ee.len();
    let mut m = MorrisEffect {
        mu: None,
        mu_star: None,
        sigma: None,
        mu_star_ci95: None,
        elementary_effects: n,
        rank: 0,
        negligible: false,
    };
    if n == 0 {
        return m;
    }
    let abs: Vec<f64> = ee.iter().map(|x| x.abs()).collect();
    let mu = mean(ee);
    m.mu = Some(round(mu));
    m.mu_star = Some(round(mean(&abs)));
    if n >= 2 {
        let var = ee.iter().map(|x| (x - mu).powi(2)).sum::<f64>() / (n - 1) as f64;
        m.sigma = Some(round(var.sqrt()));
        let mut means: Vec<f64> = (0..BOOTSTRAP_RESAMPLES)
            .map(|_| (0..n).map(|_| abs[rng.random_range(0..n)]).sum::<f64>() / n as f64)
            .collect();
        means.sort_unstable_by(f64::total_cmp);
        m.mu_star_ci95 = Some([
            round(quantile_sorted(&means, 0.025)),
            round(quantile_sorted(&means, 0.975)),
        ]);
    }
    m
}

/// The Morris measures of every factor on every figure; `seed` (the scenario's) seeds the
/// bootstrap, one stream per key and figure, so the numbers do not depend on the order
/// anything runs in.
pub fn analyse(
    design: &Design,
    figures: &[String],
    points: &[PointData],
    seed: u64,
) -> MorrisResult {
    let k = design.factors.len();
    let mut effects: Vec<Vec<MorrisEffect>> = vec![Vec::with_capacity(figures.len()); k];
    let mut scale = Vec::with_capacity(figures.len());
    let mut time = Vec::with_capacity(figures.len());
    for f in 0..figures.len() {
        let values: Vec<f64> = points
            .iter()
            .filter_map(|p| p.figures[f].value)
            .map(f64::abs)
            .collect();
        let typical = (!values.is_empty()).then(|| round(mean(&values)));
        scale.push(typical);
        time.push(points.first().is_some_and(|p| p.figures[f].time));
        let ee = elementary_effects(design, points, f);
        for (i, e) in ee.iter().enumerate() {
            let stream = seed ^ BOOTSTRAP_STREAM ^ ((i as u64) << 24) ^ f as u64;
            let mut rng = Pcg64Mcg::seed_from_u64(stream);
            let mut m = measures(e, &mut rng);
            m.negligible = match (m.mu_star, typical) {
                (Some(s), Some(t)) => s < NEGLIGIBLE_SHARE * t,
                (None, _) => true,
                (Some(_), None) => false,
            };
            effects[i].push(m);
        }
        let mut order: Vec<usize> = (0..k).collect();
        order.sort_by(|&a, &b| {
            let s = |i: usize| effects[i][f].mu_star.unwrap_or(-1.0);
            s(b).total_cmp(&s(a))
        });
        for (rank, &i) in order.iter().enumerate() {
            effects[i][f].rank = rank + 1;
        }
    }
    MorrisResult {
        scale,
        time,
        effects,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn measures_of_known_effects() {
        let mut rng = Pcg64Mcg::seed_from_u64(1);
        let m = measures(&[2.0, -2.0, 2.0, -2.0], &mut rng);
        assert_eq!(m.mu, Some(0.0));
        assert_eq!(m.mu_star, Some(2.0));
        // sd with n − 1: sqrt(16 / 3).
        assert!((m.sigma.unwrap() - (16.0f64 / 3.0).sqrt()).abs() < 1e-4);
        // Every |effect| is 2: the bootstrap cannot move μ*.
        assert_eq!(m.mu_star_ci95, Some([2.0, 2.0]));
        let one = measures(&[3.0], &mut rng);
        assert_eq!(
            (one.mu_star, one.sigma, one.mu_star_ci95),
            (Some(3.0), None, None)
        );
        let spread = measures(&[0.0, 1.0, 5.0, 9.0, 10.0], &mut rng);
        let [lo, hi] = spread.mu_star_ci95.unwrap();
        assert!(
            lo < 5.0 && hi > 5.0 && lo >= 0.0 && hi <= 10.0,
            "[{lo}, {hi}]"
        );
    }
}
