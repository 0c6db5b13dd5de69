//! Opening a set of shard results for `merge`: every check that they belong together
//! (format, simulator, job, shard count, each shard exactly once, each unit where the
//! split puts it), then the units of each point read back for assembly.

use super::check;
use super::exec::split_work;
use super::format::{self, Binary, Manifest, UnitEntry, MANIFEST, UNITS_DIR};
use super::job::{Job, Work};
use crate::error::UsageError;
use crate::run::unit::{assemble, units_of, UnitId};
use crate::run::ScenarioResult;
use rayon::prelude::*;
use std::collections::{BTreeMap, HashMap};

/// Missing shards named in merge's message before it only counts them.
const MISSING_NAMED: usize = 10;
use std::path::PathBuf;

/// A checked, complete set of shard results.
#[derive(Debug)]
pub struct ShardSet {
    /// The job every shard ran.
    pub job: Job,
    /// Its work, rebuilt from the job.
    pub work: Work,
    /// The shard folders, in shard order.
    pub dirs: Vec<PathBuf>,
    where_is: HashMap<UnitId, (usize, UnitEntry)>,
}

/// The shard folders named on the command line, and the unfinished ones skipped.
#[derive(Debug, Clone, Default)]
pub struct Expanded {
    /// Folders to merge.
    pub dirs: Vec<PathBuf>,
    /// Subfolders of a given folder that hold units but no manifest (a shard that
    /// stopped, typically one run again elsewhere): skipped, and named if a shard is
    /// then missing.
    pub unfinished: Vec<PathBuf>,
}

/// Whether something is at `path`, whatever it is: a manifest that is a FIFO or a link
/// to a device still marks a shard folder, so that reading it says what is wrong.
fn present(path: &std::path::Path) -> bool {
    std::fs::symlink_metadata(path).is_ok()
}

/// The shard folders named by `args`: each argument is a shard folder, or a folder
/// whose subfolders are (in name order; those without a manifest are skipped).
pub fn expand(args: &[PathBuf]) -> Result<Expanded, UsageError> {
    if args.is_empty() {
        return Err("merge needs at least one shard folder".into());
    }
    let mut out = Expanded::default();
    for a in args {
        if !a.is_dir() {
            return Err(format!(
                "{}: not a folder (give the shard folders, or the folder that holds them)",
                a.display()
            )
            .into());
        }
        if present(&a.join(MANIFEST)) || a.join(UNITS_DIR).is_dir() {
            out.dirs.push(a.clone());
            continue;
        }
        let mut subs: Vec<PathBuf> = std::fs::read_dir(a)
            .map_err(|e| format!("{}: {e}", a.display()))?
            .flatten()
            .map(|e| e.path())
            .filter(|p| p.is_dir())
            .collect();
        subs.sort();
        let (done, rest): (Vec<PathBuf>, Vec<PathBuf>) =
            subs.into_iter().partition(|p| present(&p.join(MANIFEST)));
        let unfinished: Vec<PathBuf> = rest
            .into_iter()
            .filter(|p| p.join(UNITS_DIR).is_dir())
            .collect();
        if done.is_empty() {
            return Err(format!(
                "{}: not a shard result, and no finished shard results inside it{} (a shard folder holds {MANIFEST}, written by `whfb-sim run|sweep|sensitivity --shard K/N --out DIR`)",
                a.display(),
                if unfinished.is_empty() {
                    String::new()
                } else {
                    format!(" ({} unfinished)", unfinished.len())
                }
            ).into());
        }
        out.dirs.extend(done);
        out.unfinished.extend(unfinished);
    }
    Ok(out)
}

