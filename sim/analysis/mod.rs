//! Output analysis: every estimator the reports, sweeps, `plan` and `validate` use —
//! intervals, quantiles, paired differences, sequential stopping, family-wise error —
//! in one place, so that a figure means the same thing wherever it is printed.
//! Nothing here knows about the model or the report formats: it works on numbers.

#[cfg(test)]
mod coverage;
pub mod family;
pub mod paired;
pub mod plateau;
pub mod quantile;
pub mod sectioning;
pub mod sequential;
pub mod student;
