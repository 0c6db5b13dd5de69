//! Hybrid key trust (docs/model.md §11): no certificate is enrolled. Provisioning ends when DRS
//! has registered the key; the domain controller accepts the key only once Azure AD
//! Connect has written it to the user's `msDS-KeyCredentialLink` (the cycle that carries
//! it, `aad_connect`) and AD replication has brought it to the user's DC
//! (`key_trust.ad_replication`, an estimate). No client retry schedule, AD FS, RA or CA
//! takes part. A sign-in with the PIN before then fails with "That option is temporarily
//! unavailable".

use super::events::Event;
use super::Model;

impl Model<'_> {
    /// DRS registered the key: provisioning is over for the user, who goes on to the
    /// desktop while the key waits for a sync cycle.
    pub(super) fn key_trust_registered(&mut self, u: u32) {
        let now = self.now();
        self.trace.log(now, u, "provisioned", None, || {
            "Windows Hello for Business is set up; the PIN works on-prem once Azure AD Connect has written the key to msDS-KeyCredentialLink (at least 30 minutes)".into()
        });
        self.end_ui(u);
    }

    /// A sync cycle wrote the key to AD: it replicates to the user's DC.
    pub(super) fn key_trust_in_ad(&mut self, u: u32) {
        let spec = self.spec;
        let t = self.net_draw(u, &spec.key_trust.ad_replication);
        self.q.schedule_in(t, Event::KeyOnDc(u));
    }

    /// The user's DC holds the key: the PIN works on-prem (once a DC is in reach).
    pub(super) fn on_key_on_dc(&mut self, u: u32) {
        let now = self.now();
        let at = &mut self.key_on_dc[u as usize];
        *at = (*at).min(now);
        self.trace.log(now, u, "key_on_dc", None, || {
            "AD replication brought the key to the user's domain controller".into()
        });
        self.first_use(u);
    }

    /// A sign-in while the key is not on the DC yet: the PIN is refused and the user
    /// signs in with the password.
    pub(super) fn key_trust_signin_too_early(&mut self, u: u32) {
        let now = self.now();
        self.trace.log(now, u, "pin_signin", None, || {
            "Sign-in with the PIN failed: \"That option is temporarily unavailable\" (the key is not in AD on the user's domain controller yet); the user signs in with the password".into()
        });
    }
}
