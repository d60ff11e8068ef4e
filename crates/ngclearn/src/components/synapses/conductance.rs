//! What the conductance-based synapses share: the post-synaptic state, the
//! voltage-dependent current, compartment indexing and reset.

use super::dense_synapse::Dense;
use crate::core::component::{filled, positive, Support, WriteToken};
use crate::core::rng::Key;
use crate::core::schema::{CompartmentInfo, Kind, ParamInfo, Role};
use crate::error::{Error, Result};
use crate::io::kwargs::num;
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
    pub g_syn_bar: f32,
    pub syn_rest: Option<f32>,
}

impl ConductanceState {
    pub fn new(
        base: Dense,
        two_state: bool,
        g_syn_bar: f32,
        syn_rest: Option<f32>,
        is_nonplastic: bool,
    ) -> Result<Self> {
        if !g_syn_bar.is_finite() {
            return Err(Error::param(
                &base.name,
                "g_syn_bar",
                g_syn_bar,
                "must be a finite number",
            ));
        }
        if let Some(e) = syn_rest {
            if !e.is_finite() {
                return Err(Error::param(
                    &base.name,
                    "syn_rest",
                    e,
                    "must be a finite number or None",
                ));
            }
        }
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
            g_syn_bar,
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

    /// The dense base's kwargs plus `g_syn_bar`, `syn_rest` and `is_nonplastic`,
    /// with the class's time constants inserted by the caller.
    pub fn kwargs(
        &self,
        taus: &[(&str, f32)],
        is_nonplastic: bool,
    ) -> serde_json::Map<String, serde_json::Value> {
        let mut m = self.base.kwargs();
        for (k, v) in taus {
            m.insert(k.to_string(), num(*v));
        }
        m.insert("g_syn_bar".into(), num(self.g_syn_bar));
        m.insert(
            "syn_rest".into(),
            self.syn_rest.map_or(serde_json::Value::Null, num),
        );
        m.insert(
            "is_nonplastic".into(),
            serde_json::Value::Bool(is_nonplastic),
        );
        m
    }
}

/// The keyword arguments every conductance synapse shares, read from a saved model.
pub(crate) struct CommonKwargs {
    pub name: String,
    pub shape: (usize, usize),
    pub g_syn_bar: f32,
    pub syn_rest: Option<f32>,
    pub is_nonplastic: bool,
    pub dense: super::dense_synapse::DenseParams,
}

impl CommonKwargs {
    /// Reads `name`, `shape`, the time constants `taus` (returned in order), `g_syn_bar`,
    /// `syn_rest`, `is_nonplastic` and the dense base's arguments.
    pub fn read<const N: usize>(
        kw: &mut crate::io::kwargs::Kwargs,
        taus: [&'static str; N],
    ) -> Result<(CommonKwargs, [f32; N])> {
        let name = kw.name()?;
        let shape = kw.shape("shape")?;
        let mut t = [0.0; N];
        for (v, k) in t.iter_mut().zip(taus) {
            *v = kw.f32(k)?;
        }
        let common = CommonKwargs {
            name,
            shape,
            g_syn_bar: kw.f32("g_syn_bar")?,
            syn_rest: kw.f32_or_null("syn_rest", None)?,
            is_nonplastic: kw.bool_or("is_nonplastic", true)?,
            dense: super::dense_synapse::DenseParams::from_kwargs(kw)?,
        };
        Ok((common, t))
    }
}

/// A time constant check with the component's name.
pub(crate) fn tau(base: &Dense, param: &str, value: f32) -> Result<f32> {
    positive(&base.name, param, value)
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

/// `g_syn_bar`, `syn_rest`, `is_nonplastic`.
pub(crate) const G_SYN_BAR: ParamInfo = ParamInfo {
    name: "g_syn_bar",
    default: None,
    units: "",
    aliases: &[],
    description: "Maximum conductance elicited by each incoming spike",
};
pub(crate) const SYN_REST: ParamInfo = ParamInfo {
    name: "syn_rest",
    default: None,
    units: "mV",
    aliases: &[],
    description: "Synaptic reversal potential; None makes the current voltage-independent",
};
pub(crate) const IS_NONPLASTIC: ParamInfo = ParamInfo {
    name: "is_nonplastic",
    default: Some("true"),
    units: "",
    aliases: &[],
    description: "If true, weights are set to all ones after initialisation",
};
pub(crate) const TAU_DECAY: ParamInfo = ParamInfo {
    name: "tau_decay",
    default: None,
    units: "ms",
    aliases: &[],
    description: "Conductance decay time constant",
};

/// Implements [`Component`](crate::core::component::Component) for a synapse whose
/// state is a `ConductanceState` in field `state`, given its kernel method `step`.
macro_rules! conductance_component {
    ($ty:ty) => {
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
                self.kwargs_json()
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
