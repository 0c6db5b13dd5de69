//! A gate between file writes and an interrupted exit. Worker threads may still be
//! writing outputs when Ctrl-C arrives; the signal handler closes the gate (waiting for
//! writes under way to finish), removes the staging folder and exits, so no write can
//! recreate a folder it has just removed. Every layer's file writers pass through
//! [`writing`]; only the handler calls [`close`].

use std::sync::{RwLock, RwLockWriteGuard};

static GATE: RwLock<()> = RwLock::new(());

/// Runs `write` (one file written, or a folder created) unless the process is exiting
/// after a signal, in which case it waits for the exit.
pub fn writing<R>(write: impl FnOnce() -> R) -> R {
    let _open = GATE.read().unwrap_or_else(|p| p.into_inner());
    write()
}

/// Waits for the writes under way and keeps every later one waiting while the returned
/// guard lives (the handler exits holding it).
pub fn close() -> RwLockWriteGuard<'static, ()> {
    GATE.write().unwrap_or_else(|p| p.into_inner())
}
