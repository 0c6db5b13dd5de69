//! Where a user's time goes between first sign-in and a usable PIN: the span is cut at
//! the milestones into consecutive stages that add up to the time to usable, so their
//! means add up to the mean time to usable.

use crate::engine::time::to_secs;
use crate::engine::SimTime;
use crate::model::done::{RunOutput, UserRecord};
use crate::model::Outcome;

/// Number of stages.
pub(crate) const STAGE_COUNT: usize = 10;

/// The stages, in order: (stable id, label for charts and tables). Each trust model
/// leaves some empty: certificate trust has no AD replication stage, key trust no retry,
/// AD FS + CA or install, cloud Kerberos trust nothing after key registration but a wait
/// for a reachable DC.
pub(crate) const STAGES: [(&str, &str); STAGE_COUNT] = [
    ("prerequisites", "prerequisites (sign-in → launch)"),
    ("user_steps", "user steps (launch → PIN set)"),
    ("key_pair", "key pair"),
    ("key_registration", "key registration (DRS)"),
    ("sync_wait", "waiting for sync (→ key in AD)"),
    ("ad_replication", "AD replication (→ key on the user's DC)"),
    ("retry_wait", "waiting for retry"),
    ("adfs_ca", "AD FS + CA (queue + service)"),
    ("install", "certificate install + DC logon"),
    ("dc_wait", "waiting for a reachable DC"),
];

/// Seconds spent in each stage by a usable user, `None` for anyone else.
///
/// The cut points are sign-in, launch, PIN set, key ready, key registered, key in AD,
/// key on the user's DC (key trust), the request that succeeded, certificate issued
/// (certificate trust), the start of a wait for a reachable DC, usable. With synchronous
/// enrollment the key usually reaches AD after the certificate: then the sync stage is
/// empty and the whole span from registration to the successful request counts as
/// waiting for retry (milliseconds, unless a fault forced a retry).
pub(crate) fn stages_of(u: &UserRecord) -> Option<[f64; STAGE_COUNT]> {
    if u.outcome != Outcome::Usable {
        return None;
    }
    let m = &u.milestones;
    let start = m.signin?;
    let usable = m.usable?;
    let request = m.request_sent.or(m.cert_issued);
    // Only a key that reached AD before what came next (the successful request, the key
    // on the DC, the wait for a DC, usable) made the user wait for it.
    let limit = request.or(u.key_on_dc).or(u.dc_wait).unwrap_or(usable);
    let in_ad = m.key_in_ad.filter(|&t| t <= limit);
    let cuts: [Option<SimTime>; STAGE_COUNT + 1] = [
        Some(start),
        m.launched,
        m.pin_set,
        m.key_ready,
        m.key_registered,
        in_ad,
        u.key_on_dc,
        request,
        m.cert_issued,
        u.dc_wait.or(Some(usable)),
        Some(usable),
    ];
    // A missing milestone takes the previous one's time (an empty stage); a running
    // maximum keeps every stage non-negative.
    let mut prev = start;
    let mut out = [0.0; STAGE_COUNT];
    for (i, c) in cuts.iter().enumerate().skip(1) {
        let t = c.unwrap_or(prev).max(prev).min(usable.max(prev));
        out[i - 1] = to_secs(t - prev);
        prev = t;
    }
    Some(out)
}

/// Mean seconds per stage over the usable users of every replication, with how many
/// users that is; `None` when nobody became usable.
pub(crate) fn mean_stages(reps: &[RunOutput]) -> Option<([f64; STAGE_COUNT], u64)> {
    mean_stages_within(reps, 1.0)
}

