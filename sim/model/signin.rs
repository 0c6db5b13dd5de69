//! Sign-in: the first sign-in after the policy applies (arrival waves), the session model
//! (sessions end, users come back later), and what a sign-in sets off.

use super::events::Event;
use super::stream;
use super::user::{first, Streams, Tpm, User};
use super::Model;
use crate::engine::StreamFactory;
use crate::scenario::schema::Trust;
use rand::Rng;

impl Model<'_> {
    /// Draws each user's profile on their own profile stream and schedules their first
    /// sign-in. The draws happen in a fixed order per user, so every variant of a scenario
    /// sees the same people on the same devices.
    pub(super) fn init_users(&mut self, f: &StreamFactory) {
        let spec = self.spec;
        let waves = &spec.signin.waves;
        for u in 0..spec.users {
            let id = u as u64;
            let mut p = f.stream(stream::PROFILE, id);
            // A replayed user arrives when the trace says; the profile draws that follow
            // stay on the same stream, so readiness and TPMs are drawn alike either way.
            let pick: f64 = p.random();
            let mut acc = 0.0;
            let wave = waves
                .iter()
                .find(|w| {
                    acc += w.share;
                    pick < acc
                })
                .unwrap_or_else(|| waves.last().expect("validated: at least one wave"));
            let drawn = if wave.end.0 > wave.start.0 {
                p.random_range(wave.start.0..=wave.end.0)
            } else {
                wave.start.0
            };
            let ready = p.random::<f64>() < spec.prerequisites.joined_share;
            let t: f64 = p.random();
            let tpm = if t < spec.key.tpm_firmware_share {
                Tpm::Firmware
            } else if t < spec.key.tpm_firmware_share + spec.key.tpm_discrete_share {
                Tpm::Discrete
            } else {
                Tpm::None
            };
            let pregen = p.random::<f64>() < spec.key.pregen_share;
            let streams = Streams {
                ui: f.stream(stream::UI, id),
                session: f.stream(stream::SESSION, id),
                net: f.stream(stream::NET, id),
                attack: f.stream(stream::ATTACK, id),
            };
            self.users.push(User::new(ready, tpm, pregen, streams));
            match &spec.signin.replay {
                Some(trace) => {
                    let first = trace.of(u).first().copied().unwrap_or(drawn);
                    self.q
                        .schedule_at(first, Event::TraceSignIn { user: u, row: 0 });
                }
                None => self.q.schedule_at(drawn, Event::SignIn(u)),
            }
        }
    }

    /// A user signs in: prerequisites are checked before the desktop appears; provisioning
    /// launches, or a deferred enrollment is re-armed, or nothing happens.
    pub(super) fn on_sign_in(&mut self, u: u32) {
        let now = self.now();
        if self.user(u).finished() {
            return;
        }
        let user = self.user(u);
        user.session += 1;
        user.signed_in = true;
        user.signins += 1;
        first(&mut user.milestones.signin, now);
        let n = user.signins;
        self.trace.log(now, u, "sign_in", None, || {
            format!("User signs in (sign-in {n})")
        });
        if !self.prerequisites_pass(u) {
            self.start_desktop(u);
        } else if self.user(u).awaiting_cert {
            match self.spec.trust {
                Trust::Certificate => self.arm_after_signin(u),
                Trust::Key => self.key_trust_signin_too_early(u),
                // Usable when provisioning ends; only a DC out of reach keeps it waiting.
                Trust::CloudKerberos => {}
            }
            self.start_desktop(u);
        } else {
            self.launch_provisioning(u);
        }
    }

    /// A sign-in from the trace. The next row is scheduled now, so the queue holds one
    /// row per user at a time. A user still in a session signs in again (a new logon); one
    /// in the middle of provisioning or an enrollment keeps that session (the real user's
    /// logon would not restart it).
    pub(super) fn on_trace_sign_in(&mut self, u: u32, row: u32) {
        if let Some(trace) = &self.spec.signin.replay {
            if let Some(&next) = trace.of(u).get(row as usize + 1) {
                self.q.schedule_at(
                    next,
                    Event::TraceSignIn {
                        user: u,
                        row: row + 1,
                    },
                );
            }
        }
        let user = self.user(u);
        if user.signed_in && (user.in_ui || user.enrolling || user.request.is_some()) {
            return;
        }
        self.on_sign_in(u);
    }

    /// Whether `u`'s next sign-in comes from the trace (a later row after now).
    fn trace_signs_in_later(&self, u: u32) -> bool {
        let now = self.now();
        self.spec
            .signin
            .replay
            .as_ref()
            .is_some_and(|t| t.of(u).last().is_some_and(|&last| last > now))
    }

    /// The desktop appears (provisioning UI over or not shown): the session clock starts.
    pub(super) fn start_desktop(&mut self, u: u32) {
        if self.user(u).finished() {
            return;
        }
        let d = self
            .spec
            .signin
            .session
            .sample(&mut self.users[u as usize].streams.session);
        let session = self.user(u).session;
        self.q.schedule_in(d, Event::SignOut { user: u, session });
    }

    /// The session ends; unless the user is done, they come back after a while away.
    pub(super) fn on_sign_out(&mut self, u: u32, session: u32) {
        let now = self.now();
        let user = self.user(u);
        if user.session != session || !user.signed_in || user.finished() {
            return;
        }
        user.signed_in = false;
        self.trace
            .log(now, u, "sign_out", None, || "User signs out".into());
        if self.trace_signs_in_later(u) {
            return;
        }
        let away = self
            .spec
            .signin
            .away
            .sample(&mut self.users[u as usize].streams.session);
        self.q.schedule_in(away.max(1), Event::SignIn(u));
    }
}
