//! What each pilot device's events say about its user's provisioning: the stage
//! durations `fit` fits, each observed or right-censored at the export's end.
//!
//! Per device (`<Computer>`), events are deduplicated by channel and record number (two
//! exports of the same log overlap) and put in time order. From the Windows Hello and
//! device-registration events:
//! - the first 358 or 360 is the first sign-in after the policy (360: the device was not
//!   ready; a later 358 is when it was);
//! - 358 → 3225 is the user's steps (PIN page, MFA, PIN: one sum the events cannot split);
//! - 3225 → 8225 is key creation (8225's `ProcessingTime`, whole seconds, only where
//!   the two events' times are not both there);
//! - 3510 → 8510 (or the 300 that follows) is key registration with DRS;
//! - 3066 → 8066 is an enrollment attempt that succeeded at once (synchronous, after
//!   KB4088889); a 6066 or 365 in between is a deferred one (before it);
//! - the first sign-in → the first 1006 (certificate installed) or 8066 is time to usable.
//!
//! A stage that began and had not ended when the export ended is censored at the time it
//! had run so far; one that never began is not a unit of that stage.

use super::mle::Unit;
use crate::exports::time::UnixMicros;
use crate::exports::windows_events::WinEvent;
use std::collections::{BTreeMap, BTreeSet};

/// The stages a device's events show, in provisioning order.
pub(crate) const STAGES: [&str; 5] = [
    "user_steps",
    "key_creation",
    "key_registration",
    "enrollment",
    "time_to_usable",
];

/// One device's provisioning as its events show it.
#[derive(Debug, Clone, PartialEq)]
pub struct Timeline {
    /// The device.
    pub computer: String,
    /// The user (SID) of its first prerequisite event.
    pub user_sid: String,
    /// The first sign-in after the policy (first 358 or 360).
    pub first_signin: UnixMicros,
    /// Whether the device was ready at that sign-in (358, not 360).
    pub ready_at_first: bool,
    /// Each stage's duration in seconds: observed, or censored at the export's end.
    pub stages: BTreeMap<&'static str, Unit>,
}

/// What the events of every device say, and what was dropped.
#[derive(Debug, Clone, Default)]
pub struct Timelines {
    /// One per device with a prerequisite event at or after the policy start.
    pub devices: Vec<Timeline>,
    /// Events read twice (same device, channel and record number), dropped.
    pub duplicates: u64,
    /// Events before the policy start, dropped.
    pub before_policy: u64,
    /// Devices with events but no 358/360 after the policy start.
    pub without_signin: u64,
}

impl Timelines {
    /// The units of `stage` over every device.
    pub fn units(&self, stage: &str) -> Vec<Unit> {
        self.devices
            .iter()
            .filter_map(|d| d.stages.get(stage).copied())
            .collect()
    }
}

fn secs(from: UnixMicros, to: UnixMicros) -> f64 {
    (to - from) as f64 / 1e6
}

/// A stage from `start` to the first `end` after it: observed, or censored at
/// `export_end` when no end came.
fn stage(
    start: Option<UnixMicros>,
    end: Option<UnixMicros>,
    export_end: UnixMicros,
) -> Option<Unit> {
    let s = start?;
    let limit = secs(s, export_end);
    Some(match end {
        Some(e) if e >= s => Unit::observed(secs(s, e).max(1e-6), limit.max(secs(s, e))),
        _ => Unit::censored(limit),
    })
}

