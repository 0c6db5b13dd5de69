//! Outputs of a run and of a sweep: `summary.json`, `users.csv`, `resources.csv`,
//! `sync_cycles.csv`, `events.csv` (when traced), the charts and `report.md`, plus the
//! comparison table printed on the terminal. Every file is written atomically.

pub mod atomic;
pub mod bottleneck;
pub mod capacity_findings;
pub mod charts;
pub mod clock;
pub mod comparisons;
pub mod events_csv;
pub mod fault_findings;
pub mod figure;
pub mod markdown;
pub mod pilot_exports;
pub mod plateau_findings;
pub mod resources_csv;
pub mod stages;
pub mod summary;
pub mod sweep;
pub mod sync_cycles_csv;
pub mod table;
pub mod users_csv;

use crate::model::ResourceId;
use crate::run::ScenarioResult;
use crate::scenario::Scenario;
use std::collections::BTreeMap;
use std::path::Path;

/// What the reports need to know about the scenario besides the results.
#[derive(Debug, Clone, Default)]
pub struct RunInfo {
    /// Simulated horizon, seconds.
    pub horizon_s: f64,
    /// The scenario's one-line description.
    pub description: String,
    /// Where the scenario came from (file name without folders, or the embedded default).
    pub source: String,
    /// Whether events.csv was asked for (`--trace` / `--trace-users`).
    pub trace: bool,
    /// Per variant: configured servers of each resource (`adfs-N`: workers per server,
    /// `ca`: CA workers, `aad_connect`: 1), for utilisation over time.
    pub capacities: Vec<BTreeMap<ResourceId, u32>>,
    /// `report.series_bucket`, seconds.
    pub series_bucket_s: f64,
    /// `report.peak_window`, seconds.
    pub peak_window_s: f64,
    /// What a run to a precision (`--precision`) reached; `None` otherwise.
    pub precision: Option<crate::analysis::sequential::Precision>,
}

impl RunInfo {
    /// The information of `scenario`; `trace` says whether events.csv is wanted.
    pub fn new(scenario: &Scenario, trace: bool) -> RunInfo {
        RunInfo {
            horizon_s: scenario.base.horizon.secs(),
            description: scenario.base.description.clone(),
            source: scenario.source_name().to_string(),
            trace,
            series_bucket_s: scenario.base.report.series_bucket.secs(),
            peak_window_s: scenario.base.report.peak_window.secs(),
            precision: None,
            capacities: scenario
                .variants
                .iter()
                .map(|v| {
                    let s = &v.spec;
                    let mut m: BTreeMap<ResourceId, u32> = (1..=s.adfs.servers)
                        .map(|i| (ResourceId::AdfsServer(i), s.adfs.workers))
                        .collect();
                    m.insert(ResourceId::Ca, s.ca.workers);
                    m.insert(ResourceId::AadConnect, 1);
                    m
                })
                .collect(),
        }
    }
}

/// What was written.
#[derive(Debug, Clone)]
pub(crate) struct Written {
    /// The summary, for the table.
    pub summary: summary::Summary,
}

/// Writes every output of `result` into `out_dir`.
pub(crate) fn write_outputs(
    result: &ScenarioResult,
    info: &RunInfo,
    out_dir: &Path,
) -> anyhow::Result<Written> {
    let mut summary = summary::summarize(result, info.horizon_s);
    summary.precision = info.precision.clone();
    let mut files = atomic::FileList::new(out_dir);
    let mut json = serde_json::to_vec_pretty(&summary)?;
    json.push(b'\n');
    files.put("summary.json", json)?;
    files.put("users.csv", users_csv::users_csv(result)?)?;
    files.put(
        "resources.csv",
        resources_csv::resources_csv(result, &info.capacities)?,
    )?;
    files.put("sync_cycles.csv", sync_cycles_csv::sync_cycles_csv(result)?)?;
    if info.trace {
        files.put("events.csv", events_csv::events_csv(result)?)?;
    }
    files.put(
        "report.md",
        markdown::run_report(result, &summary, info).into_bytes(),
    )?;
    files.extend(charts::write_run_charts(
        result,
        &info.capacities,
        &out_dir.join("charts"),
    )?);
    Ok(Written { summary })
}
