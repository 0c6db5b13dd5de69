//! Which resource limits throughput: the capacity-caused waiting of a variant and the
//! resource that explains most of it (docs/reports.md).
//!
//! *Capacity-caused waiting* is the time requests spent in a queue waiting for a worker:
//! at each AD FS server and at the CA (a withdrawn request's time in the queue counts).
//! It is attributed to the resource whose work kept the workers busy. A request that
//! waits at the CA is waiting for the CA. A request that waits at an AD FS server is
//! waiting for that server's workers, and an AD FS worker is held for the whole
//! synchronous enrollment: its own work, the DRS receipt check, and waiting for and being
//! served by the CA. So each server's queue wait is split in proportion to how its
//! workers' time was spent: the share held on the CA goes to `ca`, the share checking
//! receipts to `drs`, the rest to `adfs` (the farm's own work).
//!
//! `explained(ca)   = W_ca + Σ_s W_s · (ca_queue_s + ca_service_s) / H_s`
//! `explained(drs)  = Σ_s W_s · drs_check_s / H_s`
//! `explained(adfs) = Σ_s W_s · own_s / H_s`
//!
//! where `W` is a queue's summed waits and `H_s` server `s`'s worker time. The
//! bottleneck is the resource with the largest explained waiting, and its share is that
//! over the total. It is `null` when the waiting is not material: under
//! `MATERIAL_WAIT_S` per enrollment request reaching AD FS. Azure AD Connect's wait
//! (key registered → key in AD) is a schedule, not a queue for a worker, and is not
//! counted.

use crate::model::{ResourceId, RunOutput};
use serde::Serialize;
use std::collections::BTreeMap;

/// Capacity-caused waiting per enrollment request under which no resource is named the
/// bottleneck, seconds.
pub(crate) const MATERIAL_WAIT_S: f64 = 1.0;

/// The capacity-caused waiting of a variant, summed over replications.
#[derive(Debug, Clone, Serialize, Default)]
pub struct CapacityWaiting {
    /// Waiting in the AD FS and CA queues, seconds.
    pub total_s: f64,
    /// Enrollment requests that reached AD FS.
    pub requests: u64,
    /// `total_s / requests`: what the materiality threshold is compared with.
    pub per_request_s: f64,
    /// The waiting each resource explains (`adfs`, `ca`, `drs`), seconds; they sum to
    /// `total_s`.
    pub explained_s: BTreeMap<&'static str, f64>,
}

/// What capacity-caused waiting is attributed to (`summary.json` writes the name).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Limiter {
    /// The AD FS farm's own work (every server together).
    Adfs,
    /// The CA: its queue, and AD FS workers held waiting for it or on it.
    Ca,
    /// DRS receipt validation holding AD FS workers.
    Drs,
}

impl Limiter {
    /// The name `summary.json` and the reports use.
    pub fn as_str(self) -> &'static str {
        match self {
            Limiter::Adfs => "adfs",
            Limiter::Ca => "ca",
            Limiter::Drs => "drs",
        }
    }
}

impl std::fmt::Display for Limiter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The resource that limits throughput.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Bottleneck {
    /// `ca`, `adfs` (the farm's own work) or `drs` (receipt validation).
    pub resource: Limiter,
    /// The share of the capacity-caused waiting it explains (0–1).
    pub share: f64,
}

fn round(x: f64) -> f64 {
    (x * 1e4).round() / 1e4
}

