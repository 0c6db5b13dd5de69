//! Scheduled fault windows: DRS unreachable or slow, an AD FS server down, the CA down,
//! Azure AD Connect stopped, the enrollment agent certificate revoked, no domain
//! controller in reach. Windows may
//! overlap; each component counts open windows.
//!
//! Each window keeps a trace: the users it hit and the calls that failed because of it.
//! A user is *hit* by a window when, while it was open, one of their calls failed because
//! of it (a key registration or receipt validation while DRS was down, an RA call while
//! the CA was down, a request while every AD FS server was down), or was slowed or held
//! by it (a DRS call made while DRS was slow; a request waiting at an AD FS server or the
//! CA when it went down; a registered key waiting for Azure AD Connect while it was
//! stopped; a user whose first logon waited for a DC). Overlapping windows of the same kind each count what happened while both
//! were open.

use super::done::FaultRecord;
use super::events::Event;
use super::Model;
use crate::scenario::fault::FaultEffect;
use crate::scenario::schema::FaultKind;

/// The open windows and what each has hit so far.
pub(crate) struct FaultTracker {
    /// Indices of the open windows, in opening order.
    open: Vec<u16>,
    /// Per window, a bit per user: hit.
    hit: Vec<Vec<u64>>,
    /// Per window, calls that failed because of it.
    failed: Vec<u64>,
}

impl FaultTracker {
    /// A tracker for `windows` windows and `users` users (nothing allocated without
    /// windows).
    pub fn new(windows: usize, users: u32) -> FaultTracker {
        let words = (users as usize).div_ceil(64);
        FaultTracker {
            open: Vec::new(),
            hit: (0..windows).map(|_| vec![0u64; words]).collect(),
            failed: vec![0; windows],
        }
    }

    /// Whether any window is open (the common case is none: one branch).
    #[inline]
    pub(crate) fn any_open(&self) -> bool {
        !self.open.is_empty()
    }

    /// The records, in window order.
    pub(crate) fn into_records(self) -> Vec<FaultRecord> {
        self.hit
            .iter()
            .zip(&self.failed)
            .map(|(bits, &failed_calls)| FaultRecord {
                users_hit: bits
                    .iter()
                    .enumerate()
                    .flat_map(|(w, &word)| {
                        (0..64)
                            .filter(move |b| word & (1u64 << b) != 0)
                            .map(move |b| (w * 64 + b) as u32)
                    })
                    .collect(),
                failed_calls,
            })
            .collect()
    }
}

impl Model<'_> {
    /// Schedules every window's opening and closing.
    pub(super) fn init_faults(&mut self) {
        for (i, f) in self.spec.faults.iter().enumerate() {
            self.q.schedule_at(f.start.0, Event::FaultStart(i as u16));
            self.q.schedule_at(f.end.0, Event::FaultEnd(i as u16));
        }
    }

    /// User `u` was hit by every open window of `kind` (for `adfs_server_down`, of any
    /// server); `failed`: one of their calls failed because of it.
    pub(super) fn fault_hit(&mut self, kind: FaultKind, u: u32, failed: bool) {
        self.fault_hit_where(|e| e.kind() == kind, u, failed);
    }

    /// User `u` was hit by every open window whose effect `hits` picks; `failed`: one of
    /// their calls failed because of it.
    fn fault_hit_where(&mut self, hits: impl Fn(&FaultEffect) -> bool, u: u32, failed: bool) {
        if !self.faults.any_open() {
            return;
        }
        let spec = self.spec;
        let t = &mut self.faults;
        for &i in &t.open {
            if !hits(&spec.faults[i as usize].effect) {
                continue;
            }
            t.hit[i as usize][u as usize / 64] |= 1u64 << (u % 64);
            if failed {
                t.failed[i as usize] += 1;
            }
        }
    }

    /// Opens (`start`) or closes window `i`.
    pub(super) fn on_fault(&mut self, i: u16, start: bool) {
        let now = self.now();
        if start {
            self.faults.open.push(i);
        } else if let Some(p) = self.faults.open.iter().position(|&x| x == i) {
            self.faults.open.remove(p);
        }
        match self.spec.faults[i as usize].effect {
            FaultEffect::DrsDown => {
                if start {
                    self.drs.down += 1;
                } else {
                    self.drs.down -= 1;
                }
            }
            FaultEffect::DrsSlow { factor } => {
                if start {
                    self.drs.slow.push(factor);
                } else if let Some(p) = self.drs.slow.iter().position(|x| *x == factor) {
                    self.drs.slow.swap_remove(p);
                }
            }
            FaultEffect::AdfsServerDown { server } => {
                // Validation keeps `server` within 1..=adfs.servers.
                let s = (server - 1) as usize;
                if start {
                    // Requests waiting on the server are held until it is back.
                    let waiting: Vec<u32> = self.farm.servers[s].res.queued().copied().collect();
                    let this = FaultEffect::AdfsServerDown { server };
                    for u in waiting {
                        self.fault_hit_where(|e| *e == this, u, false);
                    }
                }
                let srv = &mut self.farm.servers[s];
                if start {
                    srv.down += 1;
                    srv.res.set_capacity(now, 0);
                } else {
                    srv.down -= 1;
                    if srv.down == 0 {
                        let started = srv.res.restore(now);
                        self.adfs_started(s, started);
                    }
                }
            }
            FaultEffect::CaDown => {
                if start {
                    let waiting: Vec<u32> = self.ca.res.queued().map(|&(u, _, _)| u).collect();
                    for u in waiting {
                        self.fault_hit(FaultKind::CaDown, u, false);
                    }
                    self.ca.down += 1;
                    self.ca.res.set_capacity(now, 0);
                } else {
                    self.ca.down -= 1;
                    if self.ca.down == 0 {
                        let started = self.ca.res.restore(now);
                        self.ca_started(started);
                    }
                }
            }
            FaultEffect::AadConnectStopped => {
                if start {
                    let waiting: Vec<u32> = self.sync.waiting_keys().collect();
                    for u in waiting {
                        self.fault_hit(FaultKind::AadConnectStopped, u, false);
                    }
                    self.sync_stop();
                } else {
                    self.sync_resume();
                }
            }
            // The agent's key was stolen: the CA revokes its certificate (the attacker
            // keeps the key); at the window's end AD FS holds a new one.
            FaultEffect::AgentRevoked => {
                if start {
                    self.pki.revoke_agent(now);
                    self.attacker.holds_revoked_agent = true;
                } else {
                    self.pki.reenroll_agent(now);
                }
            }
            FaultEffect::DcUnreachable => self.dc_fault(start),
        }
    }
}
