//! The suite stays one binary: a test file that Cargo would build as a binary of its own
//! (`tests/X.rs`, `tests/X/main.rs`) links the whole crate again, and these links were a
//! large share of `cargo test` on a fresh clone.

use std::path::Path;

#[test]
fn every_integration_test_is_a_module_of_this_binary() {
    let tests = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests");
    let mut own_binaries: Vec<String> = std::fs::read_dir(&tests)
        .expect("tests/")
        .map(|e| e.expect("entry").path())
        .filter(|p| {
            let is_rs = p.extension().is_some_and(|x| x == "rs");
            (p.is_file() && is_rs) || (p.is_dir() && p.join("main.rs").is_file())
        })
        .map(|p| {
            p.strip_prefix(&tests)
                .expect("prefix")
                .display()
                .to_string()
        })
        .filter(|name| name != "it")
        .collect();
    own_binaries.sort();
    assert!(
        own_binaries.is_empty(),
        "each of {own_binaries:?} in tests/ builds a test binary of its own; fold it into \
         this one: `git mv tests/X.rs tests/it/X.rs`, add `mod X;` to tests/it/main.rs, and \
         use the helpers of tests/it/common/mod.rs instead of local copies"
    );
}
