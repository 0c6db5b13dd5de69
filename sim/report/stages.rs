//! Where a user's time goes between first sign-in and a usable PIN: the span is cut at
//! the milestones into consecutive stages that add up to the time to usable, so their
//! means add up to the mean time to usable.

use crate::engine::time::to_secs;
use crate::engine::SimTime;
use crate::model::done::{RunOutput, UserRecord};
use crate::model::Outcome;

/// The stages, in order: (stable id, label for charts and tables).
pub const STAGES: [(&str, &str); 8] = [
    ("prerequisites", "prerequisites (sign-in → launch)"),
    ("user_steps", "user steps (launch → PIN set)"),
    ("key_pair", "key pair"),
    ("key_registration", "key registration (DRS)"),
    ("sync_wait", "waiting for sync (→ key in AD)"),
    ("retry_wait", "waiting for retry"),
    ("adfs_ca", "AD FS + CA (queue + service)"),
    ("install", "certificate install"),
];

/// Seconds spent in each stage by a usable user, `None` for anyone else.
///
/// The cut points are sign-in, launch, PIN set, key ready, key registered, key in AD,
/// the request that succeeded, certificate issued, usable. With synchronous enrollment
/// the key usually reaches AD after the certificate: then the sync stage is empty and the
/// whole span from registration to the successful request counts as waiting for retry
/// (milliseconds, unless a fault forced a retry).
pub fn stages_of(u: &UserRecord) -> Option<[f64; 8]> {
    if u.outcome != Outcome::Usable {
        return None;
    }
    let m = &u.milestones;
    let start = m.signin?;
    let usable = m.usable?;
    let request = m.request_sent.unwrap_or(m.cert_issued.unwrap_or(usable));
    // Only a key that reached AD before the successful request made the user wait.
    let in_ad = m.key_in_ad.filter(|&t| t <= request);
    let cuts: [Option<SimTime>; 9] = [
        Some(start),
        m.launched,
        m.pin_set,
        m.key_ready,
        m.key_registered,
        in_ad,
        Some(request),
        m.cert_issued,
        Some(usable),
    ];
    // A missing milestone takes the previous one's time (an empty stage); a running
    // maximum keeps every stage non-negative.
    let mut prev = start;
    let mut out = [0.0; 8];
    for (i, c) in cuts.iter().enumerate().skip(1) {
        let t = c.unwrap_or(prev).max(prev).min(usable.max(prev));
        out[i - 1] = to_secs(t - prev);
        prev = t;
    }
    Some(out)
}

/// Mean seconds per stage over the usable users of every replication, with how many
/// users that is; `None` when nobody became usable.
pub fn mean_stages(reps: &[RunOutput]) -> Option<([f64; 8], u64)> {
    mean_stages_within(reps, 1.0)
}

/// The same over the `share` (0–1] of usable users who got there fastest in each
/// replication: the typical path, without the tail of users who went home or whose
/// device was not ready.
pub fn mean_stages_within(reps: &[RunOutput], share: f64) -> Option<([f64; 8], u64)> {
    let mut sum = [0.0; 8];
    let mut n = 0u64;
    for r in reps {
        let mut st: Vec<[f64; 8]> = r.users.iter().filter_map(stages_of).collect();
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
        assert_eq!(st, [1.0, 39.0, 2.0, 1.0, 857.0, 583.0, 1.0, 1.0]);
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
}
