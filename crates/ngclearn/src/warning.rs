//! Warnings: what the library did that a user would not expect, said once, without
//! stopping the work (a saved model holding NaN loads as saved; a parameter that
//! ngclearn's semantics override).
//!
//! A warning goes to the calling thread's [`capture`] if one is open, else to the
//! handler set with [`set_handler`] (the Python package turns them into Python
//! warnings), else to standard error as `warning: MESSAGE`.
//!
//! ```
//! let (_, said) = ngclearn::warning::capture(|| ngclearn::warning::warn("a test"));
//! assert_eq!(said, ["a test"]);
//! ```

use std::cell::RefCell;
use std::collections::HashSet;
use std::sync::{Arc, Mutex, RwLock};

/// What receives the warnings not captured.
pub type Handler = Box<dyn Fn(&str) + Send + Sync>;

type Shared = Arc<dyn Fn(&str) + Send + Sync>;

static HANDLER: RwLock<Option<Shared>> = RwLock::new(None);
static ONCE: Mutex<Option<HashSet<String>>> = Mutex::new(None);

thread_local! {
    static CAPTURED: RefCell<Vec<Vec<String>>> = const { RefCell::new(Vec::new()) };
}

/// Says `message`.
pub fn warn(message: impl Into<String>) {
    let message = message.into();
    let captured = CAPTURED.with(|c| match c.borrow_mut().last_mut() {
        Some(list) => {
            list.push(message.clone());
            true
        }
        None => false,
    });
    if captured {
        return;
    }
    // Called with no lock held: a handler may run code that warns again.
    let handler = HANDLER.read().unwrap_or_else(|e| e.into_inner()).clone();
    match handler {
        Some(h) => h(&message),
        None => eprintln!("warning: {message}"),
    }
}

/// Says `message` the first time `key` is given in this process (a quirk that every
/// component of a model would otherwise repeat).
pub fn warn_once(key: &str, message: impl Into<String>) {
    let first = {
        let mut once = ONCE.lock().unwrap_or_else(|e| e.into_inner());
        once.get_or_insert_with(HashSet::new)
            .insert(key.to_string())
    };
    // Inside a capture every warning is said, so that each test sees its own.
    let capturing = CAPTURED.with(|c| !c.borrow().is_empty());
    if first || capturing {
        warn(message);
    }
}

/// Sends every warning not captured to `handler` (`None`: back to standard error).
pub fn set_handler(handler: Option<Handler>) {
    *HANDLER.write().unwrap_or_else(|e| e.into_inner()) = handler.map(Arc::from);
}

/// Runs `f`, keeping the warnings it gives on this thread instead of saying them.
pub fn capture<R>(f: impl FnOnce() -> R) -> (R, Vec<String>) {
    struct Pop;
    impl Drop for Pop {
        fn drop(&mut self) {
            CAPTURED.with(|c| c.borrow_mut().pop());
        }
    }
    CAPTURED.with(|c| c.borrow_mut().push(Vec::new()));
    let pop = Pop;
    let r = f();
    let said = CAPTURED.with(|c| c.borrow_mut().last_mut().map(std::mem::take));
    drop(pop);
    (r, said.unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn captures_nest_and_keep_their_own() {
        let ((_, inner), outer) = capture(|| {
            warn("outer");
            capture(|| warn("inner"))
        });
        assert_eq!(inner, ["inner"]);
        assert_eq!(outer, ["outer"]);
    }

    #[test]
    fn warn_once_says_a_key_once_outside_captures() {
        let said = std::sync::Arc::new(Mutex::new(Vec::new()));
        // Only this test sets a handler; another thread's warnings would reach it, so
        // only this key's are counted.
        let s = said.clone();
        set_handler(Some(Box::new(move |m| {
            s.lock().unwrap().push(m.to_string())
        })));
        warn_once("warning-test-key", "once-test");
        warn_once("warning-test-key", "once-test");
        set_handler(None);
        let n = said
            .lock()
            .unwrap()
            .iter()
            .filter(|m| *m == "once-test")
            .count();
        assert_eq!(n, 1);
    }
}
