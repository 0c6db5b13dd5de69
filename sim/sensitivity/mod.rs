//! `whfb-sim sensitivity`: how much reported figures move when each input moves over its
//! plausible range, so a planner knows which guesses the answer hangs on and measures
//! those first.
//!
//! Two methods, both on common random numbers (every point runs with the scenario's seed,
//! so replication `r` of every point sees the same users and the same dice):
//!
//! - **one-at-a-time** ([`oat`]): each key at its low and at its high, every other key as
//!   the scenario has it; the effect `figure(high) − figure(low)` with a paired 95 %
//!   interval across replications. The low and high points are exactly the points a
//!   `sweep --param KEY=LO,HI` makes.
//! - **Morris elementary effects** ([`morris`]): `r` random one-factor-at-a-time
//!   trajectories on a `p`-level grid over every key's range, which sees effects that
//!   depend on where the other keys are (interactions, curvature): μ, μ* and σ per key.
//!
//! [`design`] chooses the keys and builds the points, [`reduce`] keeps of each point's run
//! only what the analysis needs, [`output`] and [`chart`] write the files. Every step is
//! deterministic, so the outputs are byte-identical at any thread count and after a shard
//! split and `merge`.

pub mod chart;
pub mod design;
pub mod morris;
pub mod oat;
pub mod output;
pub mod reduce;

use serde::{Deserialize, Serialize};

/// How the keys are varied.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "snake_case")]
pub enum Method {
    /// One key at a time at its low and high, the others at the scenario's values.
    Oat,
    /// Morris elementary effects on random trajectories through a grid of levels.
    Morris,
}

impl Method {
    /// The name as the flag and `sensitivity.json` write it.
    pub fn as_str(self) -> &'static str {
        match self {
            Method::Oat => "oat",
            Method::Morris => "morris",
        }
    }
}

/// Default number of Morris trajectories.
pub(crate) const DEFAULT_TRAJECTORIES: u32 = 10;
/// Allowed numbers of Morris trajectories.
pub(crate) const TRAJECTORIES: std::ops::RangeInclusive<u32> = 2..=1000;
/// Default number of grid levels for Morris.
pub(crate) const DEFAULT_LEVELS: u32 = 4;
/// Allowed numbers of grid levels for Morris (even numbers only).
pub(crate) const LEVELS: std::ops::RangeInclusive<u32> = 2..=20;

/// What was asked for, as the command line gave it: everything the design and the
/// analysis are built from. A shard result records it, so that `merge` rebuilds the same
/// points and reduces them the same way.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Request {
    /// The figures, dotted paths into the summary (`post-kb.time_to_usable.p95`).
    pub figures: Vec<String>,
    /// `--keys`: the keys to vary, in the order given; empty when not given.
    pub keys: Vec<String>,
    /// `--estimates`: every estimate active in the scenario (the default).
    pub estimates: bool,
    /// `--all`: every variable key with a range.
    pub all: bool,
    /// `--range KEY=LO..HI`, in order.
    pub ranges: Vec<String>,
    /// `oat` or `morris`.
    pub method: Option<Method>,
    /// `--trajectories` (Morris).
    pub trajectories: Option<u32>,
    /// `--levels` (Morris).
    pub levels: Option<u32>,
}

impl Request {
    /// The method, one-at-a-time unless `--method morris`.
    pub fn method(&self) -> Method {
        self.method.unwrap_or(Method::Oat)
    }

    /// The variants the figures name (their first segment), in first-named order.
    pub fn variants(&self) -> Vec<&str> {
        let mut out: Vec<&str> = Vec::new();
        for f in &self.figures {
            let v = f.split('.').next().unwrap_or_default();
            if !out.contains(&v) {
                out.push(v);
            }
        }
        out
    }
}
