use super::done::EnrollFailure;
use super::*;
use crate::pki::OffPki;
use crate::scenario::Scenario;

fn spec(toml: &str) -> Spec {
    let s = Scenario::load_str(toml, "t.toml", "t", &[]).unwrap();
    s.variants[0].spec.clone()
}

fn run(spec: &Spec) -> RunOutput {
    let mut pki = OffPki::new(&Default::default(), spec.users as usize);
    Model::new(spec, 0, &mut pki, &TraceFilter::Off).run()
}

fn count(out: &RunOutput, o: Outcome) -> usize {
    out.users.iter().filter(|u| u.outcome == o).count()
}

#[test]
fn post_kb_users_become_usable_within_minutes() {
    let s = spec("users = 300\npki.mode = \"off\"\nadfs.patched = 2\n");
    let out = run(&s);
    assert!(
        count(&out, Outcome::Usable) > 280,
        "{}",
        count(&out, Outcome::Usable)
    );
    let mut ttu: Vec<f64> = out
        .users
        .iter()
        .filter_map(|u| Some((u.milestones.usable? - u.milestones.signin?) as f64 / 1e6))
        .collect();
    ttu.sort_by(f64::total_cmp);
    let median = ttu[ttu.len() / 2];
    assert!(median < 300.0, "median {median}s");
}

#[test]
fn pre_kb_users_wait_for_sync_and_retries() {
    let s = spec("users = 300\npki.mode = \"off\"\nadfs.patched = 0\n");
    let out = run(&s);
    for u in out.users.iter().filter(|u| u.outcome == Outcome::Usable) {
        let m = u.milestones;
        let (reg, ad, ok) = (
            m.key_registered.unwrap(),
            m.key_in_ad.unwrap(),
            m.usable.unwrap(),
        );
        assert!(ad <= ok, "usable before key in AD: {u:?}");
        // The attempt that succeeded was one of the scheduled retries or a later one.
        assert!(ok - reg >= 24 * 60 * 1_000_000, "{u:?}");
    }
    assert!(count(&out, Outcome::Usable) > 200);
    assert!(!out.sync_cycles.is_empty());
}

#[test]
fn require_tpm_turns_tpm_less_devices_away() {
    let s = spec("users = 400\npki.mode = \"off\"\nadfs.patched = 2\n[key]\nrequire_tpm = true\ntpm_firmware_share = 0.5\ntpm_discrete_share = 0.4\n");
    let out = run(&s);
    let no_tpm = count(&out, Outcome::NoTpm);
    assert!((20..=65).contains(&no_tpm), "{no_tpm}");
}

#[test]
fn attacks_are_rejected_with_their_reason() {
    let s = spec("users = 300\npki.mode = \"off\"\nadfs.patched = 2\n[attacks]\nmismatched_key = 0.2\nnon_agent_signer = 0.2\n");
    let out = run(&s);
    let by = |r: pki_port::Refusal| {
        out.users
            .iter()
            .filter(|u| u.rejected_by == Some(r))
            .count()
    };
    assert!(by(pki_port::Refusal::KeyMismatch) > 30);
    assert!(by(pki_port::Refusal::SignerNotAgent) > 20);
    assert_eq!(
        count(&out, Outcome::Rejected),
        by(pki_port::Refusal::KeyMismatch) + by(pki_port::Refusal::SignerNotAgent)
    );
}

#[test]
fn same_seed_same_run() {
    let s = spec("users = 200\npki.mode = \"off\"\n");
    let a = run(&s);
    let b = run(&s);
    assert_eq!(a.users, b.users);
    assert_eq!(a.events, b.events);
}

#[test]
fn trace_is_in_time_order_and_only_for_chosen_users() {
    let s = spec("users = 50\npki.mode = \"off\"\nadfs.patched = 1\n");
    let mut pki = OffPki::new(&Default::default(), s.users as usize);
    let out = Model::new(&s, 0, &mut pki, &TraceFilter::Users(vec![3, 7])).run();
    assert!(!out.trace.is_empty());
    assert!(out.trace.iter().all(|r| r.user == 3 || r.user == 7));
    assert!(out.trace.windows(2).all(|w| w[0].t <= w[1].t));
    assert!(out.trace.iter().any(|r| r.event_id == Some(358)));
}

#[test]
fn events_stay_compact() {
    // Every pending event is copied in and out of the queue's buckets: keep it within
    // 12 bytes (user ids are u32, servers u16) so a queue entry with its time and
    // sequence number is 32 bytes; a user (state, milestones, the enrollment in flight
    // and the four random streams) stays within five cache lines.
    assert!(
        std::mem::size_of::<Event>() <= 12,
        "{}",
        std::mem::size_of::<Event>()
    );
    assert!(
        std::mem::size_of::<User>() <= 320,
        "{}",
        std::mem::size_of::<User>()
    );
}

