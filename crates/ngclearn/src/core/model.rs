//! A built model ([`Model`]): its components, lowered wires and processes, and the
//! handles ([`CompartmentRef`], [`ProcessId`]) that address them by index.
//!
//! The model runs processes ([`Model::run`]; what running means is described in
//! [`process`](crate::core::process)), and reads and writes compartments by path or by
//! handle. A wired compartment reads its source and cannot be set.
//!
//! # Handles know their model
//! Every model gets an id of its own when it is built ([`ModelId`], unique in the
//! process), and every handle it gives out carries that id beside its indices. Each
//! method that takes a handle compares the two ids first (one integer compare, no
//! allocation) and returns [`Error::ForeignHandle`] when they differ, so a handle of
//! one model used on another is an error instead of a read of whatever sits at the
//! same indices there. A model rebuilt from the same description, or loaded again from
//! the same directory, is another model with another id.
//!
//! A model's state can be taken out and put back as a value
//! ([`State`](crate::core::state::State)), which carries the model's id too.

use crate::core::component::{write, Component};
use crate::core::context::Origin;
use crate::core::lower::Parts;
use crate::core::operations::Source;
use crate::core::parallel::{Parallelism, Workers};
use crate::core::process::{Method, Process, ProcessId};
use crate::core::rng::Key;
use crate::core::schema::Kind;
use crate::core::wire::{copy_into, Wire};
use crate::error::{Error, NotFound, Result};
use ndarray::{Array2, ArrayView2, AsArray, Ix2};
use std::ops::Range;
use std::sync::atomic::{AtomicU64, Ordering};

/// The identity of a built model, unique in the process (see the [module
/// doc](self)): handles carry it, and a model refuses handles with another.
///
/// It is shown as `#N`. A copy of a model, when there is one, keeps the id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ModelId(u64);

impl ModelId {
    /// A new id, never given before in this process (a 64-bit counter does not wrap).
    pub(super) fn fresh() -> ModelId {
        static NEXT: AtomicU64 = AtomicU64::new(1);
        ModelId(NEXT.fetch_add(1, Ordering::Relaxed))
    }
}

impl ModelId {
    /// Its number (what `#N` shows, and what [`Error::ForeignHandle`] holds).
    pub fn get(self) -> u64 {
        self.0
    }
}

/// An id equals its number ([`Error::ForeignHandle`] holds numbers).
impl PartialEq<u64> for ModelId {
    fn eq(&self, n: &u64) -> bool {
        self.0 == *n
    }
}

impl PartialEq<ModelId> for u64 {
    fn eq(&self, id: &ModelId) -> bool {
        *self == id.0
    }
}

impl std::fmt::Display for ModelId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "#{}", self.0)
    }
}

/// Where a compartment lives in its model: component and compartment indices. What
/// wires and the description hold; handles add the model's id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) struct Slot {
    /// Index of the component in the model.
    pub(crate) component: usize,
    /// Index of the compartment in the component's schema.
    pub(crate) compartment: usize,
}

/// A compartment resolved to indices ([`Model::compartment`]): cheap to keep and use
/// in a loop. It carries the id of the model that resolved it, and every model method
/// that takes one refuses a handle of another model ([`Error::ForeignHandle`]); a copy
/// of that model, when there is one, keeps its id and so accepts the handle.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct CompartmentRef {
    model: ModelId,
    slot: Slot,
}

impl CompartmentRef {
    /// A handle of compartment `slot` of model `model`; the slot must exist there.
    pub(crate) fn new(model: ModelId, slot: Slot) -> CompartmentRef {
        CompartmentRef { model, slot }
    }

    /// The model that resolved it.
    pub fn model(self) -> ModelId {
        self.model
    }

    /// The index of its component in that model ([`Model::components`]'s order).
    pub fn component(self) -> usize {
        self.slot.component
    }

    /// The index of the compartment in its component's schema
    /// ([`Schema::compartments`](crate::core::schema::Schema::compartments)).
    pub fn compartment(self) -> usize {
        self.slot.compartment
    }
}

