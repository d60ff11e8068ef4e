//! `ExpKernel`: an exponential kernel over a window of recent spike times, the
//! excitatory post-synaptic potential (EPSP) they add up to.
//!
//! The window holds `win_len = int(nu / dt) + 1` entries (computed in double precision
//! and truncated, as Python does: `nu = 0.3, dt = 0.1` gives 3). Each step at time `t`,
//! as ngclearn 3.1.1's code computes it (float32; `exp` is XLA's):
//! ```text
//! tf[win_len - 1] = inputs * t;   tf = roll(tf, -1)     (the newest times now at win_len - 2)
//! epsp = sum over k = 0 .. win_len - 2, in order, of
//!        tf[k] > 0 ? exp(-(t - tf[k]) * (1 / tau_w)) : 0
//! ```
//! `dt` is used only for the window's length (a step's `dt` does not enter).
//! As in ngclearn's code: a spike at `t = 0` is never counted (its time is 0); a graded
//! input stores `inputs * t` as its "time", so `epsp` can exceed the spike count;
//! `win_len = 1` (`nu < dt`) leaves `epsp` at 0; `tau_w` is in the units of `t` (ms,
//! where the docs say microseconds).
//!
//! `tf` is ngclearn's `(win_len, batch_size, n_units)` array, stored here as its
//! `(win_len * batch_size, n_units)` stacking. `reset` zeroes `epsp` and `tf` and keeps
//! `inputs` (ngclearn's guard for unwired inputs is never true once compiled).

use crate::components::input_encoders::N_UNITS;
use crate::core::class::ComponentClass;
use crate::core::component::{filled, valid_name, Component, WriteToken};
use crate::core::rng::Key;
use crate::core::schema::checks::count;
use crate::core::schema::{join_names, join_params, ParamInfo, Schema};
use crate::core::xla_math::exp_xla;
use crate::error::{Error, Result};
use crate::io::kwargs::Kwargs;
use crate::{Compartments, Params};
use ndarray::Array2;

/// Parameters of an [`ExpKernel`], with ngclearn's names and defaults, in its
/// constructor's order.
#[derive(Debug, Clone, PartialEq, Params)]
pub struct ExpKernelParams {
    /// Integration time step, which sizes the window (int(nu / dt) + 1 entries)
    #[param(units = "ms")]
    pub dt: f64,
    /// Decay time constant of the kernel
    #[param(default = 500.0, check = positive, units = "ms")]
    pub tau_w: f32,
    /// Length of the window of spike times
    #[param(default = DEFAULT_NU, text = "4", units = "ms")]
    pub nu: f64,
    /// Rows of the batch dimension
    #[param(default = 1, check = count)]
    pub batch_size: usize,
    /// JAX PRNG key (unused by the dynamics)
    #[param(default = None, text = "from the clock", skip_kwargs, keyword_only)]
    pub key: Option<Key>,
}

/// `nu`'s default (the loader sizes the window before the component is built).
pub(crate) const DEFAULT_NU: f64 = 4.0;

/// The window length ngclearn computes, `int(nu / dt) + 1`; `None` unless `dt > 0`,
/// `nu >= 0` and the length fits.
pub(crate) fn window_len(nu: f64, dt: f64) -> Option<usize> {
    let w = nu / dt;
    (dt > 0.0 && nu >= 0.0 && w.is_finite() && w < (usize::MAX / 4) as f64).then(|| w as usize + 1)
}

/// The exponential kernel (see the module documentation).
#[derive(Debug, Clone, Compartments)]
#[compartments(shape = "(batch_size, n_units)")]
pub struct ExpKernel {
    name: String,
    n_units: usize,
    p: ExpKernelParams,
    win_len: usize,
    /// Input spikes (or graded values)
    #[compartment(input)]
    inputs: Array2<f32>,
    /// Excitatory post-synaptic potential
    #[compartment(output)]
    epsp: Array2<f32>,
    /// Window of spike times, (win_len, batch_size, n_units) stacked
    #[compartment(state, shape = "(win_len * batch_size, n_units)", units = "ms")]
    tf: Array2<f32>,
    /// JAX PRNG key (unused by the dynamics)
    #[compartment(key)]
    key: Key,
}

static PARAMS: [ParamInfo; ExpKernelParams::PARAMS.len() + 1] =
    join_params(&[&[N_UNITS], &ExpKernelParams::PARAMS]);

static SIGNATURE: [&str; 2 + ExpKernelParams::POSITIONAL.len()] =
    join_names(&[&["name", "n_units"], &ExpKernelParams::POSITIONAL], &[]);

