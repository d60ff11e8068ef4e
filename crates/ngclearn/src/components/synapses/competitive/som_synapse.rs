//! `SOMSynapse`: a self-organising (Kohonen) map, a synaptic cable of `n_inputs` inputs
//! and a square `n_units_x` by `n_units_y` map of units, learning by competitive Hebbian
//! updates.
//!
//! As ngclearn 3.1.1 (`ngclearn.components.synapses.competitive`), with `x = inputs` of
//! `B` rows, `W` the `(n_inputs, n_units)` weights, unit `u` at map coordinates
//! `c_u = (u / n_units_y, u % n_units_y)`:
//! ```text
//! advance_state:
//!   delta[b, i, u] = x[b, i] - W[i, u]
//!   d[b, u] = ||delta[b, :, u]||_2 (euclidean), ||.||_1 (manhattan),
//!             or 1 - (x[b] . W[:, u]) / (||x[b]|| ||W[:, u]||) (cosine)
//!   bmu[b] = argmin_u d[b, u]
//!   r[b, u] = ||c_u - c_bmu[b]||_2
//!   neighbor_weights[b, u] = exp(-r^2 / (2 radius^2))                         (gaussian)
//!                          = max(exp(-r^2 / (2 radius^2)) (1 - r^2 / radius^2), 0)  (ricker)
//!   outputs = softmax(neighbor_weights * resist_scale)   (over the units)
//! evolve:
//!   radius = radius - radius / tau_radius,  tau_radius = 50000 / ln(max(nx, ny) / 2)
//!   eta = eta - eta / 50000
//!   dWeights = mean_b(delta[b] * neighbor_weights[b] * eta);  W = W + dWeights
//!   i_tick = i_tick + 1
//! ```
//! The distance is chosen as ngclearn chooses it: `manhattan` if the name contains it,
//! else `cosine` if it contains that, else euclidean; the neighbourhood is `ricker` if
//! its name contains it, else gaussian. ngclearn builds the map's coordinates for square
//! maps only (`n_units_x = n_units_y`); others are refused here as they fail there.
//!
//! The arithmetic is XLA's as ngclearn compiles each method on its own: the distances'
//! sums of squares fused, the squared radius of the neighbourhood from the rounded
//! distance, the divisions by `2 radius^2` and `radius^2` as products by their
//! reciprocals, the ricker factor `1 - r^2 / radius^2` fused, the softmax's exponent
//! `nw * resist_scale - max` fused and its sum XLA's windowed row sum
//! ([`row_sum_xla`]); the batch mean a chain of fused multiply-adds, or, from 4,096
//! summed values (YNNPACK's), plain sums; the weights' update fused with the mean's
//! `1 / B`, but a plain sum from 4,096 weights.

use crate::components::synapses::dense_synapse::{Dense, DenseParams};
use crate::core::component::{filled, Component};
use crate::core::rng::Key;
use crate::core::xla_math::{exp_xla, ln_xla, maximum, row_sum_xla};
use crate::error::{Error, Result};
use crate::utils::distribution_generator::Initializer;
use crate::{Class, Compartments, Params};
use ndarray::Array2;

/// From this many values XLA's CPU code hands a reduction (with its fused products) to
/// YNNPACK, which sums the products plainly (measured on JAX 0.12).
const YNN_VALUES: usize = 4096;

/// ngclearn's `tau_eta`: the learning rate decays as `exp(-t / 50000)`.
const TAU_ETA: f32 = 50000.0;

