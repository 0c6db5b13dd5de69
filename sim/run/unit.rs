//! The unit of work of a run or a sweep: one simulation of one (point, variant,
//! replication). A run is planned as units, runs all of them or a shard's share, and
//! assembles them back into a [`ScenarioResult`] per point. An unsharded run and `merge`
//! of shard results therefore share everything after the simulations: the same
//! assembly, the same reducers and the same writers, so their outputs are the same bytes.

use super::pki_backend::{self, Backend};
use super::shadow;
use super::{with_threads, RunOptions, ScenarioResult, Stage, VariantResult};
use crate::engine::SimTime;
use crate::model::{Model, RunOutput, TraceFilter};
use crate::scenario::schema::PkiMode;
use crate::scenario::Scenario;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use std::sync::atomic::{AtomicUsize, Ordering};

/// Which simulation a unit is. `point` is the sweep point's index in plan order (0 for a
/// plain run), `variant` the variant's index in scenario order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct UnitId {
    /// Sweep point (0 for `run`).
    pub point: u32,
    /// Variant, in scenario order.
    pub variant: u32,
    /// Replication (0-based).
    pub replication: u32,
}

impl UnitId {
    /// The unit's name in shard results and messages: `p3-v1-r7`.
    pub fn name(&self) -> String {
        format!("p{}-v{}-r{}", self.point, self.variant, self.replication)
    }
}

impl std::fmt::Display for UnitId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.name())
    }
}

/// What one unit produced: what a shard result stores per unit and `merge` reads back.
///
/// Besides the simulation itself, a unit holds its shadow runs: the same variant ×
/// replication without each of its fault windows, reduced to what the fault report needs
/// (every user's usable time), so a shard carries everything its units' reports need.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct UnitOutput {
    /// Which unit.
    pub id: UnitId,
    /// The simulation's output.
    pub run: RunOutput,
    /// Per fault window of the variant, in the spec's order: each user's usable time in
    /// the shadow run without that window.
    #[serde(default)]
    pub shadows: Vec<Vec<Option<SimTime>>>,
}

/// Simulations a unit of `scenario`'s variant `variant` runs: itself and one shadow per
/// fault window.
pub(crate) fn simulations_of(scenario: &Scenario, variant: u32) -> usize {
    1 + scenario.variants[variant as usize].spec.faults.len()
}

/// The units of `scenario` as sweep point `point`, in assembly order: variant by variant,
/// replications in order.
pub(crate) fn units_of(point: u32, scenario: &Scenario) -> Vec<UnitId> {
    let reps = scenario.base.replications;
    (0..scenario.variants.len() as u32)
        .flat_map(|variant| {
            (0..reps).map(move |replication| UnitId {
                point,
                variant,
                replication,
            })
        })
        .collect()
}

/// Runs the units `ids` of `scenario` (all of the same point) in parallel and hands each
/// output to `each` as soon as it is done; the results come back in the order of `ids`.
/// PKI material is built only for the variants the units use; progress goes to
/// `opts.progress`.
pub(crate) fn run_units<T: Send>(
    scenario: &Scenario,
    ids: &[UnitId],
    opts: &RunOptions<'_>,
    each: &(dyn Fn(UnitOutput) -> anyhow::Result<T> + Sync),
) -> anyhow::Result<Vec<T>> {
    let progress = opts.progress;
    if let Some(bad) = ids
        .iter()
        .find(|u| u.variant as usize >= scenario.variants.len())
    {
        anyhow::bail!(
            "unit {bad}: the scenario has {} variants",
            scenario.variants.len()
        );
    }
    let total: usize = ids
        .iter()
        .map(|u| simulations_of(scenario, u.variant))
        .sum();
    let done = AtomicUsize::new(0);
    // The shadows of each variant's fault windows, built once.
    let shadow_specs: Vec<Vec<crate::scenario::Spec>> = scenario
        .variants
        .iter()
        .map(|v| {
            (0..v.spec.faults.len())
                .map(|i| shadow::without_window(&v.spec, i))
                .collect()
        })
        .collect();
    let work = || -> anyhow::Result<Vec<T>> {
        let cache = opts.materials.clone().unwrap_or_default();
        let backends: Vec<Option<Backend>> = scenario
            .variants
            .iter()
            .enumerate()
            .map(|(v, variant)| {
                if !ids.iter().any(|u| u.variant as usize == v) {
                    return Ok(None);
                }
                let specs = [&variant.spec];
                let mut b = pki_backend::backends(&specs, &cache, &|s, d, t| {
                    progress(Stage::Pki(s), d, t)
                })?;
                Ok(b.pop())
            })
            .collect::<anyhow::Result<_>>()?;
        ids.par_iter()
            .map(|id| {
                let spec = &scenario.variants[id.variant as usize].spec;
                let backend = backends[id.variant as usize]
                    .as_ref()
                    .ok_or_else(|| anyhow::anyhow!("unit {id}: no PKI backend"))?;
                let tick = || {
                    progress(
                        Stage::Simulations,
                        done.fetch_add(1, Ordering::Relaxed) + 1,
                        total,
                    )
                };
                // The run and its shadows are independent simulations: they run in
                // parallel too, and come back in window order.
                let windows = &shadow_specs[id.variant as usize];
                let (run, shadows) = rayon::join(
                    || {
                        let mut pki = backend.port(spec.users);
                        let run = Model::new(spec, id.replication, pki.as_mut(), &opts.trace).run();
                        tick();
                        run
                    },
                    || {
                        windows
                            .par_iter()
                            .map(|shadow_spec| {
                                let mut pki = backend.port(shadow_spec.users);
                                let run = Model::new(
                                    shadow_spec,
                                    id.replication,
                                    pki.as_mut(),
                                    &TraceFilter::Off,
                                )
                                .run();
                                tick();
                                shadow::usable_times(&run)
                            })
                            .collect::<Vec<_>>()
                    },
                );
                each(UnitOutput {
                    id: *id,
                    run,
                    shadows,
                })
            })
            .collect()
    };
    with_threads(opts.threads, work)
}

