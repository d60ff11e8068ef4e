//! Processes: the methods a process can call ([`Method`]), a process's handle
//! ([`ProcessId`]) and a lowered process, which runs its calls in order.
//!
//! # Semantics (as ngclearn's)
//! * A process is an ordered list of `(component, method)` calls; running it with
//!   `(t, dt)` calls each once, in order. A method sees the values as they are when it
//!   is called, so a component later in the list sees this step's outputs of earlier
//!   ones, and an earlier one sees the previous step's values of later ones.
//! * A wired compartment has no value of its own: right before each call of a method
//!   of its component that reads inputs (`advance_state`, `evolve`, ...; each class's
//!   schema says which), its source is evaluated and copied in, and reading it by
//!   path reads the source.
//! * A process may call any method its component's class declares.
//! * `reset` returns a component's own compartments to their rest values.
//!
//! **One deliberate divergence.** In ngclearn, a compiled `reset` that sets a *wired*
//! compartment (e.g. a synapse's `v`, wired from a cell's `v`) writes through to the
//! source. Here a component never writes into a wire's source, so the order of the
//! reset process does not matter.

use crate::core::component::Component;
#[cfg(doc)]
use crate::core::model::Model;
use crate::core::model::ModelId;
use crate::core::schema::MethodInfo;
use crate::core::wire::Wire;
use std::ops::Range;

/// A method a process can call on a component. The four that ngclearn's classes
/// share have variants; a class may declare others ([`Method::Named`], resolved
/// against its schema by [`crate::core::context::Context::method`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Method {
    /// `advance_state(t, dt)`.
    AdvanceState,
    /// `reset()`.
    Reset,
    /// `evolve(t, dt)`: a learning rule's update.
    Evolve,
    /// `calc_update()`: a learning rule's update computed, not applied.
    CalcUpdate,
    /// Another method the component's class declares.
    Named(&'static MethodInfo),
}

impl Method {
    /// The method's name in ngclearn.
    pub fn as_str(self) -> &'static str {
        match self {
            Method::AdvanceState => "advance_state",
            Method::Reset => "reset",
            Method::Evolve => "evolve",
            Method::CalcUpdate => "calc_update",
            Method::Named(m) => m.name,
        }
    }

    /// One of the four shared methods named `name` (others are resolved against the
    /// class that declares them).
    pub fn parse(name: &str) -> Option<Method> {
        match name {
            "advance_state" => Some(Method::AdvanceState),
            "reset" => Some(Method::Reset),
            "evolve" => Some(Method::Evolve),
            "calc_update" => Some(Method::CalcUpdate),
            _ => None,
        }
    }
}

/// A process resolved to its index ([`Model::process_id`]), with the id of the model
/// that resolved it: every model method that takes one refuses a process id of another
/// model ([`Error::ForeignHandle`](crate::Error::ForeignHandle)); a copy of that
/// model, when there is one, keeps its id and so accepts it (see
/// [`model`](crate::core::model)).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ProcessId {
    model: ModelId,
    index: usize,
}

impl ProcessId {
    /// Process `index` of model `model`; the index must exist there.
    pub(crate) fn new(model: ModelId, index: usize) -> ProcessId {
        ProcessId { model, index }
    }

    /// The model that resolved it.
    pub fn model(self) -> ModelId {
        self.model
    }

    /// The index of the process in that model ([`Model::process_names`]' order).
    pub fn index(self) -> usize {
        self.index
    }
}

/// A lowered process: its name and its calls, components by index, each with whether
/// it reads the component's inputs (so its wires are delivered first); and, for a
/// joint process (ngcsimlib's `JointProcess`), the processes whose calls it joins.
#[derive(Debug, Clone)]
pub(super) struct Process {
    pub(super) name: String,
    pub(super) calls: Vec<(usize, Method, bool)>,
    pub(super) children: Option<Vec<String>>,
    /// The runs of calls that may step side by side ([`Process::groups`]), found on the
    /// first run, each with its calls in the order the threads take them.
    pub(super) groups: std::sync::OnceLock<Vec<(Range<usize>, Vec<usize>)>>,
}

/// A group of independent steps runs on the model's threads only when its members
/// store at least this many bytes of weights (below it, handing the work to another
/// thread costs more than it saves: ten microseconds a step, measured on the CUBA
/// network, whose step alone takes that). 64 MiB by default; changeable, for tests.
pub static PARALLEL_GROUP_BYTES: std::sync::atomic::AtomicU64 =
    std::sync::atomic::AtomicU64::new(64 << 20);

/// The components of a group, shared with the threads that step them.
struct Members(*mut Box<dyn Component>);
// SAFETY: each thread dereferences only the elements of distinct calls' components
// (checked when the group is made), and nothing else touches the slice meanwhile.
unsafe impl Sync for Members {}

