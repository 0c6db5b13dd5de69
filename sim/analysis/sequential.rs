//! Sequential stopping: how many replications a run needs for its estimates to reach a
//! relative precision. The rule is the classic one (Law & Kelton, *Simulation Modeling
//! and Analysis*, §9.4.1): add replications until every named estimate's 95 % interval
//! is within the target share of the estimate, or a cap is reached. Replications are
//! added in batches decided from the numbers alone, so a run with the same seed takes
//! the same path whatever the number of threads.

use serde::Serialize;

/// Replications a sequential run starts with (unless more are asked for): a stopping
/// rule that trusts the spread of fewer replications stops early by luck.
pub(crate) const FIRST_BATCH: u32 = 10;

/// How far an interval reaches from its estimate, as a share of the estimate: the larger
/// of its two sides (intervals need not be symmetric, and one cut at zero would look
/// narrower than it is) over |estimate|. `None` when the estimate is zero or not finite.
pub(crate) fn relative_half_width(estimate: f64, ci: [f64; 2]) -> Option<f64> {
    let [lo, hi] = ci;
    let side = (hi - estimate).max(estimate - lo);
    let r = side / estimate.abs();
    (estimate != 0.0 && r.is_finite()).then_some(r)
}

/// What to do after `done` replications whose worst relative half-width is `achieved`
/// (`None`: some estimate has no interval yet).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Step {
    /// The target is met, or the cap is reached.
    Stop,
    /// Run replications up to (excluding) this count.
    RunTo(u32),
}

/// The stopping rule: stop when `achieved ≤ target` or at `max`; otherwise go to the
/// count at which the half-width, shrinking as 1/√n, would meet the target — at least one
/// more replication, at most twice as many as now (the projection rests on a noisy
/// spread), never past `max`.
pub(crate) fn next_step(done: u32, achieved: Option<f64>, target: f64, max: u32) -> Step {
    if achieved.is_some_and(|a| a <= target) || done >= max {
        return Step::Stop;
    }
    let doubled = done.saturating_mul(2).max(done + 1);
    let projected = match achieved {
        Some(a) => {
            let n = (done as f64 * (a / target).powi(2)).ceil();
            if n.is_finite() && n < u32::MAX as f64 {
                n as u32
            } else {
                u32::MAX
            }
        }
        None => doubled,
    };
    Step::RunTo(projected.clamp(done + 1, doubled).min(max))
}

/// What `summary.json` records of a run to a precision.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Precision {
    /// The target: largest allowed half-width as a share of the estimate (0.05 for 5 %).
    pub target: f64,
    /// The worst relative half-width reached over the figures (null when some figure had
    /// no interval, e.g. nobody became usable).
    pub achieved: Option<f64>,
    /// Replications run per variant.
    pub replications: u32,
    /// Whether it stopped at `--max-replications` without meeting the target.
    pub hit_max: bool,
    /// The figures held to the target, as dotted paths into the summary.
    pub figures: Vec<String>,
    /// Figures of `figures` left out of the target because they sit on a plateau: their
    /// interval spans the step of the distribution, and more replications narrow it only
    /// once they can tell on which side of the step the percentile lies, so no relative
    /// precision can be promised for them.
    pub unreachable: Vec<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn half_width_takes_the_wider_side() {
        assert_eq!(relative_half_width(100.0, [90.0, 110.0]), Some(0.1));
        assert_eq!(relative_half_width(100.0, [99.0, 120.0]), Some(0.2));
        assert_eq!(relative_half_width(100.0, [70.0, 101.0]), Some(0.3));
        assert_eq!(relative_half_width(0.0, [-1.0, 1.0]), None);
    }

    #[test]
    fn stops_at_the_target_or_the_cap_and_otherwise_projects() {
        assert_eq!(next_step(10, Some(0.05), 0.05, 100), Step::Stop);
        assert_eq!(next_step(100, Some(0.5), 0.05, 100), Step::Stop);
        // 0.06 → 0.05 needs (0.06/0.05)² = 1.44 times the replications.
        assert_eq!(next_step(10, Some(0.06), 0.05, 100), Step::RunTo(15));
        // Far off: at most double; near: at least one more.
        assert_eq!(next_step(10, Some(0.5), 0.05, 100), Step::RunTo(20));
        assert_eq!(next_step(100, Some(0.050_01), 0.05, 1000), Step::RunTo(101));
        assert_eq!(next_step(60, Some(0.5), 0.05, 100), Step::RunTo(100));
        assert_eq!(next_step(10, None, 0.05, 100), Step::RunTo(20));
        assert_eq!(next_step(1, None, 0.05, 100), Step::RunTo(2));
    }
}
