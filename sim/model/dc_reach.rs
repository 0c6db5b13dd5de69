//! First use needs a domain controller in reach (docs/model.md §10, §11): the moment the PIN is
//! ready for on-prem use — certificate installed (certificate trust), key on the user's DC
//! (key trust), provisioning over (cloud Kerberos trust) — the user's first logon goes to
//! a DC. During a `dc_unreachable` window it waits; the window's end lets every waiting
//! user through, in the order they came.

use super::done::Outcome;
use super::user::{InFlight, User};
use super::Model;
use crate::engine::SimTime;
use crate::scenario::fault::FaultEffect;
use crate::scenario::schema::FaultKind;
use crate::scenario::Spec;

/// Domain controller reachability.
pub(crate) struct DcReach {
    /// Open `dc_unreachable` windows.
    pub down: u32,
    /// Users whose first use waits for a DC, in arrival order (empty without a window).
    waiting: Vec<u32>,
    /// Per user, when their wait for a DC began ([`User::NEVER`]: it did not); empty
    /// when the spec has no `dc_unreachable` window.
    since: Vec<SimTime>,
}

impl DcReach {
    /// Reachable; the per-user record is only kept when `spec` has a window.
    pub fn new(spec: &Spec) -> DcReach {
        let any = spec
            .faults
            .iter()
            .any(|f| matches!(f.effect, FaultEffect::DcUnreachable));
        DcReach {
            down: 0,
            waiting: Vec::new(),
            since: if any {
                vec![User::NEVER; spec.users as usize]
            } else {
                Vec::new()
            },
        }
    }

    /// When user `i`'s first use began to wait for a DC, if it did.
    pub fn since(&self, i: usize) -> Option<SimTime> {
        self.since.get(i).copied().filter(|&t| t != User::NEVER)
    }
}

impl Model<'_> {
    /// Whether no DC is in reach now.
    pub(super) fn dc_unreachable(&self) -> bool {
        self.dc.down > 0
    }

    /// Key or cloud Kerberos trust: the PIN is ready for on-prem use. It is usable now,
    /// or once a DC is back in reach.
    pub(super) fn first_use(&mut self, u: u32) {
        if self.dc_unreachable() {
            self.dc_wait(u);
            return;
        }
        let now = self.now();
        let key = self.spec.trust.key_must_reach_dc();
        self.trace.log(now, u, "usable", None, || if key {
            "A domain controller accepted a logon with the key in msDS-KeyCredentialLink: the PIN can be used on-prem".into()
        } else {
            "A domain controller exchanged the Cloud TGT for a full TGT: the PIN can be used on-prem".into()
        });
        self.finish(u, Outcome::Usable);
    }

    /// No DC in reach: the user's first use waits for the window's end.
    pub(super) fn dc_wait(&mut self, u: u32) {
        let now = self.now();
        let since = &mut self.dc.since[u as usize];
        *since = (*since).min(now);
        self.dc.waiting.push(u);
        self.fault_hit(FaultKind::DcUnreachable, u, false);
        self.trace.log(now, u, "dc_wait", None, || {
            "No domain controller in reach: the first on-prem logon with the PIN waits".into()
        });
    }

    /// A `dc_unreachable` window opens or closes; when the last closes, every waiting
    /// user's first logon goes ahead.
    pub(super) fn dc_fault(&mut self, start: bool) {
        if start {
            self.dc.down += 1;
            return;
        }
        self.dc.down = self.dc.down.saturating_sub(1);
        if self.dc.down > 0 {
            return;
        }
        for u in std::mem::take(&mut self.dc.waiting) {
            if self.spec.trust.enrolls_certificate() {
                let Some(InFlight::AwaitingDc(issued)) = self.users[u as usize].request.take()
                else {
                    unreachable!(
                        "a certificate-trust user waits for a DC with the certificate installed"
                    );
                };
                self.dc_logon_begin(u, issued);
            } else {
                self.first_use(u);
            }
        }
    }
}
