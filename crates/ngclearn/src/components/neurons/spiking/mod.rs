//! Spiking cells.

pub mod adex_cell;
pub mod fitzhugh_nagumo_cell;
pub mod if_cell;
pub mod izhikevich_cell;
pub mod lif_cell;
pub mod quad_lif_cell;
pub mod slif_cell;
pub mod wtas_cell;

pub use adex_cell::{AdExCell, AdExCellParams};
pub use fitzhugh_nagumo_cell::{FitzhughNagumoCell, FitzhughNagumoCellParams};
pub use if_cell::{IFCell, IFCellParams};
pub use izhikevich_cell::{IzhikevichCell, IzhikevichCellParams};
pub use lif_cell::{LIFCell, LIFCellParams};
pub use quad_lif_cell::{QuadLIFCell, QuadLIFCellParams};
pub use slif_cell::{SLIFCell, SLIFCellParams};
pub use wtas_cell::{WTASCell, WTASCellParams};

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

/// Implements [`Component`](crate::core::component::Component) for a cell whose name
/// is in field `name`, parameters in `p` (with `to_kwargs`), unit count in `n_units`,
/// key in `key`, whose compartments are derived (`Compartments`), whose spike
/// compartment is field `$s` (index `$S`) listed in `spikes: SpikeList`, and which
/// has `fn step(&mut self, t, dt)`, `fn rest(&mut self)` and `fn written(&mut self,
/// index)` (what an outside write of compartment `index` invalidates besides the
/// spike list). `elementwise` also lets it split across ranks.
macro_rules! spiking_component {
    // A cell whose step is elementwise and draws nothing: it splits into blocks of
    // cells for a partitioned model.
    ($ty:ident, $s:ident, $S:ident, elementwise) => {
        spiking_component!($ty, $s, $S, {
            fn partition(
                &self,
                cols: std::ops::Range<usize>,
            ) -> Option<$crate::error::Result<Box<dyn $crate::core::component::Component>>> {
                Some($crate::core::partition::partition_by_kwargs(self, cols))
            }
        });
    };
    ($ty:ident, $s:ident, $S:ident) => {
        spiking_component!($ty, $s, $S, {});
    };
    ($ty:ident, $s:ident, $S:ident, { $($extra:tt)* }) => {
        impl $crate::core::component::Component for $ty {
            fn name(&self) -> &str {
                &self.name
            }
            fn schema(&self) -> &'static $crate::core::schema::Schema {
                &SCHEMA
            }
            fn advance_state(&mut self, t: f32, dt: f32) {
                self.step(t, dt);
                self.spikes.collect(&self.$s);
            }
            fn reset(&mut self) {
                self.rest();
                self.spikes.collect(&self.$s);
            }
            fn array(&self, index: usize) -> Option<&ndarray::Array2<f32>> {
                self.compartment(index)
            }
            fn array_mut(
                &mut self,
                index: usize,
                token: $crate::core::component::WriteToken,
            ) -> Option<&mut ndarray::Array2<f32>> {
                self.compartment_mut(index, token)
            }
            fn changed(&mut self, index: usize) {
                if index == $ty::$S {
                    self.spikes.forget();
                }
                self.written(index);
            }
            fn nonzero(&self, index: usize) -> Option<&[u32]> {
                if index == $ty::$S {
                    self.spikes.get()
                } else {
                    None
                }
            }
            fn key(&self) -> $crate::core::rng::Key {
                self.key
            }
            fn set_key(&mut self, key: $crate::core::rng::Key) {
                self.key = key;
            }
            fn as_any(&self) -> &dyn std::any::Any {
                self
            }
            fn kwargs(&self) -> serde_json::Map<String, serde_json::Value> {
                let mut m = serde_json::Map::new();
                m.insert("name".into(), self.name.clone().into());
                m.insert("n_units".into(), self.n_units.into());
                self.p.to_kwargs(&mut m);
                m
            }
            $($extra)*
        }
    };
}
pub(crate) use spiking_component;
