//! Validation: the simulator checked against things nobody here wrote (docs/validation.md).
//!
//! Each check compares a simulated figure with a theory value: Erlang C and
//! Pollaczek–Khinchine on queues built from the engine's own [`Resource`] and
//! [`EventQueue`] ([`queues`]), Little's law on every resource of a provisioning run and
//! the documented retry behaviour ([`flow`]), the AAD Connect scheduler's mean wait
//! ([`scheduler`]), and every distribution's mean and percentiles ([`sampling`]). The
//! closed forms live in [`theory`].
//!
//! Statistical checks run independent replications (seeds derived from one seed with
//! `StreamFactory::derive_seed`) and pass when the theory value lies inside the
//! Student-t interval of the replication means. The gate is a family of
//! [`INTERVAL_CHECKS`] such checks, so each interval is held at the Šidák confidence
//! that makes all of them hold together with probability `FAMILY_CONFIDENCE`: a
//! correct simulator passes at any seed with that probability, and the sizes carry
//! enough replications that the wider intervals still see the biases the 95 % ones did.
//! A real bug fails at every seed, usually far outside the interval (the `dev` column
//! says how far). Exact checks compare per-user times to the microsecond.
//!
//! Replications run on rayon and are collected in a fixed order, so the table does not
//! depend on the number of threads.
//!
//! [`Resource`]: crate::engine::Resource
//! [`EventQueue`]: crate::engine::EventQueue
//! `StreamFactory::derive_seed`: crate::engine::StreamFactory::derive_seed

pub mod flow;
pub mod queues;
pub mod sampling;
pub mod scheduler;
pub mod theory;
pub mod trust;

use crate::analysis::{family, student};
use crate::engine::StreamFactory;
use rayon::prelude::*;
use std::fmt::Write as _;

/// The seed `whfb-sim validate` uses unless `--seed` says otherwise. It is not special:
/// any seed passes a correct simulator with probability `FAMILY_CONFIDENCE`.
pub const DEFAULT_SEED: u64 = 1;

/// Probability that a correct simulator passes every interval check at once, whatever
/// the seed. Half a percent of slack under the 99 % the gate promises covers the
/// Student-t interval's small error far in the tail for replication means that are not
/// exactly normal.
pub(crate) const FAMILY_CONFIDENCE: f64 = 0.995;

/// Interval checks in [`run_all`] (31 queue, 2 scheduler, 13 sampling): the size of the
/// family whose error `FAMILY_CONFIDENCE` bounds. A test keeps it equal to the count.
pub const INTERVAL_CHECKS: usize = 46;

/// The confidence of each interval check: Šidák over [`INTERVAL_CHECKS`] at
/// [`FAMILY_CONFIDENCE`] (about 99.989 %).
pub(crate) fn check_confidence() -> f64 {
    family::sidak(FAMILY_CONFIDENCE, INTERVAL_CHECKS)
}

/// How much simulation each check does.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Size {
    /// Independent replications per statistical check.
    pub replications: u32,
    /// Customers measured per queue replication (after the warm-up).
    pub customers: u64,
    /// Customers discarded at the start of each queue replication (the warm-up).
    pub warmup: u64,
    /// Draws per replication of a distribution check.
    pub draws: usize,
    /// Users per provisioning-model run.
    pub users: u32,
}

impl Size {
    /// What `whfb-sim validate` runs: intervals tight enough to see a bias of about 2 %.
    /// 120 replications make the 99.989 % Student-t half-width (t₁₁₉ ≈ 4.00 over √120)
    /// 2 % narrower than the 95 % one over 30 replications was (t₂₉ ≈ 2.05 over √30), so
    /// the stricter per-check confidence costs no power.
    pub fn full() -> Size {
        Size {
            replications: 120,
            customers: 200_000,
            warmup: 20_000,
            draws: 200_000,
            users: 2_000,
        }
    }

    /// `--quick` and the test suite: the same checks with about a tenth of the samples.
    /// 40 replications at 99.989 % (t₃₉ ≈ 4.31 over √40) give a half-width 5 % narrower
    /// than 10 replications at 95 % gave (t₉ ≈ 2.26 over √10).
    pub fn quick() -> Size {
        Size {
            replications: 40,
            customers: 20_000,
            warmup: 5_000,
            draws: 20_000,
            users: 300,
        }
    }
}

