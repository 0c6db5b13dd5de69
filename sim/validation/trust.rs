//! The two trust models without certificates against the documented behaviour
//! (docs/model.md §11), on `FIXED_FLOW` where every step takes a fixed time, compared to the
//! microsecond:
//!
//! - key trust, with the scheduler checks' pinned cycle settings (interval, cut-off,
//!   export) and a fixed AD replication delay: each user is usable exactly when the
//!   first cycle whose cut-off follows the key's registration has exported it, plus the
//!   replication delay;
//! - cloud Kerberos trust: each user is usable exactly the sum of the user-side steps
//!   (click, MFA, PIN, key, DRS) after signing in, whatever the sync does.
//!
//! Both also check that no enrollment request was sent.

use super::flow::{load, simulate, to_registered, FIXED_FLOW};
use super::{Check, Config};
use crate::engine::time::{to_secs, SECOND};
use crate::model::RunOutput;

/// Sync interval, cut-off and export time: those of the scheduler checks.
const INTERVAL_MIN: u64 = 30;
const CUTOFF_MIN: u64 = 4;
const EXPORT_MIN: u64 = 7;
/// The pinned AD replication delay of the key trust check.
const REPLICATION_S: u64 = 45;

/// The trust-model checks.
pub fn checks(cfg: &Config) -> Vec<Check> {
    vec![key_trust_check(cfg), cloud_kerberos_check(cfg)]
}

fn key_trust_check(cfg: &Config) -> Check {
    let sets = vec![
        format!("users={}", cfg.size.users),
        "trust=key".into(),
        format!("key_trust.ad_replication={REPLICATION_S}s"),
        format!("aad_connect.interval={INTERVAL_MIN}m"),
        "aad_connect.phase=random".into(),
        format!("aad_connect.import_ad={CUTOFF_MIN}m"),
        format!("aad_connect.overhead={EXPORT_MIN}m"),
        "aad_connect.per_object=0s".into(),
        "aad_connect.background_changes=0".into(),
    ];
    let spec = load(FIXED_FLOW, "fixed-flow", cfg.seed_for(700), &sets)
        .remove(0)
        .1;
    let run = simulate(&spec, 0);
    let replication = REPLICATION_S * SECOND;
    let mut matched = 0;
    let mut first_bad = None;
    let mut wait_sum = 0.0;
    for u in &run.users {
        let m = u.milestones;
        let carrying = m.key_registered.and_then(|reg| {
            run.sync_cycles
                .iter()
                .filter(|c| !c.aborted)
                .find(|c| c.cutoff.is_some_and(|cut| cut >= reg))
        });
        let want = carrying.map(|c| c.end + replication);
        if m.usable.is_some() && m.usable == want {
            matched += 1;
            wait_sum += to_secs(m.usable.unwrap_or(0) - m.key_registered.unwrap_or(0));
        } else {
            first_bad.get_or_insert(format!(
                "user {}: usable at {:?} s, expected {:?} s (the carrying cycle's end + {REPLICATION_S} s)",
                u.id,
                m.usable.map(to_secs),
                want.map(to_secs)
            ));
        }
    }
    let c = Check::exact(
        "trust",
        format!("key trust: usable = end of the cycle carrying the key + AD replication ({REPLICATION_S} s)"),
        run.users.len(),
        matched,
        format!(
            "interval {INTERVAL_MIN}m, cut-off {CUTOFF_MIN}m, export {EXPORT_MIN}m; mean registration → usable {:.0} s",
            wait_sum / matched.max(1) as f64
        ),
    );
    finish(c, first_bad, &run)
}

fn cloud_kerberos_check(cfg: &Config) -> Check {
    // A slow sync must not matter: the interval is the scheduler checks' times four.
    let sets = vec![
        format!("users={}", cfg.size.users),
        "trust=cloud_kerberos".into(),
        format!("aad_connect.interval={}m", 4 * INTERVAL_MIN),
    ];
    let spec = load(FIXED_FLOW, "fixed-flow", cfg.seed_for(701), &sets)
        .remove(0)
        .1;
    let run = simulate(&spec, 0);
    let front = to_registered(&spec);
    let mut matched = 0;
    let mut first_bad = None;
    for u in &run.users {
        let m = u.milestones;
        let want = m.signin.map(|s| s + front);
        if m.usable.is_some() && m.usable == want {
            matched += 1;
        } else {
            first_bad.get_or_insert(format!(
                "user {}: usable {:?} s after sign-in, expected {:.6} s",
                u.id,
                m.usable.zip(m.signin).map(|(a, s)| to_secs(a - s)),
                to_secs(front)
            ));
        }
    }
    let c = Check::exact(
        "trust",
        "cloud Kerberos: sign-in → usable = click + MFA + PIN + key + DRS",
        run.users.len(),
        matched,
        format!(
            "{:.3} s each, sync every {} min",
            to_secs(front),
            4 * INTERVAL_MIN
        ),
    );
    finish(c, first_bad, &run)
}

/// Adds the first mismatch to `c`, and fails it if any enrollment request was sent.
fn finish(mut c: Check, first_bad: Option<String>, run: &RunOutput) -> Check {
    if let Some(bad) = first_bad {
        c = c.with_note(bad);
    }
    let requests: u64 = run.users.iter().map(|u| u.enroll_attempts as u64).sum();
    if requests > 0 {
        c = c.fail_because(format!(
            "{requests} certificate enrollment requests sent; this trust model sends none"
        ));
    }
    c
}
