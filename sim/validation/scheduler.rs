//! The Azure AD Connect scheduler against its closed form
//! (`theory::periodic_sync_mean_wait`): with the cycle phase drawn uniformly per
//! replication (`phase = "random"`), a key's wait from registration to AD has mean
//! interval/2 for zero-length cycles, and interval/2 + (export time after the cut-off)
//! when cycles take time. The structural rule behind it — a key rides the first cycle
//! whose Azure AD import (cut-off) comes at or after its registration, so a key
//! registered after a cut-off waits a whole extra cycle — is checked key by key against
//! the cycle log.

use super::flow::{load, simulate, FIXED_FLOW};
use super::{check_confidence, replicate_each, theory, Check, Config, Unit};
use crate::engine::time::to_secs;
use crate::model::RunOutput;

/// Sync interval of both checks.
const INTERVAL_MIN: u64 = 30;
/// Cycle start → Azure AD import step, in the check with cycle length.
const CUTOFF_MIN: u64 = 4;
/// Export time after the cut-off (fixed overhead, no per-object cost), same check.
const EXPORT_MIN: u64 = 7;

/// The scheduler checks.
pub fn checks(cfg: &Config) -> Vec<Check> {
    let size = cfg.size;
    let cases: [(String, [String; 4], f64); 2] = [
        (
            format!("zero-length cycles, interval {INTERVAL_MIN}m: mean wait = interval/2"),
            [
                "aad_connect.import_ad=0s".into(),
                "aad_connect.overhead=0s".into(),
                "aad_connect.per_object=0s".into(),
                "aad_connect.background_changes=0".into(),
            ],
            theory::periodic_sync_mean_wait((INTERVAL_MIN * 60) as f64, 0.0, 0.0),
        ),
        (
            format!(
                "cut-off {CUTOFF_MIN}m + export {EXPORT_MIN}m, interval {INTERVAL_MIN}m: mean wait = interval/2 + export"
            ),
            [
                format!("aad_connect.import_ad={CUTOFF_MIN}m"),
                format!("aad_connect.overhead={EXPORT_MIN}m"),
                "aad_connect.per_object=0s".into(),
                "aad_connect.background_changes=0".into(),
            ],
            theory::periodic_sync_mean_wait(
                (INTERVAL_MIN * 60) as f64,
                (CUTOFF_MIN * 60) as f64,
                (EXPORT_MIN * 60) as f64,
            ),
        ),
    ];
    let specs: Vec<_> = cases
        .iter()
        .enumerate()
        .map(|(i, (_, extra, _))| {
            let mut sets = vec![
                format!("users={}", size.users),
                format!("aad_connect.interval={INTERVAL_MIN}m"),
                "aad_connect.phase=random".into(),
                "adfs.patched=2".into(),
            ];
            sets.extend(extra.iter().cloned());
            load(
                FIXED_FLOW,
                "fixed-flow",
                cfg.seed_for(400 + i as u64),
                &sets,
            )
            .remove(0)
            .1
        })
        .collect();
    let runs = replicate_each(specs.len(), size.replications, |i, r| {
        simulate(&specs[i], r)
    });
    let mut out = Vec::new();
    for ((name, _, want), reps) in cases.iter().zip(&runs) {
        let means: Vec<f64> = reps.iter().map(mean_key_wait).collect();
        let keys: usize = reps.iter().map(|r| key_waits(r).count()).sum();
        out.push(
            Check::interval(
                "scheduler",
                name.clone(),
                Unit::Seconds,
                *want,
                &means,
                check_confidence(),
            )
            .with_note(format!("{keys} keys; phase uniform per replication")),
        );
    }
    // Key by key, on the runs with cycle length.
    let reps = &runs[1];
    let (mut total, mut matched, mut extra_cycle) = (0, 0, 0);
    let mut first_bad = None;
    for run in reps {
        for u in &run.users {
            let (Some(reg), Some(ad)) = (u.milestones.key_registered, u.milestones.key_in_ad)
            else {
                continue;
            };
            total += 1;
            let rides = run
                .sync_cycles
                .iter()
                .filter(|c| !c.aborted)
                .find(|c| c.cutoff.is_some_and(|cut| cut >= reg));
            match rides {
                Some(c) if c.end == ad => {
                    matched += 1;
                    // Missed a running cycle's cut-off: rides the next one instead.
                    let missed = run
                        .sync_cycles
                        .iter()
                        .any(|c| c.cutoff.is_some_and(|cut| cut < reg) && reg <= c.end);
                    extra_cycle += missed as usize;
                }
                other => {
                    first_bad.get_or_insert(format!(
                        "user {}: key in AD at {:.3} s, expected the end of cycle {:?}",
                        u.id,
                        to_secs(ad),
                        other.map(|c| (c.id, to_secs(c.end)))
                    ));
                }
            }
        }
    }
    let mut c = Check::exact(
        "scheduler",
        "each key lands with the first cycle whose cut-off follows its registration",
        total,
        matched,
        format!(
            "{extra_cycle} keys registered during a cycle after its cut-off waited for the next"
        ),
    );
    if let Some(bad) = first_bad {
        c = c.with_note(bad);
    }
    out.push(c);
    out
}

/// Registration → key in AD, seconds, for every synced key of `run`.
fn key_waits(run: &RunOutput) -> impl Iterator<Item = f64> + '_ {
    run.users.iter().filter_map(|u| {
        let m = u.milestones;
        Some(to_secs(m.key_in_ad? - m.key_registered?))
    })
}

fn mean_key_wait(run: &RunOutput) -> f64 {
    let (n, sum) = key_waits(run).fold((0usize, 0.0), |(n, s), w| (n + 1, s + w));
    sum / n as f64
}
