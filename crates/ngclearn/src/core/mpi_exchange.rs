//! The [`Exchange`] of a model partitioned across MPI processes (the `mpi` feature):
//! the world communicator's `MPI_Allgather`, `MPI_Allgatherv` and `MPI_Gatherv`.

use crate::core::partition::Exchange;
use mpi::datatype::PartitionMut;
use mpi::topology::SimpleCommunicator;
use mpi::traits::*;
use mpi::Count;

/// The world of the processes `mpirun` started. MPI is initialised when it is made and
/// finalised when it is dropped (once per process).
pub struct MpiExchange {
    world: SimpleCommunicator,
    rank: usize,
    size: usize,
    sent: std::sync::atomic::AtomicU64,
    calls: std::sync::atomic::AtomicU64,
    scratch: std::sync::Mutex<(Vec<Count>, Vec<Count>)>,
    // Dropped last: finalises MPI.
    _universe: mpi::environment::Universe,
}

impl std::fmt::Debug for MpiExchange {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "MpiExchange(rank {} of {})", self.rank, self.size)
    }
}

// SAFETY: MPI is initialised at the `Serialized` level or above (checked in `init`):
// any thread may call it, one call at a time. A partitioned model makes its collective
// calls from the thread that runs it, one at a time (`Model::run` takes `&mut self`),
// and the communicator handle itself is a plain integer handle of the MPI library.
unsafe impl Send for MpiExchange {}
unsafe impl Sync for MpiExchange {}

impl MpiExchange {
    /// Initialises MPI; `None` if it was initialised already or cannot give the
    /// `Serialized` threading level.
    pub fn init() -> Option<MpiExchange> {
        let (universe, level) = mpi::initialize_with_threading(mpi::Threading::Serialized)?;
        if level < mpi::Threading::Serialized {
            return None;
        }
        let world = universe.world();
        let (rank, size) = (world.rank() as usize, world.size() as usize);
        Some(MpiExchange {
            world,
            rank,
            size,
            sent: std::sync::atomic::AtomicU64::new(0),
            calls: std::sync::atomic::AtomicU64::new(0),
            scratch: std::sync::Mutex::new((Vec::new(), Vec::new())),
            _universe: universe,
        })
    }

    /// Blocks until every rank reaches it.
    pub fn barrier(&self) {
        self.world.barrier();
    }

    /// `MPI_Allreduce(max)` of one number (e.g. a rank's resident memory).
    pub fn max_u64(&self, x: u64) -> u64 {
        let mut out = 0u64;
        self.world
            .all_reduce_into(&x, &mut out, mpi::collective::SystemOperation::max());
        out
    }

    fn displs(counts: &[Count]) -> Vec<Count> {
        counts
            .iter()
            .scan(0, |at, &c| {
                let d = *at;
                *at += c;
                Some(d)
            })
            .collect()
    }
}

impl Exchange for MpiExchange {
    fn rank(&self) -> usize {
        self.rank
    }
    fn size(&self) -> usize {
        self.size
    }
    fn allgather_u32(&self, local: &[u32], out: &mut Vec<u32>) {
        self.calls
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let n = local.len() as Count;
        let mut counts = vec![0 as Count; self.size];
        self.world.all_gather_into(&n, &mut counts[..]);
        let displs = Self::displs(&counts);
        let total: usize = counts.iter().map(|&c| c as usize).sum();
        out.clear();
        out.resize(total, 0);
        let mut part = PartitionMut::new(&mut out[..], &counts[..], &displs[..]);
        self.world.all_gather_varcount_into(local, &mut part);
        self.sent.fetch_add(
            4 * local.len() as u64 + 4,
            std::sync::atomic::Ordering::Relaxed,
        );
    }
    fn allgather_f32(&self, local: &[f32], counts: &[usize], out: &mut [f32]) {
        self.calls
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        // The counts and displacements, in buffers kept between calls.
        let mut scratch = self.scratch.lock().expect("one caller at a time");
        let (c, d) = &mut *scratch;
        c.clear();
        c.extend(counts.iter().map(|&n| n as Count));
        d.clear();
        d.extend(c.iter().scan(0, |at, &n| {
            let x = *at;
            *at += n;
            Some(x)
        }));
        let mut part = PartitionMut::new(out, &c[..], &d[..]);
        self.world.all_gather_varcount_into(local, &mut part);
        self.sent
            .fetch_add(4 * local.len() as u64, std::sync::atomic::Ordering::Relaxed);
    }
    fn allgather_u32_fixed(&self, local: &[u32], out: &mut [u32]) {
        self.calls
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        self.world.all_gather_into(local, out);
        self.sent
            .fetch_add(4 * local.len() as u64, std::sync::atomic::Ordering::Relaxed);
    }
    fn gather_f32_to_root(&self, local: &[f32], counts: &[usize], out: &mut [f32]) {
        self.calls
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let root = self.world.process_at_rank(0);
        if self.rank == 0 {
            let c: Vec<Count> = counts.iter().map(|&n| n as Count).collect();
            let d = Self::displs(&c);
            let mut part = PartitionMut::new(out, &c[..], &d[..]);
            root.gather_varcount_into_root(local, &mut part);
        } else {
            root.gather_varcount_into(local);
        }
        self.sent
            .fetch_add(4 * local.len() as u64, std::sync::atomic::Ordering::Relaxed);
    }
    fn abort(&self, code: i32) {
        self.world.abort(code);
    }
    fn bytes_sent(&self) -> u64 {
        self.sent.load(std::sync::atomic::Ordering::Relaxed)
    }
    fn collectives(&self) -> u64 {
        self.calls.load(std::sync::atomic::Ordering::Relaxed)
    }
}
