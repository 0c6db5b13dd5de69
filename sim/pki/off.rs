//! [`OffPki`]: `pki.mode = "off"`. No cryptography; the same decisions as [`RealPki`]
//! (same refusals, same order, same validity, revocation and freshness arithmetic) made on
//! the identities the model passes along (`Request::key`, the RA's call) and on what each
//! envelope would say, kept under its number, so attacks are still refused for the same
//! reasons in huge sweeps.
//!
//! [`RealPki`]: super::RealPki

use crate::model::pki_port::{
    CaAnswer, DcAnswer, Envelope, Issued, PkiPort, RaAnswer, RaCall, Refusal, Request, RequestKey,
};

use super::crl::{Serial, Status};
use super::ledger::Ledger;
use super::material::{InfraKeys, PkiMaterial, PkiSettings};
use super::time;

/// What an envelope says, in the off mode.
#[derive(Debug, Clone, Copy)]
struct Said {
    /// The user it names.
    target: u32,
    /// Whose key the request inside carries (`None`: the attacker's).
    key_of: Option<u32>,
    /// The agent generation that signed it (`None`: the non-agent signer).
    generation: Option<usize>,
    /// signingTime, Unix seconds.
    signed_at_s: i64,
    /// The CA has seen this envelope (its replay cache).
    seen: bool,
}

/// One simulation run of the structural PKI.
#[derive(Debug, Clone)]
pub struct OffPki {
    settings: PkiSettings,
    users: usize,
    registered_at: Vec<u64>,
    /// What envelope `id` says, and whether the CA has seen it, at index `id - 1`.
    envelopes: Vec<Said>,
    ledger: Ledger,
    /// Serial and issuance instant of each user's latest certificate, for the client's
    /// and the DC's checks; indexed by user (a lookup per enrollment, no hashing).
    issued: Vec<Option<(u64, u64)>>,
}

const NEVER: u64 = u64::MAX;

impl OffPki {
    /// A run for `users` users; only the validity, naming and CA-policy fields of
    /// `settings` are used.
    pub fn new(settings: &PkiSettings, users: usize) -> Self {
        OffPki {
            settings: settings.clone(),
            users,
            registered_at: vec![NEVER; users],
            envelopes: Vec::with_capacity(users),
            ledger: Ledger::new(settings, users),
            issued: vec![None; users],
        }
    }

    fn now_s(&self, now_us: u64) -> i64 {
        time::unix_seconds(self.settings.epoch_unix, now_us)
    }

    fn registered(&self, user: u32, at_us: u64) -> bool {
        self.registered_at
            .get(user as usize)
            .is_some_and(|t| *t <= at_us)
    }

    /// Revokes the certificate with `serial` now (see [`super::RealPki::revoke_serial`]).
    pub fn revoke_serial(&mut self, serial: u64, now_us: u64) {
        let at_s = self.now_s(now_us);
        self.ledger.revocations.revoke(Serial::from(serial), at_s);
    }
}

impl PkiPort for OffPki {
    fn is_real(&self) -> bool {
        false
    }

    fn register_key(&mut self, user: u32, now_us: u64) {
        let n = self.users;
        let slot = self
            .registered_at
            .get_mut(user as usize)
            .unwrap_or_else(|| panic!("user {user} out of range: PKI has {n} users"));
        if *slot == NEVER {
            *slot = now_us;
        }
    }

    fn client_request(&mut self, user: u32, key: RequestKey) -> Request {
        assert!(
            (user as usize) < self.users,
            "user {user} out of range: PKI has {} users",
            self.users
        );
        Request {
            der: Vec::new(),
            key: Some(key),
        }
    }

