//! Sectioning: an interval for an estimator computed over the pooled observations of all
//! replications (a quantile, a mean, a paired difference), from how the same estimator
//! varies when each replication is taken on its own.
//!
//! The replications are independent, so the per-replication estimates are too; sectioning
//! centres their spread on the pooled estimate instead of on their average, which for a
//! quantile is biased with small replications (Asmussen & Glynn, *Stochastic Simulation*,
//! 2007, §III.5a; Nakayama, "Confidence intervals using sectioning for quantiles when
//! applying variance-reduction techniques", ACM TOMACS 24(4), 2014). The half-width is
//! Student t with one degree of freedom fewer than there are replications.

use super::student::t_quantile;

/// The `confidence` interval (e.g. 0.95) of `pooled` from the `sections` (one estimate
/// per replication); `None` with fewer than two sections or a non-finite estimate.
pub fn interval(pooled: f64, sections: &[f64], confidence: f64) -> Option<[f64; 2]> {
    let k = sections.len();
    if k < 2 || !pooled.is_finite() || sections.iter().any(|x| !x.is_finite()) {
        return None;
    }
    let ss: f64 = sections.iter().map(|x| (x - pooled).powi(2)).sum();
    let se = (ss / ((k - 1) * k) as f64).sqrt();
    let half = t_quantile(k - 1, 0.5 + confidence / 2.0) * se;
    Some([pooled - half, pooled + half])
}

/// An estimator over pooled replications and its sectioning interval.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Estimate {
    /// The estimator over every observation of every replication.
    pub value: f64,
    /// Its interval; `None` with fewer than two replications to section on.
    pub interval: Option<[f64; 2]>,
    /// How many replications the interval rests on (those with observations).
    pub sections: usize,
}

/// Every observation of every section, sorted: the pooled sample the estimators run on.
pub fn pooled(sections: &[Vec<f64>]) -> Vec<f64> {
    let mut v: Vec<f64> = sections.iter().flatten().copied().collect();
    v.sort_unstable_by(f64::total_cmp);
    v
}

/// `estimator` over the pooled sorted observations of `sections` (each sorted, one per
/// replication), with its `confidence` interval by sectioning; a replication without
/// observations has no estimate and is left out of the interval. `None` when there is no
/// observation at all.
pub(crate) fn pooled_estimate(
    sections: &[Vec<f64>],
    confidence: f64,
    estimator: impl Fn(&[f64]) -> f64,
) -> Option<Estimate> {
    let pooled = pooled(sections);
    if pooled.is_empty() {
        return None;
    }
    let value = estimator(&pooled);
    let per: Vec<f64> = sections
        .iter()
        .filter(|s| !s.is_empty())
        .map(|s| estimator(s))
        .collect();
    let interval = interval(value, &per, confidence);
    Some(Estimate {
        value,
        interval,
        sections: if interval.is_some() { per.len() } else { 0 },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_interval_is_centred_on_the_pooled_estimate() {
        // Deviations from 10: -1, 1, 3 → ss = 11, se = sqrt(11 / 6); t(2, 0.975) = 4.3027.
        let [lo, hi] = interval(10.0, &[9.0, 11.0, 13.0], 0.95).unwrap();
        let half = 4.302_653 * (11.0f64 / 6.0).sqrt();
        assert!((hi - 10.0 - half).abs() < 1e-4 && (10.0 - lo - half).abs() < 1e-4);
        assert_eq!(interval(10.0, &[9.0], 0.95), None);
        assert_eq!(interval(f64::NAN, &[9.0, 1.0], 0.95), None);
    }

    #[test]
    fn pooled_estimate_skips_empty_replications() {
        let max = |v: &[f64]| v[v.len() - 1];
        let e = pooled_estimate(&[vec![1.0, 5.0], vec![], vec![2.0, 3.0]], 0.95, max).unwrap();
        assert_eq!(e.value, 5.0);
        assert_eq!(e.sections, 2);
        let e = pooled_estimate(&[vec![1.0, 5.0], vec![]], 0.95, max).unwrap();
        assert_eq!((e.interval, e.sections), (None, 0));
        assert!(pooled_estimate(&[vec![], vec![]], 0.95, max).is_none());
    }
}
