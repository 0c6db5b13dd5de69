//! Intervals for a quantile of pooled replications, by inverting an interval for the
//! distribution function.
//!
//! The share of a replication's observations at or below a fixed `x` is a mean, and the
//! replications are independent, so sectioning gives a valid interval for the pooled
//! share `F(x)` whatever the shape of the distribution. The interval for the `p`
//! quantile is then every `x` whose share-interval holds `p` (the test-inversion interval
//! of Francisco & Fuller, "Quantile estimation with a complex survey design", *Annals of
//! Statistics* 19(1), 1991, which refines Woodruff, "Confidence intervals for medians and
//! other position measures", *JASA* 47(260), 1952, by taking each `x`'s own variance; the
//! independent replications play the part of the survey's clusters).
//!
//! Why not section the quantile itself: that relies on each replication's quantile being
//! roughly normal around the pooled one. Where the distribution jumps (a plateau), a
//! replication's quantile lands on one side of the step or the other, and an interval
//! built from their spread covers the true value far less often than it claims, less as
//! replications are added. Inverted, the interval spans the step, which is the honest
//! answer: the data cannot tell on which side of it the quantile lies.
//!
//! With `q` the `p` quantile and `[lo(x), hi(x)]` the share-interval at `x`:
//! the lower end is the least `x` with `hi(x) ≥ p` (below it even the optimistic share
//! stays under `p`), the upper end the least `x` with `lo(x) ≥ p` (from there even the
//! pessimistic share reaches `p`). Each end fails only when the share-interval at one
//! fixed point misses on one side, so the two ends together hold the stated confidence.

use super::student::t_quantile;

/// The `confidence` interval (e.g. 0.95) of the `p` quantile (0 < p < 1) of the pooled
/// observations of `sections` (each sorted ascending, one per replication), widened if
/// need be to hold `estimate`, the point estimate the caller reports. `None` with fewer
/// than two replications that have observations, or a non-finite observation.
pub fn interval(sections: &[Vec<f64>], p: f64, confidence: f64, estimate: f64) -> Option<[f64; 2]> {
    intervals(sections, &[(p, estimate)], confidence)
        .pop()
        .flatten()
}

/// [`interval`] for several `(p, estimate)` pairs at once: one sort and one pass over the
/// pooled observations serve them all.
pub fn intervals(
    sections: &[Vec<f64>],
    wanted: &[(f64, f64)],
    confidence: f64,
) -> Vec<Option<[f64; 2]>> {
    let none = || vec![None; wanted.len()];
    let sections: Vec<&Vec<f64>> = sections.iter().filter(|s| !s.is_empty()).collect();
    let k = sections.len();
    if k < 2 || sections.iter().any(|s| s.iter().any(|x| !x.is_finite())) {
        return none();
    }
    let mut pooled: Vec<(f64, usize)> = Vec::with_capacity(sections.iter().map(|s| s.len()).sum());
    for (r, s) in sections.iter().enumerate() {
        pooled.extend(s.iter().map(|&x| (x, r)));
    }
    pooled.sort_unstable_by(|a, b| a.0.total_cmp(&b.0));
    let t = t_quantile(k - 1, 0.5 + confidence / 2.0);
    let sizes: Vec<f64> = sections.iter().map(|s| s.len() as f64).collect();
    let total = pooled.len() as f64;
    let valid = |p: f64| p > 0.0 && p < 1.0;
    // Per replication, how many of its observations are at or below the current x; the
    // sums of the shares and of their squares give the spread in O(1) per observation.
    let mut below = vec![0u64; k];
    let (mut sum, mut sum_sq) = (0.0f64, 0.0f64);
    let mut ends: Vec<(Option<f64>, Option<f64>)> = vec![(None, None); wanted.len()];
    let mut open = wanted.iter().filter(|(p, _)| valid(*p)).count();
    let mut i = 0;
    while i < pooled.len() && open > 0 {
        let x = pooled[i].0;
        // Every observation equal to x is at or below it.
        while i < pooled.len() && pooled[i].0 == x {
            let r = pooled[i].1;
            let before = below[r] as f64 / sizes[r];
            below[r] += 1;
            let after = below[r] as f64 / sizes[r];
            sum += after - before;
            sum_sq += after * after - before * before;
            i += 1;
        }
        let share = i as f64 / total;
        let ss = (sum_sq - 2.0 * share * sum + k as f64 * share * share).max(0.0);
        let half = t * (ss / ((k - 1) * k) as f64).sqrt();
        for ((p, _), (lo, hi)) in wanted.iter().zip(ends.iter_mut()) {
            if !valid(*p) || hi.is_some() {
                continue;
            }
            if lo.is_none() && share + half >= *p {
                *lo = Some(x);
            }
            if share - half >= *p {
                *hi = Some(x);
                open -= 1;
            }
        }
    }
    // At the largest observation every replication's share is 1, so the loop has set both
    // ends unless rounding kept the spread a hair above zero there.
    let last = pooled[pooled.len() - 1].0;
    wanted
        .iter()
        .zip(ends)
        .map(|((p, estimate), (lo, hi))| {
            valid(*p).then(|| {
                [
                    lo.unwrap_or(last).min(*estimate),
                    hi.unwrap_or(last).max(*estimate),
                ]
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::stats::quantile_sorted;
    use rand::{Rng, SeedableRng};
    use rand_pcg::Pcg64Mcg;

    fn pooled_quantile(sections: &[Vec<f64>], p: f64) -> f64 {
        let mut v: Vec<f64> = sections.iter().flatten().copied().collect();
        v.sort_unstable_by(f64::total_cmp);
        quantile_sorted(&v, p)
    }

    #[test]
    fn identical_replications_give_a_point_and_one_replication_none() {
        let s: Vec<f64> = (1..=100).map(f64::from).collect();
        let reps = vec![s.clone(), s.clone(), s.clone()];
        let est = pooled_quantile(&reps, 0.5);
        let [lo, hi] = interval(&reps, 0.5, 0.95, est).unwrap();
        // No spread: the ends are the order statistics around the estimate.
        assert!(
            lo >= 50.0 && hi <= 51.0 && lo <= est && est <= hi,
            "{lo} {est} {hi}"
        );
        assert_eq!(interval(std::slice::from_ref(&s), 0.5, 0.95, est), None);
        assert_eq!(interval(&[s.clone(), vec![]], 0.5, 0.95, est), None);
        assert_eq!(interval(&[s.clone(), vec![f64::NAN]], 0.5, 0.95, est), None);
        assert_eq!(interval(&reps, 1.0, 0.95, est), None);
    }

    #[test]
    fn on_a_step_the_interval_spans_it() {
        // Each replication has about 95 % fast observations: p95 is on the step.
        let mut rng = Pcg64Mcg::seed_from_u64(7);
        let reps: Vec<Vec<f64>> = (0..10)
            .map(|_| {
                let mut v: Vec<f64> = (0..500)
                    .map(|_| {
                        if rng.random::<f64>() < 0.95 {
                            rng.random_range(0.0..100.0)
                        } else {
                            rng.random_range(20_000.0..40_000.0)
                        }
                    })
                    .collect();
                v.sort_unstable_by(f64::total_cmp);
                v
            })
            .collect();
        let est = pooled_quantile(&reps, 0.95);
        let [lo, hi] = interval(&reps, 0.95, 0.95, est).unwrap();
        assert!(lo < 100.0 && hi > 20_000.0, "[{lo}, {hi}]");
    }
}