/// The same over the `share` (0–1] of usable users who got there fastest in each
/// replication: the typical path, without the tail of users who went home or whose
/// device was not ready.
pub(crate) fn mean_stages_within(
    reps: &[RunOutput],
    share: f64,
) -> Option<([f64; STAGE_COUNT], u64)> {
    let mut sum = [0.0; STAGE_COUNT];
    let mut n = 0u64;
    for r in reps {
        let mut st: Vec<[f64; STAGE_COUNT]> = r.users.iter().filter_map(stages_of).collect();
        st.sort_by(|a, b| a.iter().sum::<f64>().total_cmp(&b.iter().sum::<f64>()));
        let keep = ((st.len() as f64 * share.clamp(0.0, 1.0)).ceil() as usize).min(st.len());
        for s in st.into_iter().take(keep) {
            for (acc, x) in sum.iter_mut().zip(s) {
                *acc += x;
            }
            n += 1;
        }
    }
    if n == 0 {
        return None;
    }
    Some((sum.map(|x| x / n as f64), n))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::time::SECOND;
    use crate::model::done::{KeySource, Milestones};

    fn user(m: Milestones) -> UserRecord {
        user_with(m, None, None)
    }

    fn user_with(m: Milestones, key_on_dc: Option<u64>, dc_wait: Option<u64>) -> UserRecord {
        UserRecord {
            id: 0,
            outcome: Outcome::Usable,
            rejected_by: None,
            milestones: m,
            key_source: KeySource::FirmwareTpm,
            signins: 1,
            enroll_attempts: 1,
            device_ready_at_start: true,
            registration_failures: 0,
            enrollment_failures: 0,
            key_on_dc,
            dc_wait,
        }
    }

    #[test]
    fn pre_kb_user_waits_for_sync_then_retry() {
        let s = |x: u64| Some(x * SECOND);
        let u = user(Milestones {
            signin: s(100),
            launched: s(101),
            mfa_done: s(120),
            pin_set: s(140),
            key_ready: s(142),
            key_registered: s(143),
            key_in_ad: s(1_000),
            request_sent: s(1_583),
            cert_issued: s(1_584),
            usable: s(1_585),
        });
        let st = stages_of(&u).unwrap();
        assert_eq!(st, [1.0, 39.0, 2.0, 1.0, 857.0, 0.0, 583.0, 1.0, 1.0, 0.0]);
        assert_eq!(st.iter().sum::<f64>(), 1_485.0);
    }

    #[test]
    fn post_kb_user_has_no_sync_wait() {
        let s = |x: u64| Some(x * SECOND);
        let u = user(Milestones {
            signin: s(0),
            launched: s(1),
            pin_set: s(40),
            key_ready: s(42),
            key_registered: s(43),
            request_sent: s(43),
            cert_issued: s(44),
            usable: s(45),
            key_in_ad: s(1_000),
            ..Milestones::default()
        });
        let st = stages_of(&u).unwrap();
        assert_eq!(st[4], 0.0);
        assert_eq!(st.iter().sum::<f64>(), 45.0);
        let mut pending = u.clone();
        pending.outcome = Outcome::Pending;
        assert_eq!(stages_of(&pending), None);
    }

    #[test]
    fn key_trust_user_waits_for_sync_then_replication() {
        let s = |x: u64| Some(x * SECOND);
        let u = user_with(
            Milestones {
                signin: s(0),
                launched: s(1),
                pin_set: s(40),
                key_ready: s(42),
                key_registered: s(43),
                key_in_ad: s(1_000),
                usable: s(1_030),
                ..Milestones::default()
            },
            s(1_030),
            None,
        );
        let st = stages_of(&u).unwrap();
        assert_eq!(st, [1.0, 39.0, 2.0, 1.0, 957.0, 30.0, 0.0, 0.0, 0.0, 0.0]);
    }

    #[test]
    fn cloud_kerberos_user_waits_only_for_a_dc() {
        let s = |x: u64| Some(x * SECOND);
        let u = user_with(
            Milestones {
                signin: s(0),
                launched: s(1),
                pin_set: s(40),
                key_ready: s(42),
                key_registered: s(43),
                usable: s(600),
                key_in_ad: s(900),
                ..Milestones::default()
            },
            None,
            s(43),
        );
        let st = stages_of(&u).unwrap();
        assert_eq!(st, [1.0, 39.0, 2.0, 1.0, 0.0, 0.0, 0.0, 0.0, 0.0, 557.0]);
    }
}
