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

/// The method of a mirror that exchanges once per epoch, called after its owner is
/// reset (and when the model is partitioned): the inputs not yet delivered are dropped,
/// and the owner's state gathered as a first step's.
pub static RESTART: MethodInfo = MethodInfo {
    name: "restart",
    reads_inputs: true,
    keywords: &[],
    description: "Drops the steps not yet delivered and gathers the owner's state as the first",
};

/// The method of a mirror that gathers its owner's state again after it was written
/// from outside (`Partitioned::gather_mirrors`): an epoch's mirror replaces the newest
/// step it keeps, where its readers would read the new state.
pub static REGATHER: MethodInfo = MethodInfo {
    name: "regather",
    reads_inputs: true,
    keywords: &[],
    description: "Gathers the owner's state again, in place of the newest step kept",
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
    /// Spikes exchanged once per epoch, delivered `lag` steps late (`None`: every step).
    epoch: Option<Box<Epoch>>,
}

/// A spike mirror read only by synapses whose delays all exceed `lag` steps (which take
/// their inputs `lag` steps late, [`Component::set_input_lag`]): each gather keeps this
/// rank's spikes and gives out the whole spikes of `lag` steps before, and the ranks
/// exchange the steps kept only when none is left to give: once every `lag + 1` steps,
/// in one collective.
#[derive(Debug, Clone)]
struct Epoch {
    lag: usize,
    /// Whether the owner advances before the synapses that read it: they then never read
    /// the owner's state as it stands before a step (its first, or one written from
    /// outside), which is kept as no spikes.
    owner_first: bool,
    /// This rank's spikes (global flat indices) of the steps not yet exchanged, the
    /// oldest first: `n_mine` of `lag + 1` lists.
    mine: Vec<Vec<u32>>,
    n_mine: usize,
    /// Whole spikes exchanged and not yet given out: a ring of `lag + 1` lists, `len`
    /// of them from `head`.
    queue: Vec<Vec<u32>>,
    head: usize,
    len: usize,
    /// Where each rank's indices past its message start in an exchange's second round.
    starts: Vec<usize>,
}

impl Epoch {
    /// Room for every list it can hold (`whole` and `local` indices a step), so that
    /// its steps allocate nothing.
    fn new(lag: usize, owner_first: bool, whole: usize, local: usize, size: usize) -> Epoch {
        let mut e = Epoch {
            lag,
            owner_first,
            mine: (0..=lag).map(|_| Vec::with_capacity(local)).collect(),
            n_mine: 0,
            queue: (0..=lag).map(|_| Vec::with_capacity(whole)).collect(),
            head: 0,
            len: 0,
            starts: Vec::with_capacity(size),
        };
        e.restart();
        e
    }

    /// Nothing kept, and `lag` steps without spikes to give out first.
    fn restart(&mut self) {
        self.n_mine = 0;
        self.head = 0;
        self.len = self.lag;
        self.queue.iter_mut().for_each(Vec::clear);
    }
}

