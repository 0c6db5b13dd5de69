//! `[attacks]`: shares of certificate enrollment requests, so only where one is made.

use super::checker::Checker;
use crate::scenario::schema::Spec;

/// Each share a probability, and 0 under a trust model that enrolls no certificate.
pub(super) fn attacks(c: &mut Checker, spec: &Spec) {
    let at = &spec.attacks;
    let attacks = [
        ("attacks.mismatched_key", at.mismatched_key),
        ("attacks.non_agent_signer", at.non_agent_signer),
        ("attacks.other_identity", at.other_identity),
        ("attacks.replayed_envelope", at.replayed_envelope),
        ("attacks.revoked_agent", at.revoked_agent),
    ];
    for (key, v) in attacks {
        c.prob(key, v);
        // The attacks are shares of certificate enrollment requests: under the other
        // trust models nobody enrolls, so a share would be reported as "no attack got
        // through" when none was ever made.
        if !spec.trust.enrolls_certificate() && v != 0.0 {
            c.fail(
                key,
                format!(
                    "{v} is not allowed with trust = \"{}\": attacks are shares of certificate enrollment requests, and this trust model enrolls no certificate; allowed: 0 (or trust = \"certificate\")",
                    spec.trust.as_str()
                ),
            );
        }
    }
}
