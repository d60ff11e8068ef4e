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
    /// first run, each with its chains of calls in the order the threads take them.
    pub(super) groups: std::sync::OnceLock<Vec<Group>>,
}

/// A group of independent steps runs on the model's threads only when its members
/// store at least this many bytes of weights (below it, handing the work to another
/// thread costs more than it saves: about six microseconds a step, measured on the COBA
/// network, whose step alone takes eight). 64 MiB by default; changeable, for tests.
pub static PARALLEL_GROUP_BYTES: std::sync::atomic::AtomicU64 =
    std::sync::atomic::AtomicU64::new(64 << 20);

/// A group of calls that step side by side ([`Process::groups`]).
#[derive(Debug, Clone)]
pub(super) struct Group {
    /// Its calls.
    calls: Range<usize>,
    /// Its chains (the calls each thread steps in order), in the order the threads take
    /// them.
    chains: Vec<Vec<usize>>,
    /// The chains' first calls, in the process's order (their wires are delivered
    /// before the group steps).
    heads: Vec<usize>,
}

/// The components of a group, shared with the threads that step them.
struct Members(*mut Box<dyn Component>);
// SAFETY: each thread dereferences only the elements of distinct calls' components
// (checked when the group is made), and nothing else touches the slice meanwhile.
unsafe impl Sync for Members {}

/// The wires, shared with the threads that deliver the wires of a group's later calls.
struct Links(*mut Wire);
// SAFETY: each thread dereferences only the wires into the components of its own chain
// (each wire belongs to one target), and nothing else touches the slice meanwhile.
unsafe impl Sync for Links {}

impl Process {
    /// The maximal runs of two or more consecutive `advance_state` calls of distinct
    /// components that may step side by side ([`Component::steps_alone`]), each cut
    /// into chains of calls that one thread steps one after another:
    /// - a call whose wires read no earlier member of the run starts a chain; its wires
    ///   are delivered before the run steps (no member before it writes what they read,
    ///   so they read the values the calls in order would);
    /// - a call whose wires are plain copies, reading of the run's members only the
    ///   last of one chain, joins that chain: its wires are delivered on the chain's
    ///   thread, once that member has stepped;
    /// - any other call ends the run, as does one that a joined call (of another chain)
    ///   reads, which might step before that call's wires are delivered.
    ///
    /// Each member's step then reads what it would read in order, so stepping the
    /// chains on several threads gives the numbers of the calls in order. (A synapse
    /// and the cells its current feeds make a chain.)
    fn groups(
        &self,
        comps: &[Box<dyn Component>],
        wires: &[Wire],
        wire_ranges: &[Range<usize>],
    ) -> &[Group] {
        self.groups.get_or_init(|| {
            let mut groups = Vec::new();
            let alone = |k: usize| {
                let (c, m, _) = self.calls[k];
                m == Method::AdvanceState && comps[c].steps_alone()
            };
            let reads = |k: usize, m: usize| {
                wires[wire_ranges[self.calls[k].0].clone()]
                    .iter()
                    .any(|w| w.expr.reads_component(m))
            };
            let mut k = 0;
            while k < self.calls.len() {
                let start = k;
                // Each member's chain, by place in the run.
                let mut chain_of: Vec<usize> = Vec::new();
                let mut chains: Vec<Vec<usize>> = Vec::new();
                while k < self.calls.len() && alone(k) {
                    let c = self.calls[k].0;
                    let members = start..k;
                    if members.clone().any(|j| self.calls[j].0 == c) {
                        break;
                    }
                    // A joined call of another chain that reads this one ends the run.
                    let read_by_joined = members.clone().any(|j| {
                        let ch = chain_of[j - start];
                        chains[ch][0] != j && reads(j, c)
                    });
                    if read_by_joined {
                        break;
                    }
                    let read: Vec<usize> = members.filter(|&j| reads(k, self.calls[j].0)).collect();
                    let ch = match read.as_slice() {
                        [] => {
                            chains.push(Vec::new());
                            chains.len() - 1
                        }
                        &[j] if chains[chain_of[j - start]].last() == Some(&j)
                            && wires[wire_ranges[c].clone()]
                                .iter()
                                .all(|w| w.plain_copy().is_some_and(|src| src != c)) =>
                        {
                            chain_of[j - start]
                        }
                        _ => break,
                    };
                    chains[ch].push(k);
                    chain_of.push(ch);
                    k += 1;
                }
                if chains.len() >= 2 {
                    // The threads take the chains one at a time, the largest first (by
                    // weights stored): the longest steps start first, and the short ones
                    // fill in behind them.
                    let bytes = |j: &usize| {
                        let c = self.calls[*j].0;
                        comps[c].stored_weights().map_or(0, |w| w.bytes())
                    };
                    chains.sort_by_key(|ch| std::cmp::Reverse(ch.iter().map(bytes).sum::<u64>()));
                    let mut heads: Vec<usize> = chains.iter().map(|ch| ch[0]).collect();
                    heads.sort_unstable();
                    groups.push(Group {
                        calls: start..k,
                        chains,
                        heads,
                    });
                }
                if k == start {
                    k += 1;
                }
            }
            groups
        })
    }