/// Builds every device's timeline from `events` (any order, duplicates allowed), the
/// policy start and the export's end.
pub fn timelines(
    events: &[WinEvent],
    policy_start: UnixMicros,
    export_end: UnixMicros,
) -> Timelines {
    let mut out = Timelines::default();
    let mut seen: BTreeSet<(&str, &str, u64)> = BTreeSet::new();
    let mut by_device: BTreeMap<&str, Vec<&WinEvent>> = BTreeMap::new();
    for e in events {
        if let Some(r) = e.record_id {
            if !seen.insert((e.computer.as_str(), e.channel.as_str(), r)) {
                out.duplicates += 1;
                continue;
            }
        }
        if e.time < policy_start {
            out.before_policy += 1;
            continue;
        }
        by_device.entry(e.computer.as_str()).or_default().push(e);
    }
    for (computer, mut evs) in by_device {
        evs.sort_by_key(|e| (e.time, e.record_id));
        let first = |id: u32, after: UnixMicros| {
            evs.iter()
                .find(|e| e.id == id && e.time >= after)
                .map(|e| e.time)
        };
        let Some(signin) = evs.iter().find(|e| e.id == 358 || e.id == 360) else {
            out.without_signin += 1;
            continue;
        };
        let t0 = signin.time;
        let ready = first(358, t0);
        let key_start = ready.and_then(|r| first(3225, r));
        let key_end = key_start.and_then(|k| first(8225, k));
        let processing = key_start.and_then(|k| {
            evs.iter()
                .find(|e| e.id == 8225 && e.time >= k)
                .and_then(|e| e.data.get("ProcessingTime"))
                .and_then(|p| p.trim().parse::<f64>().ok())
        });
        let reg_start = key_end.and_then(|k| first(3510, k));
        let reg_end =
            reg_start.and_then(|r| [first(8510, r), first(300, r)].into_iter().flatten().min());
        let enroll_start = reg_end.and_then(|r| first(3066, r));
        let enroll_ok = enroll_start.and_then(|s| first(8066, s));
        let deferred = enroll_start.is_some_and(|s| {
            evs.iter().any(|e| {
                (e.id == 6066 || e.id == 365)
                    && e.time >= s
                    && enroll_ok.is_none_or(|ok| e.time <= ok)
            })
        });
        let usable = [first(1006, t0), first(8066, t0)]
            .into_iter()
            .flatten()
            .min();
        let mut stages = BTreeMap::new();
        let mut put = |name: &'static str, u: Option<Unit>| {
            if let Some(u) = u {
                stages.insert(name, u);
            }
        };
        put("user_steps", stage(ready, key_start, export_end));
        // The events' own times are sub-microsecond; ProcessingTime is whole seconds, so
        // it stands in only where 8225's time is missing.
        put(
            "key_creation",
            match (processing, key_start, key_end) {
                (_, Some(_), Some(_)) | (None, _, _) => stage(key_start, key_end, export_end),
                (Some(p), Some(_), None) if p >= 0.0 => {
                    Some(Unit::observed(p.max(1e-6), f64::INFINITY))
                }
                _ => stage(key_start, key_end, export_end),
            },
        );
        put("key_registration", stage(reg_start, reg_end, export_end));
        if !deferred {
            put("enrollment", stage(enroll_start, enroll_ok, export_end));
        }
        put("time_to_usable", stage(Some(t0), usable, export_end));
        out.devices.push(Timeline {
            computer: computer.to_string(),
            user_sid: signin.user_sid.clone(),
            first_signin: t0,
            ready_at_first: signin.id == 358,
            stages,
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ev(computer: &str, id: u32, secs: i64, record: u64) -> WinEvent {
        WinEvent {
            provider: String::new(),
            provider_guid: String::new(),
            id,
            time: secs * 1_000_000,
            record_id: Some(record),
            channel: "c".into(),
            computer: computer.into(),
            user_sid: "S-1-5-21-1".into(),
            data: BTreeMap::new(),
        }
    }

    #[test]
    fn stages_are_read_from_a_device_s_events() {
        let mut key = ev("PC1", 8225, 170, 5);
        key.data.insert("ProcessingTime".into(), "6".into());
        let events = vec![
            ev("PC1", 358, 100, 1),
            ev("PC1", 3225, 164, 2),
            key,
            ev("PC1", 3510, 171, 6),
            ev("PC1", 300, 172, 7),
            ev("PC1", 3066, 173, 8),
            ev("PC1", 8066, 175, 9),
            ev("PC1", 1006, 175, 10),
            // The same 358 exported twice, and an event before the policy.
            ev("PC1", 358, 100, 1),
            ev("PC2", 360, 10, 1),
            // PC2: not ready at first, ready later, still creating its key at the end.
            ev("PC2", 360, 200, 2),
            ev("PC2", 358, 3_800, 3),
            ev("PC2", 3225, 3_900, 4),
        ];
        let t = timelines(&events, 50_000_000, 4_000_000_000);
        assert_eq!((t.duplicates, t.before_policy, t.devices.len()), (1, 1, 2));
        let pc1 = &t.devices[0];
        assert!(pc1.ready_at_first);
        assert_eq!(pc1.stages["user_steps"].value, Some(64.0));
        assert_eq!(pc1.stages["key_creation"].value, Some(6.0));
        // 3225 at 164 s and 8225 at 170 s: the times agree with ProcessingTime here.
        assert_eq!(pc1.stages["key_registration"].value, Some(1.0));
        assert_eq!(pc1.stages["enrollment"].value, Some(2.0));
        assert_eq!(pc1.stages["time_to_usable"].value, Some(75.0));
        let pc2 = &t.devices[1];
        assert!(!pc2.ready_at_first);
        assert_eq!(pc2.stages["user_steps"].value, Some(100.0));
        assert_eq!(pc2.stages["key_creation"], Unit::censored(100.0));
        assert_eq!(pc2.stages["time_to_usable"], Unit::censored(3_800.0));
        assert!(!pc2.stages.contains_key("key_registration"));
        assert_eq!(t.units("user_steps").len(), 2);
    }

    #[test]
    fn a_deferred_enrollment_is_not_a_synchronous_one() {
        let events = vec![
            ev("PC1", 358, 0, 1),
            ev("PC1", 3225, 60, 2),
            ev("PC1", 8225, 62, 3),
            ev("PC1", 3510, 63, 4),
            ev("PC1", 8510, 64, 5),
            ev("PC1", 3066, 65, 6),
            ev("PC1", 6066, 66, 7),
            ev("PC1", 8066, 5_000, 8),
        ];
        let t = timelines(&events, 0, 10_000_000_000);
        assert!(!t.devices[0].stages.contains_key("enrollment"));
        assert_eq!(t.devices[0].stages["time_to_usable"].value, Some(5_000.0));
    }
}
