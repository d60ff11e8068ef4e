//! What the conductance-based synapses share: the post-synaptic state, the
//! voltage-dependent current, compartment indexing and reset.

use super::dense_synapse::Dense;
use crate::core::component::{filled, Support, WriteToken};
use crate::core::rng::Key;
use crate::core::schema::{CompartmentInfo, Kind, Role};
use crate::error::Result;
use ndarray::Array2;

/// Dense base plus `v`, `g_syn`, `i_syn` and (for two-state kernels) `h_syn`.
#[derive(Debug, Clone)]
pub(crate) struct ConductanceState {
    pub base: Dense,
    pub v: Array2<f32>,
    pub g_syn: Array2<f32>,
    pub i_syn: Array2<f32>,
    /// Empty for the one-state (exponential) kernel.
    pub h_syn: Array2<f32>,
    /// A copy of the class's `syn_rest` (`None`: voltage-independent).
    pub syn_rest: Option<f32>,
}

impl ConductanceState {
    /// The state of a synapse on `base` whose parameters are already checked.
    pub fn new(
        base: Dense,
        two_state: bool,
        syn_rest: Option<f32>,
        is_nonplastic: bool,
    ) -> Result<Self> {
        let post = (base.p.batch_size, base.shape.1);
        let mut base = base;
        if is_nonplastic {
            // ngclearn: `weights * 0 + 1`, which also erases a p_conn mask.
            base.weights.mapv_inplace(|w| w * 0.0 + 1.0);
            // All ones unless an initialiser gave a non-finite weight (then NaN).
            base.unit_weights = Some(super::dense_synapse::all_ones(&base.weights));
        }
        let z = || filled(&base.name, "shape", post, 0.0);
        let (v, g_syn, i_syn) = (z()?, z()?, z()?);
        let h_syn = if two_state {
            z()?
        } else {
            Array2::zeros((0, 0))
        };
        Ok(ConductanceState {
            base,
            v,
            g_syn,
            i_syn,
            h_syn,
            syn_rest,
        })
    }

    /// One step of every post-synaptic unit in one pass: `projected = inputs · W`, then
    /// `update(h, g, projected)` (the kernel's equations; one-state kernels get a
    /// scratch `h`), then `i = -(g * R) * (v - E)` (or `-g * R` when `syn_rest` is
    /// `None`) and `outputs = i`.
    #[inline(always)]
    pub fn advance<const TWO_STATE: bool>(&mut self, update: impl Fn(&mut f32, &mut f32, f32)) {
        self.base.project();
        crate::utils::simd::with_avx2(
            #[inline(always)]
            || match self.syn_rest {
                Some(e) => self.update_cells::<TWO_STATE, true>(e, update),
                None => self.update_cells::<TWO_STATE, false>(0.0, update),
            },
        )
    }

    #[inline(always)]
    fn update_cells<const TWO_STATE: bool, const REVERSAL: bool>(
        &mut self,
        e: f32,
        update: impl Fn(&mut f32, &mut f32, f32),
    ) {
        let r = self.base.p.resist_scale;
        let contiguous = "owned arrays are contiguous";
        let g = self.g_syn.as_slice_mut().expect(contiguous);
        let n = g.len();
        let h = self.h_syn.as_slice_mut().expect(contiguous);
        let h = if TWO_STATE { &mut h[..n] } else { h };
        let i = &mut self.i_syn.as_slice_mut().expect(contiguous)[..n];
        let v = &self.v.as_slice().expect(contiguous)[..n];
        let out = &mut self.base.outputs.as_slice_mut().expect(contiguous)[..n];
        let x = &self.base.projected.as_slice().expect(contiguous)[..n];
        for k in 0..n {
            let mut scratch = 0.0;
            let h = if TWO_STATE { &mut h[k] } else { &mut scratch };
            update(h, &mut g[k], x[k]);
            let cur = if REVERSAL {
                -(g[k] * r) * (v[k] - e)
            } else {
                -g[k] * r
            };
            i[k] = cur;
            out[k] = cur;
        }
    }

    pub fn reset(&mut self) {
        self.base.reset();
        self.v.fill(0.0);
        self.g_syn.fill(0.0);
        self.i_syn.fill(0.0);
        self.h_syn.fill(0.0);
    }

    pub fn array(&self, index: usize) -> Option<&Array2<f32>> {
        Some(match index {
            0..=4 => return self.base.compartment(index),
            5 => &self.v,
            6 => &self.g_syn,
            7 => &self.i_syn,
            8 if !self.h_syn.is_empty() => &self.h_syn,
            _ => return None,
        })
    }

    pub fn array_mut(&mut self, index: usize, token: WriteToken) -> Option<&mut Array2<f32>> {
        let two_state = !self.h_syn.is_empty();
        Some(match index {
            0..=4 => return self.base.compartment_mut(index, token),
            5 => &mut self.v,
            6 => &mut self.g_syn,
            7 => &mut self.i_syn,
            8 if two_state => &mut self.h_syn,
            _ => return None,
        })
    }

