//! The last step before "usable" (docs/model.md §10): a domain controller validates a PKINIT logon
//! with the installed certificate — chain to the CA, Smart Card Logon EKU, not revoked per
//! the CA's CRL, and strong mapping (the SID extension names the account's SID), as a DC
//! in full enforcement of KB5014754 does. A refusal ends the user `rejected` under the
//! DC's reason, with the DC's event id where one exists (39 no strong mapping, 41 SID
//! mismatch).

use super::done::Outcome;
use super::events::Event;
use super::pki_port::Issued;
use super::user::InFlight;
use super::Model;

impl Model<'_> {
    /// The certificate is installed: the DC starts validating a logon with it.
    pub(super) fn dc_logon_begin(&mut self, u: u32, issued: Issued) {
        if self.dc_unreachable() {
            self.user(u).request = Some(InFlight::AwaitingDc(issued));
            self.dc_wait(u);
            return;
        }
        let timing = &self.spec.pki.timing;
        let t = timing.dc_validate.0 + timing.crl_check.0;
        let done_at = self.now() + t;
        let answer = self.pki.start_dc(u, issued, done_at);
        self.user(u).request = Some(InFlight::Dc(answer));
        self.q.schedule_in(t, Event::DcValidated(u));
    }

    /// The DC's verdict: the PIN works on-prem, or the logon is refused.
    pub(super) fn on_dc_validated(&mut self, u: u32) {
        let now = self.now();
        let Some(InFlight::Dc(answer)) = self.users[u as usize].request.take() else {
            unreachable!("the DC validates every certificate the client installed");
        };
        match answer.join() {
            Ok(()) => {
                self.trace.log(now, u, "usable", None, || {
                    "A domain controller accepted a PKINIT logon with the certificate (strong mapping by its SID extension): the PIN can be used on-prem".into()
                });
                self.finish(u, Outcome::Usable);
            }
            Err(reason) => {
                self.trace
                    .log(now, u, "dc_refused", reason.dc_event_id(), || {
                        format!("The domain controller refused the logon certificate: {reason}")
                    });
                self.reject(u, reason);
            }
        }
    }
}
