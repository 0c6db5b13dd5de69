//! A shard's units held to their own job before `merge` uses any value in them. A shard
//! result is a file anyone can edit and recompute the checksums of, so a unit that decodes
//! is still only data: the reports would size vectors by its user ids, sum its counts and
//! print its figures and names. Each unit is therefore checked against what the job's
//! scenario can produce: its size before it is decompressed (`unit_json_cap`), then its
//! shape and every figure (`check_unit`): the user records are the job's users in order,
//! the resources those of the model's layout, times within the horizon, counts within
//! the events the unit processed, figures finite and in range, names and texts short.

use crate::engine::SimTime;
use crate::error::UsageError;
use crate::model::{resource_layout, RunOutput, TraceFilter};
use crate::run::cost::{self, LARGE_LIMITS};
use crate::run::unit::UnitOutput;
use crate::scenario::Spec;

/// Most bytes of JSON one user record takes (every milestone at `u64::MAX`, the longest
/// names): a test holds a maximal record to it.
pub(crate) const USER_JSON_MAX: u64 = 1024;
/// Most bytes of JSON one series bucket of one resource takes (its five figures and its
/// waits' sum and count, each number at its longest).
pub(crate) const BUCKET_JSON_MAX: u64 = 256;
/// Most bytes of JSON of one sync cycle.
pub(crate) const SYNC_JSON_MAX: u64 = 256;
/// Longest trace step name and message, in bytes: the model's are far shorter.
pub(crate) const TRACE_STEP_MAX: usize = 64;
/// See [`TRACE_STEP_MAX`].
pub(crate) const TRACE_MESSAGE_MAX: usize = 1024;
/// Most bytes of JSON of one trace record (time, user, event id, step, message).
pub(crate) const TRACE_JSON_MAX: u64 = 128 + TRACE_STEP_MAX as u64 + 2 * TRACE_MESSAGE_MAX as u64;
/// Trace records per traced user counted in [`unit_json_cap`]: the cost estimate's events
/// per user times this, plus [`TRACE_RECORDS_SLACK`] (an unlucky user retries more than
/// the mean).
pub(crate) const TRACE_RECORDS_FACTOR: f64 = 16.0;
/// See [`TRACE_RECORDS_FACTOR`].
pub(crate) const TRACE_RECORDS_SLACK: f64 = 1024.0;
/// Largest figure (seconds, queue lengths, sums) a unit may hold: far beyond any run the
/// limits admit (1e11 events), small enough that sums over every unit stay finite.
pub(crate) const FIGURE_MAX: f64 = 1e15;
/// How far a utilisation may pass 1 by rounding.
const UTILIZATION_SLACK: f64 = 1e-9;

/// The most JSON a unit of a variant with `spec`, traced as `trace`, can hold: what the
/// manifest's `json_bytes` may claim at most, so a damaged or forged manifest never makes
/// `merge` decompress more than the job can produce. Generous on purpose (each part at its
/// longest), since a legitimate unit refused here could not be merged at all.
pub(crate) fn unit_json_cap(spec: &Spec, trace: &TraceFilter) -> u64 {
    let users = spec.users as f64;
    let windows = spec.faults.len() as f64;
    let resources = resource_layout(spec).len() as f64;
    let buckets = cost::buckets(spec) + 2.0;
    let cycles = 2.0 * cost::sync_cycles(spec) + 16.0;
    let traced = cost::traced(spec, trace);
    let records =
        traced * (cost::events_per_traced_user(spec) * TRACE_RECORDS_FACTOR + TRACE_RECORDS_SLACK);
    let bytes = 64.0 * 1024.0
        + users * USER_JSON_MAX as f64
        // Shadows (a time or null per user and window) and the users each window hit.
        + windows * (users * 24.0 + users * 12.0 + 256.0)
        + resources * (buckets * BUCKET_JSON_MAX as f64 + 4096.0)
        + cycles * SYNC_JSON_MAX as f64
        + records * TRACE_JSON_MAX as f64;
    if bytes.is_finite() && bytes < u64::MAX as f64 {
        bytes as u64
    } else {
        u64::MAX
    }
}

