//! Shadow runs: what each fault window cost, measured against the same users without it.
//!
//! For every variant, replication and fault window, a shadow run simulates the variant
//! with that one window removed, on the same seed and replication (common random
//! numbers: the same people, devices and draws). The shadow writes nothing of its own;
//! only its users' usable times are kept, and a hit user's delay is their usable time in
//! the run minus their usable time in the shadow.

use crate::engine::time::to_secs;
use crate::engine::SimTime;
use crate::model::RunOutput;
use crate::scenario::fault::FaultEffect;
use crate::scenario::Spec;

/// What one fault window did to a variant, over all its replications.
#[derive(Debug, Clone, PartialEq)]
pub struct FaultOutcome {
    /// What broke.
    pub effect: FaultEffect,
    /// Window start, µs since the time origin.
    pub start: SimTime,
    /// Window end as the scenario file gives it (0 for `agent_revoked`, an instant):
    /// `FaultWindow::end_as_written`.
    pub end: SimTime,
    /// Users hit, summed over replications.
    pub users_hit: u64,
    /// Calls that failed because of the window, summed over replications.
    pub failed_calls: u64,
    /// Per hit user usable both with and without the window: the delay in seconds
    /// (positive: later with the window), pooled over replications.
    pub delays_s: Vec<f64>,
    /// Hit users usable without the window but not with it (pending at the horizon, or
    /// gave up), summed over replications.
    pub not_usable: u64,
}

/// The spec without fault window `i`: the shadow of that window.
pub(crate) fn without_window(spec: &Spec, i: usize) -> Spec {
    let mut s = spec.clone();
    // Both lists, so the shadow is the spec validation would make of the file without
    // that window.
    s.faults.remove(i);
    s.faults_as_written.remove(i);
    s
}

/// What the shadow keeps of its run: each user's usable time.
pub(crate) fn usable_times(out: &RunOutput) -> Vec<Option<SimTime>> {
    out.users.iter().map(|u| u.milestones.usable).collect()
}

/// The outcome of `spec`'s window `i` from the runs of every replication and their
/// shadows without it (`shadows[r]` goes with `runs[r]`).
pub(crate) fn fault_outcome(
    spec: &Spec,
    i: usize,
    runs: &[RunOutput],
    shadows: &[Vec<Option<SimTime>>],
) -> FaultOutcome {
    let f = &spec.faults[i];
    let mut out = FaultOutcome {
        effect: f.effect,
        start: f.start.0,
        end: f.end_as_written().0,
        users_hit: 0,
        failed_calls: 0,
        delays_s: Vec::new(),
        not_usable: 0,
    };
    for (run, shadow) in runs.iter().zip(shadows) {
        let Some(rec) = run.faults.get(i) else {
            continue;
        };
        out.users_hit += rec.users_hit.len() as u64;
        out.failed_calls += rec.failed_calls;
        for &u in &rec.users_hit {
            let with = run.users.get(u as usize).and_then(|x| x.milestones.usable);
            let without = shadow.get(u as usize).copied().flatten();
            match (with, without) {
                (Some(a), Some(b)) => out.delays_s.push(to_secs(a) - to_secs(b)),
                (None, Some(_)) => out.not_usable += 1,
                _ => {}
            }
        }
    }
    out
}
