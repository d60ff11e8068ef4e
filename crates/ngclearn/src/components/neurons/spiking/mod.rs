//! Spiking cells.

crate::components::family!($ neurons::spiking);

use crate::core::component::IndexVec;
use crate::error::Result;

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
