//! Shards: a run's or a sweep's units of work split into N deterministic shares that
//! any batch scheduler runs (Slurm job arrays, Kubernetes Indexed Jobs, a shell loop),
//! each writing a shard result that `merge` joins into exactly the files one machine
//! writes.
//!
//! [`job`] records what was run, [`cost`] splits the units by estimated cost, [`check`]
//! holds a unit read back to what its job can produce,
//! [`select`] says which shard this process is, [`exec`] runs one, [`format`](mod@format) is the
//! shard result on disk and [`merge`] checks a set of them and reads their units back.
//! A shard never reduces anything: `merge` assembles the units and hands them to the
//! same reducers and writers as an unsharded run, so the outputs are the same bytes.

pub mod check;
pub mod cost;
pub mod exec;
pub mod format;
pub mod job;
pub mod merge;
pub mod select;

pub use exec::{run_shard, share, ShardRun};
pub use job::{Job, JobKind, Work};
pub use merge::ShardSet;
pub use select::{resolve, ShardSpec};

/// Says that `flag` cannot be combined with `--shard`, and why: for options whose work
/// cannot be split up front (e.g. adding replications until a precision is reached,
/// which depends on the results so far).
pub fn refuse_with_shard(flag: &str, why: &str) -> String {
    format!("{flag} cannot be combined with --shard: {why}")
}
