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
//!   the setting allows (mid-sized encoder populations draw ahead on them);
//! - a crew that steps a process's groups beside the calling thread (`Crew`).
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
    crew: OnceLock<Option<Crew>>,
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
            crew: OnceLock::new(),
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

    /// The crew that steps a process's groups with the calling thread (one thread
    /// fewer than the setting allows), if more than one thread is allowed (and they
    /// could be started).
    pub(crate) fn crew(&self) -> Option<&Crew> {
        self.crew
            .get_or_init(|| {
                let n = self.setting.threads();
                (n > 1).then(|| Crew::new(n - 1)).flatten()
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

/// Threads that step a process's groups beside the calling thread
/// ([`Workers::crew`]): each step's work is handed over without allocating (a pool's
/// queue allocates as it grows) and without a system call when the crew is awake. A
/// helper waits for the next job by spinning on a counter for a while, then sleeps on
/// a condition variable until woken.
pub(crate) struct Crew {
    shared: Arc<CrewShared>,
    threads: Vec<std::thread::JoinHandle<()>>,
}

impl std::fmt::Debug for Crew {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Crew")
            .field("helpers", &self.threads.len())
            .finish()
    }
}

/// The job the crew runs: a reference valid until every helper has finished it.
type Job = *const (dyn Fn() + Sync);

struct CrewShared {
    /// Jobs posted so far.
    posted: std::sync::atomic::AtomicU64,
    /// Helpers done with the latest job.
    finished: AtomicUsize,
    /// The latest job, written before it is posted and read after.
    job: std::cell::UnsafeCell<Option<Job>>,
    /// Helpers asleep (or about to be), and what wakes them.
    sleeping: AtomicUsize,
    lock: std::sync::Mutex<()>,
    wake: std::sync::Condvar,
    stop: std::sync::atomic::AtomicBool,
    panicked: std::sync::atomic::AtomicBool,
    /// Held by the thread whose job the crew runs: one job at a time.
    busy: std::sync::Mutex<()>,
}

// SAFETY: `job` is written only by the thread that posts, while no helper reads it (all
// have finished the previous job), and read by helpers only after the post that
// follows the write (release and acquire on `posted`).
unsafe impl Sync for CrewShared {}
// SAFETY: as above; the pointer it holds is to a `Sync` closure.
unsafe impl Send for CrewShared {}

/// How long a helper spins for the next job before it sleeps (iterations of a spin
/// hint: up to about a tenth of a millisecond where a hint takes 140 cycles).
const SPIN: u32 = 1 << 11;

impl Crew {
    /// A crew of `helpers` threads, or `None` when they cannot be started.
    fn new(helpers: usize) -> Option<Crew> {
        use std::sync::atomic::{AtomicBool, AtomicU64};
        let shared = Arc::new(CrewShared {
            posted: AtomicU64::new(0),
            finished: AtomicUsize::new(0),
            job: std::cell::UnsafeCell::new(None),
            sleeping: AtomicUsize::new(0),
            lock: std::sync::Mutex::new(()),
            wake: std::sync::Condvar::new(),
            stop: AtomicBool::new(false),
            panicked: AtomicBool::new(false),
            busy: std::sync::Mutex::new(()),
        });
        let mut crew = Crew {
            shared,
            threads: Vec::with_capacity(helpers),
        };
        for i in 0..helpers {
            let shared = Arc::clone(&crew.shared);
            let t = std::thread::Builder::new()
                .name(format!("ngc-crew-{i}"))
                .spawn(move || helper(&shared))
                .ok()?;
            crew.threads.push(t);
        }
        Some(crew)
    }

    /// Runs `job` on every helper and on the calling thread, and returns once all have
    /// finished it. (The job shares out its work itself, e.g. from a counter, so that
    /// any number of threads running it do all of it.) When another thread's job holds
    /// the crew, the calling thread runs `job` alone. A panic on a helper is raised
    /// here.
    pub(crate) fn run(&self, job: &(dyn Fn() + Sync)) {
        use std::sync::atomic::Ordering::{Acquire, Relaxed, Release, SeqCst};
        let s = &*self.shared;
        let _busy = match s.busy.try_lock() {
            Ok(g) => g,
            // A job that panicked on this thread left the lock poisoned; the crew is fine.
            Err(std::sync::TryLockError::Poisoned(p)) => p.into_inner(),
            Err(std::sync::TryLockError::WouldBlock) => return job(),
        };
        let helpers = self.threads.len();
        s.finished.store(0, Relaxed);
        // SAFETY: every helper has finished the previous job (waited for below), so none
        // reads `job` now; the reference outlives its use, as this call returns only
        // after every helper has finished with it.
        unsafe {
            *s.job.get() = Some(
                std::mem::transmute::<&(dyn Fn() + Sync), &'static (dyn Fn() + Sync)>(job) as Job,
            );
        }
        s.posted.fetch_add(1, SeqCst);
        if s.sleeping.load(SeqCst) > 0 {
            let _g = s.lock.lock().unwrap_or_else(|e| e.into_inner());
            s.wake.notify_all();
        }
        let mine = std::panic::catch_unwind(std::panic::AssertUnwindSafe(job));
        let mut spins = 0u32;
        while s.finished.load(Acquire) < helpers {
            spins = spins.saturating_add(1);
            if spins < SPIN {
                std::hint::spin_loop();
            } else {
                std::thread::yield_now();
            }
        }
        // SAFETY: every helper has finished this job.
        unsafe { *s.job.get() = None };
        let helper_panicked = s.panicked.swap(false, Release);
        if let Err(p) = mine {
            std::panic::resume_unwind(p);
        }
        if helper_panicked {
            panic!("a step on one of the model's threads panicked");
        }
    }
}

/// A helper's loop: wait for a job, run it, say so.
fn helper(s: &CrewShared) {
    use std::sync::atomic::Ordering::{Acquire, Release, SeqCst};
    let mut seen = 0u64;
    loop {
        let mut spins = 0u32;
        loop {
            if s.stop.load(Acquire) {
                return;
            }
            let p = s.posted.load(Acquire);
            if p > seen {
                seen = p;
                break;
            }
            if spins < SPIN {
                spins += 1;
                std::hint::spin_loop();
                continue;
            }
            let mut g = s.lock.lock().unwrap_or_else(|e| e.into_inner());
            s.sleeping.fetch_add(1, SeqCst);
            while s.posted.load(SeqCst) == seen && !s.stop.load(SeqCst) {
                g = s.wake.wait(g).unwrap_or_else(|e| e.into_inner());
            }
            s.sleeping.fetch_sub(1, SeqCst);
            spins = 0;
        }
        // SAFETY: the job was written before it was posted (seen above with acquire),
        // and stays valid until this helper adds itself to `finished`.
        let job = unsafe { (*s.job.get()).expect("a posted job") };
        let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| unsafe { (*job)() }));
        if r.is_err() {
            s.panicked.store(true, Release);
        }
        s.finished.fetch_add(1, Release);
    }
}

