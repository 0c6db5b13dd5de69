//! Build script: names the sources this binary was built from, so that `whfb-sim merge`
//! can refuse shard results written by a different simulator. A git commit would not see
//! uncommitted changes and is missing from a source tarball; a hash of the sources
//! themselves is neither.

use std::collections::hash_map::DefaultHasher;
use std::hash::Hasher;
use std::path::{Path, PathBuf};

/// Everything compiled or embedded into the binary.
const INPUTS: [&str; 6] = [
    "build.rs",
    "Cargo.toml",
    "Cargo.lock",
    "sim",
    "assets",
    "scenarios/default.toml",
];

fn files(root: &Path, rel: &Path, out: &mut Vec<PathBuf>) {
    let path = root.join(rel);
    if path.is_dir() {
        let Ok(entries) = std::fs::read_dir(&path) else {
            return;
        };
        for e in entries.flatten() {
            files(root, &rel.join(e.file_name()), out);
        }
    } else if path.is_file() {
        out.push(rel.to_path_buf());
    }
}

fn main() {
    let root = PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").unwrap_or_default());
    let mut all = Vec::new();
    for input in INPUTS {
        println!("cargo:rerun-if-changed={input}");
        files(&root, Path::new(input), &mut all);
    }
    // Sorted with '/' separators: the same hash on every host and platform.
    let mut named: Vec<(String, PathBuf)> = all
        .into_iter()
        .map(|p| (p.to_string_lossy().replace('\\', "/"), p))
        .collect();
    named.sort();
    // SipHash with fixed keys: stable for one toolchain, which is as far as "the same
    // binary" reaches anyway.
    let mut h = DefaultHasher::new();
    for (name, rel) in &named {
        let bytes = std::fs::read(root.join(rel)).unwrap_or_default();
        h.write(name.as_bytes());
        h.write_u64(bytes.len() as u64);
        h.write(&bytes);
    }
    println!("cargo:rustc-env=WHFB_SIM_SOURCES={:016x}", h.finish());
}
