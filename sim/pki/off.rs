//! [`OffPki`]: `pki.mode = "off"`. No cryptography; the same decisions as [`RealPki`]
//! (same refusals, same order, same validity arithmetic) made on the identities the
//! model passes along (`Request::key`, `Envelope::signer`), so attacks are still refused
//! for the same reasons in huge sweeps.
//!
//! [`RealPki`]: super::RealPki

use crate::model::pki_port::{
    Envelope, EnvelopeSigner, Issued, PkiPort, Refusal, Request, RequestKey,
};

use super::material::PkiSettings;

/// One simulation run of the structural PKI.
#[derive(Debug, Clone)]
pub struct OffPki {
    settings: PkiSettings,
    users: usize,
    registered: Vec<bool>,
    /// Serial and issuance instant of each user's latest certificate, for the client's
    /// validity check; indexed by user (a lookup per enrollment, no hashing).
    issued: Vec<Option<(u64, u64)>>,
}

impl OffPki {
    /// A run for `users` users; only the validity fields and nothing cryptographic of
    /// `settings` are used.
    pub fn new(settings: &PkiSettings, users: usize) -> Self {
        OffPki {
            settings: settings.clone(),
            users,
            registered: vec![false; users],
            issued: vec![None; users],
        }
    }
}

impl PkiPort for OffPki {
    fn is_real(&self) -> bool {
        false
    }

    fn register_key(&mut self, user: u32) {
        let n = self.users;
        let slot = self
            .registered
            .get_mut(user as usize)
            .unwrap_or_else(|| panic!("user {user} out of range: PKI has {n} users"));
        *slot = true;
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

    fn ra_process(
        &mut self,
        user: u32,
        request: &Request,
        signer: EnvelopeSigner,
        _now_us: u64,
    ) -> Result<Envelope, Refusal> {
        // A request that names no key stands for one whose signature cannot be checked.
        let key = request.key.ok_or(Refusal::BadRequestSignature)?;
        if !self.registered.get(user as usize).copied().unwrap_or(false) {
            return Err(Refusal::KeyNotRegistered);
        }
        if key != RequestKey::Own {
            return Err(Refusal::KeyMismatch);
        }
        Ok(Envelope {
            der: Vec::new(),
            signer: Some(signer),
        })
    }

    fn ca_issue(
        &mut self,
        user: u32,
        envelope: &Envelope,
        serial: u64,
        now_us: u64,
    ) -> Result<Issued, Refusal> {
        // Same order as the real CA. The non-agent certificate lives as long as the CA,
        // so only the agent's validity can fail, and it is checked before the EKU.
        match envelope.signer.ok_or(Refusal::BadEnvelopeSignature)? {
            EnvelopeSigner::EnrollmentAgent => {
                if !self.settings.agent_valid_at(now_us) {
                    return Err(Refusal::AgentExpired);
                }
            }
            EnvelopeSigner::NonAgent => return Err(Refusal::SignerNotAgent),
        }
        if let Some(slot) = self.issued.get_mut(user as usize) {
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
}
