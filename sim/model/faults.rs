//! Scheduled fault windows: DRS unreachable or slow, an AD FS server down, the CA down,
//! Azure AD Connect stopped, the enrollment agent certificate revoked. Windows may overlap; each component counts open windows.

use super::events::Event;
use super::Model;
use crate::scenario::schema::FaultKind;

impl Model<'_> {
    /// Schedules every window's opening and closing.
    pub(super) fn init_faults(&mut self) {
        for (i, f) in self.spec.faults.iter().enumerate() {
            self.q.schedule_at(f.start.0, Event::FaultStart(i as u16));
            let end = f.effective_end(self.spec.pki.agent_reenroll);
            self.q.schedule_at(end.0, Event::FaultEnd(i as u16));
        }
    }

    /// Opens (`start`) or closes window `i`.
    pub(super) fn on_fault(&mut self, i: u16, start: bool) {
        let now = self.now();
        let f = &self.spec.faults[i as usize];
        match f.kind {
            FaultKind::DrsDown => {
                if start {
                    self.drs.down += 1;
                } else {
                    self.drs.down -= 1;
                }
            }
            FaultKind::DrsSlow => {
                let factor = f.factor.unwrap_or(1.0);
                if start {
                    self.drs.slow.push(factor);
                } else if let Some(p) = self.drs.slow.iter().position(|x| *x == factor) {
                    self.drs.slow.swap_remove(p);
                }
            }
            FaultKind::AdfsServerDown => {
                let s = f.server.unwrap_or(1).saturating_sub(1) as usize;
                let server = &mut self.farm.servers[s];
                if start {
                    server.down += 1;
                    server.res.set_capacity(now, 0);
                } else {
                    server.down -= 1;
                    if server.down == 0 {
                        let started = server.res.restore(now);
                        self.adfs_started(s, started);
                    }
                }
            }
            FaultKind::CaDown => {
                if start {
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
            FaultKind::AadConnectStopped => {
                if start {
                    self.sync_stop();
                } else {
                    self.sync_resume();
                }
            }
            // The agent's key was stolen: the CA revokes its certificate (the attacker
            // keeps the key); at the window's end AD FS holds a new one.
            FaultKind::AgentRevoked => {
                if start {
                    self.pki.revoke_agent(now);
                    self.attacker.holds_revoked_agent = true;
                } else {
                    self.pki.reenroll_agent(now);
                }
            }
        }
    }
}
