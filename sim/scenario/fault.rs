//! Validated fault windows: what validation makes of a scenario's `[[faults]]` once they
//! pass its checks (`validate::validated`). The raw [`Fault`](super::schema::Fault) keeps
//! every field optional so that a wrong one is reported at its key; a [`FaultEffect`]
//! holds exactly the fields its kind has, so the model matches on it and never needs a
//! default for a field that cannot be missing.

use super::duration::Duration;
use super::schema::FaultKind;
use std::fmt;

/// What a fault window breaks, with what that kind needs (and nothing else).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum FaultEffect {
    /// DRS unreachable: registrations and receipt validations fail.
    DrsDown,
    /// DRS slow: its latencies are multiplied by `factor` (finite, above 0).
    DrsSlow {
        /// Latency multiplier.
        factor: f64,
    },
    /// One AD FS server is down; the balancer skips it.
    AdfsServerDown {
        /// Which server, 1-based, within `adfs.servers`.
        server: u32,
    },
    /// The CA is unreachable: the RA's requests to it fail.
    CaDown,
    /// The sync scheduler is stopped: a running cycle is aborted and none starts; it
    /// resumes with a cycle at the window's end.
    AadConnectStopped,
    /// The CA revokes AD FS's enrollment agent certificate at the window's start; AD FS
    /// holds a new one at its end.
    AgentRevoked,
    /// No domain controller is in reach of the users.
    DcUnreachable,
}

impl FaultEffect {
    /// The kind, as scenario files and `summary.json` name it.
    pub fn kind(self) -> FaultKind {
        match self {
            FaultEffect::DrsDown => FaultKind::DrsDown,
            FaultEffect::DrsSlow { .. } => FaultKind::DrsSlow,
            FaultEffect::AdfsServerDown { .. } => FaultKind::AdfsServerDown,
            FaultEffect::CaDown => FaultKind::CaDown,
            FaultEffect::AadConnectStopped => FaultKind::AadConnectStopped,
            FaultEffect::AgentRevoked => FaultKind::AgentRevoked,
            FaultEffect::DcUnreachable => FaultKind::DcUnreachable,
        }
    }

    /// `adfs_server_down`'s server, for `summary.json`'s `server` (null for the others).
    pub fn server(self) -> Option<u32> {
        match self {
            FaultEffect::AdfsServerDown { server } => Some(server),
            _ => None,
        }
    }

    /// `drs_slow`'s factor, for `summary.json`'s `factor` (null for the others).
    pub fn factor(self) -> Option<f64> {
        match self {
            FaultEffect::DrsSlow { factor } => Some(factor),
            _ => None,
        }
    }
}

/// The window's name in report.md and on the charts: the kind, with the server or the
/// factor where the kind has one (`adfs_server_down (server 2)`, `drs_slow (×3)`).
///
/// The alternate form (`{:#}`) leaves out the factor: the charts' bands show which
/// component was broken and when, not how badly, and two windows with the same label and
/// times share a band.
impl fmt::Display for FaultEffect {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let kind = self.kind().as_str();
        match *self {
            FaultEffect::AdfsServerDown { server } => write!(f, "{kind} (server {server})"),
            FaultEffect::DrsSlow { factor } if !f.alternate() => write!(f, "{kind} (×{factor})"),
            _ => f.write_str(kind),
        }
    }
}

/// One checked fault window.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FaultWindow {
    /// What it breaks.
    pub effect: FaultEffect,
    /// When it opens (time since the origin).
    pub start: Duration,
    /// When its effect ends: the file's `end`, or for `agent_revoked` (an instant in the
    /// file) when AD FS holds a new agent certificate, `start` + `pki.agent_reenroll`.
    pub end: Duration,
}

impl FaultWindow {
    /// The end the scenario file gives: 0 for `agent_revoked`, which leaves `end` out.
    /// `summary.json`'s `end_s`, report.md's window label and the charts' bands have
    /// always reported this one rather than [`FaultWindow::end`]; kept so that outputs do
    /// not change.
    pub(crate) fn end_as_written(&self) -> Duration {
        match self.effect {
            FaultEffect::AgentRevoked => Duration(0),
            _ => self.end,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_are_what_the_report_and_the_charts_print() {
        let slow = FaultEffect::DrsSlow { factor: 2.5 };
        let down = FaultEffect::AdfsServerDown { server: 2 };
        assert_eq!(slow.to_string(), "drs_slow (×2.5)");
        assert_eq!(format!("{slow:#}"), "drs_slow");
        assert_eq!(
            FaultEffect::DrsSlow { factor: 3.0 }.to_string(),
            "drs_slow (×3)"
        );
        assert_eq!(down.to_string(), "adfs_server_down (server 2)");
        assert_eq!(format!("{down:#}"), "adfs_server_down (server 2)");
        assert_eq!(FaultEffect::AgentRevoked.to_string(), "agent_revoked");
        assert_eq!(format!("{:#}", FaultEffect::DrsDown), "drs_down");
    }
}
