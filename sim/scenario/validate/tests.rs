//! Validation as a whole: which keys each problem names, and in which order.

use super::pki::is_realm;
use super::*;
use crate::engine::time::MINUTE;
use crate::scenario::duration::Duration;
use crate::scenario::schema::Trust;
use crate::scenario::schema::{FaultKind, Patched};

#[test]
fn default_spec_is_valid() {
    assert!(
        validate(&Spec::default()).is_empty(),
        "{:?}",
        validate(&Spec::default())
    );
}

#[test]
fn reports_each_problem_with_its_key() {
    let mut s = Spec::default();
    s.mfa.p_fail = 1.5;
    s.adfs.patched = Patched::Count(3);
    s.aad_connect.interval = Duration(10 * MINUTE);
    s.signin.waves[0].share = 0.5;
    let keys: Vec<String> = validate(&s).iter().map(|(k, _)| k.to_string()).collect();
    assert_eq!(
        keys,
        [
            "signin.waves",
            "mfa.p_fail",
            "aad_connect.interval",
            "adfs.patched"
        ]
    );
    s.aad_connect.allow_below_minimum = true;
    assert!(!validate(&s)
        .iter()
        .any(|(k, _)| k.to_string() == "aad_connect.interval"));
}

#[test]
fn a_realm_is_an_uppercase_dns_like_name() {
    for ok in ["CONTOSO.COM", "CORP.CONTOSO.COM", "EXAMPLE", "A-1.B2"] {
        assert!(is_realm(ok), "{ok}");
    }
    let long = format!("{}.COM", "A".repeat(64));
    for bad in [
        "",
        "contoso.com",
        "CONTOSO..COM",
        ".COM",
        "COM.",
        "-A.COM",
        "A-.COM",
        "CON TOSO",
        "CONTOSO/COM",
        "CONTÖSO.COM",
        &long,
    ] {
        assert!(!is_realm(bad), "{bad:?}");
    }
    let mut s = Spec::default();
    s.pki.realm = "contoso.com".into();
    let problems = validate(&s);
    assert_eq!(problems.len(), 1, "{problems:?}");
    assert_eq!(problems[0].0.to_string(), "pki.realm");
    assert!(problems[0].1.contains("uppercase"), "{}", problems[0].1);
}

#[test]
fn attacks_need_certificate_enrollment() {
    let mut s = Spec::default();
    s.attacks.mismatched_key = 0.1;
    assert!(validate(&s).is_empty());
    s.trust = Trust::Key;
    let problems = validate(&s);
    assert_eq!(problems.len(), 1, "{problems:?}");
    assert_eq!(problems[0].0.to_string(), "attacks.mismatched_key");
    assert!(
        problems[0].1.contains("trust = \"key\""),
        "{}",
        problems[0].1
    );
    s.attacks.mismatched_key = 0.0;
    s.trust = Trust::CloudKerberos;
    assert!(validate(&s).is_empty());
}

#[test]
fn agent_revocations_are_instants_few_and_apart() {
    use crate::scenario::schema::Fault;
    let fault = |kind, start: u64, end: u64| Fault {
        kind,
        start: Duration(start * MINUTE),
        end: Duration(end * MINUTE),
        factor: None,
        server: None,
    };
    let keys =
        |s: &Spec| -> Vec<String> { validate(s).iter().map(|(k, _)| k.to_string()).collect() };
    let mut s = Spec {
        faults_as_written: vec![
            fault(FaultKind::AgentRevoked, 60, 0),
            fault(FaultKind::CaDown, 60, 0),
        ],
        ..Spec::default()
    };
    assert_eq!(keys(&s), ["faults[1].end"]);
    s.faults_as_written[0].end = Duration(90 * MINUTE);
    s.faults_as_written.pop();
    assert_eq!(keys(&s), ["faults[0].end"]);
    // Four, and one starting before AD FS re-enrolled after the previous one.
    s.faults_as_written = [60, 200, 230, 400, 600]
        .iter()
        .map(|&m| fault(FaultKind::AgentRevoked, m, 0))
        .collect();
    assert_eq!(keys(&s), ["faults[3].kind", "faults[2].start"]);
    s.faults_as_written.truncate(2);
    assert!(keys(&s).is_empty());
    s.ca.envelope_max_age = Duration(0);
    s.pki.crl_validity = Duration(0);
    s.attacks.replayed_envelope = 2.0;
    assert_eq!(
        keys(&s),
        [
            "ca.envelope_max_age",
            "pki.crl_validity",
            "attacks.replayed_envelope"
        ]
    );
}

#[test]
fn validation_types_the_fault_windows() {
    use crate::scenario::fault::{FaultEffect, FaultWindow};
    use crate::scenario::schema::Fault;
    let fault = |kind, start: u64, end: u64, factor, server| Fault {
        kind,
        start: Duration(start * MINUTE),
        end: Duration(end * MINUTE),
        factor,
        server,
    };
    let s = Spec {
        faults_as_written: vec![
            fault(FaultKind::DrsSlow, 60, 90, Some(2.5), None),
            fault(FaultKind::AdfsServerDown, 60, 90, None, Some(2)),
            fault(FaultKind::AgentRevoked, 100, 0, None, None),
        ],
        ..Spec::default()
    };
    let reenroll = s.pki.agent_reenroll.0;
    let typed = validated(s).unwrap().faults;
    let at = |m: u64| Duration(m * MINUTE);
    assert_eq!(
        typed,
        [
            FaultWindow {
                effect: FaultEffect::DrsSlow { factor: 2.5 },
                start: at(60),
                end: at(90),
            },
            FaultWindow {
                effect: FaultEffect::AdfsServerDown { server: 2 },
                start: at(60),
                end: at(90),
            },
            // An instant in the file; its effect lasts until AD FS re-enrolled.
            FaultWindow {
                effect: FaultEffect::AgentRevoked,
                start: at(100),
                end: Duration(100 * MINUTE + reenroll),
            },
        ]
    );
    assert_eq!(typed[2].end_as_written(), Duration(0));
    // A field its kind does not have is refused for every kind, an instant included.
    let s = Spec {
        faults_as_written: vec![
            fault(FaultKind::AgentRevoked, 100, 0, Some(2.0), Some(1)),
            fault(FaultKind::DrsSlow, 60, 90, None, None),
        ],
        ..Spec::default()
    };
    let keys: Vec<String> = validated(s)
        .unwrap_err()
        .iter()
        .map(|(k, _)| k.to_string())
        .collect();
    assert_eq!(
        keys,
        ["faults[0].factor", "faults[0].server", "faults[1].factor"]
    );
}
