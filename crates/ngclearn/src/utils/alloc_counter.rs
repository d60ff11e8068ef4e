//! A counting allocator, for tests that check that a loop allocates nothing (the step
//! loop must not). Install it in the test binary and read the counts around the loop:
//!
//! ```ignore
//! use ngclearn::utils::alloc_counter::{allocations_here, CountingAllocator};
//! #[global_allocator]
//! static COUNTER: CountingAllocator = CountingAllocator;
//! let before = allocations_here();
//! // ... the loop ...
//! assert_eq!(allocations_here() - before, 0);
//! ```
//!
//! `allocations_here` counts the calling thread's allocations (tests run on threads of
//! their own); `allocations_everywhere` counts every thread's (for work handed to
//! helper threads; such a binary should hold one test).

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::sync::atomic::{AtomicUsize, Ordering};

/// The system allocator, counting each allocation.
pub struct CountingAllocator;

thread_local! {
    static HERE: Cell<usize> = const { Cell::new(0) };
}
static EVERYWHERE: AtomicUsize = AtomicUsize::new(0);

// SAFETY: every call is passed on to the system allocator unchanged; the counters
// neither allocate nor unwind (`try_with` tolerates a thread being torn down).
unsafe impl GlobalAlloc for CountingAllocator {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let _ = HERE.try_with(|c| c.set(c.get() + 1));
        EVERYWHERE.fetch_add(1, Ordering::Relaxed);
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) }
    }
}

/// Allocations made so far by the calling thread (with [`CountingAllocator`] installed).
pub fn allocations_here() -> usize {
    HERE.with(Cell::get)
}

/// Allocations made so far by every thread (with [`CountingAllocator`] installed).
pub fn allocations_everywhere() -> usize {
    EVERYWHERE.load(Ordering::Relaxed)
}
