//! The services a provisioning goes through in order: `[drs]`, `[aad_connect]` and
//! `[enrollment]`, one function per section.

use super::checker::Checker;
use super::MIN_LOOP_STEP;
use crate::engine::time::MINUTE;
use crate::scenario::schema::Spec;

/// `[drs]`: a throttle probability below 1 and a back-off that takes time.
pub(super) fn drs(c: &mut Checker, spec: &Spec) {
    c.prob_below_one(
        "drs.p_throttle",
        spec.drs.p_throttle,
        "or no registration ever succeeds",
    );
    c.at_least_step(
        "drs.throttle_backoff",
        spec.drs.throttle_backoff.0,
        MIN_LOOP_STEP,
        "a throttled call is retried after it",
    );
}

/// `[aad_connect]`: an interval of at least the product's 30 minutes unless
/// `allow_below_minimum`, and never under [`MIN_LOOP_STEP`].
pub(super) fn aad_connect(c: &mut Checker, spec: &Spec) {
    let a = &spec.aad_connect;
    c.at_least_step(
        "aad_connect.interval",
        a.interval.0,
        MIN_LOOP_STEP,
        "even with allow_below_minimum: a cycle starts every interval",
    );
    if a.interval.0 < 30 * MINUTE && !a.allow_below_minimum {
        c.fail(
            "aad_connect.interval",
            format!(
                "{} is below the product's minimum of 30m (AllowedSyncCycleInterval); allowed: 30m or more, or set aad_connect.allow_below_minimum = true",
                a.interval
            ),
        );
    }
}

/// `[enrollment]`: an increasing retry schedule of positive durations and a period that
/// takes time.
pub(super) fn enrollment(c: &mut Checker, spec: &Spec) {
    let e = &spec.enrollment;
    for (i, pair) in e.retry_schedule.windows(2).enumerate() {
        if pair[1] <= pair[0] {
            c.fail(
                &format!("enrollment.retry_schedule[{}]", i + 1),
                format!(
                    "{} is not after the previous retry ({}); the schedule must increase",
                    pair[1], pair[0]
                ),
            );
        }
    }
    if e.retry_schedule.first().is_some_and(|d| d.0 == 0) {
        c.fail(
            "enrollment.retry_schedule[0]",
            "must be a positive duration".into(),
        );
    }
    c.at_least_step(
        "enrollment.periodic",
        e.periodic.0,
        MIN_LOOP_STEP,
        "autoenrollment runs every period while a user is signed in",
    );
}
