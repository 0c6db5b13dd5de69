//! The integration tests, as one test binary: each module covers one area through the
//! built `whfb-sim` binary or the library, and `common` holds the helpers they share.
//!
//! One binary rather than a file per area: each test binary is compiled and linked on its
//! own (those that call the library link all of it, aws-lc and plotters included), which
//! was a large share of `cargo test` on a fresh clone. Tests share this process, so none may change process-wide state (the
//! environment, the current folder, resource limits, signal dispositions): a setting a
//! test needs goes to the child process it starts (`Command::env`, `current_dir`,
//! `ulimit` in `sh -c`, see `common`), and signals go to child processes only. The one
//! process-wide effect left is the library's own: a command called in process (`merge`
//! in `fuzz_shards`) installs the SIGINT/SIGTERM handler that removes staging folders, so
//! a Ctrl-C of the whole suite exits 130 rather than by the signal; no test signals this
//! process.
//!
//! Run one area with `cargo test --test it cli::`, one test by its full name. A new area
//! is a file here and a `mod` line below, never a `tests/X.rs` (which `layout` refuses).

mod common;

mod cli;
mod decisions;
mod docs;
mod fit;
mod fuzz_exports;
mod fuzz_scenario;
mod fuzz_shards;
mod golden_outputs;
mod hostile;
mod hostile_exports;
mod hostile_shards;
mod interrupt;
mod k8s;
mod key_cache;
mod layout;
mod pilot_workflow;
mod pki_openssl;
mod plan;
mod precision;
mod progress;
mod real_pki;
mod reports;
mod sensitivity;
mod shards;
mod sweep;
mod trust_models;
mod usage_errors;
mod validation;
