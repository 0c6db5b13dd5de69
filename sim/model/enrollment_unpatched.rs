//! Deferred enrollment (before KB4088889, docs/model.md §8): an unpatched AD FS server's RA
//! only accepts a key already in on-prem AD, so until Azure AD Connect has synced it the
//! request is refused. Windows then leaves provisioning and retries at 24, 85, 145, 205,
//! 265 and 480 minutes after key registration, only while the user stays signed in; after
//! a sign-out, about 30 minutes after the next sign-in; and with autoenrollment's periodic
//! run while signed in. Any other non-security failure (a server, DRS or the CA
//! unreachable) falls back to the same schedule.

use super::done::EnrollFailure;
use super::events::{Event, RetryKind};
use super::Model;
use crate::engine::SimTime;

impl Model<'_> {
    /// An unpatched server refused a key that is not in AD yet.
    pub(super) fn unpatched_refuses(&mut self, u: u32, server: u16) {
        let s = server + 1;
        self.enrollment_failed_with(u, EnrollFailure::KeyNotInAd, || {
            format!("AD FS server {s} (without KB4088889) refused the request: the key is not in AD yet")
        });
    }

    /// A non-security failure: provisioning (if on screen) ends without a certificate and
    /// the next retry is armed.
    pub(super) fn enrollment_failed(&mut self, u: u32, reason: EnrollFailure, why: &'static str) {
        self.enrollment_failed_with(u, reason, || why.to_string());
    }

    /// [`Model::enrollment_failed`] with a message built only when the user is traced.
    pub(super) fn enrollment_failed_with(
        &mut self,
        u: u32,
        reason: EnrollFailure,
        why: impl FnOnce() -> String,
    ) {
        let now = self.now();
        self.failures.enrollment[reason.index()] += 1;
        let c = &mut self.fail_counts[u as usize][1];
        *c = c.saturating_add(1);
        let user = self.user(u);
        user.enrolling = false;
        user.request = None;
        self.trace
            .log(now, u, "enrollment_deferred", Some(6066), || {
                format!("Certificate enrollment deferred: {}", why())
            });
        self.end_ui(u);
        self.arm_next_retry(u);
    }

    /// The next attempt: the next scheduled retry after key registration, or the periodic
    /// run, whichever comes first. It only happens if the user is signed in then.
    fn arm_next_retry(&mut self, u: u32) {
        let now = self.now();
        let e = &self.spec.enrollment;
        let registered = self.users[u as usize]
            .milestones
            .key_registered
            .unwrap_or(now);
        let scheduled = e
            .retry_schedule
            .iter()
            .map(|d| registered + d.0)
            .find(|&t| t > now);
        let periodic = now + e.periodic.0;
        let (at, kind) = match scheduled {
            Some(t) if t <= periodic => (t, RetryKind::Schedule),
            _ => (periodic, RetryKind::Periodic),
        };
        self.arm_retry(u, at, kind);
    }

    /// At sign-in with a deferred enrollment: an attempt ~30 minutes later.
    pub(super) fn arm_after_signin(&mut self, u: u32) {
        let at = self.now() + self.spec.enrollment.after_signin.0;
        self.arm_retry(u, at, RetryKind::AfterSignIn);
    }

    fn arm_retry(&mut self, u: u32, at: SimTime, kind: RetryKind) {
        let user = self.user(u);
        user.retry_generation += 1;
        let generation = user.retry_generation;
        self.q.schedule_at(
            at,
            Event::Retry {
                user: u,
                generation,
                kind,
            },
        );
    }

    /// A retry timer fired: enroll again if it is still current and the user signed in.
    pub(super) fn on_retry(&mut self, u: u32, generation: u32, kind: RetryKind) {
        let now = self.now();
        let user = self.user(u);
        if user.finished() || user.retry_generation != generation || user.enrolling {
            return;
        }
        if !user.signed_in {
            // Retries run only in a session; the next sign-in re-arms one.
            return;
        }
        let what = match kind {
            RetryKind::Schedule => "scheduled retry after key registration",
            RetryKind::AfterSignIn => "retry after sign-in",
            RetryKind::Periodic => "periodic autoenrollment",
        };
        self.trace.log(now, u, "enrollment_retry", None, || {
            format!("Certificate enrollment: {what}")
        });
        self.enrollment_begin(u);
    }
}
