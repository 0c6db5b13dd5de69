//! Progress on stderr when it is not a terminal: plain lines per stage with counts,
//! percentages and an ETA or the time taken; the first key-pool fill says where the keys
//! go; `--quiet` silences all of it.

use crate::common::bin;

fn run(args: &[&str], cache: &std::path::Path) -> (bool, String) {
    let out = tempfile::tempdir().expect("tempdir");
    let o = bin()
        .env("WHFB_SIM_KEY_CACHE", cache)
        .args(["run", "--users", "3", "--out"])
        .arg(out.path().join("o"))
        .args(args)
        .output()
        .expect("spawn");
    (
        o.status.success(),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    )
}

#[test]
fn a_log_gets_a_line_per_stage_and_the_first_fill_is_announced() {
    let cache = tempfile::tempdir().expect("tempdir");
    let real = ["--set", "pki.client_key=ecdsa-p256"];
    let (ok, err) = run(&real, cache.path());
    assert!(ok, "{err}");
    let pool = cache.path().join("whfb-sim-keys");
    assert!(
        err.contains(&format!(
            "key pool: generating 3 ecdsa-p256 user keys into {}",
            pool.display()
        )) && err.contains("MB on disk"),
        "{err}"
    );
    for done in [
        "keys 3/3 (100 %), done in",
        "requests 3/3 (100 %), done in",
        "simulations 2/2 (100 %), done in",
    ] {
        assert!(err.contains(done), "no `{done}` in:\n{err}");
    }
    // A warm pool: no announcement and no keys stage.
    let (ok, err) = run(&real, cache.path());
    assert!(ok, "{err}");
    assert!(
        !err.contains("key pool:") && !err.contains("keys "),
        "{err}"
    );
    // --quiet: nothing at all.
    let (ok, err) = run(&["--set", "pki.mode=off", "--quiet"], cache.path());
    assert!(ok && err.is_empty(), "{err}");
}
