//! The cost-based split: each unit's CPU cost estimated from its configuration, and the
//! units dealt out so that every shard gets about the same total. The estimate only
//! balances shards; nothing in the outputs depends on it, and it uses nothing but the
//! scenario (no clock, no host), so every host computes the same split.

use crate::scenario::schema::PkiMode;
use crate::scenario::Spec;
use std::cmp::Reverse;
use std::collections::BinaryHeap;

/// CPU per model event, ns: the model runs about 10 M events/s on one core
/// (PERFORMANCE.md).
const EVENT_NS: f64 = 100.0;
/// CPU per user outside the event loop (profile draws, the user's record, the
/// reductions), ns.
const USER_NS: f64 = 1_000.0;
/// Events per user when every AD FS server is patched: 12–14 on the shipped scenarios.
const EVENTS_PATCHED: f64 = 13.0;
/// Extra events per user on an unpatched farm at a 30-minute sync: the deferred
/// retries (19–20 events per user on the shipped scenarios).
const EVENTS_UNPATCHED_EXTRA: f64 = 6.0;
/// Further extra events per hour of sync interval on an unpatched farm: more retries
/// and sign-ins before the key reaches AD (24.5 per user at 3 h).
const EVENTS_PER_SYNC_HOUR: f64 = 2.0;

/// Share of the AD FS servers without KB4088889.
fn unpatched_share(spec: &Spec) -> f64 {
    let servers = spec.adfs.servers.max(1) as f64;
    let patched = (spec.adfs.patched_servers() as f64).min(servers);
    (servers - patched) / servers
}

/// Expected model events per user of one simulation of `spec`.
pub(crate) fn events_per_user(spec: &Spec) -> f64 {
    let interval_h = spec.aad_connect.interval.secs() / 3600.0;
    EVENTS_PATCHED
        + unpatched_share(spec)
            * (EVENTS_UNPATCHED_EXTRA + EVENTS_PER_SYNC_HOUR * (interval_h - 0.5).max(0.0))
}

/// Real-crypto CPU per user, ns: the RA's check and signature, the CA's check and
/// issue, the client's verification. Their `[pki.timing]` durations are CPU times
/// measured by `whfb-sim calibrate`; the client's request signature is left out, since
/// a filled key pool (`whfb-sim pki pool`) holds the signed requests.
pub(crate) fn crypto_ns_per_user(spec: &Spec) -> f64 {
    if spec.pki.mode != PkiMode::Real {
        return 0.0;
    }
    let t = &spec.pki.timing;
    (t.ra_check_sign.0 + t.ca_check_issue.0 + t.client_verify.0) as f64 * 1_000.0
}

/// Estimated CPU cost of one unit (one replication of one variant) of `spec`, ns: the
/// simulation and its shadow runs, one per fault window, which cost about as much.
pub(crate) fn unit_cost(spec: &Spec) -> u64 {
    let per_user = events_per_user(spec) * EVENT_NS + USER_NS + crypto_ns_per_user(spec);
    let simulations = 1.0 + spec.faults.len() as f64;
    // Saturating float-to-int: a cost only orders and sums shards.
    (simulations * spec.users as f64 * per_user)
        .round()
        .max(1.0) as u64
}

/// Deals units with costs `costs` (in plan order) to `count` shards and returns each
/// unit's shard (0-based). Longest processing time first: units by decreasing cost
/// (equal costs in plan order), each to the shard with the least total so far (equal
/// totals: the lowest shard), which keeps every shard within 4/3 of the best possible
/// longest shard. Shards beyond the number of units get nothing.
pub fn split(costs: &[u64], count: u32) -> Vec<u32> {
    let mut order: Vec<usize> = (0..costs.len()).collect();
    order.sort_by_key(|&i| (Reverse(costs[i]), i));
    let open = (count as usize).min(costs.len()).max(1);
    let mut heap: BinaryHeap<Reverse<(u128, u32)>> =
        (0..open as u32).map(|s| Reverse((0, s))).collect();
    let mut shard_of = vec![0u32; costs.len()];
    for i in order {
        let Some(Reverse((load, s))) = heap.pop() else {
            break;
        };
        shard_of[i] = s;
        heap.push(Reverse((load + costs[i] as u128, s)));
    }
    shard_of
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::Scenario;

    fn spec(sets: &[&str]) -> Spec {
        let sets: Vec<String> = sets.iter().map(|s| s.to_string()).collect();
        Scenario::load_default(&sets).expect("scenario").variants[0]
            .spec
            .clone()
    }

    #[test]
    fn cost_follows_users_crypto_and_the_retry_schedule() {
        let off = spec(&["pki.mode=off", "users=1000"]);
        let off2 = spec(&["pki.mode=off", "users=2000"]);
        let real = spec(&["pki.mode=real", "users=1000"]);
        let patched = spec(&["pki.mode=off", "users=1000", "adfs.patched=2"]);
        let slow_sync = spec(&["pki.mode=off", "users=1000", "aad_connect.interval=3h"]);
        assert_eq!(unit_cost(&off2), 2 * unit_cost(&off));
        assert!(unit_cost(&real) > 50 * unit_cost(&off), "crypto dominates");
        assert!(unit_cost(&patched) < unit_cost(&off));
        assert!(unit_cost(&slow_sync) > unit_cost(&off));
        assert!((events_per_user(&patched) - 13.0).abs() < 1e-9);
        assert!((events_per_user(&off) - 19.0).abs() < 1e-9);
    }

    fn loads(costs: &[u64], shard_of: &[u32], count: u32) -> Vec<u64> {
        let mut l = vec![0u64; count as usize];
        for (c, &s) in costs.iter().zip(shard_of) {
            l[s as usize] += c;
        }
        l
    }

    #[test]
    fn split_balances_by_cost_not_by_count() {
        // One expensive point (10× the users) and nine cheap ones, 4 units each.
        let costs: Vec<u64> = (0..40).map(|i| if i < 4 { 1000 } else { 100 }).collect();
        let shard_of = split(&costs, 4);
        let l = loads(&costs, &shard_of, 4);
        let (lo, hi) = (*l.iter().min().unwrap(), *l.iter().max().unwrap());
        assert!(hi - lo <= 100, "{l:?}");
        // By count, the shard with the four expensive units would carry 4000 + 600.
        assert!(hi <= 1900, "{l:?}");
        // The same on every call (no clock, no host).
        assert_eq!(split(&costs, 4), shard_of);
    }

    #[test]
    fn more_shards_than_units_leaves_the_last_ones_empty() {
        let costs = [5u64, 5, 5];
        let shard_of = split(&costs, 7);
        let mut used = shard_of.clone();
        used.sort();
        assert_eq!(used, vec![0, 1, 2]);
        assert_eq!(split(&[], 3), Vec::<u32>::new());
        assert_eq!(split(&costs, 1), vec![0, 0, 0]);
    }
}
