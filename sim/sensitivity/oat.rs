//! One-at-a-time effects: per key and figure, `figure(high) − figure(low)` with a paired
//! 95 % interval. The low and high points are two configurations on common random
//! numbers — replication `r` of each sees the same users and the same dice — so they are
//! paired as the summaries pair two variants:
//!
//! - a percentile of time to usable or to PIN: the paired difference of the pooled
//!   percentiles (`analysis::paired::quantile_difference`), which falls back to an
//!   interval built from each side's own percentile interval where either sits on a
//!   plateau (`pairing: "marginal"`: valid, but without what pairing gains);
//! - the mean of those times: the difference of the pooled means, sectioned over the
//!   per-replication differences;
//! - any other figure: the difference of the summaries' figures, with a Student-t
//!   interval from the per-replication differences (each replication's own summary).
//!
//! With one replication there is no interval (`pairing: "none"`).

use super::design::{Design, Role};
use super::reduce::{kind, FigureData, FigureKind, PointData};
use crate::analysis::paired::{quantile_difference, replication_difference, DifferenceMethod};
use crate::analysis::sectioning;
use crate::report::summary::{round, stat_estimator, stat_share, PLATEAU_MIN_GAP_S};
use serde::Serialize;

/// An effect smaller than this share of the base figure does not matter.
pub(crate) const NEGLIGIBLE_SHARE: f64 = 0.01;

/// The confidence of the intervals.
const CONFIDENCE: f64 = 0.95;

/// What an effect says about its key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// The key moves the figure: the interval excludes 0 (or there is none) and the
    /// effect is at least 1 % of the base figure.
    Matters,
    /// It does not matter: under 1 % of the base figure, or a paired interval that holds 0.
    Negligible,
    /// Large, but the interval holds 0 because it is not paired (a percentile on a
    /// plateau): this run cannot tell the effect from noise. More replications, or a
    /// figure off the plateau, settle it.
    Unresolved,
}

impl Verdict {
    /// The word the tables print.
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Matters => "matters",
            Verdict::Negligible => "negligible",
            Verdict::Unresolved => "unresolved",
        }
    }
}

/// One key's effect on one figure.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Effect {
    /// The figure with the key at its low.
    pub low_value: Option<f64>,
    /// The figure with the key at its high.
    pub high_value: Option<f64>,
    /// `high_value − low_value`; null when either is absent.
    pub effect: Option<f64>,
    /// Its paired 95 % interval; null with one replication.
    pub ci95: Option<[f64; 2]>,
    /// How the interval pairs the two ends: `replication`, `marginal` (a percentile on a
    /// plateau at either end) or `none` (no interval).
    pub pairing: &'static str,
    /// |effect| / Σ |effects| of the figure over every key.
    pub share_of_total: Option<f64>,
    /// 1 for the largest |effect| of the figure.
    pub rank: usize,
    /// Whether the effect does not matter: its interval holds 0, or it is under 1 % of
    /// the base figure (`verdict` is `negligible` or `unresolved`).
    pub negligible: bool,
    /// `matters`, `negligible`, or `unresolved` (at least 1 % of the base, but an
    /// unpaired interval on a plateau that holds 0).
    pub verdict: Verdict,
}

/// Every key's effects and the base figures.
#[derive(Debug, Clone, PartialEq)]
pub struct OatResult {
    /// Each figure with every key as the scenario has it.
    pub base: Vec<Option<f64>>,
    /// Whether each figure is a time in seconds.
    pub time: Vec<bool>,
    /// Whether each base figure is a percentile on a plateau.
    pub plateau: Vec<bool>,
    /// Per factor (design order), per figure (`--figure` order).
    pub effects: Vec<Vec<Effect>>,
}

impl OatResult {
    /// The factors in order of |effect| on figure `f`, largest first (ties and absent
    /// effects in design order, last).
    pub(crate) fn ranked(&self, f: usize) -> Vec<usize> {
        let mut order: Vec<usize> = (0..self.effects.len()).collect();
        order.sort_by_key(|&i| self.effects[i][f].rank);
        order
    }
}

