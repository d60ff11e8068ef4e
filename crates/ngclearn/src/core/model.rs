//! A built model ([`Model`]): its components, lowered wires and processes, and the
//! handles ([`CompartmentRef`], [`ProcessId`]) that address them by index.
//!
//! The model runs processes ([`Model::run`]; what running means is described in
//! [`process`](crate::core::process)), and reads and writes compartments by path or by
//! handle. A wired compartment reads its source and cannot be set.

use crate::core::component::{write, Component};
use crate::core::context::Origin;
use crate::core::lower::Parts;
use crate::core::operations::Source;
use crate::core::process::{Method, Process, ProcessId};
use crate::core::rng::Key;
use crate::core::schema::Kind;
use crate::core::wire::{copy_into, Wire};
use crate::error::{Error, NotFound, Result};
use ndarray::{Array2, ArrayView2, AsArray, Ix2};
use std::ops::Range;

/// A compartment resolved to indices: cheap to keep and use in a loop.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct CompartmentRef {
    /// Index of the component in the model.
    pub component: usize,
    /// Index of the compartment in the component's schema.
    pub compartment: usize,
}

/// A built model: components, lowered wires and processes, ready to run.
#[derive(Debug)]
pub struct Model {
    pub(super) parts: Parts,
    pub(super) wires: Vec<Wire>,
    pub(super) wire_specs: Vec<(String, Source)>,
    pub(super) wire_ranges: Vec<Range<usize>>,
    pub(super) processes: Vec<Process>,
}

impl Model {
    /// The model's (context's) name.
    pub fn name(&self) -> &str {
        &self.parts.name
    }

    /// Its components, in the order they were added.
    pub fn components(&self) -> impl Iterator<Item = &dyn Component> {
        self.parts.components.iter().map(|c| &**c)
    }

    /// Sets how every stochastic component draws its numbers; returns how many do.
    pub fn set_random_mode(&mut self, mode: crate::core::rng::RandomMode) -> usize {
        self.parts
            .components
            .iter_mut()
            .filter_map(|c| c.set_random_mode(mode).then_some(()))
            .count()
    }

    /// How component `index` was written in the saved model it was loaded from.
    pub fn origin(&self, index: usize) -> Option<&Origin> {
        self.parts.origins.get(index).and_then(Option::as_ref)
    }

    /// Whether compartment `r` is wired (it then has no value of its own).
    pub fn is_wired(&self, r: CompartmentRef) -> bool {
        self.wire_into(r).is_some()
    }

