//! A simulated replication measured as the pilot was: its trace written as the pilot's
//! events and read back into stage durations by the same code, censored at the same end.

use crate::exports::time::UnixMicros;
use crate::fit::mle::Unit;
use crate::fit::timeline::{timelines, STAGES};
use crate::model::RunOutput;
use crate::report::pilot_exports::events::win_events;
use std::collections::BTreeMap;

/// Each stage's durations in one replication whose time origin is `origin` and whose
/// observation ends at `end` (both UTC).
pub(crate) fn stage_units(
    run: &RunOutput,
    origin: UnixMicros,
    end: UnixMicros,
) -> BTreeMap<&'static str, Vec<Unit>> {
    let events: Vec<_> = win_events(run, origin)
        .into_iter()
        .filter(|e| e.time <= end)
        .collect();
    let t = timelines(&events, origin, end);
    STAGES.iter().map(|&s| (s, t.units(s))).collect()
}
