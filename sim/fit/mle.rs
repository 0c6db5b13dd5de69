//! Maximum likelihood over right-censored data. A unit is either observed (its duration
//! is known) or still waiting when the export ended (censored: it is known only to be
//! longer than its time so far); dropping the censored ones would bias every fit toward
//! short durations. The log-likelihood is Σ ln f(xᵢ) over the observed plus Σ ln S(cⱼ)
//! over the censored.
//!
//! The exponential has a closed form even with censoring (events over total exposure);
//! the lognormal has one without censoring. Everything else is maximised with
//! Nelder–Mead (argmin) over log-parameters, started from the closed forms or the
//! moments of the observed values.

use super::family::{Family, Fitted};
use argmin::core::{CostFunction, Executor};
use argmin::solver::neldermead::NelderMead;

/// One unit of data: what was seen of one user's (or one cycle's) duration.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Unit {
    /// The duration, seconds, when it was observed.
    pub value: Option<f64>,
    /// How long it could have been observed: the time from its start to the export's end,
    /// seconds (infinite when unknown). A censored unit is known to be longer than this.
    pub limit: f64,
}

impl Unit {
    /// A duration that was seen to end.
    pub(crate) fn observed(value: f64, limit: f64) -> Unit {
        Unit {
            value: Some(value),
            limit,
        }
    }

    /// A duration still running at `limit`.
    pub fn censored(limit: f64) -> Unit {
        Unit { value: None, limit }
    }
}

/// The log-likelihood of `units` under `f`.
pub(crate) fn log_likelihood(f: &Fitted, units: &[Unit]) -> f64 {
    f.log_likelihood(units.iter().map(|u| u.value), units.iter().map(|u| u.limit))
}

/// A fit: the member of the family with the largest likelihood, and that likelihood.
#[derive(Debug, Clone, PartialEq)]
pub struct Mle {
    /// The fitted distribution.
    pub fitted: Fitted,
    /// Its log-likelihood.
    pub log_lik: f64,
}

struct Negative<'a> {
    family: Family,
    units: &'a [Unit],
}

fn from_log(family: Family, x: &[f64]) -> Fitted {
    let params = match family {
        // μ is unbounded; σ is positive.
        Family::Lognormal => vec![x[0], x[1].exp()],
        _ => x.iter().map(|v| v.exp()).collect(),
    };
    Fitted { family, params }
}

impl CostFunction for Negative<'_> {
    type Param = Vec<f64>;
    type Output = f64;
    fn cost(&self, x: &Vec<f64>) -> Result<f64, argmin::core::Error> {
        // Shapes and spreads beyond these describe no duration anyone measures, and the
        // incomplete gamma function takes very long to evaluate out there: the simplex
        // is kept out without evaluating.
        let out_of_range = match self.family {
            Family::Lognormal => !(-12.0..=5.0).contains(&x[1]),
            Family::Gamma | Family::Weibull => !(-7.0..=7.0).contains(&x[0]),
            Family::Exponential => false,
        };
        if out_of_range || x.iter().any(|v| !v.is_finite() || v.abs() > 50.0) {
            return Ok(f64::MAX / 4.0);
        }
        let f = from_log(self.family, x);
        let ll = log_likelihood(&f, self.units);
        // The simplex must be able to step into a region without a distribution.
        Ok(if ll.is_finite() { -ll } else { f64::MAX / 4.0 })
    }
}

fn mean_var(xs: &[f64]) -> (f64, f64) {
    let n = xs.len() as f64;
    let m = xs.iter().sum::<f64>() / n;
    let v = xs.iter().map(|x| (x - m).powi(2)).sum::<f64>() / (n - 1.0).max(1.0);
    (m, v)
}

/// Fits `family` to `units`; `None` with fewer than two observed values (or one, for the
/// exponential), or a non-positive one.
pub fn fit(family: Family, units: &[Unit]) -> Option<Mle> {
    fit_from(family, units, None)
}