/// What the validation run is given.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Config {
    /// Root of every derived seed.
    pub seed: u64,
    /// Samples per check.
    pub size: Size,
}

impl Config {
    /// The seed of the check tagged `tag` (each check has its own, fixed tag, so adding
    /// a check does not change the others' samples).
    pub(crate) fn seed_for(&self, tag: u64) -> u64 {
        StreamFactory::derive_seed(self.seed, tag)
    }
}

/// How a check decides.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Criterion {
    /// The theory value lies inside the simulated interval at this confidence.
    Interval(f64),
    /// The two values are equal (counts of users matching their exact expected time).
    Exact,
    /// |simulated − theory| ≤ this share of |theory| (a sample-path identity up to
    /// floating-point rounding).
    Relative(f64),
}

/// What a check's numbers measure, for printing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unit {
    /// Seconds.
    Seconds,
    /// A probability or share.
    Share,
    /// A dimensionless level (mean requests waiting).
    Level,
    /// A count (users).
    Count,
}

/// One row of the validation table.
#[derive(Debug, Clone, PartialEq)]
pub struct Check {
    /// Group of the check (queue, Little, scheduler, retry, flow, sampling).
    pub group: &'static str,
    /// What is compared.
    pub name: String,
    /// The theory value.
    pub theory: f64,
    /// The simulated value (mean over replications for interval checks).
    pub simulated: f64,
    /// Interval of the simulated mean at the check's confidence (interval checks only).
    pub ci: Option<[f64; 2]>,
    /// How the check decides.
    pub criterion: Criterion,
    /// Unit of the values.
    pub unit: Unit,
    /// Whether it passed.
    pub pass: bool,
    /// What a reader needs to interpret the row (sizes, the first mismatch, ...).
    pub note: String,
}

impl Check {
    /// An interval check from per-replication estimates, at `confidence` (the gate's
    /// checks use `check_confidence`).
    pub fn interval(
        group: &'static str,
        name: impl Into<String>,
        unit: Unit,
        theory: f64,
        per_rep: &[f64],
        confidence: f64,
    ) -> Check {
        let (mean, ci) = student::mean_interval(per_rep, confidence);
        let pass = ci.is_some_and(|[lo, hi]| lo <= theory && theory <= hi);
        Check {
            group,
            name: name.into(),
            theory,
            simulated: mean,
            ci,
            criterion: Criterion::Interval(confidence),
            unit,
            pass,
            note: format!("{} replications", per_rep.len()),
        }
    }

    /// An exact check: `matched` of `total` cases matched their expected value.
    pub(crate) fn exact(
        group: &'static str,
        name: impl Into<String>,
        total: usize,
        matched: usize,
        note: String,
    ) -> Check {
        Check {
            group,
            name: name.into(),
            theory: total as f64,
            simulated: matched as f64,
            ci: None,
            criterion: Criterion::Exact,
            unit: Unit::Count,
            pass: total > 0 && matched == total,
            note,
        }
    }

    /// A relative-tolerance check.
    pub fn relative(
        group: &'static str,
        name: impl Into<String>,
        unit: Unit,
        theory: f64,
        simulated: f64,
        tol: f64,
    ) -> Check {
        let pass = (simulated - theory).abs() <= tol * theory.abs().max(f64::MIN_POSITIVE);
        Check {
            group,
            name: name.into(),
            theory,
            simulated,
            ci: None,
            criterion: Criterion::Relative(tol),
            unit,
            pass,
            note: String::new(),
        }
    }

    /// Appends to the note.
    pub(crate) fn with_note(mut self, note: impl AsRef<str>) -> Check {
        let note = note.as_ref();
        if !note.is_empty() {
            if !self.note.is_empty() {
                self.note.push_str("; ");
            }
            self.note.push_str(note);
        }
        self
    }

    /// Fails the check, saying why (a precondition of the comparison did not hold).
    pub(crate) fn fail_because(mut self, why: impl AsRef<str>) -> Check {
        self.pass = false;
        self.with_note(why)
    }