/// The most bytes a gzip file of `json_bytes` bytes of JSON takes: deflate's stored
/// blocks (incompressible data) add 5 bytes per 64 KiB, the gzip header and trailer 18.
pub(crate) fn gzip_cap(json_bytes: u64) -> u64 {
    json_bytes
        .saturating_add(json_bytes / 1024)
        .saturating_add(1024)
}

/// A figure that must be finite, at least 0 and at most `max`.
fn figure(what: &str, x: f64, max: f64) -> Result<(), String> {
    if x.is_finite() && (0.0..=max).contains(&x) {
        Ok(())
    } else {
        // Exponent notation: f64::MAX in plain digits is 309 characters.
        Err(format!("{what} is {x:e}; allowed: 0 to {max:e}"))
    }
}

/// A time that must lie within the horizon.
fn time(what: &str, t: SimTime, horizon: SimTime) -> Result<(), String> {
    if t <= horizon {
        Ok(())
    } else {
        Err(format!(
            "{what} is {t} µs, after the horizon ({horizon} µs)"
        ))
    }
}

/// A count that cannot exceed the events the unit processed.
fn count(what: &str, n: u64, events: u64) -> Result<(), String> {
    if n <= events {
        Ok(())
    } else {
        Err(format!(
            "{what} is {n}, more than the {events} events the unit processed"
        ))
    }
}

/// Checks `unit`, a simulation of a variant with `spec` traced as `trace`, against what
/// that simulation can produce (see the module documentation). The error says which part
/// is wrong; the caller names the shard and the file.
pub(crate) fn check_unit(
    unit: &UnitOutput,
    spec: &Spec,
    trace: &TraceFilter,
) -> Result<(), UsageError> {
    let run = &unit.run;
    check_run(run, spec, trace).map_err(|m| format!("unit {}: {m}", unit.id))?;
    let windows = spec.faults.len();
    if unit.shadows.len() != windows {
        return Err(format!(
            "unit {}: {} shadow runs where the variant has {windows} fault windows",
            unit.id,
            unit.shadows.len()
        )
        .into());
    }
    for (w, shadow) in unit.shadows.iter().enumerate() {
        if shadow.len() != spec.users as usize {
            return Err(format!(
                "unit {}: shadow run {w} has {} users; the job has users = {}",
                unit.id,
                shadow.len(),
                spec.users
            )
            .into());
        }
        for t in shadow.iter().flatten() {
            time(
                &format!("unit {}: a time in shadow run {w}", unit.id),
                *t,
                spec.horizon.0,
            )?;
        }
    }
    Ok(())
}

