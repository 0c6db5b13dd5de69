//! What is kept of a point once it has run: each figure's value as the summary reports it
//! and, where one-at-a-time pairs the low and high points, what the pairing needs — the
//! per-replication samples of a time (for a percentile or a mean of time to usable or to
//! PIN) or the figure of each replication alone (any other figure). The users themselves
//! are dropped at once, so a design of many points holds little memory.

use crate::plan::evaluate::per_replication;
use crate::plan::target::names_a_time;
use crate::report::figure::figure;
use crate::report::summary::{samples, summarize, time_to_pin, time_to_usable, Summary};
use crate::run::ScenarioResult;

/// Which user times a time figure is over.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Metric {
    /// First sign-in to usable (`time_to_usable`).
    Usable,
    /// First sign-in to the PIN set (`time_to_pin`).
    Pin,
}

/// How a figure is paired between two points.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FigureKind {
    /// A statistic of users' times that has a pooled estimator: `mean`, `p50`, `p90`,
    /// `p95` or `p99` of time to usable or to PIN of a variant.
    Time {
        /// The variant's name.
        variant: String,
        /// Which times.
        metric: Metric,
        /// The statistic.
        stat: String,
    },
    /// Anything else (a peak utilisation, a count, the maximum): paired replication by
    /// replication through each replication's own summary.
    Other,
}

/// How `path` is paired (see [`FigureKind`]).
pub fn kind(path: &str) -> FigureKind {
    let parts: Vec<&str> = path.split('.').collect();
    let [variant, field, stat] = parts.as_slice() else {
        return FigureKind::Other;
    };
    let metric = match *field {
        "time_to_usable" | "time_to_usable_s" => Metric::Usable,
        "time_to_pin" | "time_to_pin_s" => Metric::Pin,
        _ => return FigureKind::Other,
    };
    if !["mean", "p50", "p90", "p95", "p99"].contains(stat) {
        return FigureKind::Other;
    }
    FigureKind::Time {
        variant: variant.to_string(),
        metric,
        stat: stat.to_string(),
    }
}

/// One figure at one point.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct FigureData {
    /// The figure as the point's summary has it; `None` when absent (e.g. a percentile
    /// with no usable user).
    pub value: Option<f64>,
    /// Whether it is a time in seconds.
    pub time: bool,
    /// Whether it is a percentile on a plateau of its distribution (the summary's
    /// `on_plateau`): a few users more or less move it by a large factor.
    pub plateau: bool,
    /// For a [`FigureKind::Time`] figure with pairing: each replication's sorted times.
    pub samples: Option<Vec<Vec<f64>>>,
    /// For another figure with pairing: its value in each replication alone.
    pub per_replication: Option<Vec<Option<f64>>>,
}

/// Every figure at one point, in `--figure` order.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct PointData {
    /// One per figure.
    pub figures: Vec<FigureData>,
}

/// Whether the time figure at `path` is a percentile the summary flags as on a plateau.
fn on_plateau(summary: &Summary, path: &str) -> bool {
    let FigureKind::Time {
        variant,
        metric,
        stat,
    } = kind(path)
    else {
        return false;
    };
    summary.variants.iter().any(|v| {
        let t = match metric {
            Metric::Usable => &v.time_to_usable_s,
            Metric::Pin => &v.time_to_pin_s,
        };
        v.name == variant && t.on_plateau.contains(&stat.as_str())
    })
}

/// Reduces a point's run to the `figures`; `pairing` keeps what a paired interval needs
/// (one-at-a-time with two replications or more).
pub fn reduce(
    figures: &[String],
    result: ScenarioResult,
    horizon_s: f64,
    pairing: bool,
) -> PointData {
    let summary = summarize(&result, horizon_s);
    let pairing = pairing && result.replications > 1;
    let mut out: Vec<FigureData> = figures
        .iter()
        .map(|f| FigureData {
            value: figure(&summary, f).ok().flatten(),
            time: names_a_time(&summary, f),
            plateau: on_plateau(&summary, f),
            samples: None,
            per_replication: None,
        })
        .collect();
    if !pairing {
        return PointData { figures: out };
    }
    let mut others = false;
    for (f, data) in figures.iter().zip(&mut out) {
        match kind(f) {
            FigureKind::Time {
                variant, metric, ..
            } => {
                let reps = result
                    .variants
                    .iter()
                    .find(|v| v.name == variant)
                    .map(|v| &v.replications[..])
                    .unwrap_or(&[]);
                data.samples = Some(match metric {
                    Metric::Usable => samples(reps, time_to_usable),
                    Metric::Pin => samples(reps, time_to_pin),
                });
            }
            FigureKind::Other => others = true,
        }
    }
    if others {
        let singles: Vec<Summary> = per_replication(result)
            .iter()
            .map(|r| summarize(r, horizon_s))
            .collect();
        for (f, data) in figures.iter().zip(&mut out) {
            if kind(f) == FigureKind::Other {
                data.per_replication = Some(
                    singles
                        .iter()
                        .map(|s| figure(s, f).ok().flatten())
                        .collect(),
                );
            }
        }
    }
    PointData { figures: out }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_with_a_pooled_estimator_are_told_apart() {
        assert_eq!(
            kind("post-kb.time_to_usable.p95"),
            FigureKind::Time {
                variant: "post-kb".into(),
                metric: Metric::Usable,
                stat: "p95".into()
            }
        );
        assert!(matches!(
            kind("a.time_to_pin_s.mean"),
            FigureKind::Time {
                metric: Metric::Pin,
                ..
            }
        ));
        assert_eq!(kind("post-kb.time_to_usable.max"), FigureKind::Other);
        assert_eq!(
            kind("post-kb.resources.ca.peak.utilization"),
            FigureKind::Other
        );
        assert_eq!(kind("post-kb.outcomes.usable"), FigureKind::Other);
    }
}
