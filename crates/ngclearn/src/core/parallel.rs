//! The threads a model owns, and the one setting that chooses them.
//!
//! A model is built with a [`Parallelism`] (`Context::set_parallelism`; by default the
//! threads of the rayon pool it is built in, else `RAYON_NUM_THREADS`, else the cores,
//! so `RAYON_NUM_THREADS=1` turns it off).
//! Its [`Workers`] are shared by its components, which are given them when the model is
//! built ([`crate::core::component::Component::attach`]); components start no thread of
//! their own. The workers start lazily, only what some component asks for:
//! - a rayon pool, to split one step's draws of a population of 16,384 cells or more;
//! - helper threads that draw ahead, one per mid-sized population, at most as many as
//!   the setting allows (mid-sized encoder populations draw ahead on them).
//!
//! Results are the same for any setting: every draw is counter-based.

use crate::error::{Error, Result};
use std::sync::atomic::AtomicUsize;
use std::sync::{Arc, OnceLock};

/// How a model may use threads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Parallelism {
    /// Everything on the calling thread.
    Off,
    /// Up to this many threads for each of the model's uses (drawing ahead, splitting a
    /// step's draws); 1 is the same as [`Parallelism::Off`].
    Threads(usize),
}

impl Default for Parallelism {
    /// Inside a rayon pool, as many threads as it has; elsewhere `RAYON_NUM_THREADS`,
    /// else the machine's cores. (Asked without starting rayon's global pool.)
    fn default() -> Self {
        if rayon::current_thread_index().is_some() {
            return Parallelism::Threads(rayon::current_num_threads());
        }
        // Asked once per process (the cores are read from the system's files).
        static THREADS: OnceLock<usize> = OnceLock::new();
        Parallelism::Threads(*THREADS.get_or_init(|| {
            let from_env = std::env::var("RAYON_NUM_THREADS")
                .ok()
                .and_then(|v| v.trim().parse::<usize>().ok())
                .filter(|&n| n > 0);
            from_env.unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()))
        }))
    }
}

impl Parallelism {
    /// The number of threads it allows (at least 1).
    pub fn threads(self) -> usize {
        match self {
            Parallelism::Off => 1,
            Parallelism::Threads(n) => n.max(1),
        }
    }
}

/// A model's threads, shared by its components (see the module doc).
#[derive(Debug)]
pub struct Workers {
    setting: Parallelism,
    pool: OnceLock<Option<rayon::ThreadPool>>,
    helpers: OnceLock<Option<HelperThreads>>,
}

impl Workers {
    /// Workers for `setting`; nothing starts until a component asks.
    pub fn new(setting: Parallelism) -> Result<Arc<Workers>> {
        if let Parallelism::Threads(0) = setting {
            return Err(Error::param(
                "model",
                "parallelism",
                "Threads(0)",
                "needs at least one thread (Off runs on the calling thread)",
            ));
        }
        Ok(Arc::new(Workers {
            setting,
            pool: OnceLock::new(),
            helpers: OnceLock::new(),
        }))
    }

    /// The setting they were made for.
    pub fn setting(&self) -> Parallelism {
        self.setting
    }

    /// The pool that splits a step's work, if more than one thread is allowed (and the
    /// pool could be started).
    pub(crate) fn pool(&self) -> Option<&rayon::ThreadPool> {
        self.pool
            .get_or_init(|| {
                let n = self.setting.threads();
                (n > 1)
                    .then(|| {
                        rayon::ThreadPoolBuilder::new()
                            .num_threads(n)
                            .thread_name(|i| format!("ngc-worker-{i}"))
                            .build()
                            .ok()
                    })
                    .flatten()
            })
            .as_ref()
    }

    /// The helper threads components may keep beside the simulating thread, if more
    /// than one thread is allowed.
    pub(crate) fn helpers(&self) -> Option<&HelperThreads> {
        self.helpers
            .get_or_init(|| {
                let n = self.setting.threads();
                (n > 1).then(|| HelperThreads {
                    max: n,
                    running: Arc::new(AtomicUsize::new(0)),
                })
            })
            .as_ref()
    }
}

/// A model's helper threads: threads a component keeps for its own work beside the
/// simulating thread (an encoder drawing ahead), at most as many as the model's
/// setting allows at a time, counted as they start and end.
#[derive(Debug)]
pub(crate) struct HelperThreads {
    max: usize,
    running: Arc<AtomicUsize>,
}

impl HelperThreads {
    /// How many may run at a time.
    pub(crate) fn max(&self) -> usize {
        self.max
    }

    /// How many run: a thread adds itself when it starts and takes itself off when it
    /// ends.
    pub(crate) fn running(&self) -> &Arc<AtomicUsize> {
        &self.running
    }
}
