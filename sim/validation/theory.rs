//! Closed forms the simulator is checked against, written from the textbook formulas
//! rather than from anything in the simulator, so that a shared mistake is unlikely.
//!
//! Sources:
//! - Erlang C and the M/M/c waiting time: A. K. Erlang (1917); L. Kleinrock, *Queueing
//!   Systems, Vol. 1: Theory* (Wiley, 1975), §3.5 "M/M/m"; D. Gross, J. F. Shortle,
//!   J. M. Thompson, C. M. Harris, *Fundamentals of Queueing Theory* (4th ed., Wiley,
//!   2008), §2.3.
//! - Pollaczek–Khinchine mean-value formula for M/G/1 (here M/D/1): F. Pollaczek (1930),
//!   A. Y. Khinchine (1932); Kleinrock (1975) ch. 5; Gross et al. (2008) §5.1.
//! - Little's law L = λW: J. D. C. Little, "A proof for the queuing formula L = λW",
//!   *Operations Research* 9(3), 1961.
//! - The periodic scheduler: mean residual time of a deterministic period seen from a
//!   uniformly placed instant (renewal theory, e.g. Kleinrock (1975) §5.2), worked out
//!   below for a cycle with a cut-off.

/// Erlang C: the probability that an arrival to an M/M/c queue has to wait, for `c`
/// servers and offered load `a = λ/μ` (erlangs), `a < c`:
///
/// C(c, a) = [aᶜ/c! · c/(c − a)] / [Σ_{k=0}^{c−1} aᵏ/k! + aᶜ/c! · c/(c − a)]
pub(crate) fn erlang_c(c: u32, a: f64) -> f64 {
    assert!(c >= 1 && a >= 0.0 && a < c as f64, "needs 0 <= a < c");
    let mut term = 1.0; // aᵏ/k!, starting at k = 0
    let mut sum = 0.0;
    for k in 0..c {
        sum += term;
        term *= a / (k + 1) as f64;
    }
    // `term` is now aᶜ/c!.
    let top = term * c as f64 / (c as f64 - a);
    top / (sum + top)
}

/// Mean wait in queue of M/M/c (arrival rate `lambda`, service rate `mu` per server):
/// Wq = C(c, λ/μ) / (cμ − λ).
pub(crate) fn mmc_mean_wait(c: u32, lambda: f64, mu: f64) -> f64 {
    erlang_c(c, lambda / mu) / (c as f64 * mu - lambda)
}

/// P(Wq > t) for M/M/c under FIFO: C(c, λ/μ) · e^{−(cμ − λ)t}. The waiting time of a
/// customer who waits is exponential with rate cμ − λ, a property of FIFO order (LIFO
/// has the same mean but a heavier tail), so this catches a wrong queue discipline.
pub(crate) fn mmc_wait_tail(c: u32, lambda: f64, mu: f64, t: f64) -> f64 {
    erlang_c(c, lambda / mu) * (-(c as f64 * mu - lambda) * t).exp()
}

/// Mean wait in queue of M/G/1 by Pollaczek–Khinchine: `Wq = λ E(S²) / (2 (1 − ρ))`,
/// `ρ = λ E(S)`.
pub fn mg1_mean_wait(lambda: f64, es: f64, es2: f64) -> f64 {
    let rho = lambda * es;
    assert!(rho < 1.0, "needs rho < 1");
    lambda * es2 / (2.0 * (1.0 - rho))
}

/// Mean wait in queue of M/D/1 (service always 1/μ): Wq = ρ / (2μ(1 − ρ)), the P-K
/// formula with E(S²) = 1/μ².
pub(crate) fn md1_mean_wait(lambda: f64, mu: f64) -> f64 {
    let rho = lambda / mu;
    rho / (2.0 * mu * (1.0 - rho))
}

/// Mean time from a key's registration to its arrival in AD under a periodic sync
/// scheduler, for registrations placed uniformly relative to the cycle phase.
///
/// Cycles start every `interval` (P); each one imports Azure AD `cutoff` (I) after its
/// start and finishes exporting `export` (E) after that, so a cycle lasts I + E ≤ P and
/// cycles never overlap. A key registered `u` after a cycle start (u uniform on [0, P)):
/// - before the cut-off (u < I) rides this cycle: wait = I + E − u;
/// - after it (u ≥ I) misses it and waits a whole extra cycle: wait = P + I + E − u.
///
/// `E(wait) = (1/P) (∫₀^I (I + E − u) du + ∫_I^P (P + I + E − u) du) = P/2 + E`.
///
/// The cut-off position cancels out: it shifts which cycle a key rides, not how long a
/// uniformly placed key waits on average. With zero-length cycles (I = E = 0) this is
/// the mean residual time of the period, P/2.
pub(crate) fn periodic_sync_mean_wait(interval: f64, cutoff: f64, export: f64) -> f64 {
    assert!(cutoff + export <= interval, "cycles must not overrun");
    interval / 2.0 + export
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Erlang B by its recursion, B(k) = a B(k−1) / (k + a B(k−1)); Erlang C follows as
    /// C = c B / (c − a (1 − B)). An independent route to the same number.
    fn erlang_c_via_b(c: u32, a: f64) -> f64 {
        let mut b = 1.0;
        for k in 1..=c {
            b = a * b / (k as f64 + a * b);
        }
        c as f64 * b / (c as f64 - a * (1.0 - b))
    }

    #[test]
    fn erlang_c_known_values() {
        // M/M/1: P(wait) = ρ.
        assert!((erlang_c(1, 0.7) - 0.7).abs() < 1e-15);
        // M/M/2: P(wait) = 2ρ²/(1 + ρ); ρ = 0.5 → 1/3.
        assert!((erlang_c(2, 1.0) - 1.0 / 3.0).abs() < 1e-15);
        for c in [1, 2, 4, 8, 16] {
            for rho in [0.1, 0.5, 0.8, 0.9, 0.99] {
                let a = rho * c as f64;
                assert!((erlang_c(c, a) - erlang_c_via_b(c, a)).abs() < 1e-12);
            }
        }
    }

    #[test]
    fn mm1_and_md1_reduce_to_the_classics() {
        // M/M/1: Wq = ρ/(μ − λ).
        assert!((mmc_mean_wait(1, 0.9, 1.0) - 9.0).abs() < 1e-12);
        // M/D/1 is half of M/M/1.
        assert!((md1_mean_wait(0.9, 1.0) - 4.5).abs() < 1e-12);
        // M/M/1 via P-K: E[S²] = 2/μ².
        assert!((mg1_mean_wait(0.9, 1.0, 2.0) - 9.0).abs() < 1e-12);
        assert!((mmc_wait_tail(1, 0.5, 1.0, 0.0) - 0.5).abs() < 1e-15);
    }

    #[test]
    fn periodic_scheduler_mean_by_numeric_integration() {
        let (p, i, e) = (30.0, 4.0, 7.0);
        let n = 300_000;
        let mean = (0..n)
            .map(|k| {
                let u = (k as f64 + 0.5) / n as f64 * p;
                if u < i {
                    i + e - u
                } else {
                    p + i + e - u
                }
            })
            .sum::<f64>()
            / n as f64;
        assert!((mean - periodic_sync_mean_wait(p, i, e)).abs() < 1e-6);
        assert_eq!(periodic_sync_mean_wait(60.0, 0.0, 0.0), 30.0);
    }
}