impl Process {
    /// Makes the calls in order; before each call of a method that reads inputs,
    /// delivers the wires into its component (`wire_ranges[c]` indexes them in `wires`).
    /// The maximal runs of two or more consecutive `advance_state` calls of distinct
    /// components that may step side by side ([`Component::steps_alone`]) and whose
    /// wires read no other member's compartments: each member's step then depends on
    /// nothing another changes, so stepping them on several threads gives the numbers
    /// of stepping them in order.
    fn groups(
        &self,
        comps: &[Box<dyn Component>],
        wires: &[Wire],
        wire_ranges: &[Range<usize>],
    ) -> &[(Range<usize>, Vec<usize>)] {
        self.groups.get_or_init(|| {
            let mut groups = Vec::new();
            let alone = |k: usize| {
                let (c, m, _) = self.calls[k];
                m == Method::AdvanceState && comps[c].steps_alone()
            };
            let mut k = 0;
            while k < self.calls.len() {
                let start = k;
                let mut members: Vec<usize> = Vec::new();
                while k < self.calls.len() && alone(k) {
                    let c = self.calls[k].0;
                    let reads_member = |a: usize, b: usize| {
                        wires[wire_ranges[a].clone()]
                            .iter()
                            .any(|w| w.expr.reads_component(b))
                    };
                    let clash = members
                        .iter()
                        .any(|&m| m == c || reads_member(c, m) || reads_member(m, c));
                    if clash {
                        break;
                    }
                    members.push(c);
                    k += 1;
                }
                if members.len() >= 2 {
                    // The threads take the calls one at a time, the largest first (by
                    // weights stored): the longest steps start first, and the short ones
                    // fill in behind them.
                    let mut order: Vec<usize> = (start..k).collect();
                    order.sort_by_key(|&k| {
                        let c = self.calls[k].0;
                        std::cmp::Reverse(comps[c].stored_weights().map_or(0, |w| w.bytes()))
                    });
                    groups.push((start..k, order));
                }
                if k == start {
                    k += 1;
                }
            }
            groups
        })
    }

    pub(super) fn run(
        &self,
        comps: &mut [Box<dyn Component>],
        wires: &mut [Wire],
        wire_ranges: &[Range<usize>],
        t: f32,
        dt: f32,
        workers: &crate::core::parallel::Workers,
    ) {
        let groups = if workers.setting().threads() > 1 {
            self.groups(comps, wires, wire_ranges)
        } else {
            &[]
        };
        let mut next_group = groups.iter().peekable();
        let mut k = 0;
        while k < self.calls.len() {
            if let Some((g, order)) = next_group.next_if(|(g, _)| g.start == k) {
                let bytes: u64 = self.calls[g.clone()]
                    .iter()
                    .map(|&(c, _, _)| comps[c].stored_weights().map_or(0, |w| w.bytes()))
                    .sum();
                let least = PARALLEL_GROUP_BYTES.load(std::sync::atomic::Ordering::Relaxed);
                // (Asked only by a group that pays: asking starts the pool.)
                if let Some(pool) = (bytes >= least).then(|| workers.pool()).flatten() {
                    self.run_group(comps, wires, wire_ranges, g.clone(), order, pool, t, dt);
                    k = g.end;
                    continue;
                }
            }
            self.call(k, comps, wires, wire_ranges, t, dt);
            k += 1;
        }
    }

    /// The components of each group of calls that may step side by side, once found
    /// (on the first run with more than one thread allowed).
    pub(super) fn group_components(&self) -> Vec<Vec<usize>> {
        self.groups.get().map_or_else(Vec::new, |g| {
            g.iter()
                .map(|(r, _)| self.calls[r.clone()].iter().map(|&(c, _, _)| c).collect())
                .collect()
        })
    }

    /// The calls `g` (a group): the members' wires delivered in order, then their steps
    /// on `pool`'s threads, each thread taking the next of `order` when it is free.
    #[allow(clippy::too_many_arguments)]
    fn run_group(
        &self,
        comps: &mut [Box<dyn Component>],
        wires: &mut [Wire],
        wire_ranges: &[Range<usize>],
        g: Range<usize>,
        order: &[usize],
        pool: &rayon::ThreadPool,
        t: f32,
        dt: f32,
    ) {
        for &(c, _, reads_inputs) in &self.calls[g.clone()] {
            if reads_inputs {
                for w in &mut wires[wire_ranges[c].clone()] {
                    w.gather(comps);
                }
            }
        }
        debug_assert!(order.iter().all(|k| g.contains(k)));
        let members = Members(comps.as_mut_ptr());
        let next = std::sync::atomic::AtomicUsize::new(0);
        let threads = pool.current_num_threads().min(order.len());
        pool.install(|| {
            use rayon::prelude::*;
            (0..threads)
                .into_par_iter()
                .with_max_len(1)
                .for_each(|_| loop {
                    let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    let Some(&k) = order.get(i) else { break };
                    let c = self.calls[k].0;
                    let members = &members;
                    // SAFETY: `c` indexes `comps` (calls are resolved when lowered), the
                    // group's components are distinct, each call is taken by one thread
                    // (the counter hands out each place of `order` once), and `comps` is
                    // borrowed mutably for the whole scope: no other reference to a member
                    // exists.
                    let comp = unsafe { &mut *members.0.add(c) };
                    comp.advance_state(t, dt);
                })
        });
    }

    /// Call `k`: its component's wires delivered when the method reads inputs, then
    /// the method.
    fn call(
        &self,
        k: usize,
        comps: &mut [Box<dyn Component>],
        wires: &mut [Wire],
        wire_ranges: &[Range<usize>],
        t: f32,
        dt: f32,
    ) {
        let (c, method, reads_inputs) = self.calls[k];
        {
            if reads_inputs {
                for w in &mut wires[wire_ranges[c].clone()] {
                    w.gather(comps);
                }
            }
            match method {
                Method::AdvanceState => comps[c].advance_state(t, dt),
                Method::Reset => comps[c].reset(),
                Method::Evolve => comps[c].evolve(t, dt),
                Method::CalcUpdate => comps[c].calc_update(t, dt),
                Method::Named(m) => comps[c].call(m.name, t, dt),
            }
        }
    }
}