/// The same, starting the search from `start`'s parameters when given: a bootstrap
/// sample's fit is near the original's, so starting there saves most of the search.
pub(crate) fn fit_from(family: Family, units: &[Unit], start: Option<&Fitted>) -> Option<Mle> {
    let observed: Vec<f64> = units.iter().filter_map(|u| u.value).collect();
    if observed.iter().any(|x| !(*x > 0.0 && x.is_finite())) || observed.len() < family.k() {
        return None;
    }
    let censored = observed.len() < units.len();
    let logs: Vec<f64> = observed.iter().map(|x| x.ln()).collect();
    let (lm, lv) = mean_var(&logs);
    let (m, v) = mean_var(&observed);
    let closed = match family {
        Family::Exponential => {
            let exposure: f64 = units.iter().map(|u| u.value.unwrap_or(u.limit)).sum();
            Some(vec![exposure / observed.len() as f64])
        }
        Family::Lognormal if !censored => {
            // The MLE of σ divides by n, not n − 1.
            let n = logs.len() as f64;
            Some(vec![lm, (lv * (n - 1.0) / n).sqrt()])
        }
        _ => None,
    };
    let fitted = match closed {
        Some(params) => Fitted { family, params },
        None => {
            let warm_started = start.is_some_and(|f| f.family == family && f.is_valid());
            let warm = start
                .filter(|f| f.family == family && f.is_valid())
                .map(|f| match family {
                    Family::Lognormal => vec![f.params[0], f.params[1].ln()],
                    _ => f.params.iter().map(|v| v.ln()).collect(),
                });
            let start: Vec<f64> = if let Some(w) = warm {
                w
            } else {
                match family {
                    Family::Lognormal => vec![lm, lv.sqrt().max(1e-3).ln()],
                    Family::Gamma => {
                        let shape = (m * m / v.max(1e-12)).clamp(1e-3, 1e6);
                        vec![shape.ln(), (m / shape).ln()]
                    }
                    Family::Weibull => {
                        // Shape from the spread of the logs (Gumbel: sd = π / (k √6)).
                        let k = (std::f64::consts::PI / (lv.sqrt().max(1e-3) * 6f64.sqrt()))
                            .clamp(0.05, 50.0);
                        vec![k.ln(), (lm + 0.5772 / k).exp().ln()]
                    }
                    Family::Exponential => unreachable!("closed form"),
                }
            };
            // A warm start needs a smaller simplex: the optimum is close.
            let step = if warm_started { 0.05 } else { 0.3 };
            let simplex = vec![
                start.clone(),
                vec![start[0] + step, start[1]],
                vec![start[0], start[1] + step],
            ];
            // The costs are log-likelihoods in the hundreds or thousands: a spread of
            // 1e-7 over the simplex is far below what moves a parameter visibly.
            let solver = NelderMead::new(simplex).with_sd_tolerance(1e-7).ok()?;
            let res = Executor::new(Negative { family, units }, solver)
                .configure(|s| s.max_iters(500))
                .run()
                .ok()?;
            let best = res.state.best_param.clone()?;
            from_log(family, &best)
        }
    };
    let log_lik = log_likelihood(&fitted, units);
    (fitted.is_valid() && log_lik.is_finite()).then_some(Mle { fitted, log_lik })
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    fn draws(f: &Fitted, n: usize, seed: u64) -> Vec<f64> {
        let mut rng = rand_pcg::Pcg64Mcg::seed_from_u64(seed);
        (0..n).map(|_| f.sample(&mut rng)).collect()
    }

    #[test]
    fn recovers_each_family_from_a_large_sample() {
        for (family, params) in [
            (Family::Lognormal, vec![4.0, 0.8]),
            (Family::Gamma, vec![2.5, 30.0]),
            (Family::Weibull, vec![1.7, 120.0]),
            (Family::Exponential, vec![45.0]),
        ] {
            let truth = Fitted { family, params };
            let units: Vec<Unit> = draws(&truth, 4_000, 3)
                .into_iter()
                .map(|x| Unit::observed(x, f64::INFINITY))
                .collect();
            let m = fit(family, &units).unwrap();
            for (got, want) in m.fitted.params.iter().zip(&truth.params) {
                assert!(
                    (got / want - 1.0).abs() < 0.06,
                    "{family:?}: {:?}",
                    m.fitted.params
                );
            }
        }
    }

    #[test]
    fn censoring_keeps_the_median_where_it_is() {
        // Half the users still wait when the export ends at 100 s: dropping them would
        // put the median near 50 s; counting them as censored keeps it near the truth.
        let truth = Fitted {
            family: Family::Lognormal,
            params: vec![100f64.ln(), 1.0],
        };
        let units: Vec<Unit> = draws(&truth, 3_000, 5)
            .into_iter()
            .map(|x| {
                if x <= 100.0 {
                    Unit::observed(x, 100.0)
                } else {
                    Unit::censored(100.0)
                }
            })
            .collect();
        let m = fit(Family::Lognormal, &units).unwrap();
        let median = m.fitted.quantile(0.5);
        assert!((median / 100.0 - 1.0).abs() < 0.08, "{median}");
        let dropped: Vec<Unit> = units
            .iter()
            .copied()
            .filter(|u| u.value.is_some())
            .collect();
        let naive = fit(Family::Lognormal, &dropped)
            .unwrap()
            .fitted
            .quantile(0.5);
        assert!(naive < 60.0, "{naive}");
        // The exponential's closed form counts exposure, censored time included.
        let e = fit(
            Family::Exponential,
            &[Unit::observed(10.0, 50.0), Unit::censored(50.0)],
        )
        .unwrap();
        assert_eq!(e.fitted.params, vec![60.0]);
    }

    #[test]
    fn too_little_or_bad_data_is_no_fit() {
        assert!(fit(Family::Gamma, &[Unit::observed(1.0, 9.0)]).is_none());
        assert!(fit(
            Family::Lognormal,
            &[Unit::observed(0.0, 9.0), Unit::observed(2.0, 9.0)]
        )
        .is_none());
        assert!(fit(Family::Exponential, &[Unit::censored(9.0)]).is_none());
    }
}
