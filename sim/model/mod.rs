//! The Windows Hello for Business hybrid provisioning flow, for each trust model
//! (`trust`); docs/model.md describes it step by step, with its sources.
//!
//! One file per step of the flow: [`signin`], [`prerequisites`], [`pin_page`],
//! [`mfa`], [`pin`], [`key_pair`], [`key_registration`], [`aad_connect`]. Certificate
//! trust then goes through [`enrollment_unpatched`] (deferred enrollment and its retry
//! schedule), [`enrollment_patched`] (the synchronous path through the AD FS farm, the RA
//! and the CA), [`enrollment_timeouts`] (the client's and the RA's timeouts on that path)
//! and [`dc_logon`] (a domain controller validating the first logon with the
//! certificate); key trust through [`key_trust`] (the key waits for a sync cycle and AD
//! replication); cloud Kerberos trust through [`cloud_kerberos`] (usable when
//! provisioning ends). [`dc_reach`] holds every model's first use while no domain
//! controller is in reach, and [`done`] records outcomes and milestones. [`faults`] opens and closes fault windows and
//! keeps what each hit; [`attacks`] decides what an attacker sends in place of a user's
//! enrollment; [`resource_id`] names the shared resources the reports are about.
//! The model reaches crypto only through [`pki_port::PkiPort`] and reads every answer.
//! It knows nothing of files or threads.

pub mod aad_connect;
pub mod attacks;
pub mod cloud_kerberos;
pub mod dc_logon;
pub mod dc_reach;
pub mod done;
pub mod enrollment_patched;
pub mod enrollment_timeouts;
pub mod enrollment_unpatched;
pub mod events;
pub mod faults;
pub mod key_pair;
pub mod key_registration;
pub mod key_trust;
pub mod mfa;
pub mod pin;
pub mod pin_page;
pub mod pki_port;
pub mod prerequisites;
pub mod resource_id;
pub mod signin;
pub mod trace;
pub mod user;

pub use done::{Outcome, RunOutput, UserRecord};
pub use resource_id::ResourceId;
pub use trace::TraceFilter;

use crate::engine::stats::peak_window;
use crate::engine::time::to_secs;
use crate::engine::{Dist, EventQueue, SimTime, StreamFactory};
use crate::scenario::Spec;
use events::Event;
use pki_port::PkiPort;
use user::User;

/// Stream kinds: each entity kind gets its own family of random streams.
pub(crate) mod stream {
    /// A user's profile (arrival, device, TPM): drawn once at the start.
    pub(crate) const PROFILE: u64 = 1;
    /// A user's provisioning UI.
    pub const UI: u64 = 2;
    /// A user's sessions.
    pub(crate) const SESSION: u64 = 3;
    /// Latencies on a user's behalf.
    pub(crate) const NET: u64 = 4;
    /// A user's attack draws.
    pub(crate) const ATTACK: u64 = 5;
    /// The sync scheduler.
    pub const SYNC: u64 = 10;
    /// The load balancer.
    pub(crate) const BALANCER: u64 = 11;
    /// The CA's serial numbers.
    pub const CA: u64 = 12;
}

/// The resources a run of `spec` reports, in the order of [`RunOutput::resources`], with
/// each one's nominal capacity (0: no servers): `adfs-1` … `adfs-N` (`adfs.workers`
/// each), `ca` (`ca.workers`), `drs` (no servers) and `aad_connect` (one scheduler).
/// `merge` holds a shard's units to it; a model test holds the model to it.
pub(crate) fn resource_layout(spec: &Spec) -> Vec<(ResourceId, u32)> {
    let mut out: Vec<(ResourceId, u32)> = (1..=spec.adfs.servers)
        .map(|i| (ResourceId::AdfsServer(i), spec.adfs.workers))
        .collect();
    out.push((ResourceId::Ca, spec.ca.workers));
    out.push((ResourceId::Drs, 0));
    out.push((ResourceId::AadConnect, 1));
    out
}

