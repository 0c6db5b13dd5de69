//! Editing shard results as a careless or hostile user would, with the sizes, checksums and
//! fingerprint recomputed so that the damage gets past the integrity checks and reaches the
//! checks that hold a shard to its job.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};

/// `shard.json` of `dir`, parsed.
pub fn manifest(dir: &Path) -> serde_json::Value {
    serde_json::from_slice(&std::fs::read(dir.join("shard.json")).expect("manifest"))
        .expect("manifest JSON")
}

/// Writes `m` as `dir/shard.json`.
pub fn write_manifest(dir: &Path, m: &serde_json::Value) {
    std::fs::write(
        dir.join("shard.json"),
        serde_json::to_vec_pretty(m).expect("JSON"),
    )
    .expect("write manifest");
}

/// SHA-256 of `bytes`, lower-case hex.
pub fn sha256_hex(bytes: &[u8]) -> String {
    aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, bytes)
        .as_ref()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The file of unit `i` of the manifest of `dir`.
pub fn unit_path(dir: &Path, i: usize) -> PathBuf {
    let m = manifest(dir);
    dir.join(m["units"][i]["file"].as_str().expect("file"))
}

/// The JSON inside unit `i`'s file.
pub fn unit_json(dir: &Path, i: usize) -> serde_json::Value {
    let gz = std::fs::read(unit_path(dir, i)).expect("unit file");
    let mut json = Vec::new();
    flate2::read::GzDecoder::new(&gz[..])
        .read_to_end(&mut json)
        .expect("gzip");
    serde_json::from_slice(&json).expect("unit JSON")
}

/// gzip of `bytes`.
pub fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    gz.write_all(bytes).expect("gzip");
    gz.finish().expect("gzip")
}

/// Replaces unit `i`'s file with `json`, compressed, and gives the manifest its new size,
/// JSON size and checksum.
pub fn put_unit_bytes(dir: &Path, i: usize, json: &[u8]) {
    let gz = gzip(json);
    let mut m = manifest(dir);
    std::fs::write(unit_path(dir, i), &gz).expect("write unit");
    let e = &mut m["units"][i];
    e["bytes"] = gz.len().into();
    e["json_bytes"] = json.len().into();
    e["sha256"] = sha256_hex(&gz).into();
    write_manifest(dir, &m);
}

/// Applies `edit` to unit `i`'s JSON and stores it with a consistent manifest entry.
pub fn edit_unit(dir: &Path, i: usize, edit: impl FnOnce(&mut serde_json::Value)) {
    let mut v = unit_json(dir, i);
    edit(&mut v);
    put_unit_bytes(dir, i, &serde_json::to_vec(&v).expect("JSON"));
}

/// The fingerprint of `job` as the binary computes it, or `None` when it no longer reads
/// as a job.
pub fn fingerprint(job: &serde_json::Value) -> Option<String> {
    serde_json::from_value::<whfb_sim::run::shard::Job>(job.clone())
        .ok()
        .map(|j| j.fingerprint())
}

/// Applies `edit` to the manifest's job and recomputes its fingerprint.
pub fn edit_job(dir: &Path, edit: impl FnOnce(&mut serde_json::Value)) {
    let mut m = manifest(dir);
    edit(&mut m["job"]);
    m["fingerprint"] = fingerprint(&m["job"]).expect("still a job").into();
    write_manifest(dir, &m);
}

/// Copies the shard folder `from` to `to` (its manifest and unit files).
pub fn copy_shard(from: &Path, to: &Path) {
    std::fs::create_dir_all(to.join("units")).expect("mkdir");
    std::fs::copy(from.join("shard.json"), to.join("shard.json")).expect("copy manifest");
    for e in std::fs::read_dir(from.join("units")).expect("units") {
        let p = e.expect("entry").path();
        std::fs::copy(&p, to.join("units").join(p.file_name().expect("name"))).expect("copy");
    }
}
