//! Timeouts on the enrollment path (docs/model.md §12): the client's wait for the answer to its
//! request (`enrollment.request_timeout`, request sent → certificate or error back) and
//! the RA's wait for the CA (`adfs.ca_timeout`, call made → CA answered). An attempt that
//! times out fails like any other non-security failure, counted by reason, and the client
//! falls back to the deferred retry schedule (`enrollment_unpatched`).
//!
//! What a caller abandons does not leak. A request still waiting in a queue when its
//! caller gives up is withdrawn (the connection is closed; its time in the queue counts
//! as a wait). Work a server has started is finished in simulated time, as real servers
//! do: an AD FS worker finishes the step it is on, and the CA finishes a certificate it
//! has started and issues it, but the answer is discarded — a certificate issued for a
//! caller who has gone is never installed.

use super::done::EnrollFailure;
use super::user::{AtServer, User};
use super::Model;

impl Model<'_> {
    /// The client's wait for request `attempt`, sent to AD FS server `server`, ran out.
    pub(super) fn on_request_timeout(&mut self, u: u32, attempt: u32, server: u16) {
        let user = &self.users[u as usize];
        if attempt != user.enroll_attempts
            || !user.enrolling
            || user.at == AtServer::Nowhere
            || user.finished()
        {
            // Answered (or failed) in time.
            return;
        }
        let limit = self.spec.enrollment.request_timeout;
        self.client_gives_up(u, server);
        self.enrollment_failed_with(u, EnrollFailure::RequestTimeout, || {
            format!("no answer from AD FS within {limit} (enrollment.request_timeout)")
        });
    }

    /// The RA of AD FS server `server` gave up waiting for the CA on request `attempt`.
    pub(super) fn on_ca_timeout(&mut self, u: u32, attempt: u32, server: u16) {
        let user = &self.users[u as usize];
        if attempt != user.enroll_attempts {
            return;
        }
        let client_waits = user.enrolling && !user.has(User::CLIENT_GONE);
        if !self.ra_gives_up(u, server) {
            // The CA answered in time.
            return;
        }
        if client_waits {
            let limit = self.spec.adfs.ca_timeout;
            self.enrollment_failed_with(u, EnrollFailure::CaTimeout, || {
                format!("AD FS gave up waiting for the CA after {limit} (adfs.ca_timeout)")
            });
        }
    }
}
