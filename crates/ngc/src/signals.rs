//! SIGINT and SIGTERM: the first one asks the run to stop at its next step (so that it
//! removes what it had started writing and exits with 128 + the signal's number); a
//! second one ends the process at once (hidden parts it leaves are cleared by the next
//! run into the same directory).

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, OnceLock};

/// Which signal arrived (0: none).
static RECEIVED: OnceLock<Arc<AtomicUsize>> = OnceLock::new();

/// Installs the handlers (once; later calls do nothing).
pub fn install() -> Result<(), String> {
    if RECEIVED.get().is_some() {
        return Ok(());
    }
    let received = Arc::new(AtomicUsize::new(0));
    let seen = Arc::new(AtomicBool::new(false));
    for sig in [signal_hook::consts::SIGINT, signal_hook::consts::SIGTERM] {
        let err = |e: std::io::Error| format!("cannot handle signal {sig}: {e}");
        // Order matters: the shutdown check must see the flag of an earlier signal.
        signal_hook::flag::register_conditional_shutdown(sig, 128 + sig, seen.clone())
            .map_err(err)?;
        signal_hook::flag::register(sig, seen.clone()).map_err(err)?;
        signal_hook::flag::register_usize(sig, received.clone(), sig as usize).map_err(err)?;
    }
    let _ = RECEIVED.set(received);
    Ok(())
}

/// The signal received so far, if any.
pub fn received() -> Option<i32> {
    RECEIVED
        .get()
        .map(|r| r.load(Ordering::Relaxed))
        .filter(|&s| s != 0)
        .map(|s| s as i32)
}

/// The signal's name for messages.
pub fn name(sig: i32) -> &'static str {
    match sig {
        signal_hook::consts::SIGINT => "SIGINT",
        signal_hook::consts::SIGTERM => "SIGTERM",
        _ => "a signal",
    }
}