/// The capacity-caused waiting of `reps` and its bottleneck (see the module doc).
pub(crate) fn attribute(reps: &[RunOutput]) -> (CapacityWaiting, Option<Bottleneck>) {
    let (mut adfs, mut ca, mut drs) = (0.0, 0.0, 0.0);
    let mut requests = 0u64;
    for r in reps {
        for res in &r.resources {
            let w = res.stats.wait_sum_s;
            // An AD FS server's queue waited for whatever held its workers: its waiting
            // is split by where their time went. DRS (latency only) and Azure AD Connect
            // (a schedule) have no workers to wait for.
            match (res.resource, res.holding) {
                (ResourceId::Ca, _) => ca += w,
                (ResourceId::AdfsServer(_), Some(h)) => {
                    requests += res.stats.arrivals;
                    let held = h.total_s();
                    if held > 0.0 {
                        adfs += w * h.own_s / held;
                        drs += w * h.drs_check_s / held;
                        ca += w * (h.ca_queue_s + h.ca_service_s) / held;
                    } else {
                        adfs += w;
                    }
                }
                (ResourceId::AdfsServer(_), None)
                | (ResourceId::Drs | ResourceId::AadConnect, _) => {}
            }
        }
    }
    let total = adfs + ca + drs;
    let per_request = if requests == 0 {
        0.0
    } else {
        total / requests as f64
    };
    let explained: BTreeMap<&'static str, f64> = [
        (Limiter::Adfs, adfs),
        (Limiter::Ca, ca),
        (Limiter::Drs, drs),
    ]
    .into_iter()
    .map(|(k, v)| (k.as_str(), round(v)))
    .collect();
    let bottleneck = (per_request >= MATERIAL_WAIT_S && total > 0.0)
        .then(|| {
            // `max_by` keeps the later of equals: a tie goes to drs, then adfs, then ca.
            [
                (Limiter::Ca, ca),
                (Limiter::Adfs, adfs),
                (Limiter::Drs, drs),
            ]
            .into_iter()
            .max_by(|a, b| a.1.total_cmp(&b.1))
            .map(|(resource, x)| Bottleneck {
                resource,
                share: round(x / total),
            })
        })
        .flatten();
    (
        CapacityWaiting {
            total_s: round(total),
            requests,
            per_request_s: round(per_request),
            explained_s: explained,
        },
        bottleneck,
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::resource::ResourceStats;
    use crate::model::done::{Holding, ResourceReport};

    fn res(
        resource: ResourceId,
        wait: f64,
        arrivals: u64,
        holding: Option<Holding>,
    ) -> ResourceReport {
        let stats = ResourceStats {
            wait_sum_s: wait,
            arrivals,
            ..ResourceStats::default()
        };
        let mut r = ResourceReport::new(resource, stats, 4, Vec::new(), Vec::new());
        r.holding = holding;
        r
    }

    fn run(resources: Vec<ResourceReport>) -> RunOutput {
        RunOutput {
            users: Vec::new(),
            resources,
            sync_cycles: Vec::new(),
            events: 0,
            end: 0,
            hit_horizon: false,
            trace: Vec::new(),
            failures: Default::default(),
            faults: Vec::new(),
        }
    }

    #[test]
    fn ad_fs_waits_behind_workers_held_on_the_ca_are_the_cas() {
        // AD FS workers spent 90 % of their time on the CA; 1000 s of AD FS queue wait
        // and 100 s at the CA over 100 requests.
        let h = Holding {
            own_s: 8.0,
            drs_check_s: 2.0,
            ca_queue_s: 60.0,
            ca_service_s: 30.0,
        };
        let out = run(vec![
            res(ResourceId::AdfsServer(1), 1000.0, 100, Some(h)),
            res(ResourceId::Ca, 100.0, 100, None),
        ]);
        let (w, b) = attribute(&[out]);
        assert_eq!(w.total_s, 1100.0);
        assert_eq!(w.per_request_s, 11.0);
        assert_eq!(w.explained_s["ca"], 100.0 + 900.0);
        assert_eq!(w.explained_s["adfs"], 80.0);
        assert_eq!(w.explained_s["drs"], 20.0);
        assert_eq!(
            b,
            Some(Bottleneck {
                resource: Limiter::Ca,
                share: round(1000.0 / 1100.0)
            })
        );
    }

    #[test]
    fn busy_ad_fs_own_work_names_the_farm_and_little_waiting_names_nothing() {
        let h = Holding {
            own_s: 90.0,
            drs_check_s: 0.0,
            ca_queue_s: 0.0,
            ca_service_s: 10.0,
        };
        let out = run(vec![
            res(ResourceId::AdfsServer(1), 500.0, 100, Some(h)),
            res(ResourceId::Ca, 0.0, 100, None),
        ]);
        let (_, b) = attribute(std::slice::from_ref(&out));
        assert_eq!(b.map(|b| b.resource), Some(Limiter::Adfs));
        // 0.9 s per request: under the threshold.
        let out = run(vec![
            res(ResourceId::AdfsServer(1), 60.0, 100, Some(h)),
            res(ResourceId::Ca, 30.0, 100, None),
        ]);
        let (w, b) = attribute(&[out]);
        assert_eq!((w.per_request_s, b), (0.9, None));
    }
}
