//! A model's state as a value: every compartment that holds its own value (not wired),
//! every PRNG key and the inputs in flight of synapses with delays, copied out ([`Model::state`]) and put back
//! ([`Model::set_state`], [`Model::swap_state`]).
//!
//! This is what ngcsimlib's global state dictionary is to a compiled process: a scan
//! runs from a state and returns another without changing the model's
//! ([`Model::swap_state`] hands the run's final state out and puts the starting one
//! back, without copying). Writes back go through the guarded write path, so whatever
//! a component derived from a compartment (spike lists, support lists, flags) is
//! dropped, as after any outside write.

use crate::core::component::write;
use crate::core::model::{Model, ModelId, Slot};
use crate::core::rng::Key;
use crate::core::schema::Kind;
use crate::core::weights::Weights;
use crate::error::{Error, Result};
use ndarray::Array2;

/// One compartment's value in a [`State`].
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// An array compartment.
    Array(Array2<f32>),
    /// A component's PRNG key.
    Key(Key),
    /// A synapse's weights as it stores them (sparse ones stay sparse, with their
    /// delays; [`Weights`] reads as the dense array).
    Weights(Weights),
}

/// The inputs a synapse with delays holds in flight: the non-zero inputs (flat index,
/// value) of each of its last steps, the oldest first.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct InFlight {
    /// One list per step kept, the oldest first.
    pub steps: Vec<Vec<(u32, f32)>>,
}

/// A copy of a model's state (see the [module doc](self)), in the model's order:
/// components as added, each one's compartments in schema order; and the inputs in
/// flight of its synapses with delays (not compartments: not listed by
/// [`State::iter`], but taken and put back with the rest).
#[derive(Debug, Clone)]
pub struct State {
    model: ModelId,
    entries: Vec<(Slot, String, Value)>,
    in_flight: Vec<(usize, InFlight)>,
}

impl State {
    /// The id of the model it was taken from; only that model (or a copy) takes it back.
    pub fn model(&self) -> ModelId {
        self.model
    }

    /// `(path, value)` of every entry, paths as `component:compartment`.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &Value)> {
        self.entries.iter().map(|(_, p, v)| (p.as_str(), v))
    }

    /// The number of entries.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether it has no entries (a model without components).
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The value at `path` (`component:compartment`), if the state holds it.
    pub fn get(&self, path: &str) -> Option<&Value> {
        self.entries
            .iter()
            .find(|(_, p, _)| p == path)
            .map(|(_, _, v)| v)
    }

    /// Replaces the value at `path`; the shape (or kind) must be the one it holds.
    pub fn set(&mut self, path: &str, value: Value) -> Result<()> {
        let Some((_, _, old)) = self.entries.iter_mut().find(|(_, p, _)| p == path) else {
            return Err(Error::param(
                path,
                "state",
                "absent",
                "is not in this state (wired compartments have no value of their own)",
            ));
        };
        // An array given for weights replaces them (stored as the synapse decides); an
        // array is kept in the standard layout the components' steps read (a transposed
        // view's copy is not).
        let standard = |b: ndarray::Array2<f32>| {
            if b.is_standard_layout() {
                b
            } else {
                b.as_standard_layout().into_owned()
            }
        };
        let value = match (&*old, value) {
            (Value::Weights(_), Value::Array(b)) => Value::Weights(Weights::from(standard(b))),
            (_, Value::Array(b)) => Value::Array(standard(b)),
            (_, v) => v,
        };
        match (&*old, &value) {
            (Value::Weights(a), Value::Weights(b)) if a.shape() != b.shape() => {
                Err(Error::ShapeMismatch {
                    path: path.to_string(),
                    expected: vec![a.shape().0, a.shape().1],
                    got: vec![b.shape().0, b.shape().1],
                    context: " (a state entry)".into(),
                })
            }
            (Value::Array(a), Value::Array(b)) if a.shape() != b.shape() => {
                Err(Error::ShapeMismatch {
                    path: path.to_string(),
                    expected: a.shape().to_vec(),
                    got: b.shape().to_vec(),
                    context: " (a state entry)".into(),
                })
            }
            (Value::Array(_), Value::Array(_))
            | (Value::Key(_), Value::Key(_))
            | (Value::Weights(_), Value::Weights(_)) => {
                *old = value;
                Ok(())
            }
            _ => Err(Error::KindMismatch {
                path: path.to_string(),
                holds: kind_name(old).into(),
                given: kind_name(&value).into(),
            }),
        }
    }
}

