//! `[[faults]]`: each window's fields for its kind, and the agent revocations (few, and
//! each after AD FS re-enrolled from the one before).

use super::checker::Checker;
use crate::scenario::duration::Duration;
use crate::scenario::fault::{FaultEffect, FaultWindow};
use crate::scenario::schema::{Fault, FaultKind, Spec};

/// `agent_revoked` faults a variant may have: one per spare agent key in the pool.
const MAX_AGENT_REVOCATIONS: usize = crate::pki::material::InfraKeys::NEXT_AGENTS;

/// Every window in the file's order, then the revocations in time order; the typed
/// windows of the faults without a problem.
pub(super) fn faults(c: &mut Checker, spec: &Spec) -> Vec<FaultWindow> {
    let mut revocations: Vec<(usize, u64)> = Vec::new();
    let mut windows = Vec::with_capacity(spec.faults_as_written.len());
    for (i, fault) in spec.faults_as_written.iter().enumerate() {
        if fault.kind == FaultKind::AgentRevoked {
            revocations.push((i, fault.start.0));
        }
        windows.extend(fault_window(
            c,
            i,
            fault,
            spec.adfs.servers,
            spec.pki.agent_reenroll,
        ));
    }

    revocations.sort_by_key(|&(_, start)| start);
    if revocations.len() > MAX_AGENT_REVOCATIONS {
        let (i, _) = revocations[MAX_AGENT_REVOCATIONS];
        c.fail(
            &format!("faults[{i}].kind"),
            format!(
                "{} agent_revoked faults; allowed: at most {MAX_AGENT_REVOCATIONS} per variant (the key pool holds that many spare agent keys)",
                revocations.len()
            ),
        );
    }
    for pair in revocations.windows(2) {
        let ((_, a), (j, b)) = (pair[0], pair[1]);
        if b < a.saturating_add(spec.pki.agent_reenroll.0) {
            c.fail(
                &format!("faults[{j}].start"),
                format!(
                    "this agent_revoked fault starts before AD FS has re-enrolled after the previous one (at {}); allowed: at or after {}",
                    Duration(a),
                    Duration(a.saturating_add(spec.pki.agent_reenroll.0))
                ),
            );
        }
    }
    windows
}

/// Checks `fault`, the `i`-th window, and makes its typed window when it has no problem.
/// Every field is checked (so each problem is reported at once), in the order `end`,
/// `factor`, `server`.
fn fault_window(
    c: &mut Checker,
    i: usize,
    fault: &Fault,
    servers: u32,
    reenroll: Duration,
) -> Option<FaultWindow> {
    let k = |f: &str| format!("faults[{i}].{f}");
    let before = c.problems.len();
    let end = match fault.kind {
        FaultKind::AgentRevoked => {
            if fault.end.0 != 0 {
                c.fail(
                    &k("end"),
                    "an agent_revoked fault is an instant: leave `end` out (AD FS holds a new agent certificate pki.agent_reenroll after `start`)".into(),
                );
            }
            // The effect lasts until AD FS has re-enrolled.
            Duration(fault.start.0.saturating_add(reenroll.0))
        }
        _ => {
            if fault.end.0 == 0 {
                c.fail(
                    &k("end"),
                    "a fault window needs `end` (after `start`)".into(),
                );
            } else if fault.end <= fault.start {
                c.fail(
                    &k("end"),
                    format!(
                        "window ends ({}) at or before it starts ({})",
                        fault.end, fault.start
                    ),
                );
            }
            fault.end
        }
    };
    let factor = match (fault.kind, fault.factor) {
        (FaultKind::DrsSlow, None) => {
            c.fail(
                &k("factor"),
                "a drs_slow window needs `factor` (latency multiplier, above 0)".into(),
            );
            None
        }
        (FaultKind::DrsSlow, Some(x)) if !(x > 0.0 && x.is_finite()) => {
            c.fail(
                &k("factor"),
                format!("{x} is not allowed; allowed: a number above 0"),
            );
            None
        }
        (FaultKind::DrsSlow, x) => x,
        (_, Some(_)) => {
            c.fail(
                &k("factor"),
                "`factor` only applies to kind = \"drs_slow\"".into(),
            );
            None
        }
        (_, None) => None,
    };
    let server = match (fault.kind, fault.server) {
        (FaultKind::AdfsServerDown, None) => {
            c.fail(
                &k("server"),
                format!("an adfs_server_down window needs `server` (1 to {servers})"),
            );
            None
        }
        (FaultKind::AdfsServerDown, Some(s)) if s == 0 || s > servers => {
            c.fail(
                &k("server"),
                format!("server {s} does not exist; allowed: 1 to adfs.servers ({servers})"),
            );
            None
        }
        (FaultKind::AdfsServerDown, s) => s,
        (_, Some(_)) => {
            c.fail(
                &k("server"),
                "`server` only applies to kind = \"adfs_server_down\"".into(),
            );
            None
        }
        (_, None) => None,
    };
    // A `None` factor or server here was reported above.
    let effect = match fault.kind {
        FaultKind::DrsDown => FaultEffect::DrsDown,
        FaultKind::DrsSlow => FaultEffect::DrsSlow { factor: factor? },
        FaultKind::AdfsServerDown => FaultEffect::AdfsServerDown { server: server? },
        FaultKind::CaDown => FaultEffect::CaDown,
        FaultKind::AadConnectStopped => FaultEffect::AadConnectStopped,
        FaultKind::AgentRevoked => FaultEffect::AgentRevoked,
        FaultKind::DcUnreachable => FaultEffect::DcUnreachable,
    };
    (c.problems.len() == before).then_some(FaultWindow {
        effect,
        start: fault.start,
        end,
    })
}
