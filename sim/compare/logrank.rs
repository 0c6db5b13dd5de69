//! The log-rank test of two right-censored samples: whether the pilot's durations and the
//! simulated ones come from one distribution (Mantel 1966; Peto & Peto 1972).

use crate::fit::mle::Unit;
use serde::Serialize;
use statrs::distribution::{ChiSquared, ContinuousCDF};

/// A two-sample test's result.
#[derive(Debug, Clone, Serialize)]
pub struct Test {
    /// Which test.
    pub name: &'static str,
    /// Its statistic (χ² with one degree of freedom).
    pub statistic: f64,
    /// The chance of a statistic this large if both samples came from one distribution.
    pub p_value: f64,
}

/// The log-rank test of `a` against `b`; `None` when either is empty or no unit of either
/// was observed to end.
pub(crate) fn log_rank(a: &[Unit], b: &[Unit]) -> Option<Test> {
    // (time, sample, observed); at a tie, events before censorings.
    let mut all: Vec<(f64, usize, bool)> = Vec::with_capacity(a.len() + b.len());
    for (k, s) in [a, b].iter().enumerate() {
        for u in s.iter() {
            match u.value {
                Some(x) => all.push((x, k, true)),
                None => all.push((u.limit, k, false)),
            }
        }
    }
    all.sort_by(|x, y| x.0.total_cmp(&y.0).then(y.2.cmp(&x.2)));
    let mut at_risk = [a.len() as f64, b.len() as f64];
    let (mut o_minus_e, mut var) = (0.0, 0.0);
    let mut i = 0;
    while i < all.len() {
        let t = all[i].0;
        let (mut d, mut gone) = ([0.0; 2], [0.0; 2]);
        while i < all.len() && all[i].0 == t {
            let (_, k, ev) = all[i];
            if ev {
                d[k] += 1.0;
            }
            gone[k] += 1.0;
            i += 1;
        }
        let n = at_risk[0] + at_risk[1];
        let dt = d[0] + d[1];
        if dt > 0.0 && n > 1.0 {
            o_minus_e += d[0] - dt * at_risk[0] / n;
            var += dt * (at_risk[0] / n) * (at_risk[1] / n) * (n - dt) / (n - 1.0);
        }
        at_risk[0] -= gone[0];
        at_risk[1] -= gone[1];
    }
    if var <= 0.0 {
        return None;
    }
    let statistic = o_minus_e * o_minus_e / var;
    let p_value = ChiSquared::new(1.0).ok()?.sf(statistic);
    Some(Test {
        name: "log-rank",
        statistic,
        p_value,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::{Rng, SeedableRng};

    fn sample(rng: &mut impl Rng, n: usize, scale: f64, cut: f64) -> Vec<Unit> {
        (0..n)
            .map(|_| {
                let x = -scale * (1.0 - rng.random::<f64>()).ln();
                if x > cut {
                    Unit::censored(cut)
                } else {
                    Unit::observed(x, cut)
                }
            })
            .collect()
    }

    #[test]
    fn tells_a_shifted_sample_from_a_like_one() {
        let mut rng = rand_pcg::Pcg64Mcg::seed_from_u64(7);
        let a = sample(&mut rng, 300, 100.0, 250.0);
        let like = sample(&mut rng, 3_000, 100.0, 250.0);
        let slower = sample(&mut rng, 3_000, 150.0, 250.0);
        let same = log_rank(&a, &like).unwrap();
        let differ = log_rank(&a, &slower).unwrap();
        assert!(same.p_value > 0.01, "{same:?}");
        assert!(differ.p_value < 1e-4, "{differ:?}");
        assert!(log_rank(&a, &[]).is_none());
    }

    /// Under the null, the p-value is uniform: about 5 % of tests of like samples fall
    /// under 0.05 (binomial band of 3.5 σ over 400 tests).
    #[test]
    fn rejects_like_samples_at_its_nominal_rate() {
        let mut rng = rand_pcg::Pcg64Mcg::seed_from_u64(11);
        let rejected = (0..400)
            .filter(|_| {
                let a = sample(&mut rng, 80, 100.0, 150.0);
                let b = sample(&mut rng, 120, 100.0, 150.0);
                log_rank(&a, &b).unwrap().p_value < 0.05
            })
            .count();
        assert!((8..=32).contains(&rejected), "{rejected} of 400");
    }
}
