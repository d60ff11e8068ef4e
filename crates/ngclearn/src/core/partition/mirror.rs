//! Mirrors: components that gather a partitioned compartment whole after every call
//! of its owner, in the same order on every rank.

use super::exchange::Exchange;
use super::layout::{block, scatter_rows};
use crate::core::component::{Component, WriteToken};
use crate::core::rng::Key;
use crate::core::schema::{MethodInfo, Schema};
use crate::error::Result;
use ndarray::Array2;
use std::sync::Arc;

/// The method of a mirror: gather its owner's compartment from all ranks.
pub static GATHER: MethodInfo = MethodInfo {
    name: "gather",
    reads_inputs: true,
    keywords: &[],
    description: "Gathers the compartment whole from all ranks",
};

/// A partitioned compartment held whole: `local` is this rank's block (wired from the
/// owner), `full` the whole after `gather`. Spikes travel as index lists.
#[derive(Debug, Clone, crate::Compartments)]
pub(super) struct Mirror {
    pub(super) name: String,
    /// This rank's block
    #[compartment(input, shape = "(batch_size, n_local)")]
    local: Array2<f32>,
    /// The whole compartment
    #[compartment(output, shape = "(batch_size, n_units)")]
    full: Array2<f32>,
    /// Unused
    #[compartment(key)]
    key: Key,
    spikes: bool,
    width: usize,
    ex: Arc<dyn Exchange>,
    /// The global flat indices of the last gathered spikes, ascending.
    list: Vec<u32>,
    scratch: Vec<u32>,
    values: Vec<f32>,
    counts: Vec<usize>,
    /// This rank's spikes (global indices), then the fixed-size message of each round:
    /// `[count, up to cap indices]` per rank.
    mine: Vec<u32>,
    send: Vec<u32>,
    recv: Vec<u32>,
    /// How many indices a rank's message carries (the same on every rank: it grows, from
    /// the gathered counts, when a rank had more).
    cap: usize,
    /// This rank's values, row-major (graded mirrors).
    flat: Vec<f32>,
}

static MIRROR_METHODS: [MethodInfo; 2] = [GATHER, crate::core::schema::ADVANCE_AND_RESET[1]];

/// The class name of the components that hold split compartments whole.
const MIRROR: &str = "Mirror";

/// Whether `c` is a partitioned model's mirror (told by its class entry, not by a
/// name a user's class could share).
pub(crate) fn is_mirror(c: &dyn Component) -> bool {
    std::ptr::eq(c.class(), &MIRROR_CLASS)
}

static MIRROR_SCHEMA: Schema = Schema {
    class: MIRROR,
    module_path: "ngclearn.partition.Mirror",
    description: "A partitioned compartment gathered whole from all ranks",
    compartments: &Mirror::COMPARTMENTS,
    dynamics: "full = the blocks of all ranks, in rank order",
    hyperparameters: &[],
    methods: &MIRROR_METHODS,
    signature: &["name"],
    notes: "",
    kwargs: crate::core::schema::VarKeyword::Absent,
    fixed: &[],
    extends: None,
};

impl Mirror {
    pub(super) fn new(
        name: &str,
        rows: usize,
        width: usize,
        spikes: bool,
        ex: Arc<dyn Exchange>,
    ) -> Result<Mirror> {
        let (size, rank) = (ex.size(), ex.rank());
        let z = |w| crate::core::component::filled(name, "width", (rows, w), 0.0);
        Ok(Mirror {
            name: name.to_string(),
            local: z(block(width, size, rank).len())?,
            full: z(width)?,
            key: Key([0, 0]),
            spikes,
            width,
            counts: (0..size)
                .map(|r| rows * block(width, size, r).len())
                .collect(),
            list: Vec::with_capacity(rows * width),
            scratch: Vec::with_capacity(rows * width),
            values: vec![0.0; rows * width],
            mine: Vec::with_capacity(rows * block(width, size, rank).len()),
            send: vec![0; MESSAGE_CAP + 1],
            recv: vec![0; size * (MESSAGE_CAP + 1)],
            cap: MESSAGE_CAP,
            flat: vec![0.0; rows * block(width, size, rank).len()],
            ex,
        })
    }