fn kind_name(v: &Value) -> &'static str {
    match v {
        Value::Array(_) | Value::Weights(_) => "an array",
        Value::Key(_) => "a PRNG key",
    }
}

impl Model {
    /// A copy of the model's state: every compartment not wired, and every key.
    pub fn state(&self) -> State {
        let mut entries = Vec::new();
        for (ci, c) in self.parts.components.iter().enumerate() {
            for (i, info) in c.schema().compartments.iter().enumerate() {
                let slot = Slot {
                    component: ci,
                    compartment: i,
                };
                let path = format!("{}:{}", c.name(), info.name);
                let stored = c.stored_weights().filter(|_| info.name == "weights");
                match info.kind {
                    Kind::Key => entries.push((slot, path, Value::Key(c.key_at(i)))),
                    Kind::Array if self.wire_into_slot(slot).is_some() => {}
                    Kind::Array => match stored {
                        Some(w) => entries.push((slot, path, Value::Weights(w.clone()))),
                        None => {
                            entries.push((slot, path, Value::Array(self.parts.array(slot).clone())))
                        }
                    },
                }
            }
        }
        let in_flight = (self.parts.components.iter().enumerate())
            .filter_map(|(ci, c)| c.in_flight().map(|f| (ci, f)))
            .collect();
        State {
            model: self.id,
            entries,
            in_flight,
        }
    }

    /// Puts `state` (taken from this model or a copy) back.
    pub fn set_state(&mut self, state: &State) -> Result<()> {
        self.check_state(state)?;
        for (slot, _, v) in &state.entries {
            let c = &mut self.parts.components[slot.component];
            match v {
                Value::Key(k) => c.set_key_at(slot.compartment, *k),
                Value::Array(a) => {
                    // (A compartment that takes any number of rows may hold another
                    // batch now than when the state was taken.)
                    let resize = c.any_rows(slot.compartment)
                        && c.array(slot.compartment)
                            .is_some_and(|d| d.dim() != a.dim());
                    write(&mut **c, slot.compartment, |dst| match resize {
                        true => *dst = a.clone(),
                        false => dst.assign(a),
                    })
                    .expect("a state's slots are the model's");
                    if resize && !self.rows_to_check.contains(&slot.component) {
                        self.rows_to_check.push(slot.component);
                    }
                }
                Value::Weights(w) => {
                    let (_, mine, _) = c.stored_weights_mut().expect("a synapse's weights");
                    *mine = w.clone();
                    c.changed(slot.compartment);
                }
            }
        }
        // After the weights, whose writing empties what was in flight.
        for (ci, f) in &state.in_flight {
            self.parts.components[*ci].set_in_flight(f);
        }
        Ok(())
    }

    /// Exchanges the model's state with `state` without copying: afterwards the model
    /// holds what `state` held and `state` what the model held.
    pub fn swap_state(&mut self, state: &mut State) -> Result<()> {
        self.check_state(state)?;
        // Taken before the weights are swapped (writing them empties what is in flight).
        let mine: Vec<(usize, InFlight)> = (self.parts.components.iter().enumerate())
            .filter_map(|(ci, c)| c.in_flight().map(|f| (ci, f)))
            .collect();
        for (slot, _, v) in &mut state.entries {
            let c = &mut self.parts.components[slot.component];
            match v {
                Value::Key(k) => {
                    let mine = c.key_at(slot.compartment);
                    c.set_key_at(slot.compartment, *k);
                    *k = mine;
                }
                Value::Array(a) => {
                    write(&mut **c, slot.compartment, |dst| std::mem::swap(dst, a))
                        .expect("a state's slots are the model's");
                }
                Value::Weights(w) => {
                    let (_, mine, _) = c.stored_weights_mut().expect("a synapse's weights");
                    std::mem::swap(mine, w);
                    c.changed(slot.compartment);
                }
            }
        }
        for (ci, f) in &state.in_flight {
            self.parts.components[*ci].set_in_flight(f);
        }
        state.in_flight = mine;
        Ok(())
    }

    fn check_state(&self, state: &State) -> Result<()> {
        if state.model == self.id {
            Ok(())
        } else {
            Err(self.foreign("state", state.model))
        }
    }
}