/// Parameters of a [`SOMSynapse`], with ngclearn's names and defaults, in its
/// constructor's order.
#[derive(Debug, Clone, PartialEq, Params)]
pub struct SOMSynapseParams {
    /// Number of input units
    #[param(check = count)]
    pub n_inputs: usize,
    /// Units along the map's first side
    #[param(check = count)]
    pub n_units_x: usize,
    /// Units along the map's second side
    #[param(check = count)]
    pub n_units_y: usize,
    /// Initial learning rate (the `eta` compartment's first value)
    #[param(default = 0.5, check = finite)]
    pub eta: f32,
    /// Distance for the best-matching unit: euclidean, manhattan or cosine
    #[param(default = String::from("euclidean"), text = "euclidean")]
    pub distance_function: String,
    /// Neighbourhood function: gaussian or ricker (Mexican hat)
    #[param(default = String::from("gaussian"), text = "gaussian")]
    pub neighbor_function: String,
    /// Initialiser of the weights W
    #[param(default = None, none_means = crate::components::synapses::dense_synapse::default_weight_init(), text = "uniform(0.025, 0.8)", skip_kwargs)]
    pub weight_init: Option<Initializer>,
    /// Scale of the neighbourhood weights inside the softmax of the outputs
    #[param(default = 1.0, check = finite)]
    pub resist_scale: f32,
    /// Probability of a connection existing (otherwise masked to zero at the draw)
    #[param(default = 1.0, check = finite)]
    pub p_conn: f32,
    /// Rows of the batch dimension
    #[param(default = 1, check = count, omit_default)]
    pub batch_size: usize,
    /// JAX PRNG key
    ///
    /// Not saved in the keyword arguments (the key is state, saved with the arrays).
    #[param(default = None, text = "from the clock", skip_kwargs, keyword_only)]
    pub key: Option<Key>,
}

/// Which distance finds the best-matching unit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Distance {
    Euclidean,
    Manhattan,
    Cosine,
}

/// The self-organising map (see the module documentation).
///
/// ```
/// use ngclearn::components::synapses::competitive::{SOMSynapse, SOMSynapseParams};
/// use ngclearn::prelude::*;
/// let mut p = SOMSynapseParams::new(3, 4, 4);
/// p.key = Some(Key::from_seed(1));
/// let mut som = SOMSynapse::new("som", (), p)?;
/// som.set_inputs(&ndarray::array![[0.2, 0.9, 0.4]]);
/// som.advance_state(0.0, 1.0);
/// som.evolve(0.0, 1.0);
/// // The outputs are a distribution over the 16 units, peaked at the best match.
/// let total: f32 = som.outputs().iter().sum();
/// assert!((total - 1.0).abs() < 1e-5);
/// # Ok::<(), ngclearn::Error>(())
/// ```
#[derive(Debug, Clone, Compartments, Class)]
#[class(
    module = "ngclearn.components.synapses.competitive.SOMSynapse.SOMSynapse",
    description = "Self-organising (Kohonen) map: competitive Hebbian learning over a square map of units",
    dynamics = "advance_state: delta = x - W; bmu = argmin_u dist(x, W[:, u]); \
               neighbor_weights = k(||c_u - c_bmu||, radius); outputs = softmax(neighbor_weights * resist_scale)\n\
               evolve: radius -= radius / tau_radius; eta -= eta / 50000; \
               dWeights = mean_b(delta * neighbor_weights * eta); W = W + dWeights; i_tick += 1",
    head = none,
    extends = crate::components::synapses::dense_synapse::DenseSynapse,
    keywords(advance_state = [], evolve = [t, dt], reset = []),
    fixed(bias_init = None::<Initializer>),
    methods = crate::core::schema::ADVANCE_EVOLVE_RESET,
    sizes = Self::sizes,
    notes = "ngclearn builds the map's coordinates for square maps only: n_units_x must equal n_units_y. \
             The distance is manhattan if its name contains `manhattan`, else cosine if it contains \
             `cosine`, else euclidean; the neighbourhood is ricker if its name contains `ricker`, else \
             gaussian (as ngclearn reads them).",
    params = p,
)]
pub struct SOMSynapse {
    #[compartment(flatten)]
    base: Dense,
    /// Radius of the neighbourhood function
    #[compartment(state, shape = "(1, 1)")]
    radius: Array2<f32>,
    /// Current learning rate
    #[compartment(state, shape = "(1, 1)")]
    eta: Array2<f32>,
    /// Number of updates so far
    #[compartment(state, shape = "(1, 1)")]
    i_tick: Array2<f32>,
    /// Best-matching unit of each sample
    #[compartment(output, int32, shape = "(batch_size, 1)")]
    bmu: Array2<f32>,
    /// Differences between each input and each unit's weights
    #[compartment(state, shape = "(batch_size, n_pre, n_post)")]
    delta: Array2<f32>,
    /// Neighbourhood weighting of each unit around the best match
    #[compartment(state, shape = "(batch_size, n_post)")]
    neighbor_weights: Array2<f32>,
    /// The last change of the weights
    #[compartment(state, name = "dWeights", shape = "(n_pre, n_post)")]
    d_weights: Array2<f32>,
    p: SOMSynapseParams,
    distance: Distance,
    ricker: bool,
    /// `1 / tau_radius` as ngclearn computes it (float32).
    inv_tau_radius: f32,
    /// `1 / tau_eta`.
    inv_tau_eta: f32,
    /// Each sample's distance to each unit, `(batch, n_units)` (scratch of `advance_state`).
    dist: Array2<f32>,
}