/// Puts every unit of `scenario` back together as one [`ScenarioResult`] (the units may
/// come in any order; each of [`units_of`] must be there exactly once).
pub(crate) fn assemble(
    scenario: &Scenario,
    mut units: Vec<UnitOutput>,
) -> anyhow::Result<ScenarioResult> {
    let base = &scenario.base;
    let reps = base.replications;
    units.sort_by_key(|u| (u.id.variant, u.id.replication));
    let point = units.first().map(|u| u.id.point).unwrap_or(0);
    let expected = units_of(point, scenario);
    let got: Vec<UnitId> = units.iter().map(|u| u.id).collect();
    if got != expected {
        let missing: Vec<String> = expected
            .iter()
            .filter(|e| !got.contains(e))
            .map(UnitId::name)
            .collect();
        anyhow::bail!(
            "point {point}: {} units where {} were expected (missing: {})",
            got.len(),
            expected.len(),
            if missing.is_empty() {
                "none; some are repeated or foreign".to_string()
            } else {
                missing.join(", ")
            }
        );
    }
    let pki_real = scenario
        .variants
        .iter()
        .any(|v| v.spec.pki.mode == PkiMode::Real);
    let mut units = units.into_iter();
    let variants = scenario
        .variants
        .iter()
        .map(|v| {
            let windows = v.spec.faults.len();
            let mut runs = Vec::with_capacity(reps as usize);
            let mut shadows: Vec<Vec<Vec<Option<SimTime>>>> = vec![Vec::new(); windows];
            for u in units.by_ref().take(reps as usize) {
                if u.shadows.len() != windows {
                    anyhow::bail!(
                        "unit {}: {} shadow runs where the variant has {windows} fault windows",
                        u.id,
                        u.shadows.len()
                    );
                }
                for (i, times) in u.shadows.into_iter().enumerate() {
                    shadows[i].push(times);
                }
                runs.push(u.run);
            }
            let faults = (0..windows)
                .map(|i| shadow::fault_outcome(&v.spec, i, &runs, &shadows[i]))
                .collect();
            Ok(VariantResult {
                name: v.name.clone(),
                trust: v.spec.trust,
                replications: runs,
                faults,
            })
        })
        .collect::<anyhow::Result<_>>()?;
    Ok(ScenarioResult {
        scenario: scenario.name().to_string(),
        seed: base.seed,
        users: base.users,
        replications: reps,
        pki_real,
        variants,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::TraceFilter;

    fn scenario(sets: &[&str]) -> Scenario {
        let mut all = vec!["users=60", "pki.mode=off", "replications=2"];
        all.extend_from_slice(sets);
        let sets: Vec<String> = all.iter().map(|s| s.to_string()).collect();
        Scenario::load_default(&sets).expect("scenario")
    }

    fn run_all(s: &Scenario, trace: TraceFilter) -> Vec<UnitOutput> {
        let opts = RunOptions {
            threads: Some(2),
            trace,
            ..RunOptions::default()
        };
        run_units(s, &units_of(0, s), &opts, &|u| Ok(u)).expect("run")
    }

    #[test]
    fn units_run_variant_by_variant_and_assemble_in_order() {
        let s = scenario(&[]);
        let ids = units_of(0, &s);
        assert_eq!(ids.len(), 4);
        assert_eq!(ids[1].name(), "p0-v0-r1");
        assert_eq!(ids[2].name(), "p0-v1-r0");
        let mut units = run_all(&s, TraceFilter::Off);
        let reference = assemble(&s, units.clone()).expect("assemble");
        // Any order assembles to the same result.
        units.reverse();
        let again = assemble(&s, units.clone()).expect("assemble");
        assert_eq!(reference.variants.len(), 2);
        for (a, b) in reference.variants.iter().zip(&again.variants) {
            assert_eq!(a.replications, b.replications);
        }
        // A missing unit and a repeated one are refused.
        let dropped = units[1..].to_vec();
        let e = assemble(&s, dropped).expect_err("missing");
        assert!(e.to_string().contains("missing: p0-v1-r1"), "{e}");
        let mut repeated = units.clone();
        repeated[0] = units[1].clone();
        assert!(assemble(&s, repeated).is_err());
    }

    #[test]
    fn a_unit_round_trips_through_json_exactly() {
        // Every field of RunOutput (floats of the series included) must come back equal,
        // or merged outputs would not be the unsharded ones.
        let s = scenario(&[
            "aad_connect.interval=2h",
            "faults=[{kind = \"ca_down\", start = \"08:00\", end = \"09:00\"}]",
        ]);
        for u in run_all(&s, TraceFilter::Users(vec![1, 7])) {
            assert!(!u.run.trace.is_empty(), "traced users leave records");
            assert!(u.run.resources.iter().any(|r| !r.series.is_empty()));
            let json = serde_json::to_vec(&u).expect("serialise");
            let back: UnitOutput = serde_json::from_slice(&json).expect("parse");
            assert_eq!(back, u);
            assert_eq!(serde_json::to_vec(&back).expect("serialise"), json);
        }
    }
}
