//! Outputs of a sweep: `sweep.csv` (one row per point × variant, [`csv`]),
//! `summary.json` (per point the swept values and the same per-variant summary as `run`,
//! [`summary`]), the charts of p50/p95/p99 time to usable against the swept values,
//! `report.md` ([`markdown`]), and the table printed on the terminal ([`table`]).

pub mod csv;
pub mod markdown;
pub mod summary;
pub mod table;

pub use self::csv::{resource_names, sweep_csv, sweep_csv_header};
pub use self::markdown::sweep_report;
pub use self::summary::{sweep_summary, PointJson, SweepSummary, SweptKey};
pub use self::table::sweep_table;

use crate::report::atomic::FileList;
use crate::report::charts::sweep::SweepCharts;
use crate::report::comparisons::Comparison;
use crate::report::summary::{summarize, VariantSummary};
use crate::run::sweep::{SweepPlan, SweepPoint};
use crate::run::ScenarioResult;
use crate::scenario::Scenario;
use std::path::Path;

/// What is kept of one point once it has run: its summary, not its users.
#[derive(Debug, Clone)]
pub struct PointSummary {
    /// For each axis, the index of the point's value.
    pub index: Vec<usize>,
    /// Users per replication at this point.
    pub users: u32,
    /// Replications at this point.
    pub replications: u32,
    /// Whether real cryptography ran.
    pub pki_real: bool,
    /// One summary per variant, in scenario order.
    pub variants: Vec<VariantSummary>,
    /// Each variant after the first against the first (as in `run`'s summary).
    pub comparisons: Vec<Comparison>,
    /// What `--precision` reached at this point; `None` without it.
    pub precision: Option<crate::analysis::sequential::Precision>,
}

/// Reduces a point's results to its summary (what `run_sweep` keeps).
pub(crate) fn summarize_point(point: &SweepPoint, result: ScenarioResult) -> PointSummary {
    let s = summarize(&result, point.scenario.base.horizon.secs());
    PointSummary {
        index: point.index.clone(),
        users: s.users,
        replications: s.replications,
        pki_real: result.pki_real,
        variants: s.variants,
        comparisons: s.comparisons,
        precision: None,
    }
}

/// What a sweep wrote.
#[derive(Debug, Clone)]
pub(crate) struct WrittenSweep {
    /// The summary.
    pub summary: SweepSummary,
}

/// Writes every output of a sweep into `out_dir`.
pub(crate) fn write_sweep_outputs(
    plan: &SweepPlan,
    points: &[PointSummary],
    base: &Scenario,
    out_dir: &Path,
) -> anyhow::Result<WrittenSweep> {
    let summary = sweep_summary(plan, points, base);
    let mut files = FileList::new(out_dir);
    files.put("sweep.csv", sweep_csv(plan, points)?)?;
    let mut json = serde_json::to_vec_pretty(&summary)?;
    json.push(b'\n');
    files.put("summary.json", json)?;
    let charts = SweepCharts::new(plan, points, summary.replications);
    let list = charts.list();
    files.put(
        "report.md",
        sweep_report(plan, points, &summary, base, &list).into_bytes(),
    )?;
    files.extend(charts.write(&out_dir.join("charts"))?);
    Ok(WrittenSweep { summary })
}