/// The difference and interval of one figure between the low and high points.
fn difference(path: &str, low: &FigureData, high: &FigureData) -> (Option<[f64; 2]>, &'static str) {
    let effect = match (low.value, high.value) {
        (Some(a), Some(b)) => b - a,
        _ => return (None, "none"),
    };
    if let (FigureKind::Time { stat, .. }, Some(a), Some(b)) =
        (kind(path), &low.samples, &high.samples)
    {
        return match stat_share(&stat) {
            Some(p) => match quantile_difference(a, b, p, CONFIDENCE, PLATEAU_MIN_GAP_S) {
                Some((d, method)) => (
                    d.interval,
                    match (d.interval, method) {
                        (None, _) => "none",
                        (_, DifferenceMethod::Paired) => "replication",
                        (_, DifferenceMethod::Marginal) => "marginal",
                    },
                ),
                None => (None, "none"),
            },
            None => match replication_difference(a, b, CONFIDENCE, stat_estimator(&stat)) {
                Some(d) if d.interval.is_some() => (d.interval, "replication"),
                _ => (None, "none"),
            },
        };
    }
    if let (Some(a), Some(b)) = (&low.per_replication, &high.per_replication) {
        let per: Vec<f64> = a
            .iter()
            .zip(b)
            .filter_map(|(x, y)| Some((*y)? - (*x)?))
            .collect();
        if let Some(ci) = sectioning::interval(effect, &per, CONFIDENCE) {
            return (Some(ci), "replication");
        }
    }
    (None, "none")
}

/// What `effect` (with its interval and how it was paired) says against `base`.
pub fn verdict(effect: f64, ci: Option<[f64; 2]>, pairing: &str, base: Option<f64>) -> Verdict {
    let holds_zero = ci.is_some_and(|[lo, hi]| lo <= 0.0 && hi >= 0.0);
    let small = base.is_some_and(|b| effect.abs() < NEGLIGIBLE_SHARE * b.abs()) || effect == 0.0;
    if small || (holds_zero && pairing != "marginal") {
        Verdict::Negligible
    } else if holds_zero {
        Verdict::Unresolved
    } else {
        Verdict::Matters
    }
}

