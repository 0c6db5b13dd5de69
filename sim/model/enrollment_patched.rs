//! Synchronous certificate enrollment through the AD FS registration authority (DOMAIN §1
//! step 9, with KB4088889): the client sends its PKCS#10 request to the AD FS farm (servers
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

use super::done::{Outcome, ResourceReport};
use super::events::Event;
use super::pki_port::{KeyEvidence, Refusal};
use super::stream;
use super::user::{first, InFlight};
use super::Model;
use crate::engine::{Resource, SimRng, SimTime, StreamFactory};
use crate::scenario::schema::Balancing;
use crate::scenario::Spec;
use rand::Rng;

/// One federation server.
pub struct Server {
    /// Workers and their queue.
    pub res: Resource<u32>,
    /// KB4088889 installed.
    pub patched: bool,
    /// Open `adfs_server_down` windows on this server.
    pub down: u32,
}

/// The AD FS farm behind its load balancer.
pub struct Farm {
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
        Farm {
            servers: (0..a.servers)
                .map(|i| Server {
                    res: Resource::new(a.workers, 0).with_series(bucket),
                    patched: i < a.patched,
                    down: 0,
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
            .map(|(i, s)| ResourceReport {
                name: format!("adfs-{}", i + 1),
                stats: s.res.stats(end),
                has_servers: true,
                series: s.res.series_rows(end),
            })
            .collect()
    }
}

/// The issuing CA.
pub struct CaState {
    /// Workers and their queue; tokens are (user, AD FS server holding the request).
    pub res: Resource<(u32, u16)>,
    /// Open `ca_down` windows.
    pub down: u32,
    serials: SimRng,
}

impl CaState {
    /// The CA with `ca.workers` workers and its serial-number stream.
    pub fn new(spec: &Spec, f: &StreamFactory, bucket: SimTime) -> CaState {
        CaState {
            res: Resource::new(spec.ca.workers, 0).with_series(bucket),
            down: 0,
            serials: f.stream(stream::CA, 0),
        }
    }

    /// The CA's report.
    pub fn report(&mut self, end: SimTime) -> ResourceReport {
        ResourceReport {
            name: "ca".into(),
            stats: self.res.stats(end),
            has_servers: true,
            series: self.res.series_rows(end),
        }
    }
}

impl Model<'_> {
    /// The client builds its PKCS#10 request and sends it to AD FS.
    pub(super) fn enrollment_begin(&mut self, u: u32) {
        let now = self.now();
        let spec = self.spec;
        let key = self.attack_request_key(u);
        let request = self.pki.client_request(u, key);
        let user = self.user(u);
        user.enrolling = true;
        user.enroll_attempts += 1;
        user.milestones.request_sent = Some(now);
        user.request = Some(InFlight::Sent(request));
        let n = user.enroll_attempts;
        self.trace.log(now, u, "enrollment", None, || {
            format!("Certificate enrollment: request {n} sent to the AD FS registration authority")
        });
        self.q
            .schedule_in(spec.pki.timing.request_sign.0, Event::RequestSent(u));
    }

    /// The load balancer hands the request to a server.
    pub(super) fn on_request_sent(&mut self, u: u32) {
        let Some(s) = self.farm.pick() else {
            self.enrollment_failed(u, "no AD FS server reachable");
            return;
        };
        let now = self.now();
        if self.farm.servers[s].res.request(now, u).is_some() {
            self.adfs_serve(u, s);
        }
    }

    fn adfs_serve(&mut self, u: u32, s: usize) {
        let spec = self.spec;
        let t = self.net_draw(u, &spec.adfs.service);
        self.q.schedule_in(
            t,
            Event::AdfsHandled {
                user: u,
                server: s as u16,
            },
        );
    }

    /// A worker frees up; the next waiting request on that server starts.
    fn adfs_release(&mut self, s: usize) {
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

    /// The server has handled the request; the RA checks the key.
    pub(super) fn on_adfs_handled(&mut self, u: u32, server: u16) {
        let spec = self.spec;
        let s = server as usize;
        let (t, ok) = if self.user(u).key_in_ad {
            (self.net_draw(u, &spec.adfs.ad_key_lookup), true)
        } else if self.farm.servers[s].patched {
            if self.drs.down > 0 {
                self.adfs_release(s);
                self.enrollment_failed(u, "AD FS cannot reach DRS to validate the key receipt");
                return;
            }
            let d = self.drs.scaled(&spec.drs.receipt_validation);
            (self.net_draw(u, &d), true)
        } else {
            (self.net_draw(u, &spec.adfs.ad_key_lookup), false)
        };
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
        if !ok {
            self.adfs_release(s);
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
        let Some(InFlight::Ra(answer)) = self.users[u as usize].request.take() else {
            unreachable!("the RA works on every request it signs");
        };
        match answer.join() {
            Err(reason) => {
                self.adfs_release(s);
                self.reject(u, reason);
            }
            Ok(envelope) => {
                let envelope = self.attack_envelope(u, envelope);
                self.user(u).request = Some(InFlight::Queued(envelope));
                if self.ca.down > 0 {
                    self.adfs_release(s);
                    self.enrollment_failed(u, "the RA cannot reach the CA");
                    return;
                }
                if self.ca.res.request(now, (u, server)).is_some() {
                    self.ca_serve(u, server);
                }
            }
        }
    }

    /// A CA worker starts on the request: the serial and the issuing instant are fixed
    /// now, and the CA's work starts with them.
    fn ca_serve(&mut self, u: u32, server: u16) {
        let spec = self.spec;
        let timing = &spec.pki.timing;
        let t = self.net_draw(u, &spec.ca.issue) + timing.ca_check_issue.0 + timing.crl_check.0;
        let Some(InFlight::Queued(envelope)) = self.users[u as usize].request.take() else {
            unreachable!("an envelope waits for every request the CA starts on");
        };
        self.attack_tap(u, &envelope);
        let done_at = self.now() + t;
        // Serial numbers are positive 63-bit values from the CA's own stream, drawn in
        // the order the CA starts on requests (again on the rare repeat: the CA never
        // issues one twice).
        let serials = &mut self.ca.serials;
        let mut draw = || (serials.random::<u64>() >> 1).max(1);
        let answer = self.pki.start_ca(envelope, &mut draw, done_at);
        self.user(u).request = Some(InFlight::Ca(answer));
        self.q.schedule_in(t, Event::CaDone { user: u, server });
    }

    /// Requests that start on the CA brought back from a down window.
    pub(super) fn ca_started(&mut self, started: Vec<(u32, u16)>) {
        for (u, s) in started {
            self.ca_serve(u, s);
        }
    }

    /// The CA checks the envelope and issues; the RA returns the certificate to the client.
    pub(super) fn on_ca_done(&mut self, u: u32, server: u16) {
        let now = self.now();
        if let Some((next, next_server)) = self.ca.res.release(now) {
            self.ca_serve(next, next_server);
        }
        self.adfs_release(server as usize);
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
                self.enrollment_failed_with(u, || {
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

    /// The client verifies the certificate and installs it: the PIN is usable on-prem.
    pub(super) fn on_installed(&mut self, u: u32) {
        let now = self.now();
        let Some(InFlight::Installing(answer)) = self.users[u as usize].request.take() else {
            unreachable!("the client verifies every certificate it installs");
        };
        match answer.join() {
            Err(reason) => self.reject(u, reason),
            Ok(issued) => {
                self.trace.log(now, u, "installed", None, || {
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
        self.trace.log(now, u, "rejected", None, || {
            format!("Enrollment refused by a security check: {reason}")
        });
        let user = self.user(u);
        user.enrolling = false;
        user.rejected_by = Some(reason);
        self.finish(u, Outcome::Rejected);
        self.end_ui(u);
    }
}
