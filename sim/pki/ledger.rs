//! One run's CA-side bookkeeping, kept alike by both ports so that the off mode makes the
//! real mode's decisions: the serials issued, the agent certificates enrolled and revoked,
//! the revocation list the CRLs come from, and the RA's envelope numbering.
//!
//! Everything here changes on the event loop's thread only, in event order.

use std::collections::HashSet;
use std::hash::{BuildHasherDefault, Hasher};

use crate::model::pki_port::EnvelopeSigner;

use super::crl::{RevocationList, Serial};
use super::material::{PkiMaterial, PkiSettings, YEAR_S};

/// An agent certificate AD FS holds or held.
#[derive(Debug, Clone, Copy)]
pub(crate) struct AgentGeneration {
    /// Start of validity (Unix seconds).
    pub not_before_s: i64,
    /// Length of validity (seconds).
    pub validity_s: u64,
}

impl AgentGeneration {
    /// The X.509 rule: both ends inclusive, one-second resolution.
    pub(crate) fn valid_at(&self, now_s: i64) -> bool {
        let na = self
            .not_before_s
            .saturating_add(i64::try_from(self.validity_s).unwrap_or(i64::MAX));
        self.not_before_s <= now_s && now_s <= na
    }
}

/// Hashes a serial to itself: serials are uniform random 63-bit values already, so the
/// default SipHash would only cost time on every issuance.
#[derive(Default)]
pub(crate) struct SerialHasher(u64);

impl Hasher for SerialHasher {
    fn write(&mut self, bytes: &[u8]) {
        // Not reached for u64 keys; a plain FNV-1a keeps it correct for anything else.
        for b in bytes {
            self.0 = (self.0 ^ u64::from(*b)).wrapping_mul(0x100_0000_01b3);
        }
    }

    fn write_u64(&mut self, v: u64) {
        self.0 = v;
    }

    fn finish(&self) -> u64 {
        self.0
    }
}

/// The ledger of one run.
#[derive(Debug, Clone)]
pub(crate) struct Ledger {
    serials: HashSet<u64, BuildHasherDefault<SerialHasher>>,
    /// What the CA's CRLs list.
    pub revocations: RevocationList,
    agents: Vec<AgentGeneration>,
    current: usize,
    last_revoked: Option<usize>,
    envelopes: u64,
}

/// Draws a serial can take before the ledger gives up: a source that keeps repeating
/// itself is a bug, not bad luck (63-bit serials collide about once in 10^9 runs of 10^5).
const MAX_DRAWS: usize = 1_000;

impl Ledger {
    /// A run's start: agent generation 0 as the settings describe it, nothing issued,
    /// nothing revoked, the first CRL at simulated time 0.
    pub(crate) fn new(settings: &PkiSettings, users: usize) -> Self {
        Ledger {
            serials: HashSet::with_capacity_and_hasher(users, Default::default()),
            revocations: RevocationList::new(settings.epoch_unix, settings.policy.crl_validity_s),
            agents: vec![AgentGeneration {
                not_before_s: settings
                    .epoch_unix
                    .saturating_add(settings.agent_not_before_s),
                validity_s: settings.agent_validity_s,
            }],
            current: 0,
            last_revoked: None,
            envelopes: 0,
        }
    }

    /// A serial from `draw` that this CA never used (drawing again on a clash), now used.
    ///
    /// # Panics
    /// If `draw` gives only used serials a thousand times in a row.
    pub(crate) fn draw_serial(&mut self, draw: &mut dyn FnMut() -> u64) -> u64 {
        for _ in 0..MAX_DRAWS {
            let s = draw();
            if self.serials.insert(s) {
                return s;
            }
        }
        panic!("the CA's serial source repeated itself {MAX_DRAWS} times");
    }

    /// The next envelope's number (1, 2, ...).
    pub(crate) fn next_envelope(&mut self) -> u64 {
        self.envelopes += 1;
        self.envelopes
    }

    /// The generation that signs for `signer`: the current one for the RA (and for an
    /// attacker with a revoked key before anything was revoked), the last revoked one for
    /// the attacker; `None` for the non-agent signer.
    pub(crate) fn generation_for(&self, signer: EnvelopeSigner) -> Option<usize> {
        match signer {
            EnvelopeSigner::EnrollmentAgent => Some(self.current),
            EnvelopeSigner::RevokedAgent => Some(self.last_revoked.unwrap_or(self.current)),
            EnvelopeSigner::NonAgent => None,
        }
    }

    /// Agent generation `g`.
    pub(crate) fn agent(&self, g: usize) -> AgentGeneration {
        self.agents[g]
    }

    /// The serials of every agent certificate the CA issued to AD FS: the ones it accepts
    /// as signers.
    pub(crate) fn pinned(&self) -> Vec<Serial> {
        (0..self.agents.len())
            .map(PkiMaterial::agent_serial)
            .collect()
    }

    /// Revokes the current agent certificate at `at_s`; `false` if it was already.
    pub(crate) fn revoke_current(&mut self, at_s: i64) -> bool {
        if self.last_revoked == Some(self.current) {
            return false;
        }
        self.revocations
            .revoke(PkiMaterial::agent_serial(self.current), at_s);
        self.last_revoked = Some(self.current);
        true
    }

    /// AD FS enrolls a new agent certificate at `at_s` (valid two years); its generation,
    /// or `None` when the run already used every spare agent key.
    pub(crate) fn reenroll(&mut self, at_s: i64, spare_keys: usize) -> Option<usize> {
        let g = self.agents.len();
        if g > spare_keys {
            return None;
        }
        self.agents.push(AgentGeneration {
            not_before_s: at_s,
            validity_s: 2 * YEAR_S,
        });
        self.current = g;
        Some(g)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_repeated_serial_is_drawn_again() {
        let mut l = Ledger::new(&PkiSettings::default(), 4);
        let mut seq = [7000u64, 7000, 7000, 7001].into_iter();
        let mut draw = || seq.next().expect("enough draws");
        assert_eq!(l.draw_serial(&mut draw), 7000);
        assert_eq!(l.draw_serial(&mut draw), 7001);
    }

    #[test]
    fn revocation_and_reenrollment_move_the_generations() {
        let mut l = Ledger::new(&PkiSettings::default(), 1);
        assert_eq!(l.generation_for(EnvelopeSigner::EnrollmentAgent), Some(0));
        assert_eq!(l.generation_for(EnvelopeSigner::RevokedAgent), Some(0));
        assert!(l.revoke_current(100));
        assert!(!l.revoke_current(200));
        assert_eq!(l.reenroll(300, 3), Some(1));
        assert_eq!(l.generation_for(EnvelopeSigner::EnrollmentAgent), Some(1));
        assert_eq!(l.generation_for(EnvelopeSigner::RevokedAgent), Some(0));
        assert_eq!(l.generation_for(EnvelopeSigner::NonAgent), None);
        assert_eq!(l.pinned().len(), 2);
        assert!(l.agent(1).valid_at(300) && !l.agent(1).valid_at(299));
        assert_eq!(l.reenroll(400, 1), None);
    }
}
