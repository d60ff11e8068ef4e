//! Spiking cells.

crate::components::family!($ neurons::spiking);

use crate::core::component::IndexVec;

/// The `Component` of a cell that lists its spikes (`s`, a [`SpikeList`] in `spikes`):
/// `advance_state` is its `step(t, dt)`, `reset` its `rest()`, each followed by the
/// list of `s`; a write from outside forgets the list (and goes to `written(index)`).
macro_rules! spike_list_component {
    ($cell:ty) => {
        impl $crate::core::component::Component for $cell {
            fn advance_state(&mut self, t: f32, dt: f32) {
                self.step(t, dt);
                self.spikes.collect(&self.s);
            }
            fn reset(&mut self) {
                self.rest();
                self.spikes.collect(&self.s);
            }
            fn changed(&mut self, index: usize) {
                if index == Self::S {
                    self.spikes.forget();
                }
                self.written(index);
            }
            fn nonzero(&self, index: usize) -> Option<&[u32]> {
                if index == Self::S {
                    self.spikes.get()
                } else {
                    None
                }
            }
        }
    };
}
use crate::error::Result;
pub(crate) use spike_list_component;

/// The flat indices of the non-zero entries of a spike compartment, which a cell lists
/// for [`Component::nonzero`](crate::core::component::Component::nonzero); valid until
/// the compartment is written from outside.
#[derive(Debug, Clone)]
pub(crate) struct SpikeList {
    list: IndexVec,
    known: bool,
}

impl SpikeList {
    /// Room for `len` indices (an error on `n_units` of `component` if that is too many).
    pub(crate) fn new(component: &str, len: usize) -> Result<SpikeList> {
        Ok(SpikeList {
            list: IndexVec::with_capacity(component, "n_units", len)?,
            known: true,
        })
    }

    /// Lists the non-zero entries of `s`, the compartment's new value.
    pub(crate) fn collect(&mut self, s: &ndarray::Array2<f32>) {
        self.list
            .collect_nonzero(s.as_slice().expect("owned arrays are contiguous"));
        self.known = true;
    }

    /// The compartment was written from outside: the list no longer describes it.
    pub(crate) fn forget(&mut self) {
        self.known = false;
    }

    /// The list, if it describes the compartment.
    pub(crate) fn get(&self) -> Option<&[u32]> {
        self.known.then_some(self.list.as_slice())
    }
}

/// `tols = s ? t : tols`: ngclearn's `(1 - s) * tols + s * t`, exact for 0/1 spikes.
#[inline(always)]
pub(crate) fn time_of_last_spike(tols: f32, s: f32, t: f32) -> f32 {
    if s != 0.0 {
        t
    } else {
        tols
    }
}
