//! `whfb-sim pki`: the PKI tools, `export` (artefacts for openssl and a real KDC) and
//! `pool` (the key pool filled ahead of a sharded run), each with its flags.

mod export;
mod pool;

pub use export::{export, ExportArgs, MAX_EXPORT_USERS};
pub use pool::{pool, PoolArgs};
