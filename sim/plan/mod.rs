//! `whfb-sim plan`: the cheapest sizing of the searched keys (AD FS servers, CA workers,
//! ...) that meets targets on reported figures with 95 % confidence (docs/plan.md).
//! [`target`] parses what is asked, [`search`] walks the staircase of combinations that
//! meet (assuming more capacity never hurts), [`evaluate`] runs combinations as sweep
//! points on common random numbers, [`answer`] verifies the recommendation and finds the
//! nearest cheaper failing combination, [`output`] and [`chart`] write the results.

pub mod answer;
pub mod chart;
pub mod evaluate;
pub mod output;
pub mod search;
pub mod target;
