//! Goodness of fit valid for estimated parameters, and parameter intervals, by a
//! parametric bootstrap that refits on every sample (Stute, Gonzáles Manteiga & Presedo
//! Quindimil, "Bootstrap based goodness-of-fit tests", *Metrika* 40, 1993; as SciPy's
//! `goodness_of_fit` and fitdistrplus's `gofstat` with bootstrap do): a p-value of a
//! test with the parameters taken as known is too large once they were estimated from
//! the same data.
//!
//! The statistic is Anderson–Darling's A² for complete data. With censored units it is
//! the largest distance between the Kaplan–Meier estimate and the fitted distribution
//! function over the observed durations; the bootstrap draws each unit with its own
//! censoring limit, so either statistic is calibrated the same way.

use super::family::{Family, Fitted};
use super::mle::{fit, fit_from, Mle, Unit};
use rand::{Rng, SeedableRng};
use rayon::prelude::*;
use serde::Serialize;

/// Walks the Kaplan–Meier steps of `units`: for each distinct observed duration, in
/// ascending order, `step(t, events at t, units at risk just before t)`. Censored units
/// leave the risk set after the events at their time (the usual convention at a tie).
pub(crate) fn km_steps(units: &[Unit], mut step: impl FnMut(f64, f64, f64)) {
    let mut times: Vec<(f64, bool)> = units
        .iter()
        .map(|u| match u.value {
            Some(x) => (x, true),
            None => (u.limit, false),
        })
        .collect();
    times.sort_by(|a, b| a.0.total_cmp(&b.0).then(b.1.cmp(&a.1)));
    let mut at_risk = times.len() as f64;
    let mut i = 0;
    while i < times.len() {
        let t = times[i].0;
        let (mut events, mut gone) = (0.0, 0.0);
        while i < times.len() && times[i].0 == t {
            if times[i].1 {
                events += 1.0;
            }
            gone += 1.0;
            i += 1;
        }
        if events > 0.0 {
            step(t, events, at_risk);
        }
        at_risk -= gone;
    }
}

/// The Kaplan–Meier estimate of P(X ≤ t) at each distinct observed duration, ascending.
pub fn kaplan_meier(units: &[Unit]) -> Vec<(f64, f64)> {
    let mut surv = 1.0;
    let mut out: Vec<(f64, f64)> = Vec::new();
    km_steps(units, |t, events, at_risk| {
        surv *= 1.0 - events / at_risk;
        out.push((t, 1.0 - surv));
    });
    out
}

/// The statistic for `units` against `f` (larger: worse fit).
pub fn statistic(f: &Fitted, units: &[Unit]) -> f64 {
    if units.iter().all(|u| u.value.is_some()) {
        let mut x: Vec<f64> = units.iter().filter_map(|u| u.value).collect();
        x.sort_unstable_by(f64::total_cmp);
        let n = x.len() as f64;
        let clamp = |p: f64| p.clamp(1e-300, 1.0 - 1e-16);
        let s: f64 = x
            .iter()
            .enumerate()
            .map(|(i, &xi)| {
                let lo = clamp(f.cdf(xi)).ln();
                let hi = (1.0 - clamp(f.cdf(x[x.len() - 1 - i]))).ln();
                (2.0 * i as f64 + 1.0) * (lo + hi)
            })
            .sum();
        -n - s / n
    } else {
        // Before each step of the Kaplan–Meier curve and at it.
        let mut prev = 0.0;
        let mut d: f64 = 0.0;
        for (t, km) in kaplan_meier(units) {
            let fit = f.cdf(t);
            d = d.max((km - fit).abs()).max((prev - fit).abs());
            prev = km;
        }
        d
    }
}

/// The statistic's name as `fit.json` writes it.
pub(crate) fn statistic_name(units: &[Unit]) -> &'static str {
    if units.iter().all(|u| u.value.is_some()) {
        "anderson_darling"
    } else {
        "kaplan_meier_distance"
    }
}

