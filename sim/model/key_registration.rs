//! Key registration with the Device Registration Service (docs/model.md §6): the call
//! takes a network latency, may be throttled ("try after 300 seconds") or fail while DRS is
//! unreachable; on success the key is registered and waits for Azure AD Connect, and the
//! trust model's own steps follow.

use super::aad_connect::SyncObject;
use super::done::ResourceReport;
use super::events::Event;
use super::resource_id::ResourceId;
use super::user::first;
use super::Model;
use crate::engine::resource::ResourceStats;
use crate::engine::stats::{Series, Tally, TimeWeighted};
use crate::engine::time::to_secs;
use crate::engine::{Dist, SimTime};
use crate::scenario::schema::{FaultKind, Trust};
use rand::Rng;

/// DRS: modelled as latency plus faults (no server queue), observed as calls in flight.
pub(crate) struct DrsState {
    /// Open `drs_down` windows.
    pub down: u32,
    /// Latency multipliers of open `drs_slow` windows.
    pub slow: Vec<f64>,
    inflight: TimeWeighted,
    series: Series,
    /// Latency of each call, by the bucket it started in.
    latencies: Tally,
    calls: u64,
    latency_sum: SimTime,
    /// Calls refused while DRS was unreachable (registrations and receipt validations).
    pub failed: u64,
}

impl DrsState {
    /// DRS up and at normal speed.
    pub fn new(bucket: SimTime) -> Self {
        DrsState {
            down: 0,
            slow: Vec::new(),
            inflight: TimeWeighted::new(0),
            series: Series::new(bucket),
            latencies: Tally::new(bucket),
            calls: 0,
            latency_sum: 0,
            failed: 0,
        }
    }

    /// `dist` stretched by every open slow window.
    pub fn scaled(&self, dist: &Dist) -> Dist {
        let f: f64 = self.slow.iter().product();
        if f == 1.0 {
            dist.clone()
        } else {
            dist.scaled(f)
        }
    }

    fn call(&mut self, now: SimTime, latency: SimTime) {
        self.calls += 1;
        self.latency_sum += latency;
        self.latencies.add(now, to_secs(latency));
        let level = self.inflight.level() + 1.0;
        self.inflight.set(now, level);
        self.series.set(now, level);
    }

    fn returned(&mut self, now: SimTime) {
        let level = (self.inflight.level() - 1.0).max(0.0);
        self.inflight.set(now, level);
        self.series.set(now, level);
    }

    /// Figures for the report: `mean_queue` is the mean number of calls in flight,
    /// `mean_wait_s` the mean latency (so Little's law L = λW holds on them).
    pub fn report(&mut self, end: SimTime) -> ResourceReport {
        let stats = ResourceStats {
            utilization: 0.0,
            mean_queue: self.inflight.mean_until(end),
            max_queue: self.inflight.max(),
            mean_wait_s: if self.calls == 0 {
                0.0
            } else {
                to_secs(self.latency_sum) / self.calls as f64
            },
            wait_sum_s: to_secs(self.latency_sum),
            arrivals: self.calls,
            started: self.calls,
            withdrawn: 0,
            mean_busy: 0.0,
        };
        let series: Vec<[f64; 5]> = self
            .series
            .rows(end)
            .into_iter()
            .map(|(t, mean, max)| [t, 0.0, 0.0, mean, max])
            .collect();
        let waits = self.latencies.rows(series.len());
        let mut r = ResourceReport::new(ResourceId::Drs, stats, 0, series, waits);
        r.failed = self.failed;
        r
    }
}

impl Model<'_> {
    /// The client calls DRS to register the public key.
    pub(super) fn drs_register(&mut self, u: u32) {
        let now = self.now();
        let spec = self.spec;
        self.trace.log(now, u, "key_registration", Some(3510), || {
            "Key registration with Azure AD started".into()
        });
        if self.drs.down > 0 {
            self.drs.failed += 1;
            self.failures.registration_drs_unreachable += 1;
            let c = &mut self.fail_counts[u as usize][0];
            *c = c.saturating_add(1);
            self.fault_hit(FaultKind::DrsDown, u, true);
            self.trace.log(now, u, "key_registration", Some(301), || {
                "Key registration failed: DRS unreachable. Provisioning stops; it launches again at the next sign-in".into()
            });
            self.end_ui(u);
            return;
        }
        if self.users[u as usize].streams.net.random::<f64>() < spec.drs.p_throttle {
            self.trace.log(now, u, "key_registration", None, || {
                "DRS throttled the request: try after 300 seconds".into()
            });
            let backoff = spec.drs.throttle_backoff.0;
            self.q.schedule_in(
                backoff,
                Event::DrsReturned {
                    user: u,
                    throttled: true,
                },
            );
            return;
        }
        if !self.drs.slow.is_empty() {
            self.fault_hit(FaultKind::DrsSlow, u, false);
        }
        let d = self.drs.scaled(&spec.drs.latency);
        let t = self.net_draw(u, &d);
        self.drs.call(now, t);
        self.q.schedule_in(
            t,
            Event::DrsReturned {
                user: u,
                throttled: false,
            },
        );
    }

    /// DRS answered (or a throttle back-off ended and the client calls again).
    pub(super) fn on_drs_returned(&mut self, u: u32, throttled: bool) {
        let now = self.now();
        let spec = self.spec;
        if throttled {
            self.drs_register(u);
            return;
        }
        self.drs.returned(now);
        let user = self.user(u);
        first(&mut user.milestones.key_registered, now);
        user.awaiting_cert = true;
        self.pki.register_key(u, now);
        self.sync_enqueue(SyncObject::Key(u));
        if self.sync.stopped > 0 {
            self.fault_hit(FaultKind::AadConnectStopped, u, false);
        }
        self.trace.log(now, u, "key_registered", Some(300), || {
            "The Windows Hello for Business key was registered with Azure AD (key id and receipt returned)".into()
        });
        match spec.trust {
            Trust::Certificate => self.enrollment_begin(u),
            Trust::Key => self.key_trust_registered(u),
            Trust::CloudKerberos => self.cloud_kerberos_registered(u),
        }
    }
}
