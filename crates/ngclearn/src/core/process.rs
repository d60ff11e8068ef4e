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
}

impl Process {
    /// Makes the calls in order; before each call of a method that reads inputs,
    /// delivers the wires into its component (`wire_ranges[c]` indexes them in `wires`).
    pub(super) fn run(
        &self,
        comps: &mut [Box<dyn Component>],
        wires: &mut [Wire],
        wire_ranges: &[Range<usize>],
        t: f32,
        dt: f32,
    ) {
        for &(c, method, reads_inputs) in &self.calls {
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