/// A family fitted to the data, with its bootstrap results.
#[derive(Debug, Clone, Serialize)]
pub struct Candidate {
    /// The family.
    pub family: Family,
    /// Its maximum-likelihood parameters.
    pub params: Vec<f64>,
    /// 95 % percentile intervals of each parameter over the bootstrap refits; empty
    /// without a bootstrap.
    pub params_ci95: Vec<[f64; 2]>,
    /// The log-likelihood at the fit.
    pub log_lik: f64,
    /// Akaike's information criterion, 2k − 2ℓ.
    pub aic: f64,
    /// Schwarz's, k ln n − 2ℓ (n: every unit, censored ones included).
    pub bic: f64,
    /// The goodness-of-fit statistic's name.
    pub statistic: &'static str,
    /// Its value on the data.
    pub value: f64,
    /// Its bootstrap p-value, (1 + #{T* ≥ T}) / (B + 1); `None` without a bootstrap.
    pub p_value: Option<f64>,
    /// Bootstrap samples that refitted (B).
    pub bootstrap: usize,
}

impl Candidate {
    /// Its parameters as fit.md and the scenario's comments write them:
    /// `mu 4.2585 [4.1906, 4.3250], sigma …`.
    pub(crate) fn params_text(&self) -> String {
        self.family
            .param_names()
            .iter()
            .enumerate()
            .map(|(i, n)| match self.params_ci95.get(i) {
                Some([lo, hi]) => format!("{n} {:.4} [{lo:.4}, {hi:.4}]", self.params[i]),
                None => format!("{n} {:.4}", self.params[i]),
            })
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// The fitted distribution.
    pub fn fitted(&self) -> Fitted {
        Fitted {
            family: self.family,
            params: self.params.clone(),
        }
    }
}

/// Draws a data set like `units` from `f`: each unit's duration is drawn and censored at
/// that unit's own limit.
fn simulate<R: Rng>(f: &Fitted, units: &[Unit], rng: &mut R) -> Vec<Unit> {
    units
        .iter()
        .map(|u| {
            let x = f.sample(rng);
            if x <= u.limit {
                Unit::observed(x, u.limit)
            } else {
                Unit::censored(u.limit)
            }
        })
        .collect()
}

/// Fits `family` to `units` and runs `bootstrap` parametric resamples (each refitted),
/// from `seed`; the same seed gives the same result at any thread count. `None` when the
/// family cannot be fitted.
pub(crate) fn candidate(
    family: Family,
    units: &[Unit],
    bootstrap: usize,
    seed: u64,
) -> Option<Candidate> {
    let Mle { fitted, log_lik } = fit(family, units)?;
    let value = statistic(&fitted, units);
    let k = family.k() as f64;
    let n = units.len() as f64;
    let refits: Vec<(f64, Vec<f64>)> = (0..bootstrap)
        .into_par_iter()
        .filter_map(|b| {
            let mut rng = rand_pcg::Pcg64Mcg::seed_from_u64(
                seed ^ (b as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ family as u64,
            );
            let sample = simulate(&fitted, units, &mut rng);
            let m = fit_from(family, &sample, Some(&fitted))?;
            Some((statistic(&m.fitted, &sample), m.fitted.params))
        })
        .collect();
    let b = refits.len();
    let p_value = (b > 0).then(|| {
        let worse = refits.iter().filter(|(t, _)| *t >= value).count();
        (1 + worse) as f64 / (b + 1) as f64
    });
    let params_ci95 = if b >= 2 {
        (0..fitted.params.len())
            .map(|j| {
                let mut v: Vec<f64> = refits.iter().map(|(_, p)| p[j]).collect();
                v.sort_unstable_by(f64::total_cmp);
                let at = |q: f64| crate::engine::stats::quantile_sorted(&v, q);
                [at(0.025), at(0.975)]
            })
            .collect()
    } else {
        Vec::new()
    };
    Some(Candidate {
        family,
        params: fitted.params,
        params_ci95,
        log_lik,
        aic: 2.0 * k - 2.0 * log_lik,
        bic: k * n.ln() - 2.0 * log_lik,
        statistic: statistic_name(units),
        value,
        p_value,
        bootstrap: b,
    })
}

/// Every family that fits, ranked by AIC (best first).
pub fn rank(units: &[Unit], bootstrap: usize, seed: u64) -> Vec<Candidate> {
    let mut out: Vec<Candidate> = Family::ALL
        .iter()
        .filter_map(|&f| candidate(f, units, bootstrap, seed))
        .collect();
    out.sort_by(|a, b| a.aic.total_cmp(&b.aic));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample(f: &Fitted, n: usize, limit: f64, seed: u64) -> Vec<Unit> {
        let mut rng = rand_pcg::Pcg64Mcg::seed_from_u64(seed);
        simulate(f, &vec![Unit::censored(limit); n], &mut rng)
    }

    #[test]
    fn kaplan_meier_matches_a_hand_count() {
        // 1, 2 (censored at 2), 3: S drops to 2/3 at 1, stays, then to 0 at 3.
        let u = [
            Unit::observed(1.0, 9.0),
            Unit::censored(2.0),
            Unit::observed(3.0, 9.0),
        ];
        let km = kaplan_meier(&u);
        assert_eq!(km.len(), 2);
        assert!((km[0].1 - 1.0 / 3.0).abs() < 1e-12 && (km[1].1 - 1.0).abs() < 1e-12);
    }

    #[test]
    fn the_right_family_passes_and_a_wrong_one_fails() {
        // 400 users, as a pilot has: lognormal data ranks lognormal first with a p-value
        // that is not small; the exponential is rejected.
        let truth = Fitted {
            family: Family::Lognormal,
            params: vec![70f64.ln(), 0.6],
        };
        let units = sample(&truth, 400, f64::INFINITY, 11);
        let ranked = rank(&units, 199, 1);
        assert_eq!(ranked[0].family, Family::Lognormal, "{ranked:#?}");
        assert!(ranked[0].p_value.unwrap() > 0.01, "{:?}", ranked[0]);
        let exp = ranked
            .iter()
            .find(|c| c.family == Family::Exponential)
            .unwrap();
        assert!(exp.p_value.unwrap() < 0.01, "{exp:?}");
    }

    #[test]
    fn parameter_intervals_cover_the_truth() {
        // 8 data sets × 2 parameters: a 95 % interval misses about 0.8 times in 16; more
        // than 4 misses has a probability under 0.1 % for a correct interval.
        let truth = Fitted {
            family: Family::Lognormal,
            params: vec![70f64.ln(), 0.6],
        };
        let mut misses = 0;
        for seed in 0..8 {
            let units = sample(&truth, 200, f64::INFINITY, 100 + seed);
            let c = candidate(Family::Lognormal, &units, 99, seed).unwrap();
            for (j, ci) in c.params_ci95.iter().enumerate() {
                if !(ci[0] <= truth.params[j] && truth.params[j] <= ci[1]) {
                    misses += 1;
                }
            }
        }
        assert!(misses <= 4, "{misses} of 16 intervals missed");
    }

    #[test]
    fn censored_data_is_fitted_and_tested_with_its_own_limits() {
        let truth = Fitted {
            family: Family::Weibull,
            params: vec![1.5, 600.0],
        };
        // The export ends after 500 s for every unit: about 40 % still wait.
        let units = sample(&truth, 400, 500.0, 12);
        assert!(units.iter().any(|u| u.value.is_none()));
        let c = candidate(Family::Weibull, &units, 99, 2).unwrap();
        assert_eq!(c.statistic, "kaplan_meier_distance");
        assert!(c.p_value.unwrap() > 0.01, "{c:?}");
        assert!(
            c.params_ci95[1][0] <= 600.0 && 600.0 <= c.params_ci95[1][1],
            "{c:?}"
        );
        // The same seed gives the same answer.
        assert_eq!(
            format!("{:?}", candidate(Family::Weibull, &units, 99, 2).unwrap()),
            format!("{c:?}")
        );
    }
}
