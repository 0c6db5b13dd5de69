//! Waiting for a child process with a deadline, for the tests that run the binary on
//! hostile input: a hang must fail the test, not stall the suite.

use std::process::{Child, ExitStatus};
use std::time::{Duration, Instant};

/// Waits for `child`, polling; after `deadline` kills it and panics naming `args` (the
/// command line it ran). Returns its status and how long it took.
pub fn wait_or_kill(
    child: &mut Child,
    args: &[&str],
    deadline: Duration,
) -> (ExitStatus, Duration) {
    wait_watching(child, args, deadline, |_| {})
}

/// As [`wait_or_kill`], calling `watch(pid)` before each poll, while the child still runs
/// (to read `/proc/PID/…` before the child is reaped).
pub fn wait_watching(
    child: &mut Child,
    args: &[&str],
    deadline: Duration,
    mut watch: impl FnMut(u32),
) -> (ExitStatus, Duration) {
    let started = Instant::now();
    loop {
        watch(child.id());
        if let Some(s) = child.try_wait().expect("wait") {
            return (s, started.elapsed());
        }
        if started.elapsed() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!(
                "`whfb-sim {}` ran past {deadline:?}: it hangs",
                args.join(" ")
            );
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}
