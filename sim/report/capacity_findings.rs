//! What report.md says about capacity: each variant's busiest server resource over its
//! busiest window, the bottleneck (and that AD FS workers were held waiting for the CA),
//! failed and timed-out enrollment attempts, and where AD FS workers' time went.

use super::bottleneck::{Limiter, MATERIAL_WAIT_S};
use super::clock::{clock_minutes, prose_duration, short_duration};
use super::summary::{nonzero_counts, ResourceSummary, Summary, VariantSummary};
use super::table::markdown;
use crate::model::ResourceId;

fn pct(x: f64) -> String {
    format!("{:.1} %", 100.0 * x)
}

/// The AD FS server or CA with the highest utilisation over its busiest window.
fn busiest(v: &VariantSummary) -> Option<(ResourceId, &ResourceSummary)> {
    v.resources_by_id()
        .filter(|(id, _)| matches!(id, ResourceId::AdfsServer(_) | ResourceId::Ca))
        .filter_map(|(id, r)| Some((id, r, r.peak.utilization?)))
        .max_by(|a, b| a.2.total_cmp(&b.2))
        .map(|(n, r, _)| (n, r))
}

/// "X's busiest server resource is ca: ... in its busiest hour".
pub(crate) fn peak_sentence(v: &VariantSummary) -> Option<String> {
    let (name, r) = busiest(v)?;
    let p = &r.peak;
    let u = p.utilization.unwrap_or(0.0);
    let window = short_duration(p.window_s);
    if u < 0.01 {
        return Some(format!(
            "In {}, no AD FS server or CA was more than 1 % busy in its busiest {window}: capacity is not what users wait for.",
            v.name
        ));
    }
    Some(format!(
        "{}'s busiest server resource is {name}: {} of its workers busy over its busiest {window} (from {}; {} over the whole run), mean queue {:.1}, longest {:.0}, mean wait {}.",
        v.name,
        pct(u),
        clock_minutes(p.start_s),
        pct(r.utilization.unwrap_or(0.0)),
        p.mean_queue,
        p.max_queue,
        p.mean_wait_s.map(prose_duration).unwrap_or_else(|| "—".into()),
    ))
}

/// The farm's share of worker time spent waiting for or on the CA (worker-time weighted).
fn adfs_ca_share(v: &VariantSummary) -> f64 {
    let (ca, all) = v
        .resources
        .values()
        .filter_map(|r| r.holding.as_ref())
        .fold((0.0, 0.0), |(c, a), h| {
            (c + h.ca_queue_s + h.ca_service_s, a + h.worker_s)
        });
    if all > 0.0 {
        ca / all
    } else {
        0.0
    }
}

/// The bottleneck sentence: which resource limits throughput, or none.
pub(crate) fn bottleneck_sentence(v: &VariantSummary) -> String {
    let w = &v.capacity_waiting;
    let per = short_duration(w.per_request_s);
    let Some(b) = &v.bottleneck else {
        return format!(
            "**{}**: capacity causes no material waiting ({per} per enrollment request in the AD FS and CA queues, under the {} threshold): no bottleneck.",
            v.name,
            short_duration(MATERIAL_WAIT_S)
        );
    };
    let share = format!("{:.0} %", 100.0 * b.share);
    let held = adfs_ca_share(v);
    match b.resource {
        Limiter::Ca => format!(
            "**{}**: the **CA** limits throughput — it explains {share} of the time requests waited for a worker ({per} per enrollment request). AD FS workers were held waiting for the CA ({:.0} % of their busy time went to waiting for or on the CA), so requests queued at AD FS behind them: more CA workers, not more AD FS servers, shorten the wait.",
            v.name,
            100.0 * held
        ),
        Limiter::Drs => format!(
            "**{}**: validating key receipts against **DRS** holds the AD FS workers — it explains {share} of the time requests waited for a worker ({per} per enrollment request).",
            v.name
        ),
        Limiter::Adfs => format!(
            "**{}**: the **AD FS farm**'s own work limits throughput — it explains {share} of the time requests waited for a worker ({per} per enrollment request; {:.0} % of the workers' time went to waiting for or on the CA): more AD FS servers or workers shorten the wait.",
            v.name,
            100.0 * held
        ),
    }
}

/// Failed and timed-out enrollment attempts and registrations, when there were any.
pub(crate) fn failures_sentence(v: &VariantSummary) -> Option<String> {
    let failed: u64 = v.enrollment_failures.values().sum();
    let reg: u64 = v.registration_failures.values().sum();
    if failed == 0 && reg == 0 {
        return None;
    }
    let mut parts = Vec::new();
    if failed > 0 {
        parts.push(format!(
            "{failed} of {} enrollment requests failed and fell back to the retry schedule ({})",
            v.enrollment_requests,
            nonzero_counts(&v.enrollment_failures)
        ));
    }
    if reg > 0 {
        parts.push(format!(
            "{reg} key registrations failed (DRS unreachable, event 301)"
        ));
    }
    let withdrawn: u64 = v.resources.values().map(|r| r.withdrawn).sum();
    let discarded = v.resource(ResourceId::Ca).map_or(0, |r| r.discarded);
    if withdrawn > 0 || discarded > 0 {
        parts.push(format!(
            "{withdrawn} requests were withdrawn from a queue by a caller that gave up, and the CA issued {discarded} certificates whose caller had gone (never installed)"
        ));
    }
    Some(format!("In {}, {}.", v.name, parts.join("; ")))
}

