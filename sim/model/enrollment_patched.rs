//! Synchronous certificate enrollment through the AD FS registration authority
//! (with KB4088889, docs/model.md §9): the client sends its PKCS#10 request to the AD FS farm (servers
//! × workers behind a load balancer); the RA checks the key (in AD if synced, else by
//! validating the key receipt against DRS), checks the request and signs it with its
//! enrollment agent certificate; the CA (workers) checks the RA's signature and issues;
//! the client verifies and installs the certificate, and a domain controller validates a
//! logon with it (`dc_logon`). An unpatched server takes the same
//! path but refuses a key that is not in AD yet (see `enrollment_unpatched`).
//!
//! Every crypto check is a call to the PKI port: started when the simulated server starts
//! on the request (with every input fixed then: the request, the signer, the CA's serial
//! and the simulated instant the step completes), read when the step completes, and the
//! model acts on the answer it reads. How the port computes it (at once, or on other
//! threads while the simulation goes on) cannot change the answer.
//!
//! A user has at most one attempt on the server side at a time. When a caller gives up
//! (see `enrollment_timeouts`), its request is withdrawn if it still waits in a queue;
//! work already started is finished in simulated time and its answer discarded, and the
//! crypto nobody will read is dropped.

use super::done::{EnrollFailure, Holding, Outcome, ResourceReport};
use super::events::Event;
use super::pki_port::{KeyEvidence, Refusal};
use super::resource_id::ResourceId;
use super::stream;
use super::user::{first, AtServer, InFlight, User};
use super::Model;
use crate::engine::time::to_secs;
use crate::engine::{Resource, SimRng, SimTime, StreamFactory};
use crate::scenario::schema::{Balancing, FaultKind};
use crate::scenario::Spec;
use rand::Rng;

/// The parts of an AD FS worker's time, indices into [`Server::held`].
const OWN: usize = 0;
const DRS_CHECK: usize = 1;
const CA_QUEUE: usize = 2;
const CA_SERVICE: usize = 3;

/// One federation server.
pub struct Server {
    /// Workers and their queue.
    pub res: Resource<u32>,
    /// KB4088889 installed.
    pub patched: bool,
    /// Open `adfs_server_down` windows on this server.
    pub down: u32,
    /// Worker time by part (own work, DRS receipt check, waiting for the CA, the CA
    /// serving), µs.
    held: [SimTime; 4],
    /// Requests finished after their client had given up.
    discarded: u64,
}

/// The AD FS farm behind its load balancer.
pub(crate) struct Farm {
    /// Servers, numbered from 1 in reports.
    pub servers: Vec<Server>,
    policy: Balancing,
    next: usize,
    rng: SimRng,
}

impl Farm {
    /// Servers `1..=patched` are patched.
    pub fn new(spec: &Spec, f: &StreamFactory, bucket: SimTime) -> Farm {
        let a = &spec.adfs;
        let patched = a.patched_servers();
        Farm {
            servers: (0..a.servers)
                .map(|i| Server {
                    res: Resource::new(a.workers, 0).with_series(bucket),
                    patched: i < patched,
                    down: 0,
                    held: [0; 4],
                    discarded: 0,
                })
                .collect(),
            policy: a.balancing,
            next: 0,
            rng: f.stream(stream::BALANCER, 0),
        }
    }

    /// The server the balancer sends the next request to, `None` when all are down.
    fn pick(&mut self) -> Option<usize> {
        // Runs for every request: iterators over the servers rather than a list of the
        // ones up, so that nothing is allocated.
        let up = self.servers.iter().filter(|s| s.down == 0).count();
        if up == 0 {
            return None;
        }
        let mut up_servers = (0..self.servers.len()).filter(|&i| self.servers[i].down == 0);
        Some(match self.policy {
            Balancing::RoundRobin => {
                let n = self.servers.len();
                let i = (0..n)
                    .map(|k| (self.next + k) % n)
                    .find(|i| self.servers[*i].down == 0)
                    .expect("at least one server is up");
                self.next = (i + 1) % n;
                i
            }
            Balancing::Random => {
                let k = self.rng.random_range(0..up);
                up_servers.nth(k).expect("k < servers up")
            }
            Balancing::LeastBusy => up_servers
                .min_by_key(|&i| {
                    self.servers[i].res.busy() as usize + self.servers[i].res.queue_len()
                })
                .expect("at least one server is up"),
        })
    }

