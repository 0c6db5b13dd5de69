//! The pilot's population as the exports show it: each device's first sign-in after the
//! policy (its first 358/360), its later Windows sign-ins from the Entra sign-in log, and
//! every stage's observed durations.

use crate::error::UsageError;
use crate::exports::load::Exports;
use crate::exports::time::UnixMicros;
use crate::fit::mle::Unit;
use crate::fit::quantities::span;
use crate::fit::timeline::{timelines, Timelines, STAGES};
use crate::scenario::signin_trace::SignInTrace;
use std::collections::BTreeMap;

/// What the pilot was: when, who, and what each stage took.
#[derive(Debug, Clone)]
pub struct Pilot {
    /// When the policy reached the pilot, UTC.
    pub policy_start: UnixMicros,
    /// When its exports end, UTC.
    pub export_end: UnixMicros,
    /// Its sign-ins, counted from the policy start: the simulation replays them.
    pub trace: SignInTrace,
    /// Sign-ins after the first that the sign-in log added.
    pub later_signins: usize,
    /// Each stage's durations (observed or censored at the export's end), by stage.
    pub observed: BTreeMap<&'static str, Vec<Unit>>,
}

/// Reads the pilot out of its exports. A sign-in of the Entra log belongs to a device
/// when its user's UPN is the one the device's key registration (event 300) names.
pub fn pilot(exports: &Exports, policy_start: Option<UnixMicros>) -> Result<Pilot, UsageError> {
    let (policy_start, export_end) = span(exports, policy_start)?;
    let t = timelines(&exports.events, policy_start, export_end);
    of_timelines(exports, &t, policy_start, export_end)
}

/// The pilot from timelines already read out of `exports` (as `fit`'s analysis holds
/// them) for that policy start and export end.
pub fn of_timelines(
    exports: &Exports,
    t: &Timelines,
    policy_start: UnixMicros,
    export_end: UnixMicros,
) -> Result<Pilot, UsageError> {
    if t.devices.is_empty() {
        return Err("no device in the exports has a prerequisite event (358 or 360) at or after the policy start: there is no pilot population to compare with".into());
    }
    let mut upn_of: BTreeMap<(&str, &str), String> = BTreeMap::new();
    for e in exports.events.iter().filter(|e| e.id == 300) {
        if let Some(upn) = e.data.get("UPN") {
            upn_of
                .entry((e.computer.as_str(), e.user_sid.as_str()))
                .or_insert_with(|| upn.trim().to_ascii_lowercase());
        }
    }
    let mut later: BTreeMap<&str, Vec<UnixMicros>> = BTreeMap::new();
    for s in exports.signins.iter().filter(|s| {
        s.success && s.application.eq_ignore_ascii_case("windows sign in") && s.time <= export_end
    }) {
        later.entry(s.upn.as_str()).or_default().push(s.time);
    }
    let mut rows = Vec::new();
    let mut later_signins = 0;
    for d in &t.devices {
        let since = |at: UnixMicros| (at - policy_start).max(0) as u64;
        rows.push((d.computer.clone(), since(d.first_signin)));
        let upn = upn_of.get(&(d.computer.as_str(), d.user_sid.as_str()));
        for &at in upn
            .and_then(|u| later.get(u.as_str()))
            .into_iter()
            .flatten()
        {
            if at > d.first_signin {
                rows.push((d.computer.clone(), since(at)));
                later_signins += 1;
            }
        }
    }
    let observed = STAGES
        .iter()
        .map(|&s| (s, t.units(s)))
        .filter(|(_, u)| !u.is_empty())
        .collect();
    Ok(Pilot {
        policy_start,
        export_end,
        trace: SignInTrace::from_rows(rows),
        later_signins,
        observed,
    })
}