/// Per variant and AD FS server: where the workers' time went.
pub(crate) fn holding_table(s: &Summary) -> Option<String> {
    let headers: Vec<String> = [
        "variant",
        "server",
        "requests",
        "worker time",
        "own work",
        "DRS receipt check",
        "waiting for the CA",
        "CA serving",
    ]
    .iter()
    .map(|h| h.to_string())
    .collect();
    let mut rows = Vec::new();
    for v in &s.variants {
        for (name, r) in &v.resources {
            let Some(h) = &r.holding else { continue };
            let share = |x: f64| {
                if h.worker_s > 0.0 {
                    format!("{:.1} %", 100.0 * x / h.worker_s)
                } else {
                    "—".into()
                }
            };
            rows.push(vec![
                v.name.clone(),
                name.clone(),
                r.arrivals.to_string(),
                short_duration(h.worker_s),
                share(h.own_s),
                share(h.drs_check_s),
                share(h.ca_queue_s),
                share(h.ca_service_s),
            ]);
        }
    }
    (!rows.is_empty()).then(|| markdown(&headers, &rows))
}

/// Lines for the terminal after the comparison table: per variant, the bottleneck and
/// the failed enrollment attempts, when there are any.
pub fn terminal_lines(s: &Summary) -> Vec<String> {
    s.variants
        .iter()
        .filter_map(|v| {
            let mut parts = Vec::new();
            if let Some(b) = &v.bottleneck {
                parts.push(format!(
                    "bottleneck {} ({:.0} % of the time requests waited for a worker)",
                    b.resource,
                    100.0 * b.share
                ));
            }
            let failed: u64 = v.enrollment_failures.values().sum();
            if failed > 0 {
                parts.push(format!(
                    "{failed} of {} enrollment requests failed and were retried later ({})",
                    v.enrollment_requests,
                    nonzero_counts(&v.enrollment_failures)
                ));
            }
            (!parts.is_empty()).then(|| format!("{}: {}", v.name, parts.join("; ")))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::bottleneck::{Bottleneck, CapacityWaiting};
    use crate::report::summary::HoldingSummary;

    fn variant(bottleneck: Option<Bottleneck>, timeouts: u64) -> VariantSummary {
        let mut v = VariantSummary {
            name: "v".into(),
            bottleneck,
            capacity_waiting: CapacityWaiting {
                per_request_s: 40.0,
                ..CapacityWaiting::default()
            },
            enrollment_requests: 300,
            ..VariantSummary::default()
        };
        v.enrollment_failures.insert("request_timeout", timeouts);
        v.enrollment_failures.insert("ca_timeout", 0);
        let mut adfs = crate::report::summary::ResourceSummary {
            utilization: Some(0.1),
            mean_queue: 0.0,
            max_queue: 0.0,
            mean_wait_s: 0.0,
            arrivals: 300,
            withdrawn: 0,
            failed: 0,
            discarded: 0,
            peak: Default::default(),
            holding: Some(HoldingSummary {
                worker_s: 100.0,
                own_s: 10.0,
                ca_queue_s: 80.0,
                ca_service_s: 10.0,
                ..HoldingSummary::default()
            }),
        };
        adfs.peak.utilization = Some(1.0);
        v.resources.insert("adfs-1".into(), adfs);
        v
    }

    #[test]
    fn the_ca_sentence_says_ad_fs_workers_were_held_waiting_for_it() {
        let v = variant(
            Some(Bottleneck {
                resource: Limiter::Ca,
                share: 0.93,
            }),
            120,
        );
        let s = bottleneck_sentence(&v);
        assert!(s.contains("the **CA** limits throughput"), "{s}");
        assert!(
            s.contains("93 %") && s.contains("40s per enrollment request"),
            "{s}"
        );
        assert!(
            s.contains("AD FS workers were held waiting for the CA (90 %"),
            "{s}"
        );
        let none = bottleneck_sentence(&variant(None, 0));
        assert!(
            none.contains("no material waiting") && none.contains("no bottleneck"),
            "{none}"
        );
        let lines = terminal_lines(&Summary {
            variants: vec![variant(None, 0), variant(None, 120)],
            scenario: String::new(),
            seed: 0,
            users: 0,
            replications: 1,
            pki_mode: "off",
            horizon_s: 0.0,
            comparisons: Vec::new(),
            precision: None,
        });
        assert_eq!(
            lines,
            ["v: 120 of 300 enrollment requests failed and were retried later (request_timeout 120)"]
        );
        assert!(failures_sentence(&variant(None, 0)).is_none());
        let p = peak_sentence(&variant(None, 0)).unwrap();
        assert!(
            p.contains("busiest server resource is adfs-1: 100.0 %"),
            "{p}"
        );
    }
}
