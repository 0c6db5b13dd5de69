//! Paired differences between two variants run on common random numbers: replication `r`
//! of one variant and replication `r` of the other share their random numbers, and user
//! `i` of a replication is the same person in both. A difference is estimated on the
//! pooled replications and its interval comes from the per-replication differences
//! (sectioning, see [`super::sectioning`]); pairing cancels the noise both variants share.
//!
//! A difference of quantiles is paired only where neither quantile sits on a plateau
//! ([`super::plateau`]): there a replication's quantile falls on one side of the step or
//! the other, per-replication differences are far from normal, and sectioning them covers
//! too rarely. On a plateau the interval is built from each side's own valid interval
//! ([`super::quantile`]) at a Bonferroni-split level, which holds its confidence but gives
//! up what pairing gains.

use super::plateau::plateau_at;
use super::quantile;
use super::sectioning::{self, Estimate};
use crate::engine::stats::quantile_sorted;

/// The difference `estimator(second) − estimator(first)` (second variant minus first), on
/// the pooled replications and per replication pair; each slice holds one sorted sample per replication, in the same
/// order for both. A replication where either sample is empty has no difference and is
/// left out of the interval. `None` when either pooled sample is empty.
pub(crate) fn replication_difference(
    first: &[Vec<f64>],
    second: &[Vec<f64>],
    confidence: f64,
    estimator: impl Fn(&[f64]) -> f64,
) -> Option<Estimate> {
    let (a, b) = (sectioning::pooled(first), sectioning::pooled(second));
    difference_of_pooled(first, second, &a, &b, confidence, estimator)
}

/// [`replication_difference`] given the two pooled samples (`a` of `first`, `b` of
/// `second`), for callers that need them too.
fn difference_of_pooled(
    first: &[Vec<f64>],
    second: &[Vec<f64>],
    a: &[f64],
    b: &[f64],
    confidence: f64,
    estimator: impl Fn(&[f64]) -> f64,
) -> Option<Estimate> {
    if a.is_empty() || b.is_empty() {
        return None;
    }
    let value = estimator(b) - estimator(a);
    let per: Vec<f64> = first
        .iter()
        .zip(second)
        .filter(|(x, y)| !x.is_empty() && !y.is_empty())
        .map(|(x, y)| estimator(y) - estimator(x))
        .collect();
    let interval = sectioning::interval(value, &per, confidence);
    Some(Estimate {
        value,
        interval,
        sections: if interval.is_some() { per.len() } else { 0 },
    })
}

/// How the interval of a difference of quantiles was built.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum DifferenceMethod {
    /// Sectioning over the per-replication differences (neither side on a plateau).
    Paired,
    /// From each side's own quantile interval, each at half the error rate: one side or
    /// both sit on a plateau.
    Marginal,
}

/// The difference `q₂ − q₁` of the `p` quantiles of two paired variants (samples as for
/// [`replication_difference`]), with a `confidence` interval that holds where either
/// distribution jumps; a jump narrower than `min_gap` is not a plateau (see
/// [`plateau_at`]). `None` when either pooled sample is empty.
pub(crate) fn quantile_difference(
    first: &[Vec<f64>],
    second: &[Vec<f64>],
    p: f64,
    confidence: f64,
    min_gap: f64,
) -> Option<(Estimate, DifferenceMethod)> {
    let (a, b) = (sectioning::pooled(first), sectioning::pooled(second));
    let paired =
        difference_of_pooled(first, second, &a, &b, confidence, |v| quantile_sorted(v, p))?;
    if plateau_at(&a, p, min_gap).is_none() && plateau_at(&b, p, min_gap).is_none() {
        return Some((paired, DifferenceMethod::Paired));
    }
    // Bonferroni: each side misses with at most half the error, so the pair holds.
    let each = 1.0 - (1.0 - confidence) / 2.0;
    let side = |reps: &[Vec<f64>], pooled: &[f64]| {
        quantile::interval(reps, p, each, quantile_sorted(pooled, p))
    };
    let interval = match (side(first, &a), side(second, &b)) {
        (Some([lo1, hi1]), Some([lo2, hi2])) => Some([lo2 - hi1, hi2 - lo1]),
        _ => None,
    };
    let sections = if interval.is_some() {
        paired.sections
    } else {
        0
    };
    Some((
        Estimate {
            value: paired.value,
            interval,
            sections,
        },
        DifferenceMethod::Marginal,
    ))
}