    /// One report per server.
    pub fn reports(&mut self, end: SimTime) -> Vec<ResourceReport> {
        self.servers
            .iter_mut()
            .enumerate()
            .map(|(i, s)| {
                let series = s.res.series_rows(end);
                let waits = s.res.wait_rows(series.len());
                let mut r = ResourceReport::new(
                    ResourceId::AdfsServer(i as u32 + 1),
                    s.res.stats(end),
                    s.res.nominal_capacity(),
                    series,
                    waits,
                );
                r.discarded = s.discarded;
                r.holding = Some(Holding {
                    own_s: to_secs(s.held[OWN]),
                    drs_check_s: to_secs(s.held[DRS_CHECK]),
                    ca_queue_s: to_secs(s.held[CA_QUEUE]),
                    ca_service_s: to_secs(s.held[CA_SERVICE]),
                });
                r
            })
            .collect()
    }
}

/// The issuing CA.
pub(crate) struct CaState {
    /// Workers and their queue; tokens are (user, AD FS server holding the request, when
    /// the RA called).
    pub res: Resource<(u32, u16, SimTime)>,
    /// Open `ca_down` windows.
    pub down: u32,
    serials: SimRng,
    /// RA calls refused while the CA was down.
    failed: u64,
    /// Certificates issued after the RA or the client had given up (never installed).
    discarded: u64,
}

impl CaState {
    /// The CA with `ca.workers` workers and its serial-number stream.
    pub fn new(spec: &Spec, f: &StreamFactory, bucket: SimTime) -> CaState {
        CaState {
            res: Resource::new(spec.ca.workers, 0).with_series(bucket),
            down: 0,
            serials: f.stream(stream::CA, 0),
            failed: 0,
            discarded: 0,
        }
    }

    /// The CA's report.
    pub fn report(&mut self, end: SimTime) -> ResourceReport {
        let series = self.res.series_rows(end);
        let waits = self.res.wait_rows(series.len());
        let mut r = ResourceReport::new(
            ResourceId::Ca,
            self.res.stats(end),
            self.res.nominal_capacity(),
            series,
            waits,
        );
        r.failed = self.failed;
        r.discarded = self.discarded;
        r
    }
}