/// A rush on a one-worker CA that issues in 2 s: the CA saturates, requests time out.
const RUSH: &str = "users = 400\npki.mode = \"off\"\n\
    [signin]\nwaves = [{ start = \"08:00\", end = \"08:10\", share = 1.0 }]\n\
    [prerequisites]\njoined_share = 1.0\n\
    [ca]\nworkers = 1\nissue = \"2s\"\n\
    [adfs]\npatched = \"all\"\n";

#[test]
fn ad_fs_worker_time_by_part_adds_up_to_the_busy_time() {
    for text in [RUSH, "users = 300\npki.mode = \"off\"\nadfs.patched = 1\n"] {
        let out = run(&spec(text));
        assert!(!out.hit_horizon);
        for r in out.resources.iter().filter(|r| r.resource.is_adfs_server()) {
            let h = r.holding.expect("AD FS servers split their time");
            let busy = r.stats.mean_busy * crate::engine::time::to_secs(out.end);
            assert!(
                (h.total_s() - busy).abs() <= 1e-6 * busy.max(1.0),
                "{}: parts {} vs busy {busy}",
                r.resource,
                h.total_s()
            );
        }
    }
}

#[test]
fn an_overloaded_ca_gives_failures_and_retries_and_no_abandoned_certificate_is_installed() {
    let s = spec(RUSH);
    let out = run(&s);
    let f = out.failures.enrollment;
    let timeouts = f[EnrollFailure::CaTimeout.index()] + f[EnrollFailure::RequestTimeout.index()];
    assert!(timeouts > 50, "{f:?}");
    let ca = out
        .resources
        .iter()
        .find(|r| r.resource == ResourceId::Ca)
        .unwrap();
    assert!(ca.stats.withdrawn + ca.discarded > 0, "{ca:?}");
    // Nobody waits in a queue longer than the client's timeout.
    let limit = to_secs(s.enrollment.request_timeout.0);
    for r in out
        .resources
        .iter()
        .filter(|r| r.has_servers && r.resource != ResourceId::AadConnect)
    {
        assert!(
            r.stats.mean_wait_s <= limit,
            "{}: {:?}",
            r.resource,
            r.stats
        );
    }
    let mut retried = 0;
    for u in &out.users {
        retried += (u.enrollment_failures > 0) as u32;
        if u.outcome == Outcome::Usable {
            let m = u.milestones;
            // The request that got the certificate was answered in time.
            assert!(
                m.cert_issued.unwrap() - m.request_sent.unwrap() <= s.enrollment.request_timeout.0
            );
            assert!(u.enroll_attempts > u.enrollment_failures, "{u:?}");
        }
    }
    assert!(retried > 50, "{retried}");
    // Without the timeouts, the same rush only queues.
    let patient = spec(&format!(
        "{RUSH}ca_timeout = \"1d\"\n[enrollment]\nrequest_timeout = \"1d\"\n"
    ));
    let out = run(&patient);
    assert_eq!(out.failures.enrollment, [0; EnrollFailure::ALL.len()]);
}

#[test]
fn an_abandoned_request_still_at_the_ca_holds_back_the_next_attempt_without_harm() {
    // The CA takes 2 h per certificate; the client gives up after 30 s, the RA after 1
    // min; the retry 1 min after registration finds the first request still at the CA
    // and waits for it.
    let s = spec(
        "users = 3\npki.mode = \"off\"\nhorizon = \"1d\"\n\
         [signin]\nwaves = [{ start = \"08:00\", end = \"08:01\", share = 1.0 }]\nsession = \"30d\"\n\
         [prerequisites]\njoined_share = 1.0\n\
         [enrollment]\nrequest_timeout = \"30s\"\nretry_schedule = [\"1m\", \"3h\"]\n\
         [adfs]\npatched = \"all\"\nca_timeout = \"1m\"\n\
         [ca]\nworkers = 3\nissue = \"2h\"\n",
    );
    let mut pki = OffPki::new(&Default::default(), s.users as usize);
    let out = Model::new(&s, 0, &mut pki, &TraceFilter::All).run();
    let ca = out
        .resources
        .iter()
        .find(|r| r.resource == ResourceId::Ca)
        .unwrap();
    assert!(ca.discarded >= 3, "{ca:?}");
    for u in &out.users {
        assert_ne!(u.outcome, Outcome::Usable, "{u:?}");
        assert!(u.enroll_attempts >= 2, "{u:?}");
        let waited = out
            .trace
            .iter()
            .any(|r| r.user == u.id && r.message.contains("still busy with the abandoned request"));
        assert!(waited, "user {} never waited for the servers", u.id);
        // The second request went out only after the CA finished the first (2 h).
        let first = u.milestones.key_registered.unwrap();
        assert!(u.milestones.request_sent.unwrap() >= first + 2 * crate::engine::time::HOUR);
    }
}