/// A built model: components, lowered wires and processes, ready to run.
///
/// It has an id of its own ([`Model::id`]), which the handles it gives out carry; see
/// the [module doc](self) for what that guards against and what a copy would keep.
#[derive(Debug)]
pub struct Model {
    pub(super) id: ModelId,
    pub(super) parts: Parts,
    pub(super) wires: Vec<Wire>,
    pub(super) wire_specs: Vec<(String, Source)>,
    pub(super) wire_ranges: Vec<Range<usize>>,
    pub(super) processes: Vec<Process>,
    /// The threads the model owns, shared by its components.
    pub(super) workers: std::sync::Arc<Workers>,
    /// Components whose compartments were set with another number of rows, checked
    /// ([`Component::rows_ready`]) before the next run.
    pub(super) rows_to_check: Vec<usize>,
}

impl Model {
    /// How the model may use threads.
    pub fn parallelism(&self) -> Parallelism {
        self.workers.setting()
    }

    /// Changes how the model may use threads (its components take the new workers;
    /// the old ones end when no component holds them). Results do not change.
    pub fn set_parallelism(&mut self, parallelism: Parallelism) -> Result<()> {
        self.workers = Workers::new(parallelism)?;
        for c in &mut self.parts.components {
            c.attach(&self.workers);
        }
        Ok(())
    }

    /// Takes the model apart: its components, in order, each with how it was written
    /// when it came from a saved model. For rebuilding a changed description around
    /// the same components (their state kept), as a Python context does when more is
    /// added to it.
    pub fn into_components(self) -> Vec<(Box<dyn Component>, Option<Origin>)> {
        let parts = self.parts;
        parts.components.into_iter().zip(parts.origins).collect()
    }

    /// The model's (context's) name.
    pub fn name(&self) -> &str {
        &self.parts.name
    }

    /// The model's id, which its handles carry.
    pub fn id(&self) -> ModelId {
        self.id
    }

    /// Its components, in the order they were added.
    pub fn components(&self) -> impl Iterator<Item = &dyn Component> {
        self.parts.components.iter().map(|c| &**c)
    }

