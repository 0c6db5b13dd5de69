//! Charts, as SVG and PNG, drawn with plotters: one small module per chart kind, and
//! [`style`] for what they share (font, colours, axes, rendering).

pub mod cdf;
pub mod fault_shading;
pub mod histogram;
pub mod resources;
pub mod stages;
pub mod style;
pub mod sweep;
pub mod waiting;

use crate::run::ScenarioResult;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// The charts of a run, by file stem and what they show (for report.md).
pub(crate) const RUN_CHARTS: [(&str, &str); 5] = [
    ("cdf", "Time to usable PIN — cumulative share of users"),
    ("histogram", "Time to usable PIN — distribution"),
    ("stages", "Where the time goes — mean time per stage"),
    (
        "waiting",
        "Users waiting for a certificate, with sync cycles",
    ),
    (
        "resources",
        "Queues and utilisation of the shared resources",
    ),
];

/// Draws every chart of a run into `dir` (SVG and PNG); `capacities[v]` gives the
/// configured servers of each resource in variant `v`, for utilisation.
pub(crate) fn write_run_charts(
    result: &ScenarioResult,
    capacities: &[BTreeMap<crate::model::ResourceId, u32>],
    dir: &Path,
) -> anyhow::Result<Vec<PathBuf>> {
    let mut files = Vec::new();
    files.extend(style::render(&cdf::CdfChart::new(result), dir, "cdf")?);
    files.extend(style::render(
        &histogram::HistogramChart::new(result),
        dir,
        "histogram",
    )?);
    files.extend(style::render(
        &stages::StagesChart::new(result),
        dir,
        "stages",
    )?);
    files.extend(style::render(
        &waiting::WaitingChart::new(result),
        dir,
        "waiting",
    )?);
    files.extend(style::render(
        &resources::ResourcesChart::new(result, capacities),
        dir,
        "resources",
    )?);
    Ok(files)
}