#[test]
fn fault_windows_record_the_users_they_hit_and_the_calls_that_failed() {
    let s = spec(
        "users = 400\npki.mode = \"off\"\nadfs.patched = \"all\"\n\
         [signin]\nwaves = [{ start = \"08:00\", end = \"09:00\", share = 1.0 }]\n\
         [[faults]]\nkind = \"drs_down\"\nstart = \"08:20\"\nend = \"08:40\"\n\
         [[faults]]\nkind = \"drs_slow\"\nfactor = 10.0\nstart = \"08:40\"\nend = \"08:50\"\n\
         [[faults]]\nkind = \"ca_down\"\nstart = \"12d\"\nend = \"12d1h\"\n",
    );
    let out = run(&s);
    let drs = out
        .resources
        .iter()
        .find(|r| r.resource == ResourceId::Drs)
        .unwrap();
    let [down, slow, idle] = &out.faults[..] else {
        panic!("{:?}", out.faults)
    };
    assert_eq!(down.failed_calls, drs.failed);
    assert_eq!(
        down.failed_calls,
        out.failures.registration_drs_unreachable
            + out.failures.enrollment[EnrollFailure::DrsUnreachable.index()]
    );
    let failed_users: Vec<u32> = out
        .users
        .iter()
        .filter(|u| u.registration_failures > 0)
        .map(|u| u.id)
        .collect();
    assert!(!failed_users.is_empty());
    assert!(failed_users
        .iter()
        .all(|u| down.users_hit.binary_search(u).is_ok()));
    // A slow DRS fails nothing but hits the users whose calls it slowed.
    assert_eq!(slow.failed_calls, 0);
    assert!(!slow.users_hit.is_empty());
    // A window after the rollout (the run ends before it opens) hits nobody.
    assert_eq!(idle, &done::FaultRecord::default());
}

fn run_with_settings(spec: &Spec) -> RunOutput {
    let settings = crate::run::pki_backend::settings_of(spec).unwrap();
    let mut pki = OffPki::new(&settings, spec.users as usize);
    Model::new(spec, 0, &mut pki, &TraceFilter::Users(vec![0, 1, 2])).run()
}

#[test]
fn every_attack_kind_is_refused_by_its_check() {
    let s = spec(
        "users = 400\npki.mode = \"off\"\nadfs.patched = 2\n\
         [attacks]\nother_identity = 0.15\nreplayed_envelope = 0.15\nrevoked_agent = 0.3\n\
         [[faults]]\nkind = \"agent_revoked\"\nstart = \"8h30m\"\n",
    );
    let out = run_with_settings(&s);
    let by = |r: pki_port::Refusal| {
        out.users
            .iter()
            .filter(|u| u.rejected_by == Some(r))
            .count()
    };
    use pki_port::Refusal::*;
    for r in [IdentityMismatch, EnvelopeReplayed, AgentRevoked] {
        assert!(by(r) > 10, "{r}: {}", by(r));
    }
    let counted: usize = pki_port::Refusal::ALL.iter().map(|r| by(*r)).sum();
    assert_eq!(count(&out, Outcome::Rejected), counted);
    // About 0.85 × 0.85 × 0.7 of the users are never attacked: they get through.
    let usable = count(&out, Outcome::Usable);
    assert!(usable > 140, "{usable} usable");
}

#[test]
fn the_dc_is_the_last_step_before_usable() {
    let s = spec("users = 50\npki.mode = \"off\"\nadfs.patched = 2\n");
    let out = run_with_settings(&s);
    for u in [0, 1, 2] {
        let steps: Vec<&str> = out
            .trace
            .iter()
            .filter(|r| r.user == u)
            .map(|r| r.step.as_ref())
            .collect();
        let installed = steps.iter().position(|s| *s == "installed").unwrap();
        assert_eq!(steps[installed + 1], "usable", "{steps:?}");
    }
    // A CA without the SID extension: every user that got a certificate is refused by
    // the DC (event 39 in the trace).
    let s = spec("users = 50\npki.mode = \"off\"\nadfs.patched = 2\nca.sid_extension = false\n");
    let out = run_with_settings(&s);
    assert_eq!(count(&out, Outcome::Usable), 0);
    assert!(out
        .users
        .iter()
        .filter(|u| u.milestones.cert_issued.is_some())
        .all(|u| u.rejected_by == Some(pki_port::Refusal::NoStrongMapping)));
    assert!(out.trace.iter().any(|r| r.event_id == Some(39)));
}

#[test]
fn a_run_reports_the_resources_of_its_layout() {
    // `merge` refuses a unit whose resources differ from `resource_layout`.
    let s = spec(
        "users = 60\npki.mode = \"off\"\nadfs.servers = 3\nadfs.workers = 5\nca.workers = 4\n",
    );
    let out = run(&s);
    let got: Vec<(ResourceId, u32)> = out
        .resources
        .iter()
        .map(|r| (r.resource, r.capacity))
        .collect();
    assert_eq!(got, resource_layout(&s));
    for r in &out.resources {
        assert_eq!(r.waits.len(), r.series.len(), "{}", r.resource);
        assert_eq!(r.has_servers, r.capacity > 0, "{}", r.resource);
    }
}