    /// The component that holds compartment `r`.
    pub fn component_of(&self, r: CompartmentRef) -> Result<&dyn Component> {
        self.check_ref(r)?;
        Ok(&*self.parts.components[r.slot.component])
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
    pub fn is_wired(&self, r: CompartmentRef) -> Result<bool> {
        self.check_ref(r)?;
        Ok(self.wire_into(r.slot).is_some())
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

    /// The processes' handles, in declaration order.
    pub fn process_ids(&self) -> impl Iterator<Item = ProcessId> + '_ {
        (0..self.processes.len()).map(|i| ProcessId::new(self.id, i))
    }

    /// The name of process `id`.
    pub fn process_name(&self, id: ProcessId) -> Result<&str> {
        self.check_process(id)?;
        Ok(&self.processes[id.index()].name)
    }

    /// The calls of process `id` as `(component, method)` names.
    pub fn process_calls(&self, id: ProcessId) -> Result<Vec<(&str, Method)>> {
        self.check_process(id)?;
        Ok(self.processes[id.index()]
            .calls
            .iter()
            .map(|&(c, m, _)| (self.parts.components[c].name(), m))
            .collect())
    }

    /// The processes a joint process joins, in order (`None` for a plain one).
    pub fn process_children(&self, id: ProcessId) -> Result<Option<Vec<&str>>> {
        self.check_process(id)?;
        Ok(self.processes[id.index()]
            .children
            .as_ref()
            .map(|c| c.iter().map(String::as_str).collect()))
    }

    /// Resolves a process name once, for use in a loop.
    pub fn process_id(&self, name: &str) -> Result<ProcessId> {
        self.processes
            .iter()
            .position(|p| p.name == name)
            .map(|i| ProcessId::new(self.id, i))
            .ok_or_else(|| Error::UnknownProcess {
                // A partitioned model's own gathering processes are not the user's.
                name: NotFound::new(
                    name,
                    self.process_names().filter(|p| {
                        *p != crate::core::partition::FIRST_GATHER
                            && *p != crate::core::partition::REGATHER_ALL
                    }),
                ),
            })
    }

    /// Resolves an array compartment path once, for use in a loop.
    pub fn compartment(&self, path: &str) -> Result<CompartmentRef> {
        let slot = self.parts.resolve_array(path)?;
        Ok(CompartmentRef::new(self.id, slot))
    }

    /// A handle of compartment `compartment` of component `component` (indices in
    /// this model, which the caller has from the model itself).
    pub(crate) fn handle_at(&self, component: usize, compartment: usize) -> CompartmentRef {
        CompartmentRef::new(
            self.id,
            Slot {
                component,
                compartment,
            },
        )
    }

    pub(super) fn wire_into_slot(&self, r: Slot) -> Option<usize> {
        self.wire_into(r)
    }

    fn wire_into(&self, r: Slot) -> Option<usize> {
        self.wire_ranges[r.component]
            .clone()
            .find(|&w| self.wires[w].target == r)
    }

    /// Runs process `id` once with time `t` and step `dt` (ms).
    pub fn run(&mut self, id: ProcessId, t: f32, dt: f32) -> Result<()> {
        self.check_process(id)?;
        if !(dt.is_finite() && dt > 0.0) {
            return Err(Error::InvalidTimeStep { dt });
        }
        if !t.is_finite() {
            return Err(Error::InvalidTime { t });
        }
        while let Some(&c) = self.rows_to_check.last() {
            self.parts.components[c].rows_ready()?;
            self.rows_to_check.pop();
        }
        let Model {
            parts,
            wires,
            wire_ranges,
            processes,
            workers,
            ..
        } = self;
        processes[id.index()].run(&mut parts.components, wires, wire_ranges, t, dt, workers);
        Ok(())
    }

    /// Gives keyword `name` (one other than `t` and `dt`, such as MPSSynapse's
    /// `evolve(eta)`) the value `value` for the next call of each method of process `id`
    /// that declares it; returns how many calls take it (an error if none does).
    pub fn set_keyword(&mut self, id: ProcessId, name: &str, value: f32) -> Result<usize> {
        self.check_process(id)?;
        let mut n = 0;
        let Model {
            parts, processes, ..
        } = self;
        for &(c, method, _) in &processes[id.index()].calls {
            let comp = &mut parts.components[c];
            let info = match method {
                crate::core::process::Method::Named(m) => Some(m),
                other => comp.schema().method(other.as_str()),
            };
            if info.is_some_and(|m| m.keywords.contains(&name)) {
                comp.set_keyword(method.as_str(), name, value);
                n += 1;
            }
        }
        if n == 0 {
            return Err(Error::param(
                &self.processes[id.index()].name,
                "keyword",
                name,
                "is taken by none of the process's methods",
            ));
        }
        Ok(n)
    }

    /// The components of each group of process `id`'s calls that step side by side on
    /// the model's threads (consecutive `advance_state` calls of classes that allow it,
    /// none reading another's compartments by wire), as found on its first run with
    /// more than one thread allowed; empty before that.
    pub fn step_groups(&self, id: ProcessId) -> Result<Vec<Vec<String>>> {
        self.check_process(id)?;
        Ok(self.processes[id.index()]
            .group_components()
            .into_iter()
            .map(|g| {
                g.into_iter()
                    .map(|c| self.parts.components[c].name().to_string())
                    .collect()
            })
            .collect())
    }

    /// The process that advances the model: `advance_proc`, else the only process that
    /// calls `advance_state`.
    pub fn advance_process(&self) -> Result<ProcessId> {
        self.pick_process("advance", "advance_proc", |p| {
            p.calls.iter().any(|&(_, m, _)| m == Method::AdvanceState)
        })
    }

    /// The process that resets the model: `reset_proc`, else the only process made
    /// of `reset` calls alone (a partitioned model's mirrors gathering after them
    /// aside).
    pub fn reset_process(&self) -> Result<ProcessId> {
        let mirror = |c: usize| crate::core::partition::is_mirror(&*self.parts.components[c]);
        self.pick_process("reset", "reset_proc", |p| {
            p.calls.iter().any(|&(_, m, _)| m == Method::Reset)
                && p.calls
                    .iter()
                    .all(|&(c, m, _)| m == Method::Reset || mirror(c))
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
            [one] => Ok(ProcessId::new(self.id, *one)),
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
        let (rows, cols) = self.shape_of(r)?;
        if out.len() != rows * cols {
            return Err(Error::ShapeMismatch {
                path: self.parts.path(r.slot),
                expected: vec![rows, cols],
                got: vec![out.len()],
                context: " (the length of the buffer to read into)".into(),
            });
        }
        match self.wire_into(r.slot) {
            Some(w) => {
                let comps = &self.parts.components;
                let expr = &mut self.wires[w].expr;
                expr.eval(comps);
                copy_into(expr.value(comps), out);
            }
            None => copy_into(self.parts.array(r.slot), out),
        }
        Ok(())
    }

    /// `Ok` if `r` was resolved on this model (or a copy of it): one integer compare.
    /// Its indices then exist here, since a model's structure never changes.
    #[inline]
    fn check_ref(&self, r: CompartmentRef) -> Result<()> {
        if r.model == self.id {
            Ok(())
        } else {
            Err(self.foreign("compartment", r.model))
        }
    }

    /// `Ok` if `id` was resolved on this model (or a copy of it).
    #[inline]
    fn check_process(&self, id: ProcessId) -> Result<()> {
        if id.model() == self.id {
            Ok(())
        } else {
            Err(self.foreign("process", id.model()))
        }
    }

    #[cold]
    #[inline(never)]
    pub(super) fn foreign(&self, what: &'static str, handle_model: ModelId) -> Error {
        Error::ForeignHandle {
            what,
            handle_model: handle_model.get(),
            model: self.parts.name.clone(),
            model_id: self.id.get(),
        }
    }

    /// The shape of compartment `r`.
    pub fn shape_of(&self, r: CompartmentRef) -> Result<(usize, usize)> {
        self.check_ref(r)?;
        Ok(self.parts.array(r.slot).dim())
    }

    /// The shape ngclearn gives compartment `r` (see [`crate::core::component::dims`]):
    /// its declared N-D shape, e.g. `(batch_size, h, w, channels)`, over the values of
    /// its `(rows, columns)` array taken row-major, or that array's shape.
    pub fn dims_of(&self, r: CompartmentRef) -> Result<Vec<usize>> {
        self.check_ref(r)?;
        let c = &*self.parts.components[r.slot.component];
        Ok(crate::core::component::dims(c, r.slot.compartment)
            .unwrap_or_else(|| self.parts.array(r.slot).shape().to_vec()))
    }

    /// Whether ngclearn holds compartment `r` as int32 (kept here as float32).
    pub fn is_int32(&self, r: CompartmentRef) -> Result<bool> {
        self.check_ref(r)?;
        let c = &*self.parts.components[r.slot.component];
        Ok(c.schema()
            .compartments
            .get(r.slot.compartment)
            .is_some_and(|i| i.int32))
    }

    /// The `component:compartment` path of `r`.
    pub fn path_of(&self, r: CompartmentRef) -> Result<String> {
        self.check_ref(r)?;
        Ok(self.parts.path(r.slot))
    }

    /// Runs the process named `name` once (resolves the name each call).
    pub fn run_named(&mut self, name: &str, t: f32, dt: f32) -> Result<()> {
        let id = self.process_id(name)?;
        self.run(id, t, dt)
    }

    /// The current value of an array compartment (a wired one reads its source).
    pub fn get(&self, path: &str) -> Result<Array2<f32>> {
        self.value(self.compartment(path)?)
    }

    /// The current value of a resolved compartment (a wired one reads its source).
    pub fn value(&self, r: CompartmentRef) -> Result<Array2<f32>> {
        self.check_ref(r)?;
        Ok(match self.wire_into(r.slot) {
            Some(w) => {
                let mut expr = self.wires[w].expr.clone();
                expr.eval(&self.parts.components);
                expr.value(&self.parts.components).clone()
            }
            None => self.parts.array(r.slot).clone(),
        })
    }

    /// The flat indices of exactly the non-zero entries of `r`, ascending, if its
    /// component keeps them (encoders' spikes); `Ok(None)` otherwise, or if `r` is
    /// wired. Reading them costs the number of events, not the size of the compartment.
    pub fn nonzero(&self, r: CompartmentRef) -> Result<Option<&[u32]>> {
        self.check_ref(r)?;
        Ok(match self.wire_into(r.slot) {
            Some(_) => None,
            None => self.parts.components[r.slot.component].nonzero(r.slot.compartment),
        })
    }

    /// The spike list of compartment `r`, which must be of this model and not wired
    /// (for the run loop, which checked both when it attached `r`).
    pub(crate) fn own_nonzero(&self, r: CompartmentRef) -> Option<&[u32]> {
        debug_assert!(r.model == self.id && self.wire_into(r.slot).is_none());
        self.parts.components[r.slot.component].nonzero(r.slot.compartment)
    }

    /// The value of compartment `r`, which must be of this model and not wired (see
    /// [`Model::own_nonzero`]).
    pub(crate) fn own_value(&self, r: CompartmentRef) -> &ndarray::Array2<f32> {
        debug_assert!(r.model == self.id && self.wire_into(r.slot).is_none());
        self.parts.array(r.slot)
    }

    /// A view of a compartment's own value; `Ok(None)` if it is wired (it has none).
    pub fn view(&self, r: CompartmentRef) -> Result<Option<ArrayView2<'_, f32>>> {
        self.check_ref(r)?;
        Ok(match self.wire_into(r.slot) {
            Some(_) => None,
            None => Some(self.parts.array(r.slot).view()),
        })
    }

    /// Sets an array compartment; the shape must match and it must not be wired.
    pub fn set<'a>(&mut self, path: &str, value: impl AsArray<'a, f32, Ix2>) -> Result<()> {
        let r = self.compartment(path)?;
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
        let slot = r.slot;
        if let Some(w) = self.wire_into(slot) {
            return Err(Error::WiredCompartment {
                path: self.parts.path(slot),
                source_desc: self.wire_specs[w].1.to_string(),
            });
        }
        let c = &mut self.parts.components[slot.component];
        let dim = c
            .array(slot.compartment)
            .expect("resolved against the schema")
            .dim();
        // Another batch, where the class sums over it; not under a wire, which keeps
        // the shape the model was built with (the wires are looked at only then).
        let rows_free = dim != value.dim()
            && dim.1 == value.dim().1
            && value.dim().0 > 0
            && c.any_rows(slot.compartment)
            && !self.wires.iter().any(|w| w.expr.reads(slot));
        if dim != value.dim() && !rows_free {
            return Err(Error::ShapeMismatch {
                path: self.parts.path(slot),
                expected: vec![dim.0, dim.1],
                got: value.shape().to_vec(),
                context: String::new(),
            });
        }
        if dim != value.dim() {
            write(&mut **c, slot.compartment, |dst| {
                *dst = value.as_standard_layout().into_owned()
            });
            if !self.rows_to_check.contains(&slot.component) {
                self.rows_to_check.push(slot.component);
            }
            return Ok(());
        }
        let lag = c.input_lag();
        if lag > 0
            && c.stored_weights_mut()
                .is_some_and(|(w, _, _)| w == slot.compartment)
        {
            // Weights written whole have no delays, which its late inputs need.
            let name = c.name().to_string();
            return Err(Error::param(
                &name,
                "weights",
                self.parts.path(slot),
                &format!(
                    "cannot be written: across ranks its inputs arrive {lag} steps late (the \
                     epoch exchange), which only its delays make up for; write them on one process"
                ),
            ));
        }
        write(&mut **c, slot.compartment, |dst| dst.assign(&value));
        Ok(())
    }

    /// The PRNG key of a component, by path `component:key`.
    pub fn get_key(&self, path: &str) -> Result<Key> {
        let (r, kind) = self.parts.resolve(path)?;
        match kind {
            Kind::Key => Ok(self.parts.components[r.component].key_at(r.compartment)),
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
                self.parts.components[r.component].set_key_at(r.compartment, key);
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
