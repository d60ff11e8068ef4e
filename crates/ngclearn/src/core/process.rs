//! Processes: the methods a process can call ([`Method`]), a process's handle
//! ([`ProcessId`]) and a lowered process, which runs its calls in order.
//!
//! # Semantics (as ngclearn's)
//! * A process is an ordered list of `(component, method)` calls; running it with
//!   `(t, dt)` calls each once, in order. A method sees the values as they are when it
//!   is called, so a component later in the list sees this step's outputs of earlier
//!   ones, and an earlier one sees the previous step's values of later ones.
//! * A wired compartment has no value of its own: right before each `advance_state`
//!   of its component, its source is evaluated and copied in, and reading it by path
//!   reads the source.
//! * `reset` returns a component's own compartments to their rest values.
//!
//! **One deliberate divergence.** In ngclearn, a compiled `reset` that sets a *wired*
//! compartment (e.g. a synapse's `v`, wired from a cell's `v`) writes through to the
//! source. Here a component never writes into a wire's source, so the order of the
//! reset process does not matter.

use crate::core::component::Component;
use crate::core::wire::Wire;
use std::ops::Range;

/// A method a process can call on a component.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Method {
    /// `advance_state(t, dt)`.
    AdvanceState,
    /// `reset()`.
    Reset,
}

impl Method {
    /// The method's name in ngclearn.
    pub fn as_str(self) -> &'static str {
        match self {
            Method::AdvanceState => "advance_state",
            Method::Reset => "reset",
        }
    }

    /// The method named `name`, if any.
    pub fn parse(name: &str) -> Option<Method> {
        match name {
            "advance_state" => Some(Method::AdvanceState),
            "reset" => Some(Method::Reset),
            _ => None,
        }
    }
}

/// A process resolved to its index.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ProcessId(pub usize);

/// A lowered process: its name and its calls, components by index.
#[derive(Debug, Clone)]
pub(super) struct Process {
    pub(super) name: String,
    pub(super) calls: Vec<(usize, Method)>,
}

impl Process {
    /// Makes the calls in order; before each `advance_state`, delivers the wires into
    /// its component (`wire_ranges[c]` indexes them in `wires`).
    pub(super) fn run(
        &self,
        comps: &mut [Box<dyn Component>],
        wires: &mut [Wire],
        wire_ranges: &[Range<usize>],
        t: f32,
        dt: f32,
    ) {
        for &(c, method) in &self.calls {
            match method {
                Method::AdvanceState => {
                    for w in &mut wires[wire_ranges[c].clone()] {
                        w.gather(comps);
                    }
                    comps[c].advance_state(t, dt);
                }
                Method::Reset => comps[c].reset(),
            }
        }
    }
}