impl Drop for Crew {
    fn drop(&mut self) {
        let s = &*self.shared;
        s.stop.store(true, std::sync::atomic::Ordering::SeqCst);
        {
            let _g = s.lock.lock().unwrap_or_else(|e| e.into_inner());
            s.wake.notify_all();
        }
        for t in self.threads.drain(..) {
            let _ = t.join();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::Ordering;

    /// Every job runs once on every thread of the crew, whether the helper was spinning
    /// or asleep when it was posted.
    #[test]
    fn a_crew_runs_each_job_once_on_every_thread() {
        let crew = Crew::new(1).expect("a helper thread");
        let count = AtomicUsize::new(0);
        for k in 0..2000 {
            if k % 500 == 0 {
                // Long enough for the helper to stop spinning and sleep.
                std::thread::sleep(std::time::Duration::from_millis(30));
            }
            crew.run(&|| {
                count.fetch_add(1, Ordering::Relaxed);
            });
            assert_eq!(count.load(Ordering::Relaxed), 2 * (k + 1));
        }
    }

    /// Two threads handing the same crew jobs at once: each job is done whole (the
    /// second runs alone while the first holds the crew).
    #[test]
    fn jobs_from_two_threads_at_once_each_get_done() {
        let crew = Crew::new(1).expect("a helper thread");
        std::thread::scope(|scope| {
            for _ in 0..2 {
                scope.spawn(|| {
                    for _ in 0..500 {
                        let next = AtomicUsize::new(0);
                        let done = AtomicUsize::new(0);
                        crew.run(&|| {
                            while next.fetch_add(1, Ordering::Relaxed) < 64 {
                                done.fetch_add(1, Ordering::Relaxed);
                            }
                        });
                        assert_eq!(done.load(Ordering::Relaxed), 64);
                    }
                });
            }
        });
    }

    /// A panic on a helper is raised by `run` on the calling thread, and the crew runs
    /// the next job.
    #[test]
    fn a_panic_on_a_helper_is_raised_by_run() {
        let crew = Crew::new(1).expect("a helper thread");
        let on_helper = || {
            std::thread::current()
                .name()
                .is_some_and(|n| n.starts_with("ngc-crew"))
        };
        let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            crew.run(&|| {
                if on_helper() {
                    panic!("a helper's step failed");
                }
            })
        }));
        assert!(r.is_err());
        let count = AtomicUsize::new(0);
        crew.run(&|| {
            count.fetch_add(1, Ordering::Relaxed);
        });
        assert_eq!(count.load(Ordering::Relaxed), 2);
    }
}
