//! Attacks on enrollment (docs/model.md §9, §12): which of a user's enrollment requests an
//! attacker replaces, and with what. The model only decides what the attacker sends, from
//! the user's own attack stream; the PKI's checks, on the real bytes in real mode, decide
//! what becomes of it, and every refusal is counted under its reason.
//!
//! - `mismatched_key`: the request carries the attacker's key (a stolen session enrolling
//!   the attacker's own key for the victim);
//! - `non_agent_signer`: the envelope is signed by a CA-issued certificate that is not an
//!   enrollment agent;
//! - `other_identity`: a valid, agent-signed envelope names another user than the one
//!   whose request and key it carries (re-targeted to another account);
//! - `revoked_agent`: after an `agent_revoked` fault, the envelope is signed with the
//!   stolen key of the revoked agent certificate;
//! - `replayed_envelope`: the envelope reaching the CA is a copy of the last one the CA
//!   honoured, captured on the RA–CA link.

use super::pki_port::{Envelope, EnvelopeSigner, KeyEvidence, RaCall, RequestKey};
use super::Model;
use crate::scenario::Spec;
use rand::Rng;

/// Which attack replaced an enrollment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AttackKind {
    /// The attacker's key in the request.
    MismatchedKey,
    /// A non-agent signer.
    NonAgentSigner,
    /// An envelope re-targeted to another user.
    OtherIdentity,
    /// An envelope signed with a revoked agent's key.
    RevokedAgent,
    /// A replayed envelope.
    ReplayedEnvelope,
}

/// What the attacker holds during a run.
pub(crate) struct Attacker {
    /// The key of a revoked agent certificate (from the first `agent_revoked` fault on).
    pub holds_revoked_agent: bool,
    /// Copies of the envelopes at the CA, by user: kept only when replays are on.
    tapped: Vec<Option<Envelope>>,
    /// The last envelope the CA honoured.
    captured: Option<Envelope>,
}

impl Attacker {
    /// The attacker of a run of `spec`: nothing held yet.
    pub fn new(spec: &Spec) -> Attacker {
        let tapping = spec.attacks.replayed_envelope > 0.0;
        Attacker {
            holds_revoked_agent: false,
            tapped: if tapping {
                (0..spec.users).map(|_| None).collect()
            } else {
                Vec::new()
            },
            captured: None,
        }
    }
}

impl Model<'_> {
    /// The key the client's request carries: the user's own, or the attacker's.
    pub(super) fn attack_request_key(&mut self, u: u32) -> RequestKey {
        let share = self.spec.attacks.mismatched_key;
        let user = &mut self.users[u as usize];
        user.attack = None;
        if user.streams.attack.random::<f64>() < share {
            user.attack = Some(AttackKind::MismatchedKey);
            RequestKey::Attacker
        } else {
            RequestKey::Own
        }
    }

    /// What the RA is asked to do with user `u`'s request: who signs and whom the
    /// envelope names. Four draws on the user's attack stream every time, whatever the
    /// shares, so variants with other shares keep the same draws.
    pub(super) fn attack_ra_call(&mut self, u: u32, evidence: KeyEvidence) -> RaCall {
        let a = &self.spec.attacks;
        let users = self.spec.users;
        let holds_revoked = self.attacker.holds_revoked_agent;
        let user = &mut self.users[u as usize];
        let rng = &mut user.streams.attack;
        let non_agent = rng.random::<f64>() < a.non_agent_signer;
        let retarget = rng.random::<f64>() < a.other_identity;
        let victim = if users > 1 {
            let v = rng.random_range(0..users - 1);
            if v >= u {
                v + 1
            } else {
                v
            }
        } else {
            u
        };
        let revoked = rng.random::<f64>() < a.revoked_agent && holds_revoked;
        let signer = if non_agent {
            user.attack = Some(AttackKind::NonAgentSigner);
            EnvelopeSigner::NonAgent
        } else if revoked {
            user.attack = Some(AttackKind::RevokedAgent);
            EnvelopeSigner::RevokedAgent
        } else {
            EnvelopeSigner::EnrollmentAgent
        };
        let target = if retarget && victim != u {
            user.attack.get_or_insert(AttackKind::OtherIdentity);
            victim
        } else {
            u
        };
        RaCall {
            requester: u,
            target,
            evidence,
            signer,
        }
    }

    /// The envelope that goes to the CA: the RA's, or the last one the CA honoured.
    pub(super) fn attack_envelope(&mut self, u: u32, envelope: Envelope) -> Envelope {
        let share = self.spec.attacks.replayed_envelope;
        let user = &mut self.users[u as usize];
        if user.streams.attack.random::<f64>() < share {
            if let Some(copy) = &self.attacker.captured {
                user.attack.get_or_insert(AttackKind::ReplayedEnvelope);
                return copy.clone();
            }
        }
        envelope
    }

    /// The CA starts on user `u`'s envelope: the attacker copies it off the wire.
    pub(super) fn attack_tap(&mut self, u: u32, envelope: &Envelope) {
        if let Some(slot) = self.attacker.tapped.get_mut(u as usize) {
            *slot = Some(envelope.clone());
        }
    }

    /// The CA honoured user `u`'s envelope: the attacker keeps that copy.
    pub(super) fn attack_honoured(&mut self, u: u32) {
        if let Some(copy) = self
            .attacker
            .tapped
            .get_mut(u as usize)
            .and_then(Option::take)
        {
            self.attacker.captured = Some(copy);
        }
    }
}
