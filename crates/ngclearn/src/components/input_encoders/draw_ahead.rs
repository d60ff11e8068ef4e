//! JAX-compatible draws made ahead, on a second core.
//!
//! Step `k` of an encoder draws `uniform(sub_k)` over its cells, where
//! `(key_{k+1}, sub_k) = split(key_k)`. The draws depend on the key alone, not on the
//! inputs, so they can be made before they are needed: while the simulation uses one
//! block of the next `steps` steps' draws, a helper thread draws the block after it.
//! The simulating thread then only compares (B2's 8,000 cells take about 12 µs a step
//! to draw, too little to split within a step, but the draws of 64 steps are worth
//! handing over once).
//!
//! A step uses a block only if its key is the one the block was made for; a key set
//! from outside, a loaded model or anything else that changes it makes a new block at
//! once. The numbers are the ones drawn one step at a time (the same counters), for
//! any number of threads. The hand-over is a mutex and a condition variable: nothing
//! is allocated after construction. Each such population holds one helper thread
//! (asleep between blocks) and two blocks of at most 2 MiB, whose pages are only
//! touched once drawn; the fast random mode gives both up.
//!
//! The helper threads are the model's: a population gets one from its model's
//! [`HelperThreads`] (through [`crate::core::parallel::Workers`]), which holds the count
//! of those running to the model's thread setting; a population beyond it, or one not
//! in a model, draws on the simulating thread. A copy of a population asks the same
//! service.

use crate::core::parallel::HelperThreads;
use crate::core::rng::Key;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::thread::JoinHandle;

/// Draws ahead for a population of `cells` draws a step, with one of the model's
/// helper threads, or `None` where it would not pay (a small population) or the
/// model's helper threads are all taken.
pub(crate) fn population(helpers: &HelperThreads, cells: usize) -> Option<DrawAhead> {
    DrawAhead::new(cells, helpers.max(), helpers.running())
}

/// Counts a helper thread out however it ends.
struct Running(Arc<AtomicUsize>);

impl Drop for Running {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::AcqRel);
    }
}

/// Populations at least this large draw ahead (when more than one thread is allowed).
pub(crate) const MIN_CELLS: usize = 1024;
/// At most this many draws per block (2 MiB).
const BLOCK_DRAWS: usize = 1 << 19;
/// At most this many steps per block.
const MAX_STEPS: usize = 64;

/// The draws of `keys.len()` consecutive steps.
#[derive(Debug)]
struct Block {
    /// `steps × cells` random bits; row `i` is step `i`.
    bits: Vec<u32>,
    /// The key before each step (what the step's split starts from).
    keys: Vec<Key>,
    /// The key after the last step.
    after: Key,
}

impl Block {
    fn new(steps: usize, cells: usize) -> Block {
        // At most `BLOCK_DRAWS` words, zeroed by the system: untouched until drawn.
        Block {
            bits: vec![0; steps * cells],
            keys: vec![Key([0, 0]); steps],
            after: Key([0, 0]),
        }
    }

    /// Draws the block that starts with `key`.
    fn fill(&mut self, mut key: Key) {
        let cells = self.bits.len() / self.keys.len();
        for (k, row) in self.keys.iter_mut().zip(self.bits.chunks_mut(cells)) {
            let [next, sub] = key.split::<2>();
            *k = key;
            sub.bits_into(0, row);
            key = next;
        }
        self.after = key;
    }
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Job {
    /// The helper holds nothing to do; the spare block (if any) is in the slot.
    Idle,
    /// Draw the spare block from this key.
    Fill(Key),
    /// The spare block is drawn.
    Done,
    /// Stop.
    Exit,
}

#[derive(Debug)]
struct Slot {
    job: Job,
    /// The spare block, when the helper is not drawing it.
    spare: Option<Block>,
}

#[derive(Debug)]
struct Shared {
    slot: Mutex<Slot>,
    changed: Condvar,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, Slot> {
        // A panic while holding the lock cannot leave the slot inconsistent: recover.
        self.slot.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn wait<'a>(&self, g: MutexGuard<'a, Slot>) -> MutexGuard<'a, Slot> {
        self.changed.wait(g).unwrap_or_else(|e| e.into_inner())
    }
}