/// Opens and checks the shard results in `args` (see [`expand`]). Every error names the
/// shard folder and says what is wrong. `admit` refuses a job too large to merge (the
/// cost limits, as the command itself applies them); it sees the job's work before
/// anything is sized by it.
pub fn open(
    args: &[PathBuf],
    admit: &dyn Fn(&Job, &Work) -> Result<(), UsageError>,
) -> Result<ShardSet, UsageError> {
    let Expanded { dirs, unfinished } = expand(args)?;
    let this = Binary::this();
    let mut shards: Vec<(PathBuf, Manifest)> = Vec::new();
    for d in &dirs {
        let at = |m: &dyn std::fmt::Display| UsageError::new(format!("{}: {m}", d.display()));
        let m = format::read_manifest(d).map_err(|e| at(&e))?;
        if m.binary != this {
            return Err(at(&format!(
                "written by {}; this is {}: merge with the binary that ran the shards, or run them again with this one",
                format::short(&m.binary),
                this
            )));
        }
        if m.job.fingerprint() != m.fingerprint {
            return Err(at(&format!(
                "{MANIFEST} was altered: its fingerprint does not match the job it records"
            )));
        }
        shards.push((d.clone(), m));
    }
    let (first_dir, first) = &shards[0];
    for (d, m) in &shards[1..] {
        if m.fingerprint != first.fingerprint {
            return Err(format!(
                "{}: not from the same `{}` as {}: {}",
                d.display(),
                first.job.command.as_str(),
                first_dir.display(),
                m.job
                    .differences(&first.job)
                    .iter()
                    .map(format::short)
                    .collect::<Vec<_>>()
                    .join("; ")
            )
            .into());
        }
        if m.shard.count != first.shard.count {
            return Err(format!(
                "{}: shard {}, but {} is shard {}: the shards were cut {} and {} ways (run every shard with the same N)",
                d.display(),
                m.shard,
                first_dir.display(),
                first.shard,
                m.shard.count,
                first.shard.count
            ).into());
        }
    }
    let count = first.shard.count;
    let mut by_index: BTreeMap<u32, usize> = BTreeMap::new();
    for (i, (d, m)) in shards.iter().enumerate() {
        if let Some(&j) = by_index.get(&m.shard.index) {
            return Err(format!(
                "{}: shard {} again (also in {}); give each shard once",
                d.display(),
                m.shard,
                shards[j].0.display()
            )
            .into());
        }
        by_index.insert(m.shard.index, i);
    }
    // At most a few named: N may be far larger than the folders given.
    let mut missing: Vec<String> = (1..=count)
        .filter(|k| !by_index.contains_key(k))
        .take(MISSING_NAMED + 1)
        .map(|k| format!("{k}/{count}"))
        .collect();
    if missing.len() > MISSING_NAMED {
        missing[MISSING_NAMED] = format!("… ({} in all)", count as usize - shards.len());
    }
    if !missing.is_empty() {
        let skipped = if unfinished.is_empty() {
            String::new()
        } else {
            format!(
                "; skipped unfinished shard folders (no {MANIFEST}): {}",
                unfinished
                    .iter()
                    .map(|d| d.display().to_string())
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        };
        return Err(format!(
            "shard{} {} missing: {} of {count} given ({}){skipped}; run the missing shard{} and merge again",
            if missing.len() == 1 { "" } else { "s" },
            missing.join(", "),
            shards.len(),
            shards
                .iter()
                .map(|(d, m)| format!("{} = {}", d.display(), m.shard))
                .collect::<Vec<_>>()
                .join(", "),
            if missing.len() == 1 { "" } else { "s" },
        ).into());
    }
    let job = first.job.clone();
    let work = job.work().map_err(|m| {
        format!(
            "{}: the recorded scenario no longer loads: {m}",
            first_dir.display()
        )
    })?;
    admit(&job, &work).map_err(|m| format!("{}: {m}", first_dir.display()))?;
    let units_total = work.units().len();
    let split = split_work(&work, count);
    let mut where_is = HashMap::with_capacity(units_total);
    let mut ordered = Vec::with_capacity(shards.len());
    for (index, slot) in by_index {
        let (d, m) = &shards[slot];
        let ids = split
            .get(index as usize - 1)
            .map(|(ids, _)| ids.as_slice())
            .unwrap_or(&[]);
        let listed: Vec<UnitId> = m.units.iter().map(|u| u.id).collect();
        if listed != ids || m.units_total != units_total {
            return Err(format!(
                "{}: lists {} of {} units, but shard {} of this job is {} of {}: not written by this split",
                d.display(),
                listed.len(),
                m.units_total,
                m.shard,
                ids.len(),
                units_total
            ).into());
        }
        for u in &m.units {
            // The file is named after its unit: nothing else is read.
            if u.file != format::unit_file(&u.id) {
                return Err(format!(
                    "{}: lists unit {} in file `{}`; its file is {}",
                    d.display(),
                    u.id,
                    format::short(&u.file),
                    format::unit_file(&u.id)
                )
                .into());
            }
            where_is.insert(u.id, (ordered.len(), u.clone()));
        }
        ordered.push(d.clone());
    }
    Ok(ShardSet {
        job,
        work,
        dirs: ordered,
        where_is,
    })
}

impl ShardSet {
    /// Point `i`'s units read back from their shards (in parallel) and assembled.
    pub fn read_point(&self, i: usize) -> Result<ScenarioResult, UsageError> {
        let scenario = self.work.point(i);
        let units = units_of(i as u32, scenario)
            .par_iter()
            .map(|id| {
                let (s, entry) = self
                    .where_is
                    .get(id)
                    .ok_or_else(|| format!("unit {id} is in no shard"))?;
                let dir = &self.dirs[*s];
                let at =
                    |m: &dyn std::fmt::Display| UsageError::new(format!("{}: {m}", dir.display()));
                // Held to the job before any value in it is used.
                let spec = &scenario.variants[id.variant as usize].spec;
                let cap = check::unit_json_cap(spec, &self.job.trace);
                let unit = format::read_unit(dir, entry, cap).map_err(|e| at(&e))?;
                check::check_unit(&unit, spec, &self.job.trace)
                    .map_err(|m| at(&format!("{}: {m}", entry.file)))?;
                Ok(unit)
            })
            .collect::<Result<Vec<_>, UsageError>>()?;
        check::check_point_events(&units).map_err(|m| format!("point {i}: {m}"))?;
        assemble(scenario, units).map_err(|e| UsageError::new(e.to_string()))
    }
}