    /// The component `name`, as its concrete class `T`.
    pub fn component_as<T: 'static>(&self, name: &str) -> Option<&T> {
        let &i = self.parts.index.get(name)?;
        self.parts.components[i].as_any().downcast_ref::<T>()
    }

    /// The wires, as declared: `(target path, source)`.
    pub fn wires(&self) -> &[(String, Source)] {
        &self.wire_specs
    }

    /// The processes' names, in declaration order.
    pub fn process_names(&self) -> impl Iterator<Item = &str> {
        self.processes.iter().map(|p| p.name.as_str())
    }

    /// The calls of process `id` as `(component, method)` names.
    pub fn process_calls(&self, id: ProcessId) -> Vec<(&str, Method)> {
        self.processes[id.0]
            .calls
            .iter()
            .map(|&(c, m, _)| (self.parts.components[c].name(), m))
            .collect()
    }

    /// Resolves a process name once, for use in a loop.
    pub fn process_id(&self, name: &str) -> Result<ProcessId> {
        self.processes
            .iter()
            .position(|p| p.name == name)
            .map(ProcessId)
            .ok_or_else(|| Error::UnknownProcess {
                name: NotFound::new(name, self.process_names()),
            })
    }

    /// Resolves an array compartment path once, for use in a loop.
    pub fn compartment(&self, path: &str) -> Result<CompartmentRef> {
        self.parts.resolve_array(path)
    }

    fn wire_into(&self, r: CompartmentRef) -> Option<usize> {
        self.wire_ranges[r.component]
            .clone()
            .find(|&w| self.wires[w].target == r)
    }

    /// Runs process `id` once with time `t` and step `dt` (ms).
    pub fn run(&mut self, id: ProcessId, t: f32, dt: f32) -> Result<()> {
        if !(dt.is_finite() && dt > 0.0) {
            return Err(Error::InvalidTimeStep { dt });
        }
        if !t.is_finite() {
            return Err(Error::InvalidTime { t });
        }
        let Model {
            parts,
            wires,
            wire_ranges,
            processes,
            ..
        } = self;
        let comps = &mut parts.components;
        let process = processes.get(id.0).ok_or_else(|| Error::UnknownProcess {
            name: NotFound::new(
                &format!("{id:?} (a handle from another model)"),
                processes.iter().map(|p| p.name.as_str()),
            ),
        })?;
        process.run(comps, wires, wire_ranges, t, dt);
        Ok(())
    }

    /// The process that advances the model: `advance_proc`, else the only process that
    /// calls `advance_state`.
    pub fn advance_process(&self) -> Result<ProcessId> {
        self.pick_process("advance", "advance_proc", |p| {
            p.calls.iter().any(|&(_, m, _)| m == Method::AdvanceState)
        })
    }

    /// The process that resets the model: `reset_proc`, else the only process made
    /// of `reset` calls alone.
    pub fn reset_process(&self) -> Result<ProcessId> {
        self.pick_process("reset", "reset_proc", |p| {
            !p.calls.is_empty() && p.calls.iter().all(|&(_, m, _)| m == Method::Reset)
        })
    }

    fn pick_process(
        &self,
        what: &str,
        preferred: &str,
        fits: impl Fn(&Process) -> bool,
    ) -> Result<ProcessId> {
        if let Ok(id) = self.process_id(preferred) {
            return Ok(id);
        }
        let fitting: Vec<usize> = (0..self.processes.len())
            .filter(|&i| fits(&self.processes[i]))
            .collect();
        match fitting.as_slice() {
            [one] => Ok(ProcessId(*one)),
            many => Err(Error::NoProcess {
                what: what.to_string(),
                reason: if many.is_empty() {
                    format!("no `{preferred}` and none fits")
                } else {
                    format!("no `{preferred}` and {} fit", many.len())
                },
                candidates: self
                    .processes
                    .iter()
                    .map(|p| p.name.as_str())
                    .collect::<Vec<_>>()
                    .join(", "),
            }),
        }
    }

    /// Copies the current value of compartment `r` into `out` (row-major) without
    /// allocating; a wired compartment reads its source now. `out` must hold exactly
    /// `rows × cols` values.
    pub fn read_into(&mut self, r: CompartmentRef, out: &mut [f32]) -> Result<()> {
        self.check_ref(r)?;
        let (rows, cols) = self.shape_of(r);
        if out.len() != rows * cols {
            return Err(Error::ShapeMismatch {
                path: self.parts.path(r),
                expected: vec![rows, cols],
                got: vec![out.len()],
                context: " (the length of the buffer to read into)".into(),
            });
        }
        match self.wire_into(r) {
            Some(w) => {
                let comps = &self.parts.components;
                let expr = &mut self.wires[w].expr;
                expr.eval(comps);
                copy_into(expr.value(comps), out);
            }
            None => copy_into(self.parts.array(r), out),
        }
        Ok(())
    }

    /// An error for a handle that does not belong to this model.
    fn check_ref(&self, r: CompartmentRef) -> Result<()> {
        match self
            .parts
            .components
            .get(r.component)
            .and_then(|c| c.array(r.compartment))
        {
            Some(_) => Ok(()),
            None => Err(Error::MalformedPath {
                path: format!("{r:?} (a handle from another model)"),
            }),
        }
    }

    /// The shape of compartment `r`.
    pub fn shape_of(&self, r: CompartmentRef) -> (usize, usize) {
        self.parts.array(r).dim()
    }

    /// The `component:compartment` path of `r`.
    pub fn path_of(&self, r: CompartmentRef) -> String {
        self.parts.path(r)
    }

    /// Runs the process named `name` once (resolves the name each call).
    pub fn run_named(&mut self, name: &str, t: f32, dt: f32) -> Result<()> {
        let id = self.process_id(name)?;
        self.run(id, t, dt)
    }

    /// The current value of an array compartment (a wired one reads its source).
    pub fn get(&self, path: &str) -> Result<Array2<f32>> {
        let r = self.parts.resolve_array(path)?;
        Ok(self.value(r))
    }

    /// The current value of a resolved compartment (a wired one reads its source).
    pub fn value(&self, r: CompartmentRef) -> Array2<f32> {
        match self.wire_into(r) {
            Some(w) => {
                let mut expr = self.wires[w].expr.clone();
                expr.eval(&self.parts.components);
                expr.value(&self.parts.components).clone()
            }
            None => self.parts.array(r).clone(),
        }
    }

    /// The flat indices of exactly the non-zero entries of `r`, ascending, if its
    /// component keeps them (encoders' spikes); `None` otherwise, or if `r` is wired.
    /// Reading them costs the number of events, not the size of the compartment.
    pub fn nonzero(&self, r: CompartmentRef) -> Option<&[u32]> {
        match self.wire_into(r) {
            Some(_) => None,
            None => self
                .parts
                .components
                .get(r.component)?
                .nonzero(r.compartment),
        }
    }

    /// A view of a compartment's own value; `None` if it is wired (it has none).
    pub fn view(&self, r: CompartmentRef) -> Option<ArrayView2<'_, f32>> {
        match self.wire_into(r) {
            Some(_) => None,
            None => Some(self.parts.array(r).view()),
        }
    }

    /// Sets an array compartment; the shape must match and it must not be wired.
    pub fn set<'a>(&mut self, path: &str, value: impl AsArray<'a, f32, Ix2>) -> Result<()> {
        let r = self.parts.resolve_array(path)?;
        self.set_ref(r, value)
    }

    /// Sets a resolved compartment (see [`Model::set`]).
    pub fn set_ref<'a>(
        &mut self,
        r: CompartmentRef,
        value: impl AsArray<'a, f32, Ix2>,
    ) -> Result<()> {
        let value: ArrayView2<'a, f32> = value.into();
        self.check_ref(r)?;
        if let Some(w) = self.wire_into(r) {
            return Err(Error::WiredCompartment {
                path: self.parts.path(r),
                source_desc: self.wire_specs[w].1.to_string(),
            });
        }
        let c = &mut self.parts.components[r.component];
        let dim = c
            .array(r.compartment)
            .expect("resolved against the schema")
            .dim();
        if dim != value.dim() {
            return Err(Error::ShapeMismatch {
                path: self.parts.path(r),
                expected: vec![dim.0, dim.1],
                got: value.shape().to_vec(),
                context: String::new(),
            });
        }
        write(&mut **c, r.compartment, |dst| dst.assign(&value));
        Ok(())
    }

    /// The PRNG key of a component, by path `component:key`.
    pub fn get_key(&self, path: &str) -> Result<Key> {
        let (r, kind) = self.parts.resolve(path)?;
        match kind {
            Kind::Key => Ok(self.parts.components[r.component].key()),
            Kind::Array => Err(Error::KindMismatch {
                path: path.to_string(),
                holds: "an array".into(),
                given: "a PRNG key".into(),
            }),
        }
    }

    /// Sets the PRNG key of a component, by path `component:key`.
    pub fn set_key(&mut self, path: &str, key: Key) -> Result<()> {
        let (r, kind) = self.parts.resolve(path)?;
        match kind {
            Kind::Key => {
                self.parts.components[r.component].set_key(key);
                Ok(())
            }
            Kind::Array => Err(Error::KindMismatch {
                path: path.to_string(),
                holds: "an array".into(),
                given: "a PRNG key".into(),
            }),
        }
    }
}
