//! The collective calls of the ranks, and ranks as threads of one process.

use std::sync::{Arc, Barrier, Mutex};

/// The collective calls the ranks of a partitioned model make, each by every rank in
/// the same order.
pub trait Exchange: Send + Sync + std::fmt::Debug {
    /// This rank, `0..size()`.
    fn rank(&self) -> usize;
    /// The number of ranks.
    fn size(&self) -> usize;
    /// Every rank's `local` list, concatenated in rank order, into `out`.
    fn allgather_u32(&self, local: &[u32], out: &mut Vec<u32>);
    /// Every rank's `local` values (rank `r` gives `counts[r]`), concatenated in rank
    /// order, into `out` (of length `counts.iter().sum()`).
    fn allgather_f32(&self, local: &[f32], counts: &[usize], out: &mut [f32]);
    /// Every rank's `local` list, all of the same length, concatenated in rank order into
    /// `out` (of `size()` times that length): one collective call.
    fn allgather_u32_fixed(&self, local: &[u32], out: &mut [u32]);
    /// Every rank's `local` values (rank `r` gives `counts[r]`), concatenated in rank
    /// order into rank 0's `out` (of length `counts.iter().sum()`; other ranks' `out` is
    /// not touched and may be empty).
    fn gather_f32_to_root(&self, local: &[f32], counts: &[usize], out: &mut [f32]);
    /// The bytes this rank has given to collective calls so far.
    fn bytes_sent(&self) -> u64;
    /// The collective calls this rank has made so far.
    fn collectives(&self) -> u64;
    /// Ends every rank (a rank that cannot go on would leave the others waiting in a
    /// collective call). Ranks as threads of one process do nothing here.
    fn abort(&self, _code: i32) {}
}

/// Ranks as threads of one process: [`ThreadExchange::group`] makes one per rank.
#[derive(Debug)]
pub struct ThreadExchange {
    rank: usize,
    shared: Arc<Shared>,
    sent: std::sync::atomic::AtomicU64,
    calls: std::sync::atomic::AtomicU64,
}

#[derive(Debug)]
struct Shared {
    size: usize,
    barrier: Barrier,
    u32s: Mutex<Vec<Vec<u32>>>,
    f32s: Mutex<Vec<Vec<f32>>>,
}

impl ThreadExchange {
    /// One exchange per rank of a group of `size`, to be moved into `size` threads.
    pub fn group(size: usize) -> Vec<ThreadExchange> {
        let shared = Arc::new(Shared {
            size,
            barrier: Barrier::new(size),
            u32s: Mutex::new(vec![Vec::new(); size]),
            f32s: Mutex::new(vec![Vec::new(); size]),
        });
        (0..size)
            .map(|rank| ThreadExchange {
                rank,
                shared: Arc::clone(&shared),
                sent: std::sync::atomic::AtomicU64::new(0),
                calls: std::sync::atomic::AtomicU64::new(0),
            })
            .collect()
    }
}

impl Exchange for ThreadExchange {
    fn rank(&self) -> usize {
        self.rank
    }
    fn size(&self) -> usize {
        self.shared.size
    }
    fn allgather_u32(&self, local: &[u32], out: &mut Vec<u32>) {
        self.calls
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let s = &self.shared;
        {
            let mut slots = s.u32s.lock().expect("no rank panicked");
            slots[self.rank].clear();
            slots[self.rank].extend_from_slice(local);
        }
        s.barrier.wait();
        out.clear();
        for slot in s.u32s.lock().expect("no rank panicked").iter() {
            out.extend_from_slice(slot);
        }
        s.barrier.wait();
        self.sent.fetch_add(
            4 * local.len() as u64 + 4,
            std::sync::atomic::Ordering::Relaxed,
        );
    }
    fn allgather_f32(&self, local: &[f32], counts: &[usize], out: &mut [f32]) {
        self.calls
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let s = &self.shared;
        {
            let mut slots = s.f32s.lock().expect("no rank panicked");
            slots[self.rank].clear();
            slots[self.rank].extend_from_slice(local);
        }
        s.barrier.wait();
        {
            let slots = s.f32s.lock().expect("no rank panicked");
            let mut at = 0;
            for (slot, &n) in slots.iter().zip(counts) {
                out[at..at + n].copy_from_slice(&slot[..n]);
                at += n;
            }
        }
        s.barrier.wait();
        self.sent
            .fetch_add(4 * local.len() as u64, std::sync::atomic::Ordering::Relaxed);
    }
    fn allgather_u32_fixed(&self, local: &[u32], out: &mut [u32]) {
        self.calls
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let s = &self.shared;
        {
            let mut slots = s.u32s.lock().expect("no rank panicked");
            slots[self.rank].clear();
            slots[self.rank].extend_from_slice(local);
        }
        s.barrier.wait();
        for (slot, o) in s
            .u32s
            .lock()
            .expect("no rank panicked")
            .iter()
            .zip(out.chunks_mut(local.len().max(1)))
        {
            o.copy_from_slice(&slot[..o.len()]);
        }
        s.barrier.wait();
        self.sent
            .fetch_add(4 * local.len() as u64, std::sync::atomic::Ordering::Relaxed);
    }
    fn gather_f32_to_root(&self, local: &[f32], counts: &[usize], out: &mut [f32]) {
        self.calls
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let s = &self.shared;
        {
            let mut slots = s.f32s.lock().expect("no rank panicked");
            slots[self.rank].clear();
            slots[self.rank].extend_from_slice(local);
        }
        s.barrier.wait();
        if self.rank == 0 {
            let slots = s.f32s.lock().expect("no rank panicked");
            let mut at = 0;
            for (slot, &n) in slots.iter().zip(counts) {
                out[at..at + n].copy_from_slice(&slot[..n]);
                at += n;
            }
        }
        s.barrier.wait();
        self.sent
            .fetch_add(4 * local.len() as u64, std::sync::atomic::Ordering::Relaxed);
    }
    fn bytes_sent(&self) -> u64 {
        self.sent.load(std::sync::atomic::Ordering::Relaxed)
    }
    fn collectives(&self) -> u64 {
        self.calls.load(std::sync::atomic::Ordering::Relaxed)
    }
}