    /// Makes the calls in order; before each call of a method that reads inputs,
    /// delivers the wires into its component (`wire_ranges[c]` indexes them in `wires`).
    /// A group of calls ([`Process::groups`]) whose weights pay for it steps its chains
    /// on the model's threads.
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
            if let Some(g) = next_group.next_if(|g| g.calls.start == k) {
                let bytes: u64 = self.calls[g.calls.clone()]
                    .iter()
                    .map(|&(c, _, _)| comps[c].stored_weights().map_or(0, |w| w.bytes()))
                    .sum();
                let least = PARALLEL_GROUP_BYTES.load(std::sync::atomic::Ordering::Relaxed);
                // (Asked only by a group that pays: asking starts the crew.)
                if let Some(crew) = (bytes >= least).then(|| workers.crew()).flatten() {
                    self.run_group(comps, wires, wire_ranges, g, crew, t, dt);
                    k = g.calls.end;
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
                .map(|g| {
                    self.calls[g.calls.clone()]
                        .iter()
                        .map(|&(c, _, _)| c)
                        .collect()
                })
                .collect()
        })
    }

    /// The calls `g` (a group): the wires of the chains' first calls delivered in order,
    /// then the chains on the model's crew (the calling thread and its helpers), each
    /// thread taking the next of `chains` when it is free and stepping its calls in
    /// order, each later call's wires (plain copies) delivered just before it.
    #[allow(clippy::too_many_arguments)]
    fn run_group(
        &self,
        comps: &mut [Box<dyn Component>],
        wires: &mut [Wire],
        wire_ranges: &[Range<usize>],
        g: &Group,
        crew: &crate::core::parallel::Crew,
        t: f32,
        dt: f32,
    ) {
        for &k in &g.heads {
            let (c, _, reads_inputs) = self.calls[k];
            if reads_inputs {
                for w in &mut wires[wire_ranges[c].clone()] {
                    w.gather(comps);
                }
            }
        }
        let chains = &g.chains;
        debug_assert!(chains.iter().flatten().all(|k| g.calls.contains(k)));
        let members = Members(comps.as_mut_ptr());
        let links = Links(wires.as_mut_ptr());
        let next = std::sync::atomic::AtomicUsize::new(0);
        crew.run(&|| loop {
            let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            let Some(chain) = chains.get(i) else { break };
            let (members, links) = (&members, &links);
            for (n, &k) in chain.iter().enumerate() {
                let (c, _, reads_inputs) = self.calls[k];
                if n > 0 && reads_inputs {
                    for w in wire_ranges[c].clone() {
                        // SAFETY: wire `w` delivers into `c` alone (each wire is
                        // in the range of its target), which only this thread
                        // steps; its source is another component that no thread
                        // writes now: the chain's call before this one, which has
                        // stepped, or a component outside the group
                        // (`Process::groups` checked both).
                        let wire = unsafe { &mut *links.0.add(w) };
                        let src = wire.plain_copy().expect("checked by Process::groups");
                        let (src, dst) =
                            unsafe { (&**members.0.add(src), &mut **members.0.add(c)) };
                        wire.gather_copy(src, dst);
                    }
                }
                // SAFETY: `c` indexes `comps` (calls are resolved when lowered), the
                // group's components are distinct, each chain is taken by one
                // thread (the counter hands out each place of `chains` once), and
                // `comps` is borrowed mutably for the whole scope: no other
                // reference to this member exists.
                let comp = unsafe { &mut *members.0.add(c) };
                comp.advance_state(t, dt);
            }
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