    /// How far the simulated value is from the theory, in units of the interval's
    /// half-width (interval checks; |dev| ≤ 1 passes).
    pub(crate) fn deviation(&self) -> Option<f64> {
        let [lo, hi] = self.ci?;
        let half = (hi - lo) / 2.0;
        if half > 0.0 {
            Some((self.simulated - self.theory) / half)
        } else if self.simulated == self.theory {
            Some(0.0)
        } else {
            Some(f64::INFINITY.copysign(self.simulated - self.theory))
        }
    }
}

/// Runs replications `0..reps` of each of `cases` cases in parallel (all pairs at once,
/// so many cores stay busy) and returns them grouped by case, in order.
pub(crate) fn replicate_each<T: Send>(
    cases: usize,
    reps: u32,
    f: impl Fn(usize, u32) -> T + Sync,
) -> Vec<Vec<T>> {
    let jobs: Vec<(usize, u32)> = (0..cases)
        .flat_map(|c| (0..reps).map(move |r| (c, r)))
        .collect();
    let mut flat = jobs
        .into_par_iter()
        .map(|(c, r)| f(c, r))
        .collect::<Vec<T>>()
        .into_iter();
    (0..cases)
        .map(|_| flat.by_ref().take(reps as usize).collect())
        .collect()
}

/// A group of checks.
type Group = fn(&Config) -> Vec<Check>;

/// Every group, in table order.
const GROUPS: [Group; 7] = [
    queues::checks,
    flow::little_checks,
    scheduler::checks,
    flow::retry_checks,
    flow::post_kb_checks,
    trust::checks,
    sampling::checks,
];

/// Runs every check on the current rayon pool; rows come back in a fixed order.
pub fn run_all(cfg: &Config) -> Vec<Check> {
    GROUPS
        .par_iter()
        .map(|g| g(cfg))
        .collect::<Vec<_>>()
        .concat()
}

/// `true` when every check passed.
pub fn all_pass(checks: &[Check]) -> bool {
    checks.iter().all(|c| c.pass)
}

/// A value with 4 significant digits (or an integer count).
fn fmt_value(v: f64, unit: Unit) -> String {
    if !v.is_finite() {
        return format!("{v}");
    }
    match unit {
        Unit::Count => format!("{v:.0}"),
        _ => {
            let a = v.abs();
            if a == 0.0 {
                "0".into()
            } else if !(1e-3..1e5).contains(&a) {
                format!("{v:.3e}")
            } else {
                let digits = (3 - a.log10().floor() as i32).max(0) as usize;
                format!("{v:.digits$}")
            }
        }
    }
}

fn unit_suffix(unit: Unit) -> &'static str {
    match unit {
        Unit::Seconds => " s",
        _ => "",
    }
}

