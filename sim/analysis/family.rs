//! Family-wise error: the confidence each of several intervals needs so that all of
//! them hold at once with a chosen probability. A gate made of many 95 % checks fails a
//! correct program at most seeds (46 checks: 1 − 0.95⁴⁶ ≈ 91 %); raising each check's
//! confidence this way makes the gate's own error rate the one that was chosen.

/// Šidák's per-test confidence for `tests` two-sided tests so that all hold with
/// probability at least `family`: `family^(1/tests)`. Exact for independent tests and
/// conservative for jointly normal estimates under any correlation (Šidák 1967), which
/// is how means over many replications behave.
pub(crate) fn sidak(family: f64, tests: usize) -> f64 {
    if tests == 0 {
        return family;
    }
    family.powf(1.0 / tests as f64)
}

/// Bonferroni's per-test confidence: `1 − (1 − family)/tests`. Valid under any
/// dependence, and a little more demanding than `sidak`.
pub fn bonferroni(family: f64, tests: usize) -> f64 {
    if tests == 0 {
        return family;
    }
    1.0 - (1.0 - family) / tests as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn per_test_confidences_compound_to_the_family() {
        let c = sidak(0.99, 46);
        assert!((c.powi(46) - 0.99).abs() < 1e-12);
        assert!((c - 0.999_781_5).abs() < 1e-6, "{c}");
        let b = bonferroni(0.99, 46);
        assert!((b - (1.0 - 0.01 / 46.0)).abs() < 1e-15);
        // Bonferroni asks for more than Šidák, and both reduce to the family for one test.
        assert!(b > c);
        assert_eq!(sidak(0.95, 1), 0.95);
        assert!((bonferroni(0.95, 1) - 0.95).abs() < 1e-15);
        assert_eq!(sidak(0.95, 0), 0.95);
    }
}
