//! Plateaus of an empirical distribution: a percentile that sits where the distribution
//! jumps (few observations between two far-apart groups), so that a handful of
//! observations more or less moves it by a large factor. Such a percentile is reported
//! with a flag, not read as a stable figure.
//!
//! Definition: the `p` quantile is *on a plateau* when the quantiles at `p − w` and
//! `p + w` differ by more than a factor of `FACTOR` and by more than the caller's
//! `min_gap` (a jump nobody would notice is not flagged), where the window `w` is a fifth
//! of the smaller tail, `0.2 · min(p, 1 − p)`: p95 is looked at between 94 % and 96 %,
//! p99 between 98.8 % and 99.2 %, the median between 40 % and 60 %. A window relative to
//! the tail treats every percentile alike: a tail percentile is about as uncertain as the
//! count of observations beyond it, so a fixed window (say ±0.5 %) would be wide for p99
//! and narrow for the median.

use crate::engine::stats::quantile_sorted;

/// The window on each side of the `p` quantile, as a share of the observations: a fifth
/// of the smaller tail.
pub fn window(p: f64) -> f64 {
    0.2 * p.min(1.0 - p)
}

/// How much larger the value a window above must be than the one a window
/// below for the percentile to count as on a plateau.
pub(crate) const FACTOR: f64 = 2.0;

/// The two sides of a plateau: the quantiles at `p − window(p)` and `p + window(p)`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Plateau {
    /// The quantile a window below.
    pub below: f64,
    /// The quantile a window above.
    pub above: f64,
}

/// The plateau the `p` quantile of `sorted` sits on, if it sits on one (see the module
/// doc); `None` for an empty sample or a `p` of 0 or 1 (the extremes are not percentiles
/// a plateau could move).
pub(crate) fn plateau_at(sorted: &[f64], p: f64, min_gap: f64) -> Option<Plateau> {
    if sorted.is_empty() || p <= 0.0 || p >= 1.0 {
        return None;
    }
    let w = window(p);
    let below = quantile_sorted(sorted, p - w);
    let above = quantile_sorted(sorted, p + w);
    (above > FACTOR * below && above - below > min_gap).then_some(Plateau { below, above })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_jump_under_the_percentile_is_flagged_and_a_smooth_tail_is_not() {
        // 95 fast observations, 5 slow ones: p95 sits on the step between them.
        let mut v: Vec<f64> = (0..95).map(|i| 60.0 + i as f64).collect();
        v.extend((0..5).map(|i| 40_000.0 + i as f64));
        let p = plateau_at(&v, 0.95, 60.0).unwrap();
        assert!(p.below < 200.0 && p.above > 1_000.0, "{p:?}");
        assert_eq!(plateau_at(&v, 0.5, 60.0), None);
        let smooth: Vec<f64> = (1..=1000).map(|i| i as f64).collect();
        assert_eq!(plateau_at(&smooth, 0.95, 60.0), None);
        // A jump from one second to three is a factor of three, but not worth a flag.
        let tiny: Vec<f64> = [1.0; 50].into_iter().chain([3.0; 50]).collect();
        assert!(plateau_at(&tiny, 0.5, 0.0).is_some());
        assert_eq!(plateau_at(&tiny, 0.5, 60.0), None);
        assert_eq!(plateau_at(&[], 0.5, 60.0), None);
    }
}