impl SOMSynapse {
    /// Builds a map of `n_units_x * n_units_y` units over `n_inputs` inputs (the head is
    /// in the parameters: ngclearn's first arguments are `n_inputs, n_units_x,
    /// n_units_y`).
    pub fn new(name: &str, _head: (), p: SOMSynapseParams) -> Result<Self> {
        let name = crate::core::component::valid_name(name)?;
        p.validate(&name)?;
        if p.n_units_x != p.n_units_y {
            return Err(Error::param(
                &name,
                "n_units_y",
                p.n_units_y,
                &format!(
                    "must equal n_units_x = {}: ngclearn builds the map's coordinates for square maps only",
                    p.n_units_x
                ),
            ));
        }
        let n_units = p
            .n_units_x
            .checked_mul(p.n_units_y)
            .ok_or_else(|| Error::param(&name, "n_units_y", p.n_units_y, "makes too many units"))?;
        let shape = (p.n_inputs, n_units);
        let dense = DenseParams {
            weight_init: p.weight_init.clone(),
            bias_init: None,
            resist_scale: p.resist_scale,
            p_conn: p.p_conn,
            mask: None,
            batch_size: p.batch_size,
            key: p.key,
            columns: None,
            storage: String::from("dense"),
            connect: None,
            background: None,
            max_delay_steps: 0,
        };
        let base = Dense::new(&name, shape, &dense)?;
        let b = p.batch_size;
        let delta_len = b
            .checked_mul(p.n_inputs)
            .and_then(|n| n.checked_mul(n_units))
            .ok_or_else(|| Error::param(&name, "batch_size", b, "makes `delta` too large"))?;
        let z = |s| filled(&name, "shape", s, 0.0);
        // ngclearn: initial_radius = max(nx, ny) / 2 in float32, tau_radius = 50000 /
        // log(initial_radius) (XLA's log and division), 1 / tau_radius in float32.
        let r0 = (p.n_units_x.max(p.n_units_y) as f32) / 2.0;
        let tau_radius = TAU_ETA / ln_xla(r0);
        let distance = if p.distance_function.contains("manhattan") {
            Distance::Manhattan
        } else if p.distance_function.contains("cosine") {
            Distance::Cosine
        } else {
            Distance::Euclidean
        };
        Ok(SOMSynapse {
            radius: Array2::from_elem((1, 1), r0),
            eta: Array2::from_elem((1, 1), p.eta),
            i_tick: Array2::zeros((1, 1)),
            bmu: z((b, 1))?,
            delta: z((b, delta_len / b))?,
            neighbor_weights: z((b, n_units))?,
            d_weights: z(shape)?,
            dist: z((b, n_units))?,
            distance,
            ricker: p.neighbor_function.contains("ricker"),
            inv_tau_radius: 1.0 / tau_radius,
            inv_tau_eta: (1.0f64 / TAU_ETA as f64) as f32,
            base,
            p,
        })
    }

