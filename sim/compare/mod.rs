//! `compare-pilot`: the scenario run on a pilot's own population (its devices, its sign-ins,
//! its policy start, the export's end as the horizon) and its predictions set against what
//! the pilot's exports show, stage by stage. The simulated run is written as the same
//! events the pilot logged and read back by the same code (`fit::timeline`), so observed
//! and simulated durations are measured alike and censored alike.

pub mod chart;
pub mod figures;
pub mod logrank;
pub mod markdown;
pub mod population;
pub mod simulated;
pub mod verdict;
