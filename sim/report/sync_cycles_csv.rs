//! `sync_cycles.csv`: the Azure AD Connect cycle log of every variant and replication.

use crate::engine::time::to_secs;
use crate::run::ScenarioResult;

/// The header, in column order.
pub(crate) const HEADER: [&str; 12] = [
    "variant",
    "replication",
    "cycle",
    "start_s",
    "cutoff_s",
    "end_s",
    "start_clock",
    "keys",
    "devices",
    "manual",
    "aborted",
    "duration_s",
];

/// The CSV bytes. `cutoff_s` (the Azure AD import step: keys registered before it are
/// carried) is empty for a cycle stopped before it; `keys` and `devices` are what the
/// cycle carried to AD.
pub fn sync_cycles_csv(result: &ScenarioResult) -> anyhow::Result<Vec<u8>> {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(HEADER)?;
    for v in &result.variants {
        for (rep, out) in v.replications.iter().enumerate() {
            for c in &out.sync_cycles {
                w.write_record([
                    v.name.as_str(),
                    &rep.to_string(),
                    &c.id.to_string(),
                    &format!("{:.3}", to_secs(c.start)),
                    &c.cutoff
                        .map(|t| format!("{:.3}", to_secs(t)))
                        .unwrap_or_default(),
                    &format!("{:.3}", to_secs(c.end)),
                    &super::clock::clock(to_secs(c.start)),
                    &c.keys.to_string(),
                    &c.devices.to_string(),
                    if c.manual { "true" } else { "false" },
                    if c.aborted { "true" } else { "false" },
                    &format!("{:.3}", to_secs(c.end.saturating_sub(c.start))),
                ])?;
            }
        }
    }
    w.into_inner().map_err(|e| anyhow::anyhow!("csv: {e}"))
}