    fn gather(&mut self) {
        let (size, rank) = (self.ex.size(), self.ex.rank());
        let rows = self.local.nrows();
        if self.spikes {
            let lo = block(self.width, size, rank).start;
            let w_local = self.local.ncols();
            let width = self.width;
            self.mine.clear();
            self.mine.extend(
                self.local
                    .iter()
                    .enumerate()
                    .filter(|(_, &v)| v != 0.0)
                    .map(|(f, _)| ((f / w_local) * width + lo + f % w_local) as u32),
            );
            // One collective of fixed-size messages; a rank with more spikes than they
            // carry sends the rest in a second round (all ranks see its count), and the
            // messages grow for the next steps.
            let cap = self.cap;
            let n = self.mine.len();
            self.send[0] = n as u32;
            let first = n.min(cap);
            self.send[1..1 + first].copy_from_slice(&self.mine[..first]);
            self.ex.allgather_u32_fixed(&self.send, &mut self.recv);
            let count = |recv: &[u32], r: usize| recv[r * (cap + 1)] as usize;
            let most = (0..size).map(|r| count(&self.recv, r)).max().unwrap_or(0);
            self.scratch.clear();
            if most <= cap {
                for r in 0..size {
                    let at = r * (cap + 1);
                    let c = count(&self.recv, r);
                    self.scratch
                        .extend_from_slice(&self.recv[at + 1..at + 1 + c]);
                }
            } else {
                let mut rest = Vec::new();
                self.ex.allgather_u32(&self.mine[first..], &mut rest);
                let mut taken = 0;
                for r in 0..size {
                    let at = r * (cap + 1);
                    let c = count(&self.recv, r);
                    self.scratch
                        .extend_from_slice(&self.recv[at + 1..at + 1 + c.min(cap)]);
                    let more = c.saturating_sub(cap);
                    self.scratch.extend_from_slice(&rest[taken..taken + more]);
                    taken += more;
                }
                self.cap = most.next_power_of_two().max(cap);
                self.send.resize(self.cap + 1, 0);
                self.recv.resize(size * (self.cap + 1), 0);
            }
            if rows > 1 {
                self.scratch.sort_unstable();
            }
            let full = self.full.as_slice_mut().expect("standard layout");
            for &i in &self.list {
                full[i as usize] = 0.0;
            }
            for &i in &self.scratch {
                full[i as usize] = 1.0;
            }
            std::mem::swap(&mut self.list, &mut self.scratch);
        } else {
            for (d, &v) in self.flat.iter_mut().zip(self.local.iter()) {
                *d = v;
            }
            self.ex
                .allgather_f32(&self.flat, &self.counts, &mut self.values);
            scatter_rows(
                &self.values,
                &self.counts,
                rows,
                self.width,
                self.full
                    .as_slice_mut()
                    .expect("owned arrays are contiguous"),
            );
        }
    }
}

/// Indices a spike message carries at first (256-byte messages).
const MESSAGE_CAP: usize = 63;

/// The mirror's class: not in any registry, and never built from arguments.
static MIRROR_CLASS: crate::core::class::ComponentClass = crate::core::class::ComponentClass {
    schema: &MIRROR_SCHEMA,
    from_kwargs: |kw| {
        Err(kw.error(
            "class",
            "a Mirror is made by partitioning a model, not from arguments",
        ))
    },
    sizes: |_| None,
};

impl crate::core::component::Declared for Mirror {
    fn name(&self) -> &str {
        &self.name
    }
    fn schema(&self) -> &'static Schema {
        &MIRROR_SCHEMA
    }
    fn class(&self) -> &'static crate::core::class::ComponentClass {
        &MIRROR_CLASS
    }
    fn array(&self, index: usize) -> Option<&Array2<f32>> {
        self.compartment(index)
    }
    fn array_mut(&mut self, index: usize, token: WriteToken) -> Option<&mut Array2<f32>> {
        self.compartment_mut(index, token)
    }
    fn key(&self) -> Key {
        self.key
    }
    fn set_key(&mut self, key: Key) {
        self.key = key;
    }
    fn as_any(&self) -> &dyn std::any::Any {
        self
    }
    fn kwargs(&self) -> serde_json::Map<String, serde_json::Value> {
        serde_json::Map::new()
    }
}

impl Component for Mirror {
    fn advance_state(&mut self, _t: f32, _dt: f32) {
        self.gather();
    }
    fn reset(&mut self) {}
    fn call(&mut self, method: &str, _t: f32, _dt: f32) {
        debug_assert_eq!(method, "gather");
        self.gather();
    }
    fn changed(&mut self, _index: usize) {}
    fn nonzero(&self, index: usize) -> Option<&[u32]> {
        (self.spikes && index == Mirror::FULL).then_some(self.list.as_slice())
    }
}