    /// The sizes its shapes name, from ngclearn's arguments: `n_pre = n_inputs`,
    /// `n_post = n_units_x * n_units_y`.
    pub fn sizes(kw: &crate::core::kwargs::Kwargs) -> Option<crate::core::class::NamedSizes> {
        let n = |k| kw.peek(k).and_then(|v| v.as_u64()).and_then(|n| usize::try_from(n).ok());
        Some(vec![
            ("n_pre", n("n_inputs")?),
            ("n_post", n("n_units_x")?.checked_mul(n("n_units_y")?)?),
        ])
    }

    /// Sets `inputs` (unchecked: use `Model::set` for a checked set).
    pub fn set_inputs(&mut self, x: &Array2<f32>) {
        self.base.inputs.assign(x);
    }

    /// The current `outputs`: the softmax of the neighbourhood weights.
    pub fn outputs(&self) -> &Array2<f32> {
        &self.base.outputs
    }

    /// The weights, `(n_inputs, n_units)`.
    pub fn weights(&self) -> &Array2<f32> {
        &self.base.weights
    }

    /// Each sample's best-matching unit, `(batch, 1)` (ngclearn's int32, as float32).
    pub fn bmu(&self) -> &Array2<f32> {
        &self.bmu
    }

    /// The current radius and learning rate.
    pub fn radius_and_eta(&self) -> (f32, f32) {
        (self.radius[[0, 0]], self.eta[[0, 0]])
    }

    fn find_bmu(&mut self) {
        let (n_in, n_units) = self.base.shape;
        let x = &self.base.inputs;
        let w = self.base.weights.as_slice().expect("standard layout");
        let delta = self.delta.as_slice_mut().expect("standard layout");
        for b in 0..x.nrows() {
            let xb = x.row(b);
            let db = &mut delta[b * n_in * n_units..(b + 1) * n_in * n_units];
            for i in 0..n_in {
                for u in 0..n_units {
                    db[i * n_units + u] = xb[i] - w[i * n_units + u];
                }
            }
            let dist = &mut self.dist.row_mut(b);
            match self.distance {
                Distance::Euclidean => {
                    for u in 0..n_units {
                        let s = (0..n_in).fold(0.0f32, |s, i| {
                            let t = db[i * n_units + u];
                            t.mul_add(t, s)
                        });
                        dist[u] = s.sqrt();
                    }
                }
                Distance::Manhattan => {
                    for u in 0..n_units {
                        dist[u] = (0..n_in).fold(0.0f32, |s, i| s + db[i * n_units + u].abs());
                    }
                }
                Distance::Cosine => {
                    let xn = (0..n_in).fold(0.0f32, |s, i| xb[i].mul_add(xb[i], s)).sqrt();
                    for u in 0..n_units {
                        let wn = (0..n_in)
                            .fold(0.0f32, |s, i| {
                                let t = w[i * n_units + u];
                                t.mul_add(t, s)
                            })
                            .sqrt();
                        let mut dot = xb[0] * w[u];
                        for i in 1..n_in {
                            dot = xb[i].mul_add(w[i * n_units + u], dot);
                        }
                        dist[u] = 1.0 - dot / (xn * wn);
                    }
                }
            }
            // argmin as XLA reduces it: the first NaN, else the first smallest.
            let (mut best, mut at) = (f32::INFINITY, 0usize);
            for (u, &v) in dist.iter().enumerate() {
                let keep = best < v || best.is_nan() || (best == v && at < u);
                if !keep {
                    best = v;
                    at = u;
                }
            }
            self.bmu[[b, 0]] = at as f32;
        }
    }

