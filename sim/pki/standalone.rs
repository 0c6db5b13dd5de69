//! The RA, CA, client and DC checks outside a simulation: every user's key registered,
//! the CA's first CRL, one replay cache. What `pki export`, `calibrate` and the benches
//! drive, with the very functions a run calls.

use crate::model::pki_port::{KeyEvidence, Refusal};

use super::ca::{self, ReplayCache};
use super::crl::{RevocationList, Serial};
use super::directory::{self, Directory};
use super::envelope::Claims;
use super::ledger::Ledger;
use super::material::PkiMaterial;
use super::{client, dc, ra, time};

/// One CA with its RA and DC, for artefacts outside a simulated run.
pub struct Standalone<'a> {
    material: &'a PkiMaterial,
    directory: Directory,
    revocations: RevocationList,
    crl_der: Vec<u8>,
    pinned: Vec<Serial>,
    replay: ReplayCache,
}

impl<'a> Standalone<'a> {
    /// Every user of `material` registered at simulated time 0; the CRL the CA publishes
    /// at time 0; the material's agent (generation 0) pinned.
    pub fn new(material: &'a PkiMaterial) -> Self {
        let settings = material.settings();
        let directory = Directory::new(material.users(), &settings.upn_domain);
        for user in 0..material.users() as u32 {
            directory.register(user, 0);
        }
        let ledger = Ledger::new(settings, material.users());
        Standalone {
            crl_der: material.crl_der(&ledger.revocations, settings.epoch_unix),
            pinned: ledger.pinned(),
            revocations: ledger.revocations,
            replay: ReplayCache::default(),
            directory,
            material,
        }
    }

    /// The CA's CRL (DER): the one published at time 0, current for `pki.crl_validity`,
    /// until `Standalone::revoke` publishes another.
    pub fn crl_der(&self) -> &[u8] {
        &self.crl_der
    }

    /// The CA revokes certificate `serial` at `now_us` (reason keyCompromise) and
    /// publishes a CRL at once, as the CA of a run does; every later check (the CA's of
    /// its agent, the DC's of a logon certificate) uses that CRL.
    pub(crate) fn revoke(&mut self, serial: u64, now_us: u64) {
        let at_s = time::unix_seconds(self.material.settings().epoch_unix, now_us);
        self.revocations.revoke(Serial::from(serial), at_s);
        self.crl_der = self.material.crl_der(&self.revocations, at_s);
    }

    /// The RA checks `request_der` of `user` (key in AD, or its DRS receipt) and signs
    /// the envelope naming that user, with envelope id `id` (unique per standalone CA)
    /// and signing time `now_us`.
    pub fn ra(
        &self,
        user: u32,
        request_der: &[u8],
        evidence: KeyEvidence,
        id: u64,
        now_us: u64,
    ) -> Result<Vec<u8>, Refusal> {
        let m = self.material;
        let claims = Claims {
            requester: directory::requester_name(user),
            signing_time_s: time::unix_seconds(m.settings().epoch_unix, now_us),
            nonce: u128::from(id).to_be_bytes(),
        };
        let known = m.has_user(user);
        let evidence = match evidence {
            KeyEvidence::Directory => ra::Evidence::Directory(known.then(|| m.user_spki_der(user))),
            KeyEvidence::Receipt => ra::Evidence::Receipt(known.then(|| m.receipt_der(user))),
        };
        let job = ra::Job {
            requester: user,
            evidence,
            request_der,
            claims: &claims,
            signer: (&m.agent.key, &m.agent.cert),
        };
        ra::process(m, &job)
    }

    /// The CA checks `envelope_der` at `now_us` and issues with `serial`.
    pub fn ca(&self, envelope_der: &[u8], serial: u64, now_us: u64) -> Result<Vec<u8>, Refusal> {
        let ctx = ca::Context {
            material: self.material,
            directory: &self.directory,
            registered_by_us: now_us,
            crl_der: &self.crl_der,
            agents: &self.pinned,
            replay: &self.replay,
            policy: self.material.settings().policy,
        };
        ca::issue(&ctx, envelope_der, serial, now_us)
    }

    /// The client checks the certificate is the CA's and its own.
    pub fn client(
        &self,
        user: u32,
        cert_der: &[u8],
        serial: u64,
        now_us: u64,
    ) -> Result<(), Refusal> {
        client::install(self.material, user, cert_der, serial, now_us)
    }

    /// A DC validates a logon by `user` with the certificate.
    pub fn dc(&self, user: u32, cert_der: &[u8], now_us: u64) -> Result<(), Refusal> {
        dc::logon(
            self.material,
            &self.directory,
            &self.crl_der,
            user,
            cert_der,
            now_us,
        )
    }
}
