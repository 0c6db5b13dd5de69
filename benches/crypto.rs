//! (c) The crypto floor against the whole real-mode pipeline, one thread.
//!
//! - `crypto_ops/*`: each per-user operation alone (aws-lc-rs, RSA-2048, SHA-256).
//! - `crypto_floor/per_user`: the operations of one user's enrollment (request sign, RA
//!   check of the DRS key receipt + sign, CA check (CRL included) + issue, client verify,
//!   DC validation (CRL included)) back to back for 300 users: the least a run can cost
//!   per user.
//! - `pipeline/per_user`: a whole real run of a one-variant scenario (every AD FS server
//!   patched) with the same 300 users on one thread from a warm pool: keys and the
//!   requests an earlier run signed with them read back, then the simulation with every
//!   RA, CA and client check.
//! - `pipeline/per_user_requests_not_stored`: the same as the first run after the keys
//!   were generated: every key parsed and its request signed before the simulation.
//!
//! Both report users/s; the target is a pipeline at ≥ 80 % of the floor (PERFORMANCE.md).

mod common;

use criterion::{black_box, criterion_group, criterion_main, Criterion, Throughput};
use whfb_sim::model::pki_port::KeyEvidence;
use whfb_sim::model::Outcome;
use whfb_sim::pki::material::InfraKeys;
use whfb_sim::pki::{
    no_progress, sign_request, KeyAlg, KeyPool, KeySet, PkiMaterial, PkiSettings, Standalone,
};
use whfb_sim::run::{run_scenario, RunOptions};
use whfb_sim::scenario::Scenario;

const USERS: usize = 300;

fn bench(c: &mut Criterion) {
    let dir = common::warm_pool(USERS);
    let pool = KeyPool::open(Some(dir.path())).expect("pool");
    let keys = pool
        .load_parsed(KeySet::Users, KeyAlg::Rsa2048, USERS)
        .expect("keys");
    let settings = PkiSettings {
        key_cache: Some(dir.path().to_path_buf()),
        ..PkiSettings::default()
    };
    let material = PkiMaterial::from_keys(
        settings.clone(),
        InfraKeys::from_pool(&pool, KeyAlg::Rsa2048).expect("infrastructure keys"),
        pool.load_parsed(KeySet::Users, KeyAlg::Rsa2048, USERS)
            .expect("keys"),
        &no_progress,
    )
    .expect("material");
    let receipt = KeyEvidence::Receipt;
    let pki = Standalone::new(&material);
    // Envelope ids: every RA call gets a fresh one, or the CA would refuse a replay.
    let ids = std::sync::atomic::AtomicU64::new(1);
    let id = || ids.fetch_add(1, std::sync::atomic::Ordering::Relaxed);

    // The artefacts of user 0, for the single-operation benches.
    let req = sign_request(&settings, &keys[0], 0).expect("request");
    let env = pki.ra(0, &req, receipt, id(), 0).expect("RA");
    let cert = pki.ca(&env, 1, 0).expect("CA");
    let pooled = pool
        .load(KeySet::Users, KeyAlg::Rsa2048, 1, &no_progress)
        .expect("pooled key");
    let mut g = c.benchmark_group("crypto_ops");
    // What a run does once per user before signing: parse the pooled private key.
    g.bench_function("key_parse", |b| {
        b.iter(|| black_box(pooled[0].key_pair().expect("parse")))
    });
    // A key's first signature also builds aws-lc's per-key Montgomery contexts.
    g.bench_function("key_parse_and_first_sign", |b| {
        b.iter(|| {
            let key = pooled[0].key_pair().expect("parse");
            black_box(sign_request(&settings, &key, 0).expect("sign"))
        })
    });
    g.bench_function("request_sign", |b| {
        b.iter(|| black_box(sign_request(&settings, &keys[0], 0).expect("sign")))
    });
    g.bench_function("ra_check_sign", |b| {
        b.iter(|| {
            black_box(
                pki.ra(0, &req, KeyEvidence::Directory, id(), 0)
                    .expect("RA"),
            )
        })
    });
    g.bench_function("ra_receipt_check_sign", |b| {
        b.iter(|| black_box(pki.ra(0, &req, receipt, id(), 0).expect("RA")))
    });
    g.bench_function("ca_check_issue", |b| {
        b.iter_batched(
            || pki.ra(0, &req, receipt, id(), 0).expect("RA"),
            |env| black_box(pki.ca(&env, 1, 0).expect("CA")),
            criterion::BatchSize::SmallInput,
        )
    });
    g.bench_function("client_verify", |b| {
        b.iter(|| pki.client(0, black_box(&cert), 1, 0).expect("install"))
    });
    g.bench_function("dc_validate", |b| {
        b.iter(|| pki.dc(0, black_box(&cert), 0).expect("logon"))
    });
    g.finish();

    let mut g = c.benchmark_group("crypto_floor");
    g.throughput(Throughput::Elements(USERS as u64));
    g.bench_function("per_user", |b| {
        b.iter(|| {
            for (i, key) in keys.iter().enumerate() {
                let u = i as u32;
                let serial = u64::from(u) + 1;
                let req = sign_request(&settings, key, u).expect("sign");
                let env = pki.ra(u, &req, receipt, id(), 0).expect("RA");
                let cert = pki.ca(&env, serial, 0).expect("CA");
                pki.client(u, &cert, serial, 0).expect("install");
                pki.dc(u, &cert, 0).expect("logon");
            }
        })
    });
    g.finish();

    let toml = format!(
        "name = \"pipeline\"\nusers = {USERS}\nseed = 7\n[adfs]\npatched = 2\n[pki]\nmode = \"real\"\nkey_cache = \"{}\"\n",
        dir.path().display()
    );
    let scenario = Scenario::load_str(&toml, "pipeline.toml", "pipeline", &[]).expect("scenario");
    let opts = RunOptions {
        threads: Some(1),
        ..RunOptions::default()
    };
    let run = || run_scenario(&scenario, &opts).expect("run");
    let probe = run();
    let out = &probe.variants[0].replications[0];
    let enrolled = out
        .users
        .iter()
        .filter(|u| u.outcome == Outcome::Usable)
        .count();
    eprintln!(
        "pipeline: {} variant(s), {enrolled} of {USERS} users enrolled and usable, {} events",
        probe.variants.len(),
        out.events
    );
    let mut g = c.benchmark_group("pipeline");
    g.throughput(Throughput::Elements(USERS as u64));
    // Warm pool: keys and the requests an earlier run signed with them (the probe above).
    g.bench_function("per_user", |b| b.iter(|| black_box(run().users)));
    // Keys only, as on the first run after the keys were generated: every key is parsed
    // and signs its request.
    let stored_requests = || {
        std::fs::read_dir(dir.path())
            .expect("pool folder")
            .flatten()
            .filter(|e| e.file_name().to_string_lossy().starts_with("requests-"))
            .for_each(|e| std::fs::remove_dir_all(e.path()).expect("remove stored requests"))
    };
    g.bench_function("per_user_requests_not_stored", |b| {
        b.iter_batched(
            stored_requests,
            |()| black_box(run().users),
            criterion::BatchSize::PerIteration,
        )
    });
    g.finish();
}

criterion_group! {
    name = benches;
    config = common::quick(5);
    targets = bench
}
criterion_main!(benches);
