//! `pki.mode = "off"`: no cryptography; the same decisions made on identities.

use crate::model::pki_port::{
    Envelope, EnvelopeSigner, Issued, PkiPort, Refusal, Request, RequestKey,
};

/// The PKI port without crypto, for huge sweeps. Every report says crypto was off.
pub struct OffPki {
    registered: Vec<bool>,
}

impl OffPki {
    /// For `users` users.
    pub fn new(users: u32) -> Self {
        OffPki {
            registered: vec![false; users as usize],
        }
    }
}

impl PkiPort for OffPki {
    fn is_real(&self) -> bool {
        false
    }
    fn register_key(&mut self, user: u32) {
        self.registered[user as usize] = true;
    }
    fn client_request(&mut self, _user: u32, key: RequestKey) -> Request {
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
        if !self.registered[user as usize] {
            return Err(Refusal::KeyNotRegistered);
        }
        if request.key != Some(RequestKey::Own) {
            return Err(Refusal::KeyMismatch);
        }
        Ok(Envelope {
            der: Vec::new(),
            signer: Some(signer),
        })
    }
    fn ca_issue(
        &mut self,
        _user: u32,
        envelope: &Envelope,
        serial: u64,
        _now_us: u64,
    ) -> Result<Issued, Refusal> {
        if envelope.signer != Some(EnvelopeSigner::EnrollmentAgent) {
            return Err(Refusal::SignerNotAgent);
        }
        Ok(Issued {
            der: Vec::new(),
            serial,
        })
    }
    fn client_install(
        &mut self,
        _user: u32,
        _issued: &Issued,
        _now_us: u64,
    ) -> Result<(), Refusal> {
        Ok(())
    }
}
