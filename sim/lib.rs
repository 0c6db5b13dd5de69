//! whfb-sim: a discrete-event timing simulator of Windows Hello for Business hybrid
//! certificate trust provisioning.
//!
//! Layers, from the bottom: [`engine`] (domain-free DES core), [`scenario`] (the file
//! format and its validation), [`model`] (the provisioning flow, one module per step),
//! [`pki`] (real keys, requests, RA, CA), [`run`] (replications, variants, parallelism)
//! and [`report`] (summary, CSV, charts); [`plan`] searches for the cheapest sizing on top
//! of runs and their summaries; [`validation`] checks the simulator against
//! queueing theory and the documented behaviour; [`analysis`] holds the estimators
//! (intervals, quantiles, paired differences) that reports, sweeps and validation share;
//! [`exports`] reads what a pilot rollout exports (Windows event logs, …);
//! [`params`] is the registry of every scenario key with its source and plausible range;
//! [`sensitivity`] measures how much reported figures move over those ranges;
//! [`interrupt`] is the gate every file writer passes, so Ctrl-C can stop them all, and
//! [`fsread`] the check every file reader passes (regular files of a bounded size);
//! [`error`] says whose fault a failure is (the user's: exit 2; any other: exit 1).
//! [`compare`] sets a scenario against what a pilot observed (`compare-pilot`).
//! The `whfb-sim` binary only parses the command line and calls into these.

#![warn(missing_docs)]

pub mod analysis;
pub mod commands;
pub mod compare;
pub mod engine;
pub mod error;
pub mod exports;
pub mod fit;
pub mod fsread;
pub mod interrupt;
pub mod model;
pub mod params;
pub mod pki;
pub mod plan;
pub mod report;
pub mod run;
pub mod scenario;
pub mod sensitivity;
pub mod validation;
