//! [`RealPki`]: the port with real cryptography behind every answer.

use std::sync::Arc;

use crate::model::pki_port::{
    Envelope, EnvelopeSigner, Issued, PkiPort, Refusal, Request, RequestKey,
};

use super::material::PkiMaterial;
use super::{ca, client, ra};

/// One simulation run's view of the real PKI: the shared material plus this run's DRS
/// registrations. Cheap to create (one per run); the material is shared by `Arc`.
///
/// User indices must be below `material.users()`: `register_key` and `client_request`
/// panic otherwise (a model bug), while the checks answer with a refusal.
#[derive(Debug, Clone)]
pub struct RealPki {
    material: Arc<PkiMaterial>,
    registered: Vec<bool>,
}

impl RealPki {
    /// A run with no key registered yet.
    pub fn new(material: Arc<PkiMaterial>) -> Self {
        let registered = vec![false; material.users()];
        RealPki {
            material,
            registered,
        }
    }

    /// The shared material.
    pub fn material(&self) -> &Arc<PkiMaterial> {
        &self.material
    }

    fn is_registered(&self, user: u32) -> bool {
        self.registered.get(user as usize).copied().unwrap_or(false)
    }
}

impl PkiPort for RealPki {
    fn is_real(&self) -> bool {
        true
    }

    fn register_key(&mut self, user: u32) {
        let n = self.registered.len();
        let slot = self
            .registered
            .get_mut(user as usize)
            .unwrap_or_else(|| panic!("user {user} out of range: PKI material has {n} users"));
        *slot = true;
    }

    fn client_request(&mut self, user: u32, key: RequestKey) -> Request {
        let der = match key {
            RequestKey::Own => self.material.request_der(user).to_vec(),
            RequestKey::Attacker => self.material.attacker_request_der(user).to_vec(),
        };
        Request {
            der,
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
        let der = ra::process(
            &self.material,
            user,
            self.is_registered(user),
            &request.der,
            signer,
        )?;
        Ok(Envelope {
            der,
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
        let der = ca::issue(&self.material, user, &envelope.der, serial, now_us)?;
        Ok(Issued { der, serial })
    }

    fn client_install(&mut self, user: u32, issued: &Issued, now_us: u64) -> Result<(), Refusal> {
        client::install(&self.material, user, &issued.der, issued.serial, now_us)
    }
}
