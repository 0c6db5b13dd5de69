//! What a sharded run is: the command's inputs (scenario text, overrides, swept values,
//! traced users) that every shard records and `merge` rebuilds the scenario and the plan
//! from, their fingerprint, and the work they describe (the points and their units).

use super::cost::unit_cost;
use crate::error::UsageError;
use crate::model::TraceFilter;
use crate::run::sweep::{plan_sweep, SweepPlan};
use crate::run::unit::{units_of, UnitId};
use crate::scenario::{Override, Scenario, DEFAULT_SCENARIO, DEFAULT_SCENARIO_NAME};
use serde::{Deserialize, Serialize};
use std::path::Path;

/// Which command a shard is part of.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum JobKind {
    /// `whfb-sim run --shard`.
    Run,
    /// `whfb-sim sweep --shard`.
    Sweep,
    /// `whfb-sim sensitivity --shard`.
    Sensitivity,
}

impl JobKind {
    /// The subcommand's name.
    pub fn as_str(self) -> &'static str {
        match self {
            JobKind::Run => "run",
            JobKind::Sweep => "sweep",
            JobKind::Sensitivity => "sensitivity",
        }
    }
}

/// The inputs of a sharded command, enough to rebuild its scenario and plan on any
/// host: no folders, no clock, no host name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Job {
    /// `run` or `sweep`.
    pub command: JobKind,
    /// The scenario file's name without folders; `null` for the embedded default.
    pub scenario_file: Option<String>,
    /// The scenario file's text.
    pub scenario_text: String,
    /// The overrides in command-line order (`--seed`, `--users`, `--replications` as
    /// `seed=N` etc., then each `--set`), without those of `pki.key_cache`: where keys
    /// are cached does not change any result, and shards on different hosts may cache
    /// them in different places.
    pub sets: Vec<String>,
    /// The `--param` flags of a sweep, in order.
    pub params: Vec<String>,
    /// The users traced into `events.csv` (`run` only).
    pub trace: TraceFilter,
    /// What `sensitivity` was asked (its figures, keys, ranges, method); absent for the
    /// other commands, so their fingerprints are what they were before it existed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sensitivity: Option<crate::sensitivity::Request>,
}

/// `true` for an override of where keys are cached (`pki.key_cache`, in the base or a
/// variant).
fn is_key_cache(set: &str) -> bool {
    let Ok(o) = Override::parse(set) else {
        return false;
    };
    let path = o.path.to_string();
    path == "pki.key_cache" || (path.starts_with("variants.") && path.ends_with(".pki.key_cache"))
}

impl Job {
    /// The job of `scenario` loaded with `sets`, swept with `params` (a sweep), tracing
    /// `trace` (a run).
    pub fn new(
        command: JobKind,
        scenario: &Scenario,
        from_file: bool,
        sets: &[String],
        params: &[String],
        trace: TraceFilter,
    ) -> Job {
        Job {
            command,
            scenario_file: from_file.then(|| scenario.source_name().to_string()),
            scenario_text: scenario.text().to_string(),
            sets: sets.iter().filter(|s| !is_key_cache(s)).cloned().collect(),
            params: params.to_vec(),
            trace,
            sensitivity: None,
        }
    }

    /// SHA-256 (hex) of the job's canonical JSON: equal for shards of the same command.
    pub fn fingerprint(&self) -> String {
        let json = serde_json::to_vec(self).unwrap_or_default();
        hex(aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, &json).as_ref())
    }

    /// The scenario again, from the recorded text and overrides. The text is held to the
    /// scenario file's limits: it comes from a manifest anyone can edit.
    pub fn scenario(&self) -> Result<Scenario, UsageError> {
        if self.scenario_text.len() as u64 > crate::scenario::MAX_SCENARIO_BYTES
            || self.scenario_text.contains('\0')
        {
            return Err(format!(
                "the recorded scenario text is not a scenario file: more than {} KiB, or NUL bytes",
                crate::scenario::MAX_SCENARIO_BYTES / 1024
            )
            .into());
        }
        let loaded = match &self.scenario_file {
            None if self.scenario_text == DEFAULT_SCENARIO => Scenario::load_default(&self.sets),
            None => Scenario::load_str(
                &self.scenario_text,
                DEFAULT_SCENARIO_NAME,
                "default",
                &self.sets,
            ),
            Some(file) => {
                let stem = Path::new(file)
                    .file_stem()
                    .map(|s| s.to_string_lossy().into_owned())
                    .unwrap_or_else(|| "scenario".into());
                Scenario::load_str(&self.scenario_text, file, &stem, &self.sets)
            }
        };
        loaded.map_err(UsageError::from)
    }

    /// The work the job describes, rebuilt from its record.
    pub fn work(&self) -> Result<Work, UsageError> {
        let scenario = self.scenario()?;
        match (self.command, &self.sensitivity) {
            (JobKind::Sensitivity, Some(req)) => Work::sensitivity(scenario, req),
            (JobKind::Sensitivity, None) => {
                Err("a sensitivity job without its request (figures, keys, method)".into())
            }
            (kind, _) => Work::new(kind, scenario, &self.params),
        }
    }

    /// `key=value` lines of what differs between two jobs, for merge's messages.
    pub fn differences(&self, other: &Job) -> Vec<String> {
        let mut out = Vec::new();
        if self.command != other.command {
            out.push(format!(
                "command: {} vs {}",
                self.command.as_str(),
                other.command.as_str()
            ));
        }
        let name = |f: &Option<String>| f.clone().unwrap_or_else(|| DEFAULT_SCENARIO_NAME.into());
        if self.scenario_file != other.scenario_file {
            out.push(format!(
                "scenario: {} vs {}",
                name(&self.scenario_file),
                name(&other.scenario_file)
            ));
        } else if self.scenario_text != other.scenario_text {
            out.push(format!(
                "the text of {} differs (edited between shards?)",
                name(&self.scenario_file)
            ));
        }
        if self.sets != other.sets {
            out.push(format!(
                "overrides (--seed/--users/--replications/--set): [{}] vs [{}]",
                self.sets.join(" "),
                other.sets.join(" ")
            ));
        }
        if self.params != other.params {
            out.push(format!(
                "swept values (--param): [{}] vs [{}]",
                self.params.join(" "),
                other.params.join(" ")
            ));
        }
        if self.sensitivity != other.sensitivity {
            out.push(format!(
                "sensitivity flags (--figure/--keys/--range/--method/...): {:?} vs {:?}",
                self.sensitivity, other.sensitivity
            ));
        }
        if self.trace != other.trace {
            out.push(format!(
                "traced users: {:?} vs {:?}",
                self.trace, other.trace
            ));
        }
        out
    }
}

