//! `resources.csv`: every shared resource's bucketed time series, per variant and
//! replication, so queues and utilisation can be re-plotted or checked elsewhere.

use crate::model::ResourceId;
use crate::run::ScenarioResult;
use std::collections::BTreeMap;

/// The header, in column order.
pub(crate) const HEADER: [&str; 9] = [
    "variant",
    "replication",
    "resource",
    "bucket_start_s",
    "mean_busy",
    "max_busy",
    "mean_queue",
    "max_queue",
    "utilization",
];

/// The CSV bytes; `capacities[v]` gives each resource's configured servers in variant `v`
/// (utilisation = mean busy / servers; empty for DRS, which has no servers).
pub fn resources_csv(
    result: &ScenarioResult,
    capacities: &[BTreeMap<ResourceId, u32>],
) -> anyhow::Result<Vec<u8>> {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(HEADER)?;
    for (vi, v) in result.variants.iter().enumerate() {
        for (rep, out) in v.replications.iter().enumerate() {
            for res in &out.resources {
                let name = res.resource.to_string();
                let cap = capacities
                    .get(vi)
                    .and_then(|c| c.get(&res.resource))
                    .copied()
                    .filter(|&c| c > 0 && res.has_servers);
                for row in &res.series {
                    w.write_record([
                        v.name.as_str(),
                        &rep.to_string(),
                        &name,
                        &format!("{:.3}", row[0]),
                        &format!("{:.4}", row[1]),
                        &format!("{}", row[2]),
                        &format!("{:.4}", row[3]),
                        &format!("{}", row[4]),
                        &cap.map(|c| format!("{:.4}", row[1] / c as f64))
                            .unwrap_or_default(),
                    ])?;
                }
            }
        }
    }
    w.into_inner().map_err(|e| anyhow::anyhow!("csv: {e}"))
}
