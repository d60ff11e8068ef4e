//! `PhasorCell`: each cell turns a phase at a rate set by `target_freq` (scaled by its
//! input) and emits a spike each time the phase passes a full turn.
//!
//! At construction, as ngclearn 3.1.1: `(key, k0, _) = split(key, 3)`, then each cell's
//! rate scale `base_scale = poisson(k0, target_freq) / target_freq` (JAX's Poisson
//! sampler, see [`Key::poisson_into`]). Each step of `dt` ms:
//! ```text
//! angle_per_step = 2 pi / ((1000 / target_freq) / dt)
//! (key, k0, _) = split(key, 3)
//! scatter = (normal(k0) * 0.2 + 1) * base_scale
//! angles  = angles + (angle_per_step * scatter) * inputs
//! outputs = angles > 2 pi;  angles -= 2 pi where outputs
//! outputs = inputs                     (disable_phasor: the inputs pass through)
//! tols    = tols * (1 - outputs) + t * outputs
//! ```
//! `base_scale` is not a compartment in ngclearn and is not saved: a loaded cell draws
//! its scales again from the key it is built with, as ngclearn's does.

use crate::core::component::{filled, valid_name, Component};
use crate::core::schema::checks::count;
use crate::core::rng::Key;
use crate::error::Result;
use crate::{Class, Compartments, Params};
use ndarray::Array2;

/// Parameters of a [`PhasorCell`], with ngclearn's names and defaults.
#[derive(Debug, Clone, PartialEq, Params)]
pub struct PhasorCellParams {
    /// Spike frequency of a cell driven by an input of 1
    ///
    /// Kept in double precision: ngclearn computes `1000 / target_freq` in Python.
    #[param(default = 63.75, units = "Hz")]
    pub target_freq: f64,
    /// Rows of the batch dimension
    #[param(default = 1, check = count, omit_default)]
    pub batch_size: usize,
    /// Emit the inputs as the outputs (the phases still turn)
    #[param(default = false)]
    pub disable_phasor: bool,
    /// JAX PRNG key
    ///
    /// Not saved in the keyword arguments (the key is state, saved with the arrays).
    #[param(default = None, text = "from the clock", skip_kwargs, keyword_only)]
    pub key: Option<Key>,
}

/// The phasor encoder (see the module documentation).
#[derive(Debug, Clone, Compartments, Class)]
#[class(
    module = "ngclearn.components.input_encoders.phasorCell.PhasorCell",
    description = "Phasor encoder: a phase per cell turning at target_freq (scaled by the input and noise); a spike per full turn",
    dynamics = "scatter = (normal * 0.2 + 1) * base_scale, base_scale = poisson(target_freq) / target_freq (drawn once)\n\
               angles += (2 pi dt target_freq / 1000) * scatter * inputs; outputs = angles > 2 pi; angles -= 2 pi where outputs\n\
               tols = tols * (1 - outputs) + t * outputs",
    head = n_units,
    keywords(advance_state = [t, dt]),
    kwargs = checked,
)]
pub struct PhasorCell {
    name: String,
    n_units: usize,
    p: PhasorCellParams,
    /// Input stimulus (the rate's scale)
    #[compartment(input, shape = "(batch_size, n_units)")]
    inputs: Array2<f32>,
    /// Spikes emitted at time t
    #[compartment(output, shape = "(batch_size, n_units)")]
    outputs: Array2<f32>,
    /// Time of last spike
    #[compartment(output, shape = "(batch_size, n_units)", units = "ms")]
    tols: Array2<f32>,
    /// Phase of each cell
    #[compartment(state, shape = "(batch_size, n_units)", units = "rad")]
    angles: Array2<f32>,
    /// JAX PRNG key
    #[compartment(key)]
    key: Key,
    /// Each cell's rate scale, `poisson(target_freq) / target_freq`, drawn at construction.
    base_scale: Vec<f32>,
    /// The step's normal draws (scratch).
    draws: Vec<f32>,
}

impl PhasorCell {
    /// Builds `n_units` cells.
    pub fn new(name: &str, n_units: usize, p: PhasorCellParams) -> Result<Self> {
        let name = valid_name(name)?;
        let n = count(&name, "n_units", n_units)?;
        p.validate(&name)?;
        let z = || filled(&name, "n_units", (p.batch_size, n), 0.0);
        let freq = p.target_freq as f32;
        if !(freq > 0.0 && freq.is_finite()) {
            return Err(crate::error::Error::param(
                &name,
                "target_freq",
                p.target_freq,
                "must be a positive float32 (ngclearn divides by it)",
            ));
        }
        let key = p.key.unwrap_or_else(Key::from_time);
        let [key, k0, _] = key.split::<3>();
        let mut base_scale = z()?.into_raw_vec_and_offset().0;
        k0.poisson_into(freq, &mut base_scale);
        // `/ target_freq`: XLA multiplies by its float32 reciprocal, but divides an
        // array of one value (measured against JAX: 50 / 63.75 is 0.7843138 in an array
        // of two or more, 0.78431374 alone).
        if base_scale.len() == 1 {
            base_scale[0] /= freq;
        } else {
            let per_rate = 1.0 / freq;
            base_scale.iter_mut().for_each(|k| *k *= per_rate);
        }
        Ok(PhasorCell {
            inputs: z()?,
            outputs: z()?,
            tols: z()?,
            angles: z()?,
            draws: vec![0.0; base_scale.len()],
            base_scale,
            key,
            n_units: n,
            name,
            p,
        })
    }

    /// The rate scales drawn at construction (ngclearn's `base_scale`), row-major.
    pub fn base_scale(&self) -> &[f32] {
        &self.base_scale
    }
}

impl Component for PhasorCell {
    fn advance_state(&mut self, t: f32, dt: f32) {
        // ngclearn computes the rates in Python (double precision) up to dt, which
        // arrives as a float32 argument.
        let ms_per_event = 1.0 / (self.p.target_freq / 1000.0);
        let turn = (2.0 * std::f64::consts::PI) as f32;
        // 2 pi / (ms_per_event / dt), which XLA computes as (2 pi dt) * (1 / ms_per_event).
        let angle_per_step = (turn * dt) * (1.0f32 / ms_per_event as f32);
        let [key, k0, _] = self.key.split::<3>();
        self.key = key;
        k0.normal_into(&mut self.draws);
        let contiguous = "owned arrays are contiguous";
        let inputs = self.inputs.as_slice().expect(contiguous);
        let angles = self.angles.as_slice_mut().expect(contiguous);
        let outputs = self.outputs.as_slice_mut().expect(contiguous);
        let tols = self.tols.as_slice_mut().expect(contiguous);
        for i in 0..angles.len() {
            let scatter = self.draws[i].mul_add(0.2, 1.0) * self.base_scale[i];
            let a = (angle_per_step * scatter).mul_add(inputs[i], angles[i]);
            let fired = a > turn;
            angles[i] = if fired { a - turn } else { a };
            let o = if self.p.disable_phasor {
                inputs[i] + 0.0
            } else if fired {
                1.0
            } else {
                0.0
            };
            outputs[i] = o;
            tols[i] = t.mul_add(o, tols[i] * (1.0 - o));
        }
    }
    fn reset(&mut self) {
        let [key, _, _] = self.key.split::<3>();
        self.key = key;
        self.inputs.fill(0.0);
        self.outputs.fill(0.0);
        self.tols.fill(0.0);
        self.angles.fill(0.0);
    }
    fn changed(&mut self, _index: usize) {
        // Nothing is derived from a compartment.
    }
}