fn check_run(run: &RunOutput, spec: &Spec, trace: &TraceFilter) -> Result<(), String> {
    let horizon = spec.horizon.0;
    let horizon_s = crate::engine::time::to_secs(horizon);
    let users = spec.users as usize;
    if run.events as f64 > LARGE_LIMITS.events {
        return Err(format!(
            "{} events; no run the limits admit processes more than {:e}",
            run.events, LARGE_LIMITS.events
        ));
    }
    let events = run.events;
    time("the end", run.end, horizon)?;
    if run.users.len() != users {
        return Err(format!(
            "{} user records; the job has users = {users}",
            run.users.len()
        ));
    }
    for (i, u) in run.users.iter().enumerate() {
        if u.id as usize != i {
            return Err(format!(
                "user record {i} has id {}; the records are users 0 to {} in order",
                u.id,
                users - 1
            ));
        }
        let m = &u.milestones;
        for t in [
            m.signin,
            m.launched,
            m.mfa_done,
            m.pin_set,
            m.key_ready,
            m.key_registered,
            m.key_in_ad,
            m.request_sent,
            m.cert_issued,
            m.usable,
            u.key_on_dc,
            u.dc_wait,
        ]
        .into_iter()
        .flatten()
        {
            time(&format!("a time of user {i}"), t, horizon)?;
        }
        for (what, n) in [
            ("sign-ins", u.signins),
            ("enrollment attempts", u.enroll_attempts),
            ("registration failures", u.registration_failures),
            ("enrollment failures", u.enrollment_failures),
        ] {
            count(&format!("user {i}'s {what}"), u64::from(n), events)?;
        }
    }
    let layout = resource_layout(spec);
    if run.resources.len() != layout.len() {
        return Err(format!(
            "{} resources; the job's model has {} ({})",
            run.resources.len(),
            layout.len(),
            layout
                .iter()
                .map(|(n, _)| n.to_string())
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    let max_buckets = cost::buckets(spec) as usize + 1;
    for (r, (name, capacity)) in run.resources.iter().zip(&layout) {
        // Names are parsed into the model's resources when the unit is read: a name
        // the model does not have never gets this far.
        if r.resource != *name {
            return Err(format!(
                "resource `{}` where the model has `{name}`",
                r.resource
            ));
        }
        if r.capacity != *capacity || r.has_servers != (*capacity > 0) {
            return Err(format!(
                "resource {name} has capacity {}; the job's is {capacity}",
                r.capacity
            ));
        }
        let at = |what: &str| format!("resource {name}: {what}");
        let s = &r.stats;
        figure(&at("utilization"), s.utilization, 1.0 + UTILIZATION_SLACK)?;
        figure(
            &at("mean busy"),
            s.mean_busy,
            f64::from(*capacity.max(&1)) + UTILIZATION_SLACK,
        )?;
        for (what, x) in [
            ("mean queue", s.mean_queue),
            ("max queue", s.max_queue),
            ("mean wait", s.mean_wait_s),
            ("wait sum", s.wait_sum_s),
        ] {
            figure(&at(what), x, FIGURE_MAX)?;
        }
        for (what, n) in [
            ("arrivals", s.arrivals),
            ("started", s.started),
            ("withdrawn", s.withdrawn),
            ("failed calls", r.failed),
            ("discarded certificates", r.discarded),
        ] {
            count(&at(what), n, events)?;
        }
        if r.series.len() > max_buckets || r.waits.len() != r.series.len() {
            return Err(at(&format!(
                "{} series buckets and {} wait buckets; the horizon holds at most {max_buckets}, one of each",
                r.series.len(),
                r.waits.len()
            )));
        }
        for row in &r.series {
            figure(&at("a bucket's start"), row[0], horizon_s)?;
            for x in &row[1..] {
                figure(&at("a bucket's figure"), *x, FIGURE_MAX)?;
            }
        }
        for (sum, n) in &r.waits {
            figure(&at("a bucket's wait sum"), *sum, FIGURE_MAX)?;
            count(&at("a bucket's waits"), *n, events)?;
        }
        let p = &r.peak;
        figure(&at("the peak window"), p.window_s, horizon_s)?;
        figure(&at("the peak window's start"), p.start_s, horizon_s)?;
        if let Some(u) = p.utilization {
            figure(&at("peak utilization"), u, 1.0 + UTILIZATION_SLACK)?;
        }
        figure(&at("peak mean queue"), p.mean_queue, FIGURE_MAX)?;
        figure(&at("peak max queue"), p.max_queue, FIGURE_MAX)?;
        if let Some(w) = p.mean_wait_s {
            figure(&at("peak mean wait"), w, FIGURE_MAX)?;
        }
        count(&at("peak waits"), p.waits, events)?;
        if let Some(h) = &r.holding {
            for x in [h.own_s, h.drs_check_s, h.ca_queue_s, h.ca_service_s] {
                figure(&at("worker holding time"), x, FIGURE_MAX)?;
            }
        }
    }
    let max_cycles = 2.0 * cost::sync_cycles(spec) + 16.0;
    if run.sync_cycles.len() as f64 > max_cycles {
        return Err(format!(
            "{} sync cycles; the horizon and aad_connect.interval allow at most {max_cycles}",
            run.sync_cycles.len()
        ));
    }
    for c in &run.sync_cycles {
        time("a sync cycle's end", c.end, horizon)?;
        let inside = |t: SimTime| c.start <= t && t <= c.end;
        if !inside(c.start) || !c.cutoff.is_none_or(inside) {
            return Err(format!(
                "sync cycle {} starts after it ends, or its cut-off lies outside it",
                c.id
            ));
        }
        if c.keys as usize > users || c.devices as usize > users {
            return Err(format!(
                "sync cycle {} exports {} keys and {} devices; the job has {users} users",
                c.id, c.keys, c.devices
            ));
        }
    }
    let mut chosen: Vec<u32> = match trace {
        TraceFilter::Users(ids) if !run.trace.is_empty() => ids.clone(),
        _ => Vec::new(),
    };
    chosen.sort_unstable();
    for t in &run.trace {
        time("a trace record's time", t.t, horizon)?;
        let traced = match trace {
            TraceFilter::Off => false,
            TraceFilter::All => (t.user as usize) < users,
            TraceFilter::Users(_) => chosen.binary_search(&t.user).is_ok(),
        };
        if !traced {
            return Err(format!(
                "a trace record of user {}, whom the job does not trace",
                t.user
            ));
        }
        if t.step.len() > TRACE_STEP_MAX || t.message.len() > TRACE_MESSAGE_MAX {
            return Err(format!(
                "a trace record of user {} longer than {TRACE_STEP_MAX} bytes (step) or {TRACE_MESSAGE_MAX} bytes (message)",
                t.user
            ));
        }
    }
    for (i, n) in run.failures.enrollment.iter().enumerate() {
        count(&format!("enrollment failures of reason {i}"), *n, events)?;
    }
    count(
        "registration failures (DRS unreachable)",
        run.failures.registration_drs_unreachable,
        events,
    )?;
    if run.faults.len() != spec.faults.len() {
        return Err(format!(
            "{} fault records; the variant has {} fault windows",
            run.faults.len(),
            spec.faults.len()
        ));
    }
    for (w, f) in run.faults.iter().enumerate() {
        let sorted = f.users_hit.windows(2).all(|p| p[0] < p[1]);
        if f.users_hit.len() > users
            || !sorted
            || f.users_hit.last().is_some_and(|&u| u as usize >= users)
        {
            return Err(format!(
                "fault window {w}'s users are not distinct users of the job in order"
            ));
        }
        count(
            &format!("fault window {w}'s failed calls"),
            f.failed_calls,
            events,
        )?;
    }
    Ok(())
}

/// Checks that the units of one point together processed no more events than any run the
/// limits admit, so the reports' sums cannot overflow.
pub(crate) fn check_point_events(units: &[UnitOutput]) -> Result<(), UsageError> {
    let total = units
        .iter()
        .try_fold(0u64, |a, u| a.checked_add(u.run.events));
    match total {
        Some(t) if t as f64 <= LARGE_LIMITS.events => Ok(()),
        _ => Err(format!(
            "its units processed more events together than any run the limits admit ({:e})",
            LARGE_LIMITS.events
        )
        .into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::done::{KeySource, Outcome};
    use crate::model::done::{Milestones, SyncCycle, UserRecord};
    use crate::run::unit::{run_units, units_of};
    use crate::run::RunOptions;
    use crate::scenario::Scenario;

    #[test]
    fn a_maximal_user_record_and_sync_cycle_fit_their_caps() {
        let big = Some(u64::MAX);
        let u = UserRecord {
            id: u32::MAX,
            outcome: Outcome::Rejected,
            rejected_by: Some(crate::model::pki_port::Refusal::SignerNotAgent),
            milestones: Milestones {
                signin: big,
                launched: big,
                mfa_done: big,
                pin_set: big,
                key_ready: big,
                key_registered: big,
                key_in_ad: big,
                request_sent: big,
                cert_issued: big,
                usable: big,
            },
            key_source: KeySource::DiscreteTpm,
            signins: u32::MAX,
            enroll_attempts: u32::MAX,
            device_ready_at_start: false,
            registration_failures: u32::MAX,
            enrollment_failures: u32::MAX,
            key_on_dc: big,
            dc_wait: big,
        };
        let json = serde_json::to_vec(&u).unwrap();
        // A third to spare for fields added later.
        assert!(
            (json.len() as u64) < USER_JSON_MAX * 3 / 4,
            "{}",
            json.len()
        );
        let c = SyncCycle {
            id: u32::MAX,
            start: u64::MAX,
            cutoff: Some(u64::MAX),
            end: u64::MAX,
            keys: u32::MAX,
            devices: u32::MAX,
            manual: false,
            aborted: false,
        };
        assert!((serde_json::to_vec(&c).unwrap().len() as u64) < SYNC_JSON_MAX);
        let row = serde_json::to_vec(&([-f64::MAX; 5], (-f64::MAX, u64::MAX))).unwrap();
        assert!((row.len() as u64) < BUCKET_JSON_MAX, "{}", row.len());
    }

    /// Every unit of every shipped scenario (a few users, crypto off, traced) passes the
    /// check, and its JSON is within the cap: a legitimate shard is never refused.
    #[test]
    fn units_of_every_shipped_scenario_pass() {
        for entry in std::fs::read_dir("scenarios").expect("scenarios/") {
            let path = entry.expect("entry").path();
            let sets = ["users=40".to_string(), "pki.mode=off".into()];
            let s = Scenario::load_file(&path, &sets).expect("valid");
            let trace = TraceFilter::All;
            let opts = RunOptions {
                threads: Some(1),
                trace: trace.clone(),
                ..RunOptions::default()
            };
            let ids = units_of(0, &s);
            let units = run_units(&s, &ids, &opts, &|u| Ok(u)).expect("runs");
            for u in &units {
                let spec = &s.variants[u.id.variant as usize].spec;
                check_unit(u, spec, &trace).unwrap_or_else(|m| panic!("{path:?}: {m}"));
                let json = crate::run::shard::format::encode_unit(u).expect("encodes");
                assert!(
                    (json.len() as u64) < unit_json_cap(spec, &trace) / 2,
                    "{path:?}: {} bytes",
                    json.len()
                );
            }
            check_point_events(&units).expect("events");
        }
    }

    #[test]
    fn forged_units_are_refused_naming_what_is_wrong() {
        let s = Scenario::load_default(&["users=30".into(), "pki.mode=off".into()]).unwrap();
        let spec = &s.variants[0].spec;
        let opts = RunOptions::default();
        let ids = units_of(0, &s);
        let unit = run_units(&s, &ids[..1], &opts, &|u| Ok(u))
            .unwrap()
            .remove(0);
        let refused = |f: &dyn Fn(&mut UnitOutput), want: &str| {
            let mut u = unit.clone();
            f(&mut u);
            let e = check_unit(&u, spec, &TraceFilter::Off).unwrap_err();
            assert!(e.to_string().contains(want), "{e}");
        };
        refused(&|u| u.run.users[3].id = u32::MAX, "has id 4294967295");
        refused(&|u| u.run.users.truncate(20), "20 user records");
        refused(
            &|u| u.run.resources[0].stats.mean_wait_s = f64::MAX,
            "mean wait",
        );
        refused(
            &|u| u.run.resources[1].stats.utilization = f64::NAN,
            "utilization",
        );
        refused(&|u| u.run.events = u64::MAX, "events");
        refused(
            &|u| u.run.resources[2].resource = crate::model::ResourceId::AdfsServer(9),
            "where the model has",
        );
        refused(
            &|u| u.run.resources[0].stats.arrivals = u64::MAX,
            "arrivals",
        );
        refused(&|u| u.run.end = u64::MAX, "the end");
        refused(
            &|u| u.run.users[0].milestones.signin = Some(u64::MAX),
            "user 0",
        );
        refused(&|u| u.shadows.push(Vec::new()), "shadow runs");
        assert!(check_unit(&unit, spec, &TraceFilter::Off).is_ok());
    }
}