impl Model<'_> {
    /// The client builds its PKCS#10 request and sends it to AD FS.
    pub(super) fn enrollment_begin(&mut self, u: u32) {
        let now = self.now();
        let spec = self.spec;
        if self.users[u as usize].at != AtServer::Nowhere {
            // The servers are still on an attempt the client gave up: one at a time.
            self.user(u).flags |= User::BEGIN_WHEN_FREE;
            self.trace.log(now, u, "enrollment", None, || {
                "Certificate enrollment waits: the servers are still busy with the abandoned request".into()
            });
            return;
        }
        let key = self.attack_request_key(u);
        let request = self.pki.client_request(u, key);
        let user = self.user(u);
        user.enrolling = true;
        user.enroll_attempts += 1;
        user.at = AtServer::Sending;
        user.milestones.request_sent = Some(now);
        user.request = Some(InFlight::Sent(request));
        let n = user.enroll_attempts;
        self.trace.log(now, u, "enrollment", Some(3066), || {
            format!("Certificate enrollment: request {n} sent to the AD FS registration authority")
        });
        self.q
            .schedule_in(spec.pki.timing.request_sign.0, Event::RequestSent(u));
    }

    /// The servers are done with the user's attempt (answered, refused, or finished after
    /// its caller left); a retry that waited for them starts now.
    pub(super) fn server_side_done(&mut self, u: u32) {
        let user = self.user(u);
        user.at = AtServer::Nowhere;
        let retry = user.has(User::BEGIN_WHEN_FREE);
        user.flags = 0;
        if retry && user.signed_in && !user.finished() && !user.enrolling {
            self.enrollment_begin(u);
        }
    }

    /// The load balancer hands the request to a server.
    pub(super) fn on_request_sent(&mut self, u: u32) {
        if self.users[u as usize].has(User::CLIENT_GONE) {
            self.server_side_done(u);
            return;
        }
        let Some(s) = self.farm.pick() else {
            self.fault_hit(FaultKind::AdfsServerDown, u, true);
            self.server_side_done(u);
            self.enrollment_failed(u, EnrollFailure::NoAdfsServer, "no AD FS server reachable");
            return;
        };
        let now = self.now();
        self.user(u).adfs_server = s as u16;
        if self.farm.servers[s].res.request(now, u).is_some() {
            self.adfs_serve(u, s);
        } else {
            self.user(u).at = AtServer::AdfsQueue;
            self.arm_request_timeout(u, SimTime::MAX);
        }
    }

    /// Makes sure the client's timeout will fire if the attempt may still be on the
    /// servers at its deadline (`request_sent + enrollment.request_timeout`): it is
    /// scheduled when the request joins a queue, or starts a step that ends at `until`
    /// past the deadline. A request that flows through idle servers in time costs no
    /// timeout event (and this check a few instructions per step).
    #[inline]
    fn arm_request_timeout(&mut self, u: u32, until: SimTime) {
        let user = &self.users[u as usize];
        let Some(sent) = user.milestones.request_sent else {
            return;
        };
        let deadline = sent + self.spec.enrollment.request_timeout.0;
        if until > deadline && !user.has(User::TIMEOUT_ARMED) {
            self.schedule_request_timeout(u, deadline);
        }
    }

    #[cold]
    fn schedule_request_timeout(&mut self, u: u32, deadline: SimTime) {
        let now = self.now();
        let user = self.user(u);
        user.flags |= User::TIMEOUT_ARMED;
        let (attempt, server) = (user.enroll_attempts, user.adfs_server);
        self.q.schedule_at(
            deadline.max(now),
            Event::RequestTimeout {
                user: u,
                attempt,
                server,
            },
        );
    }

    fn adfs_serve(&mut self, u: u32, s: usize) {
        let spec = self.spec;
        self.user(u).at = AtServer::AdfsStep;
        let t = self.net_draw(u, &spec.adfs.service);
        self.farm.servers[s].held[OWN] += t;
        self.arm_request_timeout(u, self.now() + t);
        self.q.schedule_in(
            t,
            Event::AdfsHandled {
                user: u,
                server: s as u16,
            },
        );
    }

    /// A worker frees up; the next waiting request on that server starts.
    pub(super) fn adfs_release(&mut self, s: usize) {
        let now = self.now();
        if let Some(next) = self.farm.servers[s].res.release(now) {
            self.adfs_serve(next, s);
        }
    }

    /// Requests that start on a server brought back from a down window.
    pub(super) fn adfs_started(&mut self, s: usize, started: Vec<u32>) {
        for u in started {
            self.adfs_serve(u, s);
        }
    }

    /// The step a worker was on is over and the client has gone: the worker stops.
    fn adfs_abandon(&mut self, u: u32, s: usize) {
        self.farm.servers[s].discarded += 1;
        self.adfs_release(s);
        self.server_side_done(u);
    }

    /// The server has handled the request; the RA checks the key.
    pub(super) fn on_adfs_handled(&mut self, u: u32, server: u16) {
        let spec = self.spec;
        let s = server as usize;
        if self.users[u as usize].has(User::CLIENT_GONE) {
            self.adfs_abandon(u, s);
            return;
        }
        let (t, ok) = if self.user(u).key_in_ad {
            let t = self.net_draw(u, &spec.adfs.ad_key_lookup);
            self.farm.servers[s].held[OWN] += t;
            (t, true)
        } else if self.farm.servers[s].patched {
            if self.drs.down > 0 {
                self.drs.failed += 1;
                self.fault_hit(FaultKind::DrsDown, u, true);
                self.adfs_release(s);
                self.server_side_done(u);
                self.enrollment_failed(
                    u,
                    EnrollFailure::DrsUnreachable,
                    "AD FS cannot reach DRS to validate the key receipt",
                );
                return;
            }
            if !self.drs.slow.is_empty() {
                self.fault_hit(FaultKind::DrsSlow, u, false);
            }
            let d = self.drs.scaled(&spec.drs.receipt_validation);
            let t = self.net_draw(u, &d);
            self.farm.servers[s].held[DRS_CHECK] += t;
            (t, true)
        } else {
            let t = self.net_draw(u, &spec.adfs.ad_key_lookup);
            self.farm.servers[s].held[OWN] += t;
            (t, false)
        };
        self.arm_request_timeout(u, self.now() + t);
        self.q.schedule_in(
            t,
            Event::KeyChecked {
                user: u,
                server,
                ok,
            },
        );
    }

    /// The key check is over: refuse (unpatched server, key not in AD) or go on to the RA.
    pub(super) fn on_key_checked(&mut self, u: u32, server: u16, ok: bool) {
        let s = server as usize;
        if self.users[u as usize].has(User::CLIENT_GONE) {
            self.adfs_abandon(u, s);
            return;
        }
        if !ok {
            self.adfs_release(s);
            self.server_side_done(u);
            self.unpatched_refuses(u, server);
            return;
        }
        let spec = self.spec;
        // A key not yet in AD is vouched for by its DRS receipt, which the RA verifies.
        let (evidence, receipt_t) = if self.user(u).key_in_ad {
            (KeyEvidence::Directory, 0)
        } else {
            (KeyEvidence::Receipt, spec.pki.timing.receipt_verify.0)
        };
        let t =
            self.net_draw(u, &spec.adfs.ra_service) + spec.pki.timing.ra_check_sign.0 + receipt_t;
        self.farm.servers[s].held[OWN] += t;
        self.arm_request_timeout(u, self.now() + t);
        // The RA starts on the request now: who signs the envelope and whom it names are
        // decided now (draws on the user's own attack stream).
        let call = self.attack_ra_call(u, evidence);
        let Some(InFlight::Sent(request)) = self.users[u as usize].request.take() else {
            unreachable!("a sent request travels with every enrollment reaching the RA");
        };
        let done_at = self.now() + t;
        let answer = self.pki.start_ra(call, request, done_at);
        self.user(u).request = Some(InFlight::Ra(answer));
        self.q.schedule_in(t, Event::RaSigned { user: u, server });
    }

    /// The RA has checked the request and signed the envelope; then the CA is called.
    pub(super) fn on_ra_signed(&mut self, u: u32, server: u16) {
        let now = self.now();
        let s = server as usize;
        if self.users[u as usize].has(User::CLIENT_GONE) {
            self.adfs_abandon(u, s);
            return;
        }
        let Some(InFlight::Ra(answer)) = self.users[u as usize].request.take() else {
            unreachable!("the RA works on every request it signs");
        };
        match answer.join() {
            Err(reason) => {
                self.adfs_release(s);
                self.server_side_done(u);
                self.reject(u, reason);
            }
            Ok(envelope) => {
                let envelope = self.attack_envelope(u, envelope);
                self.user(u).request = Some(InFlight::Queued(envelope));
                if self.ca.down > 0 {
                    self.ca.failed += 1;
                    self.fault_hit(FaultKind::CaDown, u, true);
                    self.adfs_release(s);
                    self.server_side_done(u);
                    self.enrollment_failed(
                        u,
                        EnrollFailure::CaUnreachable,
                        "the RA cannot reach the CA",
                    );
                    return;
                }
                self.trace.log(now, u, "ca_submitted", None, || {
                    "The registration authority submitted the request to the CA".into()
                });
                let attempt = self.users[u as usize].enroll_attempts;
                let limit = self.spec.adfs.ca_timeout.0;
                let timeout = Event::CaTimeout {
                    user: u,
                    attempt,
                    server,
                };
                if self.ca.res.request(now, (u, server, now)).is_some() {
                    // Served at once: the RA gives up only if the CA takes too long.
                    if self.ca_serve(u, server, now) > limit {
                        self.q.schedule_in(limit, timeout);
                    }
                } else {
                    self.user(u).at = AtServer::CaQueue;
                    self.q.schedule_in(limit, timeout);
                    self.arm_request_timeout(u, SimTime::MAX);
                }
            }
        }
    }

    /// A CA worker starts on the request the RA sent at `called`: the serial and the
    /// issuing instant are fixed now, and the CA's work starts with them. Returns how long
    /// the CA will take.
    fn ca_serve(&mut self, u: u32, server: u16, called: SimTime) -> SimTime {
        let now = self.now();
        let spec = self.spec;
        self.user(u).at = AtServer::CaService;
        let timing = &spec.pki.timing;
        let t = self.net_draw(u, &spec.ca.issue) + timing.ca_check_issue.0 + timing.crl_check.0;
        // The RA's worker waits for the CA until it answers or the RA gives up, whichever
        // comes first: both are known now.
        let gives_up = called + spec.adfs.ca_timeout.0;
        let held = &mut self.farm.servers[server as usize].held;
        held[CA_QUEUE] += now - called;
        held[CA_SERVICE] += t.min(gives_up.saturating_sub(now));
        self.arm_request_timeout(u, now + t);
        match self.users[u as usize].request.take() {
            Some(InFlight::Queued(envelope)) => {
                self.attack_tap(u, &envelope);
                let done_at = now + t;
                // Serial numbers are positive 63-bit values from the CA's own stream, drawn
                // in the order the CA starts on requests (again on the rare repeat: the CA
                // never issues one twice).
                let serials = &mut self.ca.serials;
                let mut draw = || (serials.random::<u64>() >> 1).max(1);
                let answer = self.pki.start_ca(envelope, &mut draw, done_at);
                self.user(u).request = Some(InFlight::Ca(answer));
            }
            // The client gave up while the call waited (the RA still waits for it): the
            // CA does the work in simulated time; nobody will read its crypto.
            other => debug_assert!(
                other.is_none() && self.users[u as usize].has(User::CLIENT_GONE),
                "an envelope waits for every live request the CA starts on"
            ),
        }
        self.q.schedule_in(t, Event::CaDone { user: u, server });
        t
    }

    /// Requests that start on the CA brought back from a down window.
    pub(super) fn ca_started(&mut self, started: Vec<(u32, u16, SimTime)>) {
        for (u, s, called) in started {
            self.ca_serve(u, s, called);
        }
    }

    /// The CA checks the envelope and issues; the RA returns the certificate to the client.
    pub(super) fn on_ca_done(&mut self, u: u32, server: u16) {
        let now = self.now();
        if let Some((next, next_server, called)) = self.ca.res.release(now) {
            self.ca_serve(next, next_server, called);
        }
        let s = server as usize;
        let user = &self.users[u as usize];
        let (client_gone, adfs_gone) = (user.has(User::CLIENT_GONE), user.has(User::ADFS_GONE));
        if !adfs_gone {
            self.adfs_release(s);
        }
        if client_gone || adfs_gone {
            // Issued for a caller who has gone: the certificate is never installed.
            self.ca.discarded += 1;
            if !adfs_gone {
                self.farm.servers[s].discarded += 1;
            }
            self.trace.log(now, u, "certificate_discarded", None, || {
                "The CA issued a certificate for a request whose caller had given up: it is never installed".into()
            });
            self.server_side_done(u);
            return;
        }
        self.server_side_done(u);
        let Some(InFlight::Ca(answer)) = self.users[u as usize].request.take() else {
            unreachable!("the CA works on every request it finishes");
        };
        match answer.join() {
            // The CA refused the RA's own envelope because of the RA's state (its agent
            // certificate revoked, until AD FS enrolls a new one; or the envelope aged in
            // the CA's queue): AD FS answers the client with a server error and the
            // client retries. The same refusals of an attacker's envelope are counted.
            Err(reason @ (Refusal::AgentRevoked | Refusal::EnvelopeStale))
                if self.users[u as usize].attack.is_none() =>
            {
                let failure = if reason == Refusal::AgentRevoked {
                    self.fault_hit(FaultKind::AgentRevoked, u, true);
                    EnrollFailure::AgentRevoked
                } else {
                    EnrollFailure::EnvelopeStale
                };
                self.enrollment_failed_with(u, failure, || {
                    format!("the CA refused the RA's envelope ({reason})")
                });
            }
            Err(reason) => self.reject(u, reason),
            Ok(issued) => {
                self.attack_honoured(u);
                let serial = issued.serial;
                first(&mut self.user(u).milestones.cert_issued, now);
                self.trace.log(now, u, "certificate_issued", None, || {
                    format!("The CA issued the certificate (serial {serial:x})")
                });
                let spec = self.spec;
                let t = self.net_draw(u, &spec.enrollment.client_install)
                    + self.spec.pki.timing.client_verify.0;
                let answer = self.pki.start_install(u, issued, now + t);
                self.user(u).request = Some(InFlight::Installing(answer));
                self.q.schedule_in(t, Event::Installed(u));
            }
        }
    }

    /// The client gave up on its request, sent to AD FS server `server` (see
    /// `enrollment_timeouts`): a request still waiting for an AD FS worker is withdrawn;
    /// one a server is on becomes work for a caller who has gone.
    pub(super) fn client_gives_up(&mut self, u: u32, server: u16) {
        let now = self.now();
        match self.users[u as usize].at {
            AtServer::AdfsQueue => {
                let res = &mut self.farm.servers[server as usize].res;
                let withdrawn = res.withdraw(now, |&t| t == u);
                debug_assert!(withdrawn.is_some(), "a queued request is in its queue");
                self.server_side_done(u);
            }
            AtServer::Nowhere => {}
            _ => self.user(u).flags |= User::CLIENT_GONE,
        }
    }

    /// The RA of AD FS server `server` gave up waiting for the CA (see
    /// `enrollment_timeouts`): a call still waiting for a CA worker is withdrawn; one the
    /// CA is on is finished there and discarded. The AD FS worker is free either way.
    /// Returns `false` when the call was no longer at the CA.
    pub(super) fn ra_gives_up(&mut self, u: u32, server: u16) -> bool {
        let now = self.now();
        let s = server as usize;
        let user = &self.users[u as usize];
        match user.at {
            AtServer::CaQueue => {
                let Some((_, _, called)) = self.ca.res.withdraw(now, |&(t, _, _)| t == u) else {
                    debug_assert!(false, "a queued call is in the CA's queue");
                    return false;
                };
                self.farm.servers[s].held[CA_QUEUE] += now - called;
                self.adfs_release(s);
                if self.users[u as usize].has(User::CLIENT_GONE) {
                    self.farm.servers[s].discarded += 1;
                }
                self.server_side_done(u);
                true
            }
            AtServer::CaService if !user.has(User::ADFS_GONE) => {
                // Its waiting time was counted when the CA started (up to this moment).
                self.user(u).flags |= User::ADFS_GONE;
                self.adfs_release(s);
                true
            }
            _ => false,
        }
    }

    /// The client verifies the certificate and installs it: the PIN is usable on-prem.
    pub(super) fn on_installed(&mut self, u: u32) {
        let now = self.now();
        let Some(InFlight::Installing(answer)) = self.users[u as usize].request.take() else {
            unreachable!("the client verifies every certificate it installs");
        };
        match answer.join() {
            Err(reason) => self.reject(u, reason),
            Ok(issued) => {
                self.trace.log(now, u, "installed", Some(1006), || {
                    "Certificate installed in the user's store: the PIN is ready".into()
                });
                self.end_ui(u);
                self.dc_logon_begin(u, issued);
            }
        }
    }

    /// A security check refused the request: the flow ends `rejected`.
    pub(super) fn reject(&mut self, u: u32, reason: Refusal) {
        let now = self.now();
        self.trace.log(now, u, "rejected", Some(7066), || {
            format!("Enrollment refused by a security check: {reason}")
        });
        let user = self.user(u);
        user.enrolling = false;
        user.rejected_by = Some(reason);
        self.finish(u, Outcome::Rejected);
        self.end_ui(u);
    }
}
