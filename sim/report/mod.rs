//! Outputs of a run: `summary.json`, `users.csv`, the comparison table; all files written
//! atomically.

pub mod atomic;
pub mod summary;
pub mod table;
pub mod users_csv;

use crate::run::ScenarioResult;
use std::path::{Path, PathBuf};

/// What was written.
#[derive(Debug, Clone)]
pub struct Written {
    /// The summary, for the table.
    pub summary: summary::Summary,
    /// Files written.
    pub files: Vec<PathBuf>,
}

/// Writes every output of `result` into `out_dir`.
pub fn write_outputs(
    result: &ScenarioResult,
    horizon_s: f64,
    out_dir: &Path,
) -> anyhow::Result<Written> {
    let summary = summary::summarize(result, horizon_s);
    let mut files = Vec::new();
    let mut put = |name: &str, bytes: Vec<u8>| -> anyhow::Result<()> {
        let p = out_dir.join(name);
        atomic::write_atomic(&p, &bytes)?;
        files.push(p);
        Ok(())
    };
    let mut json = serde_json::to_vec_pretty(&summary)?;
    json.push(b'\n');
    put("summary.json", json)?;
    put("users.csv", users_csv::users_csv(result)?)?;
    Ok(Written { summary, files })
}