/// The mean per-person difference, paired user by user.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct UserPairing {
    /// The mean of `second − first` over the people with a value in both; with its
    /// interval from the per-replication means (people in one replication share
    /// resources, so they are not independent of each other; replications are).
    pub difference: Option<Estimate>,
    /// People with a value in both variants.
    pub paired: u64,
    /// People with a value in the first variant only.
    pub first_only: u64,
    /// People with a value in the second variant only.
    pub second_only: u64,
}

/// Pairs `first[r][i]` with `second[r][i]` (replication `r`, person `i`); a person missing
/// in either is counted, not paired.
pub(crate) fn user_mean_difference(
    first: &[Vec<Option<f64>>],
    second: &[Vec<Option<f64>>],
    confidence: f64,
) -> UserPairing {
    let (mut first_only, mut second_only) = (0u64, 0u64);
    let mut per_rep: Vec<Vec<f64>> = Vec::new();
    for (xs, ys) in first.iter().zip(second) {
        let mut d = Vec::new();
        let n = xs.len().max(ys.len());
        for i in 0..n {
            match (xs.get(i).copied().flatten(), ys.get(i).copied().flatten()) {
                (Some(x), Some(y)) => d.push(y - x),
                (Some(_), None) => first_only += 1,
                (None, Some(_)) => second_only += 1,
                (None, None) => {}
            }
        }
        per_rep.push(d);
    }
    let paired = per_rep.iter().map(|d| d.len() as u64).sum();
    let mean = |v: &[f64]| v.iter().sum::<f64>() / v.len() as f64;
    let difference = sectioning::pooled_estimate(&per_rep, confidence, mean);
    UserPairing {
        difference,
        paired,
        first_only,
        second_only,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::stats::quantile_sorted;

    #[test]
    fn the_difference_of_medians_is_of_the_pooled_medians() {
        let a = [vec![1.0, 2.0, 3.0], vec![2.0, 3.0, 4.0]];
        let b = [vec![2.0, 4.0, 6.0], vec![3.0, 5.0, 9.0]];
        let med = |v: &[f64]| quantile_sorted(v, 0.5);
        let d = replication_difference(&a, &b, 0.95, med).unwrap();
        // Pooled medians 2.5 and 4.5; per replication 2 and 2.
        assert_eq!(d.value, 2.0);
        assert_eq!(d.interval, Some([2.0, 2.0]));
        assert_eq!(d.sections, 2);
        assert!(replication_difference(&a, &[vec![], vec![]], 0.95, med).is_none());
    }

    #[test]
    fn users_missing_on_one_side_are_counted_not_paired() {
        let a = vec![
            vec![Some(10.0), Some(20.0), None],
            vec![Some(10.0), None, None],
        ];
        let b = vec![
            vec![Some(4.0), None, Some(1.0)],
            vec![Some(8.0), None, None],
        ];
        let p = user_mean_difference(&a, &b, 0.95);
        assert_eq!((p.paired, p.first_only, p.second_only), (2, 1, 1));
        let d = p.difference.unwrap();
        assert_eq!(d.value, -4.0);
        assert_eq!(d.sections, 2);
        // Per replication −6 and −2 around −4: se = sqrt(8 / 2) = 2, t(1, 0.975) = 12.706.
        let [lo, hi] = d.interval.unwrap();
        assert!((hi + 4.0 - 25.412).abs() < 1e-2 && (-4.0 - lo - 25.412).abs() < 1e-2);
    }
}