/// Lower-case hex of `bytes`.
pub(crate) fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The points of a run (one) or a sweep (its plan) and their units of work.
#[derive(Debug, Clone)]
pub struct Work {
    /// Which command.
    pub kind: JobKind,
    /// The scenario as loaded (for a sweep, without any point's values).
    pub scenario: Scenario,
    /// The sweep's plan (`None` for a run).
    pub plan: Option<SweepPlan>,
}

impl Work {
    /// The work of `scenario` for `kind`; a sweep is planned with `params`. (A
    /// sensitivity analysis needs its request: [`Work::sensitivity`].)
    pub fn new(kind: JobKind, scenario: Scenario, params: &[String]) -> Result<Work, UsageError> {
        let plan = match kind {
            JobKind::Run => None,
            JobKind::Sweep => Some(plan_sweep(&scenario, params)?),
            JobKind::Sensitivity => {
                return Err("a sensitivity job is built with Work::sensitivity".into())
            }
        };
        Ok(Work {
            kind,
            scenario,
            plan,
        })
    }

    /// The work of a sensitivity analysis of `scenario`: its design's points.
    pub fn sensitivity(
        scenario: Scenario,
        req: &crate::sensitivity::Request,
    ) -> Result<Work, UsageError> {
        let design = crate::sensitivity::design::build(&scenario, req)?;
        Ok(Work {
            kind: JobKind::Sensitivity,
            scenario,
            plan: Some(design.plan()),
        })
    }

    /// Number of points (1 for a run).
    pub fn points(&self) -> usize {
        self.plan.as_ref().map_or(1, |p| p.points.len())
    }

    /// The scenario of point `i`.
    pub fn point(&self, i: usize) -> &Scenario {
        match &self.plan {
            Some(p) => &p.points[i].scenario,
            None => &self.scenario,
        }
    }

    /// Every unit, in plan order (points, then variants, then replications), with its
    /// estimated cost.
    pub fn units(&self) -> Vec<(UnitId, u64)> {
        (0..self.points())
            .flat_map(|i| {
                let s = self.point(i);
                units_of(i as u32, s)
                    .into_iter()
                    .map(|u| (u, unit_cost(&s.variants[u.variant as usize].spec)))
                    .collect::<Vec<_>>()
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn load(sets: &[&str]) -> (Scenario, Vec<String>) {
        let sets: Vec<String> = sets.iter().map(|s| s.to_string()).collect();
        (Scenario::load_default(&sets).expect("scenario"), sets)
    }

    #[test]
    fn a_job_rebuilds_its_scenario_and_ignores_the_key_cache() {
        let (s, sets) = load(&["seed=7", "pki.key_cache=/somewhere/keys", "users=50"]);
        let job = Job::new(JobKind::Run, &s, false, &sets, &[], TraceFilter::Off);
        assert_eq!(job.sets, vec!["seed=7", "users=50"]);
        let again = job.scenario().expect("rebuilt");
        assert_eq!(again.base.seed, 7);
        assert_eq!(again.base.users, 50);
        assert_eq!(again.source_name(), s.source_name());

        // The key cache does not change the fingerprint; the seed does.
        let (other_cache, sets2) = load(&["seed=7", "pki.key_cache=/elsewhere", "users=50"]);
        let job2 = Job::new(
            JobKind::Run,
            &other_cache,
            false,
            &sets2,
            &[],
            TraceFilter::Off,
        );
        assert_eq!(job.fingerprint(), job2.fingerprint());
        let (seed8, sets3) = load(&["seed=8", "users=50"]);
        let job3 = Job::new(JobKind::Run, &seed8, false, &sets3, &[], TraceFilter::Off);
        assert_ne!(job.fingerprint(), job3.fingerprint());
        let d = job.differences(&job3);
        assert_eq!(d.len(), 1, "{d:?}");
        assert!(d[0].contains("seed=7") && d[0].contains("seed=8"), "{d:?}");
    }

    #[test]
    fn work_lists_every_unit_in_plan_order() {
        let (s, _) = load(&["replications=3", "users=40"]);
        let params = vec!["aad_connect.interval=30m,1h".to_string()];
        let w = Work::new(JobKind::Sweep, s, &params).expect("work");
        let units = w.units();
        assert_eq!(w.points(), 2);
        assert_eq!(units.len(), 2 * 2 * 3);
        assert_eq!(units[0].0.name(), "p0-v0-r0");
        assert_eq!(units[6].0.name(), "p1-v0-r0");
        assert!(units.iter().all(|(_, c)| *c > 0));
    }
}