    fn neighbourhood(&mut self) {
        let n = self.p.n_units_y;
        let sigma = self.radius[[0, 0]];
        let s2 = sigma * sigma;
        let inv_2s2 = 1.0 / (s2 * 2.0);
        let inv_s2 = 1.0 / s2;
        let rs = self.p.resist_scale;
        for b in 0..self.bmu.nrows() {
            let at = self.bmu[[b, 0]] as usize;
            let (bx, by) = ((at / n) as f32, (at % n) as f32);
            let mut nw = self.neighbor_weights.row_mut(b);
            for (u, o) in nw.iter_mut().enumerate() {
                let (dx, dy) = ((u / n) as f32 - bx, (u % n) as f32 - by);
                let r = dy.mul_add(dy, dx * dx).sqrt();
                let r2 = r * r;
                let g = exp_xla(-r2 * inv_2s2);
                *o = if self.ricker {
                    maximum(g * (-r2).mul_add(inv_s2, 1.0), 0.0)
                } else {
                    g
                };
            }
            // softmax(nw * rs) over the units: exp(nw * rs - max) fused, times 1 / sum.
            let mx = nw.iter().fold(f32::NEG_INFINITY, |m, &v| maximum(m, v * rs));
            let mut out = self.base.outputs.row_mut(b);
            for (o, &v) in out.iter_mut().zip(nw.iter()) {
                *o = exp_xla(v.mul_add(rs, -mx));
            }
            let inv = 1.0 / row_sum_xla(out.as_slice().expect("a row of a standard array"));
            out.mapv_inplace(|e| e * inv);
        }
    }

    fn learn(&mut self) {
        let r = self.radius[[0, 0]];
        self.radius[[0, 0]] = r + -r * self.inv_tau_radius;
        let a = self.eta[[0, 0]];
        let eta = a + -a * self.inv_tau_eta;
        self.eta[[0, 0]] = eta;
        let (n_in, n_units) = self.base.shape;
        let len = n_in * n_units;
        let rows = self.delta.nrows();
        let delta = self.delta.as_slice().expect("standard layout");
        let nw = &self.neighbor_weights;
        let dw = self.d_weights.as_slice_mut().expect("standard layout");
        let w = self.base.weights.as_slice_mut().expect("standard layout");
        let plain_sum = rows * len >= YNN_VALUES;
        let plain_update = len >= YNN_VALUES;
        let inv_b = (1.0f64 / rows as f64) as f32;
        for k in 0..len {
            let u = k % n_units;
            let p = |b: usize| delta[b * len + k] * nw[[b, u]];
            if rows == 1 {
                dw[k] = p(0) * eta;
                w[k] = p(0).mul_add(eta, w[k]);
                continue;
            }
            let mut acc = 0.0f32;
            for b in 0..rows {
                acc = if plain_sum {
                    acc + p(b) * eta
                } else {
                    p(b).mul_add(eta, acc)
                };
            }
            dw[k] = acc * inv_b;
            w[k] = if plain_update {
                w[k] + dw[k]
            } else {
                acc.mul_add(inv_b, w[k])
            };
        }
        self.i_tick[[0, 0]] += 1.0;
    }
}

impl Component for SOMSynapse {
    fn changed(&mut self, index: usize) {
        self.base.changed(index);
    }
    fn advance_state(&mut self, _t: f32, _dt: f32) {
        self.find_bmu();
        self.neighbourhood();
    }
    fn evolve(&mut self, _t: f32, _dt: f32) {
        self.learn();
        self.base.unit_weights = None;
    }
    fn reset(&mut self) {
        // ngclearn's reset: inputs, outputs, dWeights, delta, bmu, neighbor_weights.
        self.base.reset();
        self.d_weights.fill(0.0);
        self.delta.fill(0.0);
        self.bmu.fill(0.0);
        self.neighbor_weights.fill(0.0);
    }
    fn saves_as_scalar(&self, index: usize) -> bool {
        index == Dense::BIASES
    }
}
