//! Student-t intervals of a mean from independent estimates (one per replication).

use statrs::distribution::{ContinuousCDF, StudentsT};

/// The mean of `xs` and its two-sided Student-t interval at `confidence` (e.g. 0.95);
/// `None` for the interval with fewer than two values, and a NaN mean with none.
pub(crate) fn mean_interval(xs: &[f64], confidence: f64) -> (f64, Option<[f64; 2]>) {
    let n = xs.len();
    if n == 0 {
        return (f64::NAN, None);
    }
    let mean = xs.iter().sum::<f64>() / n as f64;
    if n < 2 {
        return (mean, None);
    }
    let var = xs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1) as f64;
    let half = t_quantile(n - 1, 0.5 + confidence / 2.0) * (var / n as f64).sqrt();
    (mean, Some([mean - half, mean + half]))
}

/// The `p` quantile of Student's t with `df` degrees of freedom.
pub(crate) fn t_quantile(df: usize, p: f64) -> f64 {
    StudentsT::new(0.0, 1.0, df as f64)
        .map(|d| d.inverse_cdf(p))
        .unwrap_or(f64::NAN)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn interval_matches_a_hand_computation() {
        // mean 2, s = 1, n = 3: half-width t(2, 0.975) / sqrt(3) = 4.3027 / 1.7321.
        let (m, ci) = mean_interval(&[1.0, 2.0, 3.0], 0.95);
        let [lo, hi] = ci.unwrap();
        assert_eq!(m, 2.0);
        assert!((hi - 2.0 - 2.4841).abs() < 1e-3, "{hi}");
        assert!((2.0 - lo - 2.4841).abs() < 1e-3, "{lo}");
        assert_eq!(mean_interval(&[1.0], 0.95), (1.0, None));
        assert!(mean_interval(&[], 0.95).0.is_nan());
    }
}
