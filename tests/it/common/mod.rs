//! Helpers shared by the integration tests: `binary` runs the built `whfb-sim` (and is
//! re-exported here), `child` waits with a deadline, `shard_edit` damages shard results
//! past their integrity checks; below, comparing output folders.

mod binary;
pub mod child;
#[cfg(unix)]
pub mod shard_edit;

pub use binary::*;

use std::collections::BTreeMap;
use std::path::Path;

/// A FIFO at `p` (replacing a file there): opening it for reading would block for ever,
/// so a reader must refuse it from its type.
#[cfg(unix)]
pub fn mkfifo(p: &Path) {
    let _ = std::fs::remove_file(p);
    rustix::fs::mkfifoat(rustix::fs::CWD, p, rustix::fs::Mode::from_raw_mode(0o600))
        .expect("mkfifo");
}

/// A new sparse file of `len` zero bytes at `p`: huge on paper, nothing on disk.
pub fn sparse_file(p: &Path, len: u64) {
    std::fs::File::create(p)
        .expect("create")
        .set_len(len)
        .expect("sparse");
}

/// Every file under `dir`, by relative path.
pub fn files(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    fn walk(root: &Path, d: &Path, out: &mut BTreeMap<String, Vec<u8>>) {
        for e in std::fs::read_dir(d).expect("read_dir") {
            let p = e.expect("entry").path();
            if p.is_dir() {
                walk(root, &p, out);
            } else {
                let rel = p.strip_prefix(root).expect("prefix").display().to_string();
                out.insert(rel, std::fs::read(&p).expect("read"));
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(dir, dir, &mut out);
    out
}

/// Asserts that `a` and `b` hold the same files with the same bytes.
pub fn same_files(a: &Path, b: &Path) {
    let (fa, fb) = (files(a), files(b));
    assert_eq!(
        fa.keys().collect::<Vec<_>>(),
        fb.keys().collect::<Vec<_>>(),
        "{} and {} list different files",
        a.display(),
        b.display()
    );
    for (name, bytes) in &fa {
        assert!(
            bytes == &fb[name],
            "{name} differs between {} and {}",
            a.display(),
            b.display()
        );
    }
}
