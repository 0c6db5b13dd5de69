//! `events.csv` (with `--trace` or `--trace-users`): each traced user's event log, in the
//! words an administrator reads in the Windows event log, with the event id where one
//! exists (358 provisioning will launch, 360 will not, 300 key registered).

use crate::engine::time::to_secs;
use crate::run::ScenarioResult;

/// The header, in column order.
pub(crate) const HEADER: [&str; 8] = [
    "variant",
    "replication",
    "time_s",
    "clock",
    "user",
    "step",
    "event_id",
    "message",
];

/// The CSV bytes: per variant and replication, user by user, each user's events in time
/// order (a user's story reads top to bottom).
pub fn events_csv(result: &ScenarioResult) -> anyhow::Result<Vec<u8>> {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(HEADER)?;
    for v in &result.variants {
        for (rep, out) in v.replications.iter().enumerate() {
            let mut records: Vec<_> = out.trace.iter().collect();
            // Stable: events of one user at the same instant keep the order they happened.
            records.sort_by_key(|r| (r.user, r.t));
            for r in records {
                let t = to_secs(r.t);
                w.write_record([
                    v.name.as_str(),
                    &rep.to_string(),
                    &format!("{t:.3}"),
                    &super::clock::clock(t),
                    &r.user.to_string(),
                    r.step.as_ref(),
                    &r.event_id.map(|e| e.to_string()).unwrap_or_default(),
                    &r.message,
                ])?;
            }
        }
    }
    w.into_inner().map_err(|e| anyhow::anyhow!("csv: {e}"))
}