/// The table `whfb-sim validate` prints: one row per check with theory, simulated value
/// and its interval (or the exact count), the deviation and the verdict, then what the
/// intervals' confidence is.
pub fn table(checks: &[Check]) -> String {
    let header = ["check", "theory", "simulated [CI]", "dev", "result"];
    let rows: Vec<[String; 5]> = checks
        .iter()
        .map(|c| {
            let u = unit_suffix(c.unit);
            let theory = format!("{}{u}", fmt_value(c.theory, c.unit));
            let sim = match (c.criterion, c.ci) {
                (Criterion::Interval(_), Some([lo, hi])) => format!(
                    "{} [{}, {}]{u}",
                    fmt_value(c.simulated, c.unit),
                    fmt_value(lo, c.unit),
                    fmt_value(hi, c.unit)
                ),
                (Criterion::Exact, _) => format!(
                    "{} of {} exact",
                    fmt_value(c.simulated, c.unit),
                    fmt_value(c.theory, c.unit)
                ),
                (Criterion::Relative(tol), _) => {
                    format!("{}{u} (tol {tol:.0e})", fmt_value(c.simulated, c.unit))
                }
                _ => format!("{}{u}", fmt_value(c.simulated, c.unit)),
            };
            let dev = match c.deviation() {
                Some(d) if d.is_finite() => format!("{d:+.2}"),
                Some(_) => "inf".into(),
                None => String::new(),
            };
            let result = if c.pass { "pass" } else { "FAIL" };
            [
                format!("{}: {}", c.group, c.name),
                theory,
                sim,
                dev,
                result.into(),
            ]
        })
        .collect();
    let mut w = header.map(str::len);
    for r in &rows {
        for (i, cell) in r.iter().enumerate() {
            w[i] = w[i].max(cell.chars().count());
        }
    }
    let mut out = String::new();
    let line = |out: &mut String, cells: [&str; 5]| {
        let pad = |s: &str, n: usize| format!("{s}{}", " ".repeat(n - s.chars().count()));
        let _ = writeln!(
            out,
            "{} | {} | {} | {} | {}",
            pad(cells[0], w[0]),
            pad(cells[1], w[1]),
            pad(cells[2], w[2]),
            pad(cells[3], w[3]),
            cells[4]
        );
    };
    line(&mut out, header);
    let _ = writeln!(
        out,
        "{}-|-{}-|-{}-|-{}-|-{}",
        "-".repeat(w[0]),
        "-".repeat(w[1]),
        "-".repeat(w[2]),
        "-".repeat(w[3]),
        "-".repeat(header[4].len())
    );
    for r in &rows {
        line(&mut out, [&r[0], &r[1], &r[2], &r[3], &r[4]]);
    }
    let failed = checks.iter().filter(|c| !c.pass).count();
    let _ = writeln!(
        out,
        "\n{} checks, {} passed, {} failed",
        checks.len(),
        checks.len() - failed,
        failed
    );
    let intervals: Vec<f64> = checks
        .iter()
        .filter_map(|c| match c.criterion {
            Criterion::Interval(conf) => Some(conf),
            _ => None,
        })
        .collect();
    if let Some(&conf) = intervals.first() {
        let together = intervals.iter().product::<f64>();
        let _ = writeln!(
            out,
            "CI: Student-t interval of the replication means at {} each; all {} hold together \
             for a correct simulator with probability {} (Šidák)",
            percent(conf),
            intervals.len(),
            percent(together)
        );
    }
    out
}

/// A confidence as a percentage with enough digits to tell it from 100 %.
fn percent(p: f64) -> String {
    let miss = (1.0 - p).max(1e-12);
    let digits = (-miss.log10().floor() - 1.0).clamp(0.0, 10.0) as usize;
    format!("{:.digits$} %", 100.0 * p)
}

/// The notes of failed checks, one per line, for the text under the table.
pub fn failure_notes(checks: &[Check]) -> String {
    let mut out = String::new();
    for c in checks.iter().filter(|c| !c.pass) {
        let _ = writeln!(out, "FAILED {}: {} — {}", c.group, c.name, c.note);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn interval_check_passes_inside_and_fails_outside() {
        let xs = [9.0, 10.0, 11.0, 10.0, 9.5, 10.5];
        let i = |theory: f64, xs: &[f64], conf: f64| {
            Check::interval("t", "c", Unit::Seconds, theory, xs, conf).pass
        };
        assert!(i(10.0, &xs, 0.95));
        assert!(!i(12.0, &xs, 0.95));
        // mean 10, s = 0.707, n = 6: 95 % half-width 0.74, 99.989 % about 2.9.
        assert!(!i(11.0, &xs, 0.95));
        assert!(i(11.0, &xs, check_confidence()));
        // A zero-width interval passes only on equality.
        assert!(i(2.0, &[2.0, 2.0], 0.95));
        assert!(!i(2.1, &[2.0, 2.0], 0.95));
    }

    #[test]
    fn per_check_confidence_gives_the_family_its_confidence() {
        let c = check_confidence();
        assert!((c.powi(INTERVAL_CHECKS as i32) - FAMILY_CONFIDENCE).abs() < 1e-12);
        assert_eq!(percent(c), "99.989 %");
        assert_eq!(percent(0.95), "95.0 %");
        assert_eq!(percent(0.995), "99.50 %");
    }

    #[test]
    fn table_has_header_and_verdicts() {
        let c = vec![
            Check::exact("flow", "a", 3, 3, String::new()),
            Check::relative("little", "b", Unit::Level, 1.0, 1.5, 1e-9),
        ];
        let t = table(&c);
        assert!(t.starts_with("check "));
        assert!(t.contains("pass") && t.contains("FAIL"));
        assert!(t.contains("2 checks, 1 passed, 1 failed"));
        assert!(!all_pass(&c));
    }
}