static MIRROR_METHODS: [MethodInfo; 4] = [
    GATHER,
    RESTART,
    REGATHER,
    crate::core::schema::ADVANCE_AND_RESET[1],
];

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
    any_rows: &[],
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
            epoch: None,
        })
    }

    /// Exchanges once per `lag + 1` steps, giving out the spikes of `lag` steps before
    /// (see [`Epoch`]; `owner_first`: the owner advances before the synapses that read
    /// it); a spike mirror only. Its messages get their room now, so that no step
    /// allocates until a rank's spikes outgrow them.
    pub(super) fn with_lag(mut self, lag: usize, owner_first: bool) -> Mirror {
        if self.spikes && lag > 0 {
            let (rows, local, size) = (self.local.nrows(), self.local.ncols(), self.ex.size());
            let e = Epoch::new(lag, owner_first, rows * self.width, rows * local, size);
            self.epoch = Some(Box::new(e));
            let msg = 1 + (lag + 1) + self.cap;
            self.send.resize(msg, 0);
            self.recv.resize(size * msg, 0);
            let most = (lag + 1) * rows * local;
            self.scratch
                .reserve(most.saturating_sub(self.scratch.len()));
        }
        self
    }

    /// Makes `new` (global flat indices) the spikes of `full` in place of the last ones,
    /// and takes the last ones' list in exchange (its room is reused).
    fn show(&mut self, new: &mut Vec<u32>) {
        let full = self.full.as_slice_mut().expect("standard layout");
        for &i in &self.list {
            full[i as usize] = 0.0;
        }
        for &i in new.iter() {
            full[i as usize] = 1.0;
        }
        std::mem::swap(&mut self.list, new);
    }

    /// The same mirror under another name.
    pub(super) fn named(mut self, name: &str) -> Mirror {
        self.name = name.to_string();
        self
    }

    /// This rank's spikes as global flat indices, ascending, into `out`.
    fn local_spikes(&self, out: &mut Vec<u32>) {
        let (size, rank) = (self.ex.size(), self.ex.rank());
        let lo = block(self.width, size, rank).start;
        let (w_local, width) = (self.local.ncols(), self.width);
        out.clear();
        out.extend(
            self.local
                .iter()
                .enumerate()
                .filter(|(_, &v)| v != 0.0)
                .map(|(f, _)| ((f / w_local) * width + lo + f % w_local) as u32),
        );
    }

    /// The epoch's gather: this rank's spikes kept, the kept steps exchanged when none
    /// is left to give out, and the oldest whole step given out.
    fn gather_epoch(&mut self, restart: bool) {
        let mut e = self.epoch.take().expect("an epoch mirror");
        if restart {
            e.restart();
        }
        let mut kept = std::mem::take(&mut e.mine[e.n_mine]);
        if restart && e.owner_first {
            kept.clear();
        } else {
            self.local_spikes(&mut kept);
        }
        e.mine[e.n_mine] = kept;
        e.n_mine += 1;
        if e.len == 0 {
            self.exchange_kept(&mut e);
        }
        let slot = e.head;
        e.head = (e.head + 1) % e.queue.len();
        e.len -= 1;
        self.show(&mut e.queue[slot]);
        self.epoch = Some(e);
    }

    /// The owner's state gathered again in place of the newest step kept, where the
    /// synapses read it next (not when the owner advances before them: its next step
    /// replaces the state first). That step is this rank's alone while kept, or whole in
    /// the queue once exchanged: then the ranks exchange it again, alone.
    fn regather_epoch(&mut self) {
        let mut e = self.epoch.take().expect("an epoch mirror");
        if !e.owner_first {
            if e.n_mine > 0 {
                let mut kept = std::mem::take(&mut e.mine[e.n_mine - 1]);
                self.local_spikes(&mut kept);
                e.mine[e.n_mine - 1] = kept;
            } else if e.len > 0 {
                // The newest step is the queue's last; exchanged again as one step.
                let (head, len) = (e.head, e.len);
                let ring = e.queue.len();
                let mut kept = std::mem::take(&mut e.mine[0]);
                self.local_spikes(&mut kept);
                e.mine[0] = kept;
                e.n_mine = 1;
                e.head = (head + len - 1) % ring;
                e.len = 0;
                self.exchange_kept(&mut e);
                e.head = head;
                e.len = len;
            }
        }
        self.epoch = Some(e);
    }

    /// Every rank's kept steps, in one collective of fixed-size messages (`[total,
    /// count of each step, up to cap indices]`; the rest in a second round when a rank
    /// had more, and the messages grow), appended whole to the queue, step by step.
    fn exchange_kept(&mut self, e: &mut Epoch) {
        let size = self.ex.size();
        let m = e.n_mine;
        let n: usize = e.mine[..m].iter().map(Vec::len).sum();
        let cap = self.cap;
        let msg = 1 + m + cap;
        self.send.resize(msg, 0);
        self.recv.resize(size * msg, 0);
        self.send[0] = n as u32;
        for (j, l) in e.mine[..m].iter().enumerate() {
            self.send[1 + j] = l.len() as u32;
        }
        for (d, &i) in self.send[1 + m..]
            .iter_mut()
            .zip(e.mine[..m].iter().flatten())
        {
            *d = i;
        }
        self.ex
            .allgather_u32_fixed(&self.send[..msg], &mut self.recv[..size * msg]);
        let total = |r: usize| self.recv[r * msg] as usize;
        let most = (0..size).map(total).max().unwrap_or(0);
        let mut rest = Vec::new();
        if most > cap {
            self.scratch.clear();
            self.scratch
                .extend(e.mine[..m].iter().flatten().skip(cap).copied());
            self.ex.allgather_u32(&self.scratch, &mut rest);
            self.cap = most.next_power_of_two().max(cap);
        }
        // Rank `r`'s `k`-th index: in its message, or past the message's room in the
        // second round's part of it.
        e.starts.clear();
        let mut taken = 0;
        for r in 0..size {
            e.starts.push(taken);
            taken += total(r).saturating_sub(cap);
        }
        let (recv, starts) = (&self.recv, &e.starts);
        let index = |r: usize, k: usize, rest_at: usize| {
            if k < cap {
                recv[r * msg + 1 + m + k]
            } else {
                rest[rest_at + k - cap]
            }
        };
        let rows = self.local.nrows();
        let ring = e.queue.len();
        for j in 0..m {
            let q = (e.head + e.len) % ring;
            let list = &mut e.queue[q];
            list.clear();
            for r in 0..size {
                let c = recv[r * msg + 1 + j] as usize;
                // Where rank `r`'s step `j` starts: the counts of its earlier steps.
                let from: usize = (0..j).map(|i| recv[r * msg + 1 + i] as usize).sum();
                list.extend((from..from + c).map(|k| index(r, k, starts[r])));
            }
            if rows > 1 {
                list.sort_unstable();
            }
            e.len += 1;
        }
        e.n_mine = 0;
    }

    fn gather(&mut self) {
        if self.epoch.is_some() {
            return self.gather_epoch(false);
        }
        let size = self.ex.size();
        let rows = self.local.nrows();
        if self.spikes {
            let mut mine = std::mem::take(&mut self.mine);
            self.local_spikes(&mut mine);
            self.mine = mine;
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
            let mut new = std::mem::take(&mut self.scratch);
            self.show(&mut new);
            self.scratch = new;
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
        match (method, self.epoch.is_some()) {
            ("restart", true) => self.gather_epoch(true),
            ("regather", true) => self.regather_epoch(),
            _ => self.gather(),
        }
    }
    fn changed(&mut self, _index: usize) {}
    fn nonzero(&self, index: usize) -> Option<&[u32]> {
        (self.spikes && index == Mirror::FULL).then_some(self.list.as_slice())
    }
}
