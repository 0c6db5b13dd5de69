//! Running one shard: its share of the units, each written to the shard folder as soon
//! as it is done, then the manifest.

use super::cost::split;
use super::format::{self, Binary, Manifest, UnitEntry};
use super::job::{Job, Work};
use super::select::ShardSpec;
use crate::run::pki_backend::MaterialCache;
use crate::run::unit::{run_units, UnitId};
use crate::run::{with_threads, Progress, RunOptions, Stage};
use rayon::prelude::*;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

/// Every shard's units of `work` split `count` ways: per shard (index 0 = shard 1) its
/// units in plan order and the share of the estimated cost they carry.
pub(crate) fn split_work(work: &Work, count: u32) -> Vec<(Vec<UnitId>, f64)> {
    let units = work.units();
    let costs: Vec<u64> = units.iter().map(|(_, c)| *c).collect();
    let shard_of = split(&costs, count);
    let total: u128 = costs.iter().map(|&c| c as u128).sum();
    // Shards past the number of units get nothing: only the first ones are listed.
    let listed = (count as usize).min(units.len());
    let mut out: Vec<(Vec<UnitId>, u128)> = vec![(Vec::new(), 0); listed];
    for ((id, c), &s) in units.iter().zip(&shard_of) {
        let slot = &mut out[s as usize];
        slot.0.push(*id);
        slot.1 += *c as u128;
    }
    out.into_iter()
        .map(|(ids, c)| {
            let share = if total == 0 {
                0.0
            } else {
                c as f64 / total as f64
            };
            (ids, share)
        })
        .collect()
}

/// The units of `work` that shard `shard` runs, in plan order, and the share of the
/// estimated cost they carry (none for a shard past the number of units).
pub fn share(work: &Work, shard: ShardSpec) -> (Vec<UnitId>, f64) {
    split_work(work, shard.count)
        .into_iter()
        .nth(shard.index as usize - 1)
        .unwrap_or((Vec::new(), 0.0))
}

/// What a shard did.
#[derive(Debug, Clone)]
pub struct ShardRun {
    /// Which shard.
    pub shard: ShardSpec,
    /// Units it ran.
    pub units: usize,
    /// Units of the whole job.
    pub units_total: usize,
    /// Its share of the estimated cost.
    pub cost_share: f64,
    /// The manifest written.
    pub manifest: PathBuf,
}

/// Runs shard `shard` of `work` (whose inputs are `job`) on `opts.threads` threads and
/// writes its result into `out`. `progress` gets (stage, done, total) with the shard's
/// own simulations as the total.
pub fn run_shard(
    job: &Job,
    work: &Work,
    shard: ShardSpec,
    out: &Path,
    opts: &RunOptions<'_>,
) -> anyhow::Result<ShardRun> {
    let progress = opts.progress;
    let (ids, cost_share) = share(work, shard);
    let units_total = work.units().len();
    format::start(out)?;
    let mut by_point: Vec<(usize, Vec<UnitId>)> = Vec::new();
    for id in &ids {
        match by_point.last_mut() {
            Some((p, v)) if *p == id.point as usize => v.push(*id),
            _ => by_point.push((id.point as usize, vec![*id])),
        }
    }
    let materials: Arc<MaterialCache> = opts.materials.clone().unwrap_or_default();
    let total = ids.len();
    let done = AtomicUsize::new(0);
    let tick = |stage: Stage, d: usize, t: usize| match stage {
        Stage::Simulations => progress(
            Stage::Simulations,
            done.fetch_add(1, Ordering::Relaxed) + 1,
            total,
        ),
        Stage::Pki(s) => progress(Stage::Pki(s), d, t),
    };
    let inner = RunOptions {
        threads: None,
        trace: opts.trace.clone(),
        materials: Some(Arc::clone(&materials)),
        point: 0,
        progress: &tick,
    };
    let work_fn = || -> anyhow::Result<Vec<Vec<UnitEntry>>> {
        prepare_materials(work, &by_point, &materials, progress)?;
        // Points in parallel and each point's units in parallel, like an unsharded sweep;
        // every unit is on disk as soon as it is done, so memory holds running units only.
        by_point
            .par_iter()
            .map(|(p, ids)| {
                run_units(work.point(*p), ids, &inner, &|u| {
                    format::write_unit(out, &u)
                })
            })
            .collect()
    };
    let entries: Vec<UnitEntry> = with_threads(opts.threads, work_fn)?
        .into_iter()
        .flatten()
        .collect();
    let manifest = Manifest {
        format: format::FORMAT.to_string(),
        binary: Binary::this(),
        fingerprint: job.fingerprint(),
        job: job.clone(),
        shard,
        units_total,
        cost_share,
        units: entries,
    };
    let path = format::finish(out, &manifest)?;
    Ok(ShardRun {
        shard,
        units: total,
        units_total,
        cost_share,
        manifest: path,
    })
}

/// Real keys and requests for the points a shard touches, built once before the
/// points run (as an unsharded sweep does).
fn prepare_materials(
    work: &Work,
    by_point: &[(usize, Vec<UnitId>)],
    materials: &MaterialCache,
    progress: Progress<'_>,
) -> anyhow::Result<()> {
    for (p, ids) in by_point {
        let scenario = work.point(*p);
        for (v, variant) in scenario.variants.iter().enumerate() {
            if ids.iter().any(|u| u.variant as usize == v) {
                materials.material_for(&variant.spec, &|s, d, t| progress(Stage::Pki(s), d, t))?;
            }
        }
    }
    Ok(())
}