/// The effects of every factor of `design` on every figure, from the reduced `points`
/// (in design order).
pub fn analyse(design: &Design, figures: &[String], points: &[PointData]) -> OatResult {
    let at = |role: Role| {
        design
            .roles
            .iter()
            .position(|r| *r == role)
            .map(|i| &points[i])
            .expect("a one-at-a-time design has every role")
    };
    let base_point = at(Role::Base);
    let base: Vec<Option<f64>> = base_point.figures.iter().map(|f| f.value).collect();
    let time: Vec<bool> = base_point.figures.iter().map(|f| f.time).collect();
    let plateau: Vec<bool> = base_point.figures.iter().map(|f| f.plateau).collect();
    let mut effects: Vec<Vec<Effect>> = (0..design.factors.len())
        .map(|i| {
            let (lo, hi) = (at(Role::Low(i)), at(Role::High(i)));
            figures
                .iter()
                .enumerate()
                .map(|(f, path)| {
                    let (a, b) = (&lo.figures[f], &hi.figures[f]);
                    let effect = match (a.value, b.value) {
                        (Some(x), Some(y)) => Some(round(y - x)),
                        _ => None,
                    };
                    let (ci, pairing) = difference(path, a, b);
                    let ci = ci.map(|[l, h]| [round(l), round(h)]);
                    let verdict =
                        effect.map_or(Verdict::Negligible, |e| verdict(e, ci, pairing, base[f]));
                    Effect {
                        low_value: a.value,
                        high_value: b.value,
                        effect,
                        ci95: ci,
                        pairing,
                        share_of_total: None,
                        rank: 0,
                        negligible: verdict != Verdict::Matters,
                        verdict,
                    }
                })
                .collect()
        })
        .collect();
    for f in 0..figures.len() {
        let total: f64 = effects
            .iter()
            .filter_map(|e| e[f].effect)
            .map(f64::abs)
            .sum();
        let mut order: Vec<usize> = (0..effects.len()).collect();
        // Largest |effect| first; absent effects last; ties keep design order.
        order.sort_by(|&a, &b| {
            let m = |i: usize| effects[i][f].effect.map_or(-1.0, f64::abs);
            m(b).total_cmp(&m(a))
        });
        for (rank, &i) in order.iter().enumerate() {
            let e = &mut effects[i][f];
            e.rank = rank + 1;
            e.share_of_total = e.effect.map(|x| {
                if total > 0.0 {
                    round(x.abs() / total)
                } else {
                    0.0
                }
            });
        }
    }
    OatResult {
        base,
        time,
        plateau,
        effects,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn data(value: f64, samples: Vec<Vec<f64>>) -> FigureData {
        FigureData {
            value: Some(value),
            time: true,
            plateau: false,
            samples: Some(samples),
            per_replication: None,
        }
    }

    #[test]
    fn an_effect_that_the_interval_or_its_size_cannot_tell_from_zero_is_negligible() {
        use Verdict::*;
        assert_eq!(
            verdict(5.0, Some([-1.0, 11.0]), "replication", Some(100.0)),
            Negligible
        );
        assert_eq!(
            verdict(0.5, Some([0.2, 0.8]), "replication", Some(100.0)),
            Negligible
        );
        assert_eq!(
            verdict(5.0, Some([1.0, 9.0]), "replication", Some(100.0)),
            Matters
        );
        assert_eq!(verdict(5.0, None, "none", None), Matters);
        assert_eq!(verdict(0.0, None, "none", None), Negligible);
        // Large, but an unpaired interval on a plateau cannot tell it from 0.
        assert_eq!(
            verdict(50.0, Some([-900.0, 900.0]), "marginal", Some(100.0)),
            Unresolved
        );
        assert_eq!(
            verdict(0.5, Some([-900.0, 900.0]), "marginal", Some(100.0)),
            Negligible
        );
    }

    #[test]
    fn percentiles_are_paired_by_replication_and_other_figures_by_their_summaries() {
        // The high end is every low time shifted by 10 s, in each replication.
        let lo = vec![vec![1.0, 2.0, 3.0, 4.0], vec![2.0, 3.0, 4.0, 5.0]];
        let hi: Vec<Vec<f64>> = lo
            .iter()
            .map(|r| r.iter().map(|x| x + 10.0).collect())
            .collect();
        let (ci, pairing) = difference(
            "v.time_to_usable.p50",
            &data(3.0, lo.clone()),
            &data(13.0, hi.clone()),
        );
        assert_eq!(pairing, "replication");
        assert_eq!(ci, Some([10.0, 10.0]));
        let (ci, pairing) = difference("v.time_to_usable.mean", &data(3.0, lo), &data(13.0, hi));
        assert_eq!((ci, pairing), (Some([10.0, 10.0]), "replication"));
        let other = |v: f64, per: Vec<Option<f64>>| FigureData {
            value: Some(v),
            time: false,
            plateau: false,
            samples: None,
            per_replication: Some(per),
        };
        let (ci, pairing) = difference(
            "v.resources.ca.peak.utilization",
            &other(0.5, vec![Some(0.4), Some(0.6)]),
            &other(0.7, vec![Some(0.6), Some(0.8)]),
        );
        assert_eq!(pairing, "replication");
        let [l, h] = ci.unwrap();
        assert!((l - 0.2).abs() < 1e-9 && (h - 0.2).abs() < 1e-9);
        let single = FigureData {
            value: Some(1.0),
            ..FigureData::default()
        };
        assert_eq!(difference("v.x", &single, &single), (None, "none"));
    }
}