/// Draws made ahead for one population.
#[derive(Debug)]
pub(crate) struct DrawAhead {
    cells: usize,
    front: Block,
    /// The front block's next step (`steps`: used up).
    next: usize,
    shared: Arc<Shared>,
    helper: Option<JoinHandle<()>>,
    /// The service's thread limit and count, for a copy to ask again.
    max_threads: usize,
    running: Arc<AtomicUsize>,
}

impl DrawAhead {
    /// Draws ahead for `cells` draws a step, or `None` where it would not pay (a
    /// small population) or could not be had (`max_threads` helpers already running,
    /// or no thread).
    fn new(cells: usize, max_threads: usize, running: &Arc<AtomicUsize>) -> Option<DrawAhead> {
        if cells < MIN_CELLS {
            return None;
        }
        let taken = running.fetch_add(1, Ordering::AcqRel);
        let count = Running(Arc::clone(running));
        if taken >= max_threads {
            return None; // `count` gives the place back
        }
        let steps = (BLOCK_DRAWS / cells).clamp(1, MAX_STEPS);
        let front = Block::new(steps, cells);
        let shared = Arc::new(Shared {
            slot: Mutex::new(Slot {
                job: Job::Idle,
                spare: Some(Block::new(steps, cells)),
            }),
            changed: Condvar::new(),
        });
        let s = Arc::clone(&shared);
        let helper = std::thread::Builder::new()
            .name("ngc-draw-ahead".into())
            .spawn(move || {
                let _count = count;
                helper(&s)
            })
            .ok()?;
        Some(DrawAhead {
            cells,
            front,
            next: steps,
            shared,
            helper: Some(helper),
            max_threads,
            running: Arc::clone(running),
        })
    }

    /// The random bits of the step whose key (before its split) is `key`.
    pub fn bits(&mut self, key: Key) -> &[u32] {
        let steps = self.front.keys.len();
        if self.next >= steps || self.front.keys[self.next] != key {
            self.advance(key);
        }
        let row = self.next;
        self.next += 1;
        &self.front.bits[row * self.cells..(row + 1) * self.cells]
    }

    /// Makes the front block start with `key`: the helper's block if it was drawn for
    /// that key, else drawn here; then sets the helper on the block after it.
    fn advance(&mut self, key: Key) {
        self.next = 0;
        let Some(helper) = self.helper.as_ref() else {
            self.front.fill(key);
            return;
        };
        let mut g = self.shared.lock();
        while matches!(g.job, Job::Fill(_)) && !helper.is_finished() {
            let (guard, _) = self
                .shared
                .changed
                .wait_timeout(g, std::time::Duration::from_millis(50))
                .unwrap_or_else(|e| e.into_inner());
            g = guard;
        }
        let done = g.job == Job::Done;
        let Some(spare) = g.spare.as_mut().filter(|_| !helper.is_finished()) else {
            // The helper is gone (it can only have panicked): draw here from now on.
            drop(g);
            self.helper = None;
            self.front.fill(key);
            return;
        };
        if done && spare.keys[0] == key {
            std::mem::swap(&mut self.front, spare);
        } else {
            self.front.fill(key);
        }
        g.job = Job::Fill(self.front.after);
        self.shared.changed.notify_all();
    }
}

/// The helper thread: draws the spare block whenever asked.
fn helper(shared: &Shared) {
    let mut g = shared.lock();
    loop {
        match g.job {
            Job::Exit => return,
            Job::Fill(key) => {
                let mut block = g.spare.take().expect("the spare block is in the slot");
                drop(g);
                block.fill(key);
                g = shared.lock();
                g.spare = Some(block);
                if g.job == Job::Fill(key) {
                    g.job = Job::Done;
                }
                shared.changed.notify_all();
            }
            Job::Idle | Job::Done => g = shared.wait(g),
        }
    }
}

impl Drop for DrawAhead {
    fn drop(&mut self) {
        self.shared.lock().job = Job::Exit;
        self.shared.changed.notify_all();
        if let Some(h) = self.helper.take() {
            let _ = h.join();
        }
    }
}

/// An encoder's draw-ahead, if it has one. A copy asks the same service for a helper.
#[derive(Debug, Default)]
pub(crate) struct Ahead(pub Option<Box<DrawAhead>>);

impl Clone for Ahead {
    fn clone(&self) -> Self {
        Ahead(
            self.0
                .as_ref()
                .and_then(|d| DrawAhead::new(d.cells, d.max_threads, &d.running).map(Box::new)),
        )
    }
}