/// One simulation of one configuration: the users, the shared components and the clock.
pub struct Model<'a> {
    spec: &'a Spec,
    q: EventQueue<Event>,
    users: Vec<User>,
    farm: enrollment_patched::Farm,
    ca: enrollment_patched::CaState,
    drs: key_registration::DrsState,
    sync: aad_connect::SyncState,
    pki: &'a mut dyn PkiPort,
    attacker: attacks::Attacker,
    trace: trace::Trace,
    /// Users without an outcome yet: the run ends when none is left.
    unfinished: u32,
    /// Failed calls by reason.
    failures: done::Failures,
    /// Per user: failed key registrations and failed enrollment attempts (kept apart
    /// from [`User`], which every event touches, since failures are rare).
    fail_counts: Vec<[u16; 2]>,
    /// Open fault windows and what each hit.
    faults: faults::FaultTracker,
    /// Whether a domain controller is in reach, and who waits for one.
    dc: dc_reach::DcReach,
    /// Key trust: per user, when the key reached their DC ([`User::NEVER`] until then);
    /// empty under the other models.
    key_on_dc: Vec<SimTime>,
}

impl<'a> Model<'a> {
    /// Sets up replication `replication` of `spec`: draws every user's profile, schedules
    /// first sign-ins, sync cycles and fault windows.
    pub fn new(
        spec: &'a Spec,
        replication: u32,
        pki: &'a mut dyn PkiPort,
        trace: &TraceFilter,
    ) -> Model<'a> {
        let streams = StreamFactory::new(spec.seed, replication);
        let n = spec.users;
        let bucket = spec.report.series_bucket.0;
        let mut m = Model {
            spec,
            q: EventQueue::with_capacity(n as usize * 2),
            users: Vec::with_capacity(n as usize),
            farm: enrollment_patched::Farm::new(spec, &streams, bucket),
            ca: enrollment_patched::CaState::new(spec, &streams, bucket),
            drs: key_registration::DrsState::new(bucket),
            sync: aad_connect::SyncState::new(&streams, bucket),
            pki,
            attacker: attacks::Attacker::new(spec),
            trace: trace::Trace::new(trace, n),
            unfinished: n,
            failures: done::Failures::default(),
            fail_counts: vec![[0; 2]; n as usize],
            faults: faults::FaultTracker::new(spec.faults.len(), n),
            dc: dc_reach::DcReach::new(spec),
            key_on_dc: if spec.trust.key_must_reach_dc() {
                vec![User::NEVER; n as usize]
            } else {
                Vec::new()
            },
        };
        m.init_users(&streams);
        m.init_sync();
        m.init_faults();
        m
    }

    /// Runs until every user has an outcome and every registered key has reached AD, or
    /// the horizon comes, and hands back the results. Stopping when the rollout is over
    /// keeps utilisation and queue averages over the rollout rather than over idle days
    /// of sync cycles, and leaves no queue half-counted.
    pub fn run(mut self) -> RunOutput {
        let horizon = self.spec.horizon.0;
        while self.unfinished > 0 || !self.sync.drained() {
            let Some((_, ev)) = self.q.pop_until(horizon) else {
                break;
            };
            self.dispatch(ev);
        }
        let hit_horizon = self.unfinished > 0;
        let end = if hit_horizon { horizon } else { self.q.now() };
        self.finish_run(end, hit_horizon)
    }

    fn dispatch(&mut self, ev: Event) {
        match ev {
            Event::SignIn(u) => self.on_sign_in(u),
            Event::TraceSignIn { user, row } => self.on_trace_sign_in(user, row),
            Event::SignOut { user, session } => self.on_sign_out(user, session),
            Event::JoinAttempt { user, session } => self.on_join_attempt(user, session),
            Event::JoinDone(u) => self.on_join_done(u),
            Event::PinPageDone(u) => self.on_pin_page_done(u),
            Event::MfaResult { user, ok } => self.on_mfa_result(user, ok),
            Event::MfaRetry(u) => self.mfa_attempt(u),
            Event::PinEntered { user, accepted } => self.on_pin_entered(user, accepted),
            Event::KeyReady(u) => self.on_key_ready(u),
            Event::DrsReturned { user, throttled } => self.on_drs_returned(user, throttled),
            Event::RequestSent(u) => self.on_request_sent(u),
            Event::AdfsHandled { user, server } => self.on_adfs_handled(user, server),
            Event::KeyChecked { user, server, ok } => self.on_key_checked(user, server, ok),
            Event::RaSigned { user, server } => self.on_ra_signed(user, server),
            Event::CaDone { user, server } => self.on_ca_done(user, server),
            Event::Installed(u) => self.on_installed(u),
            Event::RequestTimeout {
                user,
                attempt,
                server,
            } => self.on_request_timeout(user, attempt, server),
            Event::CaTimeout {
                user,
                attempt,
                server,
            } => self.on_ca_timeout(user, attempt, server),
            Event::DcValidated(u) => self.on_dc_validated(u),
            Event::KeyOnDc(u) => self.on_key_on_dc(u),
            Event::Retry {
                user,
                generation,
                kind,
            } => self.on_retry(user, generation, kind),
            Event::SyncTick { manual } => self.on_sync_tick(manual),
            Event::SyncCutoff { cycle } => self.on_sync_cutoff(cycle),
            Event::SyncEnd { cycle } => self.on_sync_end(cycle),
            Event::FaultStart(i) => self.on_fault(i, true),
            Event::FaultEnd(i) => self.on_fault(i, false),
        }
    }

    fn now(&self) -> SimTime {
        self.q.now()
    }

    /// Draws from `dist` on the user's UI stream.
    fn ui_draw(&mut self, u: u32, dist: &Dist) -> SimTime {
        dist.sample(&mut self.users[u as usize].streams.ui)
    }

    /// Draws from `dist` on the user's network stream.
    fn net_draw(&mut self, u: u32, dist: &Dist) -> SimTime {
        dist.sample(&mut self.users[u as usize].streams.net)
    }

    fn user(&mut self, u: u32) -> &mut User {
        &mut self.users[u as usize]
    }

    fn finish_run(mut self, end: SimTime, hit_horizon: bool) -> RunOutput {
        let users = self
            .users
            .iter()
            .enumerate()
            .map(|(i, u)| UserRecord {
                id: i as u32,
                outcome: u.outcome.unwrap_or(Outcome::Pending),
                rejected_by: u.rejected_by,
                milestones: u.milestones,
                key_source: u.key_source,
                signins: u.signins,
                enroll_attempts: u.enroll_attempts,
                device_ready_at_start: u.device_ready_at_start,
                registration_failures: self.fail_counts[i][0] as u32,
                enrollment_failures: self.fail_counts[i][1] as u32,
                key_on_dc: self.key_on_dc.get(i).copied().filter(|&t| t != User::NEVER),
                dc_wait: self.dc.since(i),
            })
            .collect();
        let mut resources = self.farm.reports(end);
        resources.push(self.ca.report(end));
        resources.push(self.drs.report(end));
        resources.push(self.sync.report(end));
        let bucket = self.spec.report.series_bucket.0;
        let window = (self.spec.report.peak_window.0 / bucket.max(1)).max(1) as usize;
        for r in &mut resources {
            let capacity = (r.capacity > 0).then_some(r.capacity as f64);
            r.peak = peak_window(
                &r.series,
                &r.waits,
                to_secs(bucket),
                to_secs(end),
                window,
                capacity,
            );
        }
        RunOutput {
            users,
            resources,
            sync_cycles: std::mem::take(&mut self.sync.log),
            events: self.q.processed(),
            end,
            hit_horizon,
            trace: self.trace.into_records(),
            failures: self.failures,
            faults: self.faults.into_records(),
        }
    }
}

#[cfg(test)]
mod tests;
