//! `[signin]`: the arrival waves and the sign-in cycle.

use super::checker::{for_people, Checker};
use crate::engine::time::SECOND;
use crate::scenario::duration::Duration;
use crate::scenario::schema::Spec;

/// Shortest mean sign-in cycle (session + away): at zero a user signs in and out again
/// at the same instant for ever.
pub const MIN_SIGNIN_CYCLE: u64 = SECOND;

/// The waves (at least one, each inside the horizon, shares summing to 1) and a cycle
/// that takes time.
pub(super) fn signin(c: &mut Checker, spec: &Spec) {
    let waves = &spec.signin.waves;
    if waves.is_empty() {
        c.fail(
            "signin.waves",
            "must list at least one arrival window".into(),
        );
    }
    let cycle = spec.signin.session.0.mean() + spec.signin.away.0.mean();
    if cycle.is_nan() || cycle < MIN_SIGNIN_CYCLE as f64 {
        c.fail(
            "signin.away",
            format!(
                "signin.session and signin.away have means summing to {}; allowed: {} or more (a sign-in cycle that takes no time repeats for ever)",
                Duration(cycle.max(0.0) as u64),
                Duration(MIN_SIGNIN_CYCLE)
            ),
        );
    }
    let mut total = 0.0;
    for (i, w) in waves.iter().enumerate() {
        let k = |f: &str| format!("signin.waves[{i}].{f}");
        if w.end < w.start {
            c.fail(
                &k("end"),
                format!("window ends ({}) before it starts ({})", w.end, w.start),
            );
        }
        if w.start >= spec.horizon {
            c.fail(
                &k("start"),
                format!(
                    "window starts ({}) at or after the horizon ({})",
                    w.start, spec.horizon
                ),
            );
        }
        if !(w.share > 0.0 && w.share <= 1.0) {
            c.fail(
                &k("share"),
                format!("{} is not allowed; allowed: above 0, at most 1", w.share),
            );
        }
        total += w.share;
    }
    if !waves.is_empty() && (total - 1.0).abs() > 1e-6 {
        c.fail(
            "signin.waves",
            format!(
                "the shares sum to {}; they must sum to 1",
                for_people(total)
            ),
        );
    }
}
