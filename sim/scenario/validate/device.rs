//! What happens on the user's device before enrollment: `[prerequisites]`, `[mfa]`,
//! `[pin]` and `[key]`, one function per section.

use super::checker::Checker;
use crate::scenario::schema::Spec;

/// `[prerequisites]`: the share of devices joined and the wait before a retry.
pub(super) fn prerequisites(c: &mut Checker, spec: &Spec) {
    c.prob(
        "prerequisites.joined_share",
        spec.prerequisites.joined_share,
    );
    c.positive("prerequisites.join_retry", spec.prerequisites.join_retry.0);
}

/// `[mfa]`: failure and timeout probabilities (together at most 1) and the limits.
pub(super) fn mfa(c: &mut Checker, spec: &Spec) {
    let m = &spec.mfa;
    c.prob("mfa.p_fail", m.p_fail);
    c.prob("mfa.p_timeout", m.p_timeout);
    if (0.0..=1.0).contains(&m.p_fail) && m.p_fail + m.p_timeout > 1.0 {
        c.fail(
            "mfa.p_timeout",
            format!(
                "mfa.p_fail + mfa.p_timeout = {} exceeds 1",
                m.p_fail + m.p_timeout
            ),
        );
    }
    c.positive("mfa.timeout", m.timeout.0);
    c.at_least("mfa.max_attempts", m.max_attempts as u64, 1);
    c.at_least(
        "mfa.max_abandoned_signins",
        m.max_abandoned_signins as u64,
        1,
    );
}

/// `[pin]`: a rejection probability below 1.
pub(super) fn pin(c: &mut Checker, spec: &Spec) {
    c.prob_below_one(
        "pin.p_reject",
        spec.pin.p_reject,
        "or no PIN is ever accepted",
    );
}

/// `[key]`: the TPM shares (together at most 1) and the pre-generated share.
pub(super) fn key(c: &mut Checker, spec: &Spec) {
    let k = &spec.key;
    c.prob("key.tpm_firmware_share", k.tpm_firmware_share);
    c.prob("key.tpm_discrete_share", k.tpm_discrete_share);
    if k.tpm_firmware_share + k.tpm_discrete_share > 1.0 + 1e-9 {
        c.fail(
            "key.tpm_discrete_share",
            format!(
                "key.tpm_firmware_share + key.tpm_discrete_share = {} exceeds 1 (the rest is the share without a usable TPM)",
                k.tpm_firmware_share + k.tpm_discrete_share
            ),
        );
    }
    c.prob("key.pregen_share", k.pregen_share);
}