    /// What depends on compartment `index`: the inputs' support list on `inputs`, the
    /// "all weights are one" flag on `weights`.
    pub fn changed(&mut self, index: usize) {
        match index {
            0 => self.base.input_support.forget(),
            1 => self.base.unit_weights = None,
            _ => {}
        }
    }

    /// `inputs` (index 0) with the support of its non-zero entries.
    pub fn sparse_input(&mut self, index: usize) -> Option<(&mut Array2<f32>, &mut Support)> {
        let b = &mut self.base;
        (index == 0).then_some((&mut b.inputs, &mut b.input_support))
    }

    pub fn key(&self) -> Key {
        self.base.key
    }
}

const fn post(
    name: &'static str,
    role: Role,
    units: &'static str,
    description: &'static str,
) -> CompartmentInfo {
    CompartmentInfo {
        name,
        role,
        kind: Kind::Array,
        shape: "(batch_size, n_post)",
        units,
        description,
    }
}

/// `v`, `g_syn`, `i_syn` (indices 5, 6, 7).
pub(crate) const V: CompartmentInfo = post(
    "v",
    Role::Input,
    "mV",
    "Post-synaptic voltage (wired from a spiking cell)",
);
pub(crate) const G_SYN: CompartmentInfo = post("g_syn", Role::State, "", "Synaptic conductance");
pub(crate) const I_SYN: CompartmentInfo = post(
    "i_syn",
    Role::State,
    "",
    "Synaptic current (equal to outputs)",
);
/// `h_syn` (index 8).
pub(crate) const H_SYN: CompartmentInfo = post(
    "h_syn",
    Role::State,
    "",
    "Intermediate synaptic conductance",
);

/// The compartments of a one-state kernel, in index order.
pub(crate) const ONE_STATE: [CompartmentInfo; 9] = [
    Dense::COMPARTMENTS[0],
    Dense::COMPARTMENTS[1],
    Dense::COMPARTMENTS[2],
    Dense::COMPARTMENTS[3],
    Dense::COMPARTMENTS[4],
    V,
    G_SYN,
    I_SYN,
    Dense::COMPARTMENTS[5],
];

/// The compartments of a two-state kernel, in index order.
pub(crate) const TWO_STATE: [CompartmentInfo; 10] = [
    Dense::COMPARTMENTS[0],
    Dense::COMPARTMENTS[1],
    Dense::COMPARTMENTS[2],
    Dense::COMPARTMENTS[3],
    Dense::COMPARTMENTS[4],
    V,
    G_SYN,
    I_SYN,
    H_SYN,
    Dense::COMPARTMENTS[5],
];

/// Implements [`Component`](crate::core::component::Component) for a synapse whose
/// state is a `ConductanceState` in field `state` and whose parameters (of type
/// `$params`, a `Params` struct) are in field `p`, given its kernel method `step`; and
/// its `from_kwargs` and `params`.
macro_rules! conductance_component {
    ($ty:ident, $params:ty) => {
        impl $ty {
            /// Builds one from ngclearn's keyword arguments (see
            /// [`Kwargs`](crate::io::kwargs::Kwargs)).
            pub fn from_kwargs(kw: &mut $crate::io::kwargs::Kwargs) -> $crate::error::Result<Self> {
                let name = kw.name()?;
                let shape = kw.shape("shape")?;
                let p = <$params>::from_kwargs(kw)?;
                $ty::new(&name, shape, p)
            }

            /// The parameters it was built with (without the mask, which is the
            /// `mask` compartment).
            pub fn params(&self) -> &$params {
                &self.p
            }
        }

        impl $crate::core::component::Component for $ty {
            fn name(&self) -> &str {
                &self.state.base.name
            }
            fn schema(&self) -> &'static $crate::core::schema::Schema {
                &SCHEMA
            }
            fn advance_state(&mut self, _t: f32, dt: f32) {
                self.step(dt);
            }
            fn reset(&mut self) {
                self.state.reset();
            }
            fn array(&self, index: usize) -> Option<&ndarray::Array2<f32>> {
                self.state.array(index)
            }
            fn array_mut(
                &mut self,
                index: usize,
                token: $crate::core::component::WriteToken,
            ) -> Option<&mut ndarray::Array2<f32>> {
                self.state.array_mut(index, token)
            }
            fn changed(&mut self, index: usize) {
                self.state.changed(index)
            }
            fn key(&self) -> $crate::core::rng::Key {
                self.state.key()
            }
            fn set_key(&mut self, key: $crate::core::rng::Key) {
                self.state.base.key = key;
            }
            fn as_any(&self) -> &dyn std::any::Any {
                self
            }
            fn kwargs(&self) -> serde_json::Map<String, serde_json::Value> {
                let mut m = self.state.base.head_kwargs();
                self.p.to_kwargs(&mut m);
                m
            }
            fn saves_as_scalar(&self, index: usize) -> bool {
                index == 2 && self.state.base.saves_biases_as_scalar()
            }
            fn sparse_input(
                &mut self,
                index: usize,
            ) -> Option<(
                &mut ndarray::Array2<f32>,
                &mut $crate::core::component::Support,
            )> {
                self.state.sparse_input(index)
            }
        }
    };
}
pub(crate) use conductance_component;
