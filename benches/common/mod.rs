//! Helpers shared by the benches: a warm key pool in a temporary folder, and the
//! machine-independent set-up of each measured workload.
#![allow(dead_code)] // each bench uses a part of it

use std::path::Path;
use std::time::Duration;

use criterion::Criterion;
use whfb_sim::pki::{no_progress, KeyAlg, KeyPool, KeySet};

/// Criterion settings that keep a bench short on a 2-core machine: 10 samples, a short
/// warm-up, and no plots.
pub fn quick(measurement_s: u64) -> Criterion {
    Criterion::default()
        .sample_size(10)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(measurement_s))
        .without_plots()
}

/// A temporary key pool holding at least `users` RSA-2048 user keys and the PKI parties'
/// keys. Chunks already in `$WHFB_SIM_KEY_CACHE` are copied in (so the bench reads a warm
/// pool without touching the user's own); missing keys are generated here, untimed
/// (≈ 70 ms of CPU each, in parallel).
pub fn warm_pool(users: usize) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temporary folder");
    if let Some(src) = std::env::var_os("WHFB_SIM_KEY_CACHE") {
        copy_tree(Path::new(&src), dir.path());
    }
    let pool = KeyPool::open(Some(dir.path())).expect("pool");
    let started = std::time::Instant::now();
    pool.load(KeySet::Users, KeyAlg::Rsa2048, users, &no_progress)
        .expect("user keys");
    pool.load(
        KeySet::Infrastructure,
        KeyAlg::Rsa2048,
        whfb_sim::pki::material::InfraKeys::RSA_SLOTS,
        &no_progress,
    )
    .expect("infrastructure keys");
    let took = started.elapsed();
    if took > Duration::from_secs(1) {
        eprintln!(
            "key pool: {users} keys ready in {:.1} s (set WHFB_SIM_KEY_CACHE to a warm pool to skip generation)",
            took.as_secs_f64()
        );
    }
    dir
}

fn copy_tree(src: &Path, dst: &Path) {
    let Ok(entries) = std::fs::read_dir(src) else {
        return;
    };
    for e in entries.flatten() {
        let to = dst.join(e.file_name());
        if e.path().is_dir() {
            std::fs::create_dir_all(&to).expect("create folder");
            copy_tree(&e.path(), &to);
        } else {
            std::fs::copy(e.path(), &to).expect("copy key chunk");
        }
    }
}
