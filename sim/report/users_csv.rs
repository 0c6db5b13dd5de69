//! `users.csv`: one row per user and variant (and replication), with the outcome and every
//! milestone in seconds since the time origin.

use super::summary::time_to_usable;
use crate::engine::time::to_secs;
use crate::engine::SimTime;
use crate::run::ScenarioResult;

/// The header, in column order.
pub(crate) const HEADER: [&str; 24] = [
    "variant",
    "replication",
    "user",
    "outcome",
    "rejected_by",
    "key_source",
    "device_ready_at_start",
    "signins",
    "enroll_attempts",
    "registration_failures",
    "enrollment_failures",
    "signin_s",
    "launched_s",
    "mfa_done_s",
    "pin_set_s",
    "key_ready_s",
    "key_registered_s",
    "key_in_ad_s",
    "key_on_dc_s",
    "request_sent_s",
    "cert_issued_s",
    "dc_wait_s",
    "usable_s",
    "time_to_usable_s",
];

fn secs(t: Option<SimTime>) -> String {
    t.map(|t| format!("{:.3}", to_secs(t))).unwrap_or_default()
}

/// The CSV bytes.
pub fn users_csv(result: &ScenarioResult) -> anyhow::Result<Vec<u8>> {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(HEADER)?;
    for v in &result.variants {
        for (rep, out) in v.replications.iter().enumerate() {
            for u in &out.users {
                let m = &u.milestones;
                w.write_record([
                    v.name.as_str(),
                    &rep.to_string(),
                    &u.id.to_string(),
                    u.outcome.as_str(),
                    u.rejected_by.map(|r| r.as_str()).unwrap_or(""),
                    u.key_source.as_str(),
                    if u.device_ready_at_start {
                        "true"
                    } else {
                        "false"
                    },
                    &u.signins.to_string(),
                    &u.enroll_attempts.to_string(),
                    &u.registration_failures.to_string(),
                    &u.enrollment_failures.to_string(),
                    &secs(m.signin),
                    &secs(m.launched),
                    &secs(m.mfa_done),
                    &secs(m.pin_set),
                    &secs(m.key_ready),
                    &secs(m.key_registered),
                    &secs(m.key_in_ad),
                    &secs(u.key_on_dc),
                    &secs(m.request_sent),
                    &secs(m.cert_issued),
                    &secs(u.dc_wait),
                    &secs(m.usable),
                    &time_to_usable(u)
                        .map(|s| format!("{s:.3}"))
                        .unwrap_or_default(),
                ])?;
            }
        }
    }
    w.into_inner().map_err(|e| anyhow::anyhow!("csv: {e}"))
}
