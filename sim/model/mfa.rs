//! Multi-factor authentication (docs/model.md §3): the flow waits until the attempt
//! succeeds, fails or times out; an error asks the user to retry, up to a limit, after
//! which provisioning waits for the next sign-in. An MFA done in the last 10 minutes is
//! not asked again.

use super::done::Outcome;
use super::events::Event;
use super::user::{first, User};
use super::Model;
use rand::Rng;

impl Model<'_> {
    /// MFA step: reused if recent, else a first attempt.
    pub(super) fn mfa_begin(&mut self, u: u32) {
        let now = self.now();
        let reuse = self.spec.mfa.reuse.0;
        let at = self.user(u).mfa_ok_at;
        if at != User::NEVER && now.saturating_sub(at) <= reuse {
            self.trace.log(now, u, "mfa", None, || {
                "MFA done in the last 10 minutes: not asked again".into()
            });
            self.pin_begin(u);
            return;
        }
        self.mfa_attempt(u);
    }

    /// One MFA attempt: succeeds after the user's response time, fails, or times out.
    pub(super) fn mfa_attempt(&mut self, u: u32) {
        let m = &self.spec.mfa;
        let r: f64 = self.users[u as usize].streams.ui.random();
        let response = self.ui_draw(u, &m.response);
        let (ok, after) = if r < m.p_fail {
            (false, response.min(m.timeout.0))
        } else if r < m.p_fail + m.p_timeout || response >= m.timeout.0 {
            (false, m.timeout.0)
        } else {
            (true, response)
        };
        self.q.schedule_in(after, Event::MfaResult { user: u, ok });
    }

    /// An attempt ended.
    pub(super) fn on_mfa_result(&mut self, u: u32, ok: bool) {
        let now = self.now();
        let spec = self.spec;
        let user = self.user(u);
        if ok {
            user.mfa_ok_at = now;
            first(&mut user.milestones.mfa_done, now);
            self.trace
                .log(now, u, "mfa", None, || "MFA succeeded".into());
            self.pin_begin(u);
            return;
        }
        user.mfa_attempts += 1;
        let attempts = user.mfa_attempts;
        if attempts < spec.mfa.max_attempts {
            self.trace.log(now, u, "mfa", None, || {
                format!("MFA failed or timed out (attempt {attempts}); user retries")
            });
            let t = self.ui_draw(u, &spec.mfa.retry_think);
            self.q.schedule_in(t, Event::MfaRetry(u));
            return;
        }
        user.abandoned += 1;
        let abandoned = user.abandoned;
        if abandoned >= spec.mfa.max_abandoned_signins {
            self.trace.log(now, u, "mfa", None, || {
                format!("MFA failed {attempts} times; user leaves provisioning for good ({abandoned} sign-ins)")
            });
            self.finish(u, Outcome::GaveUp);
        } else {
            self.trace.log(now, u, "mfa", None, || {
                format!("MFA failed {attempts} times; provisioning waits for the next sign-in")
            });
        }
        self.end_ui(u);
    }
}