    fn ra_process(&mut self, call: RaCall, request: &Request, now_us: u64) -> RaAnswer {
        // The real RA numbers every request it starts on, refused or not: so does this.
        let id = self.ledger.next_envelope();
        self.envelopes.push(Said {
            target: call.target,
            key_of: Some(call.requester),
            generation: self.ledger.generation_for(call.signer),
            signed_at_s: self.now_s(now_us),
            seen: false,
        });
        // A request that names no key stands for one whose signature cannot be checked.
        let key = request.key.ok_or(Refusal::BadRequestSignature)?;
        // With the key in AD or with a DRS receipt alike, a key is known only once
        // registered, and only the requester's own key matches it.
        if !self.registered(call.requester, now_us) {
            return Err(Refusal::KeyNotRegistered);
        }
        if key != RequestKey::Own {
            return Err(Refusal::KeyMismatch);
        }
        Ok(Envelope {
            der: Vec::new(),
            id,
        })
    }

    fn ca_issue(
        &mut self,
        envelope: &Envelope,
        serials: &mut dyn FnMut() -> u64,
        now_us: u64,
    ) -> CaAnswer {
        let serial = self.ledger.draw_serial(serials);
        let index = envelope
            .id
            .checked_sub(1)
            .map(|i| i as usize)
            .filter(|&i| i < self.envelopes.len())
            .ok_or(Refusal::BadEnvelopeSignature)?;
        let said = self.envelopes[index];
        let now_s = self.now_s(now_us);
        // Same order as the real CA. The non-agent certificate lives as long as the CA,
        // so only an agent's validity can fail, and it is checked before the EKU.
        let Some(g) = said.generation else {
            return Err(Refusal::SignerNotAgent);
        };
        if !self.ledger.agent(g).valid_at(now_s) {
            return Err(Refusal::AgentExpired);
        }
        if self
            .ledger
            .revocations
            .status(PkiMaterial::agent_serial(g), now_s)
            == Status::Revoked
        {
            return Err(Refusal::AgentRevoked);
        }
        let age = now_s - said.signed_at_s;
        if age < 0 || age as u64 > self.settings.policy.envelope_max_age_s {
            return Err(Refusal::EnvelopeStale);
        }
        if std::mem::replace(&mut self.envelopes[index].seen, true) {
            return Err(Refusal::EnvelopeReplayed);
        }
        if !(self.registered(said.target, now_us) && said.key_of == Some(said.target)) {
            return Err(Refusal::IdentityMismatch);
        }
        if let Some(slot) = self.issued.get_mut(said.target as usize) {
            *slot = Some((serial, now_us));
        }
        Ok(Issued {
            der: Vec::new(),
            serial,
        })
    }

    fn client_install(&mut self, user: u32, issued: &Issued, now_us: u64) -> Result<(), Refusal> {
        match self.issued.get(user as usize).copied().flatten() {
            Some((serial, at))
                if serial == issued.serial && self.settings.cert_valid_at(at, now_us) =>
            {
                Ok(())
            }
            _ => Err(Refusal::CertificateInvalid),
        }
    }

    fn dc_logon(&mut self, user: u32, issued: &Issued, now_us: u64) -> DcAnswer {
        match self.issued.get(user as usize).copied().flatten() {
            Some((serial, at))
                if serial == issued.serial && self.settings.cert_valid_at(at, now_us) => {}
            _ => return Err(Refusal::DcCertificateInvalid),
        }
        let now_s = self.now_s(now_us);
        if self
            .ledger
            .revocations
            .status(Serial::from(issued.serial), now_s)
            == Status::Revoked
        {
            return Err(Refusal::CertificateRevoked);
        }
        if !self.settings.policy.sid_extension {
            return Err(Refusal::NoStrongMapping);
        }
        Ok(())
    }

    fn revoke_agent(&mut self, now_us: u64) {
        let at_s = self.now_s(now_us);
        self.ledger.revoke_current(at_s);
    }

    fn reenroll_agent(&mut self, now_us: u64) {
        let at_s = self.now_s(now_us);
        self.ledger.reenroll(at_s, InfraKeys::NEXT_AGENTS);
    }
}