static SCHEMA: Schema = Schema {
    class: "ExpKernel",
    module_path: "ngclearn.components.other.expKernel.ExpKernel",
    description: "Exponential kernel over a window of spike times: the EPSP they add up to",
    compartments: &ExpKernel::COMPARTMENTS,
    dynamics: "tf: the last int(nu / dt) spike times (inputs * t)\n\
               epsp = sum over the window of (tf > 0) * exp(-(t - tf) / tau_w)",
    hyperparameters: &PARAMS,
    methods: &crate::core::schema::ADVANCE_AND_RESET,
    signature: &SIGNATURE,
};

/// The class, for the registry ([`crate::core::class::Registry`]).
pub static CLASS: ComponentClass = ComponentClass {
    schema: &SCHEMA,
    from_kwargs: |kw| Ok(Box::new(ExpKernel::from_kwargs(kw)?)),
};

impl ExpKernel {
    /// Builds `n_units` kernels.
    pub fn new(name: &str, n_units: usize, p: ExpKernelParams) -> Result<Self> {
        let name = valid_name(name)?;
        let n = count(&name, "n_units", n_units)?;
        p.validate(&name)?;
        if !(p.dt.is_finite() && p.dt > 0.0) {
            return Err(Error::param(
                &name,
                "dt",
                p.dt,
                "must be a positive, finite number (ngclearn divides nu by it)",
            ));
        }
        if !(p.nu.is_finite() && p.nu >= 0.0) {
            return Err(Error::param(
                &name,
                "nu",
                p.nu,
                "must be a finite number >= 0",
            ));
        }
        let win_len = window_len(p.nu, p.dt)
            .ok_or_else(|| Error::param(&name, "nu", p.nu, "nu / dt is too large a window"))?;
        let rows = win_len
            .checked_mul(p.batch_size)
            .ok_or_else(|| Error::param(&name, "nu", p.nu, "nu / dt is too large a window"))?;
        let z = |r: usize| filled(&name, "n_units", (r, n), 0.0);
        Ok(ExpKernel {
            inputs: z(p.batch_size)?,
            epsp: z(p.batch_size)?,
            tf: z(rows)?,
            key: p.key.unwrap_or_else(Key::from_time),
            win_len,
            n_units: n,
            name,
            p,
        })
    }

    /// The class's help metadata.
    pub fn schema() -> &'static Schema {
        &SCHEMA
    }

    /// Builds one from ngclearn's keyword arguments (see [`Kwargs`]).
    pub fn from_kwargs(kw: &mut Kwargs) -> Result<Self> {
        let name = kw.name()?;
        let n = kw.usize_or("n_units", None)?;
        let p = ExpKernelParams::from_kwargs(kw)?;
        ExpKernel::new(&name, n, p)
    }

    /// The parameters it was built with.
    pub fn params(&self) -> &ExpKernelParams {
        &self.p
    }

    /// The number of spike times the window holds (`int(nu / dt) + 1`).
    pub fn win_len(&self) -> usize {
        self.win_len
    }

    #[inline(always)]
    fn kernel(&mut self, t: f32) {
        let inv_tau = 1.0 / self.p.tau_w;
        let block = self.inputs.len();
        let contiguous = "owned arrays are contiguous";
        let tf = self.tf.as_slice_mut().expect(contiguous);
        // Write the newest times into the last block, then roll by one block: the
        // newest end up second to last, the oldest (overwritten) last.
        let last = tf.len() - block;
        for (x, &s) in tf[last..].iter_mut().zip(self.inputs.iter()) {
            *x = s * t;
        }
        tf.rotate_left(block);
        let epsp = self.epsp.as_slice_mut().expect(contiguous);
        epsp.fill(0.0);
        for window in tf[..last].chunks(block) {
            for (e, &f) in epsp.iter_mut().zip(window) {
                *e += if f > 0.0 {
                    exp_xla(-(t - f) * inv_tau)
                } else {
                    0.0
                };
            }
        }
    }
}

impl Component for ExpKernel {
    fn partition(
        &self,
        cols: std::ops::Range<usize>,
    ) -> Option<crate::error::Result<Box<dyn Component>>> {
        // Each unit's window is its own column.
        Some(crate::core::partition::partition_by_kwargs(self, cols))
    }
    fn name(&self) -> &str {
        &self.name
    }
    fn schema(&self) -> &'static Schema {
        &SCHEMA
    }
    fn advance_state(&mut self, t: f32, _dt: f32) {
        crate::utils::simd::with_avx2(
            #[inline(always)]
            || self.kernel(t),
        );
    }
    fn reset(&mut self) {
        self.epsp.fill(0.0);
        self.tf.fill(0.0);
    }
    fn array(&self, index: usize) -> Option<&Array2<f32>> {
        self.compartment(index)
    }
    fn array_mut(&mut self, index: usize, token: WriteToken) -> Option<&mut Array2<f32>> {
        self.compartment_mut(index, token)
    }
    fn changed(&mut self, _index: usize) {
        // Nothing is derived from the compartments.
    }
    fn key(&self) -> Key {
        self.key
    }
    fn set_key(&mut self, key: Key) {
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
}
