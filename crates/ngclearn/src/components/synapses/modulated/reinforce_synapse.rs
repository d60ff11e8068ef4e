//! `REINFORCESynapse`: a stochastic synaptic cable whose outputs are actions sampled from
//! a Gaussian policy, and whose weights learn by the REINFORCE policy gradient.
//!
//! As ngclearn 3.1.1 (`ngclearn.components.synapses.modulated.REINFORCESynapse`): the
//! weights `W` are `(n_pre, 2 n_post)`, the means' columns `W_mu` then the
//! log-deviations' `W_ls`. `evolve`, with `x = inputs` of `B` rows, `r = rewards` (one per
//! row), `m = 1` if `scalar_stddev <= 0` (the deviations are learnt) else `0`:
//! ```text
//! (seed, k) = split(seed);  a = act_fx(x);  mean = a . W_mu;  mu = mu_act_fx(mean)
//! ls = a . W_ls;  std = m ? exp(clip(ls, -10, 2)) : scalar_stddev
//! outputs = s = clip(normal(k) * std + mu, mu_out_min, mu_out_max)
//! logp = sum_n -0.5 (log(2 pi std^2) + (s - mu)^2 / std^2)
//! objective = mean_b(-logp * r) * 0.01;  g = -r * 0.01 / B
//! dW_mu = a^T . (g (s - mu) / std^2 * mu_act_fx'(mean))
//! dW_ls = a^T . (clip'(ls) g (-1 / std + (s - mu)^2 / std^3) std) * m
//! dWeights = [-dW_mu | -dW_ls]
//! W = clip((W + dWeights eta) lm + W (1 - lm), 0, w_bound)      lm = learning_mask
//! step_count += 1
//! accumulated_gradients = (step_count - 1) / step_count * accumulated_gradients * decay
//!                         + 1 / step_count * dWeights
//! step_count = step_count * (1 - lm)
//! ```
//! `reset` zeroes the signals, the objective, the gradients and the step count, and puts
//! the sampling key back to `PRNGKey(42)` (whatever `seed` was given), as ngclearn's does.
//! The component's `key` (ngclearn's JaxComponent's) draws the weights; `seed` (a second
//! key) draws the samples. Each contraction is XLA's dot (`dot_chain_xla`), each sum
//! XLA's reduction.
//!
//! Where ngclearn's code does something this class does not:
//! - `advance_state` (DenseSynapse's, inherited) writes `inputs . W` into `outputs` as
//!   `(batch_size, 2 n_post)`, a shape `evolve`'s samples then replace; it is not a method
//!   here (a process that calls it is refused by name).
//! - `reset` leaves `dWeights` of shape `(n_pre, n_post)` there, `(n_pre, 2 n_post)` zeros
//!   here (the next `evolve` writes both alike).

use crate::components::synapses::dense_synapse::{default_weight_init, Dense, DenseParams};
use crate::core::component::{filled, ClassBase, Component, Head};
use crate::core::kwargs::{KwargValue, Kwargs};
use crate::core::rng::Key;
use crate::core::schema::MethodInfo;
use crate::core::xla_math::{clip, dot_chain_xla, dot_sum_xla, exp_xla, ln_xla, row_sum_xla};
use crate::error::{Error, Result};
use crate::utils::distribution_generator::Initializer;
use crate::utils::model_utils::Act;
use crate::{Class, Compartments, Params};
use ndarray::Array2;
use serde_json::Value;

/// A bound of the sampled outputs: a float, infinite allowed (ngclearn's defaults are
/// `-inf` and `inf`); written to JSON as a number, or as `"inf"` / `"-inf"`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct OutputBound(pub f32);

impl KwargValue for OutputBound {
    const KIND: &'static str = "bound";
    fn from_kwarg(kw: &Kwargs, key: &str, value: Value) -> Result<Self> {
        match &value {
            Value::Number(n) => match n.as_f64() {
                Some(x) if x.is_finite() => Ok(OutputBound(x as f32)),
                _ => Err(kw.error(key, format!("{n} is not a number"))),
            },
            Value::String(s) => match s.as_str() {
                "inf" | "Infinity" => Ok(OutputBound(f32::INFINITY)),
                "-inf" | "-Infinity" => Ok(OutputBound(f32::NEG_INFINITY)),
                _ => Err(kw.error(key, format!("expected a number, \"inf\" or \"-inf\", got {value}"))),
            },
            _ => Err(kw.type_error(key, format!("expected a number, got {value}"))),
        }
    }
    fn to_kwarg(&self) -> Value {
        match self.0 {
            x if x == f32::INFINITY => Value::from("inf"),
            x if x == f32::NEG_INFINITY => Value::from("-inf"),
            x => serde_json::Number::from_f64(x as f64).map_or(Value::Null, Value::Number),
        }
    }
}

/// Parameters of a [`REINFORCESynapse`], with ngclearn's names and defaults, in its
/// constructor's order.
#[derive(Debug, Clone, PartialEq, Params)]
pub struct REINFORCESynapseParams {
    /// Learning rate of the weight updates
    #[param(default = 1e-4, check = finite)]
    pub eta: f32,
    /// Decay of the gradients' moving average
    #[param(default = 0.99, check = finite)]
    pub decay: f32,
    /// Initialiser of the weights (the means' columns, then the log-deviations')
    #[param(default = None, none_means = default_weight_init(), text = "uniform(0.025, 0.8)", skip_kwargs)]
    pub weight_init: Option<Initializer>,
    /// Resistance scaling factor (kept, as ngclearn keeps it; evolve does not use it)
    #[param(default = 1.0, check = finite)]
    pub resist_scale: f32,
    /// Activation of the inputs (none: identity)
    #[param(default = None, text = "identity")]
    pub act_fx: Option<String>,
    /// Probability of a connection existing (otherwise masked to zero)
    #[param(default = 1.0, check = finite)]
    pub p_conn: f32,
    /// Upper bound of the weights (they are clipped to [0, w_bound])
    #[param(default = 1.0, check = finite)]
    pub w_bound: f32,
    /// Rows of the batch dimension
    #[param(default = 1, check = count, omit_default)]
    pub batch_size: usize,
    /// Seed of the sampling key `seed` (none: 42)
    #[param(default = None, text = "42")]
    pub seed: Option<usize>,
    /// Activation of the Gaussian's mean (none: identity)
    #[param(default = None, text = "identity")]
    pub mu_act_fx: Option<String>,
    /// Lower bound of the sampled outputs
    #[param(default = OutputBound(f32::NEG_INFINITY), text = "-inf", omit_default)]
    pub mu_out_min: OutputBound,
    /// Upper bound of the sampled outputs
    #[param(default = OutputBound(f32::INFINITY), text = "inf", omit_default)]
    pub mu_out_max: OutputBound,
    /// Fixed standard deviation of the samples (<= 0: learnt, from the log-deviations' columns)
    #[param(default = -1.0, check = finite)]
    pub scalar_stddev: f32,
    /// JAX PRNG key (draws the weights)
    ///
    /// Not saved in the keyword arguments (the key is state, saved with the arrays).
    #[param(default = None, text = "from the clock", skip_kwargs, keyword_only)]
    pub key: Option<Key>,
}

/// What ngclearn's REINFORCESynapse inherits from DenseSynapse: its signals, the
/// `(n_pre, 2 n_post)` weights, the unit mask and the zero biases, and its key.
#[derive(Debug, Clone, Compartments)]
pub(crate) struct Cable {
    name: String,
    /// `(n_pre, n_post)`: ngclearn's `shape` (the weights have twice its columns).
    shape: (usize, usize),
    /// Input signals
    #[compartment(input, shape = "(batch_size, n_pre)")]
    inputs: Array2<f32>,
    /// Sampled actions
    #[compartment(output, shape = "(batch_size, n_post)")]
    outputs: Array2<f32>,
    /// Efficacies: the means' columns, then the log-deviations'
    #[compartment(state, shape = "(n_pre, n_cols)")]
    weights: Array2<f32>,
    /// DenseSynapse's mask (not used by the rule)
    #[compartment(state, shape = "(1, 1)")]
    mask: Array2<f32>,
    /// DenseSynapse's biases (the scalar 0; not used by the rule)
    #[compartment(state, scalar, shape = "(1, 1)")]
    biases: Array2<f32>,
    /// JAX PRNG key
    #[compartment(key)]
    key: Key,
}

impl ClassBase for Cable {
    fn name(&self) -> &str {
        &self.name
    }
    fn key(&self) -> Key {
        self.key
    }
    fn set_key(&mut self, key: Key) {
        self.key = key;
    }
    fn head(&self) -> Head {
        Head::Shape(self.shape.0, self.shape.1)
    }
}

static METHODS: [MethodInfo; 2] = [
    MethodInfo {
        name: "evolve",
        reads_inputs: true,
        keywords: &["dt"],
        description: "Samples actions and takes one policy-gradient step (where learning_mask is 1)",
    },
    crate::core::schema::ADVANCE_AND_RESET[1],
];

/// The REINFORCE synapse (see the module documentation).
///
/// ```
/// use ngclearn::components::synapses::modulated::{REINFORCESynapse, REINFORCESynapseParams};
/// use ngclearn::prelude::*;
/// let mut p = REINFORCESynapseParams::new();
/// p.key = Some(Key::from_seed(1));
/// p.eta = 0.1;
/// let mut ctx = Context::new("rl");
/// ctx.add(REINFORCESynapse::new("W", (3, 2), p)?)?;
/// ctx.process("learn", &[("W", Method::Evolve)])?;
/// let mut m = ctx.build()?;
/// m.set("W:inputs", &ndarray::array![[1.0f32, 0.0, -1.0]])?;
/// m.set("W:rewards", &ndarray::array![[1.0f32]])?;
/// m.set("W:learning_mask", &ndarray::array![[1.0f32]])?;
/// m.run_named("learn", 0.0, 1.0)?;
/// assert_eq!(m.get("W:outputs")?.dim(), (1, 2));
/// assert_eq!(m.get("W:weights")?.dim(), (3, 4));
/// # Ok::<(), ngclearn::Error>(())
/// ```
#[derive(Debug, Clone, Compartments, Class)]
#[class(
    module = "ngclearn.components.synapses.modulated.REINFORCESynapse.REINFORCESynapse",
    description = "Stochastic synapse sampling Gaussian actions, learning by the REINFORCE policy gradient",
    dynamics = "evolve: a = act_fx(inputs); mu = mu_act_fx(a . W_mu); std = exp(clip(a . W_ls, -10, 2)) or scalar_stddev; \
               outputs = clip(normal(seed) * std + mu, mu_out_min, mu_out_max); \
               objective = mean(-logN(outputs; mu, std) * rewards) * 0.01; dWeights = -d objective / dW; \
               W = clip(W + dWeights * eta [learning_mask], 0, w_bound); \
               accumulated_gradients = EMA of dWeights over step_count (decay)\n\
               reset: signals, objective, gradients and step_count to 0; seed = PRNGKey(42)",
    head = shape,
    extends = crate::components::synapses::dense_synapse::DenseSynapse,
    fixed(bias_init = None::<Initializer>),
    methods = METHODS,
    sizes = Self::sizes,
    notes = "The weights are (n_pre, 2 n_post): the means' columns, then the log-deviations'. \
             DenseSynapse's advance_state (which ngclearn's class inherits, writing (batch_size, 2 n_post) \
             outputs) is not a method here. After reset, ngclearn's dWeights has shape (n_pre, n_post), \
             this one (n_pre, 2 n_post) (zeros in both).",
)]
pub struct REINFORCESynapse {
    #[compartment(flatten)]
    base: Cable,
    /// The last update of the weights (ascent: the negative gradient)
    #[compartment(state, name = "dWeights", shape = "(n_pre, n_cols)")]
    d_weights: Array2<f32>,
    /// The last objective (negative REINFORCE objective)
    #[compartment(output, scalar, shape = "(1, 1)")]
    objective: Array2<f32>,
    /// Rewards, one per batch row (often normalised: r - r_hat)
    #[compartment(input, shape = "(batch_size)")]
    rewards: Array2<f32>,
    /// Moving average of the updates
    #[compartment(state, shape = "(n_pre, n_cols)")]
    accumulated_gradients: Array2<f32>,
    /// Steps since the last learning step
    #[compartment(state, scalar, shape = "(1, 1)")]
    step_count: Array2<f32>,
    /// 1 where the weights learn (set by the user; 0 at first)
    #[compartment(state, scalar, shape = "(1, 1)")]
    learning_mask: Array2<f32>,
    /// JAX PRNG key of the samples
    #[compartment(key)]
    seed: Key,
    p: REINFORCESynapseParams,
    act: Act,
    mu_act: Act,
    /// Scratch: `act_fx(inputs)` `(batch, n_pre)`; per `(batch, n_post)`: the mean's
    /// pre-activation, the log-deviation, the noise, and the two gradients with respect
    /// to the mean and the log-deviation.
    a: Array2<f32>,
    mean: Array2<f32>,
    logstd: Array2<f32>,
    noise: Array2<f32>,
    g_mean: Array2<f32>,
    g_logstd: Array2<f32>,
    /// `-log p` of each sample's dimensions (a row's, `n_post`), and each row's
    /// `-logp * r` (`batch`).
    row: Vec<f32>,
    per_row: Vec<f32>,
}

/// The key `reset` puts back, `PRNGKey(42)`.
const RESET_SEED: u64 = 42;

/// `2 pi` as float32, as ngclearn's `2 * jnp.pi` reaches XLA.
const TWO_PI: f32 = std::f32::consts::TAU;

impl REINFORCESynapse {
    /// Builds one of shape `(n_pre, n_post)` (its weights are `(n_pre, 2 n_post)`).
    pub fn new(name: &str, shape: (usize, usize), p: REINFORCESynapseParams) -> Result<Self> {
        let name = crate::core::component::valid_name(name)?;
        let (n_in, n_out) = shape;
        for (i, n) in [n_in, n_out].into_iter().enumerate() {
            if n == 0 {
                return Err(Error::param(&name, &format!("shape[{i}]"), n, "must be positive"));
            }
        }
        p.validate(&name)?;
        let n_cols = n_out
            .checked_mul(2)
            .ok_or_else(|| Error::param(&name, "shape[1]", n_out, "is too large"))?;
        let act_of = |field: &str, given: &Option<String>| -> Result<Act> {
            match Act::parse(given.as_deref().unwrap_or("identity"), Some(30.0), &name)? {
                Act::Softmax => Err(Error::param(
                    &name,
                    field,
                    "softmax",
                    "is not supported here (it normalises over a row, where this class applies \
                     activations elementwise; as mu_act_fx its derivative is a Jacobian, which \
                     ngclearn's rule multiplies elementwise)",
                )),
                a => Ok(a),
            }
        };
        let act = act_of("act_fx", &p.act_fx)?;
        let mu_act = act_of("mu_act_fx", &p.mu_act_fx)?;
        for (field, b) in [("mu_out_min", p.mu_out_min), ("mu_out_max", p.mu_out_max)] {
            if b.0.is_nan() {
                return Err(Error::param(&name, field, b.0, "must be a number"));
            }
        }
        // The weights as DenseSynapse draws them for shape (n_pre, 2 n_post).
        let dense = Dense::new(
            &name,
            (n_in, n_cols),
            &DenseParams::drawn(p.weight_init.clone(), p.resist_scale, p.p_conn, p.batch_size, p.key),
        )?;
        let b = p.batch_size;
        let z = |s| filled(&name, "shape", s, 0.0);
        let seed = Key::from_seed(p.seed.map_or(RESET_SEED, |s| s as u64));
        Ok(REINFORCESynapse {
            d_weights: z((n_in, n_cols))?,
            objective: z((1, 1))?,
            rewards: z((b, 1))?,
            accumulated_gradients: z((n_in, n_cols))?,
            step_count: z((1, 1))?,
            learning_mask: z((1, 1))?,
            seed,
            a: z((b, n_in))?,
            mean: z((b, n_out))?,
            logstd: z((b, n_out))?,
            noise: z((b, n_out))?,
            g_mean: z((b, n_out))?,
            g_logstd: z((b, n_out))?,
            row: vec![0.0; n_out],
            per_row: vec![0.0; b],
            base: Cable {
                inputs: z((b, n_in))?,
                outputs: z((b, n_out))?,
                weights: (*dense.weights).clone(),
                mask: filled(&name, "shape", (1, 1), 1.0)?,
                biases: z((1, 1))?,
                key: dense.key,
                name: name.clone(),
                shape,
            },
            act,
            mu_act,
            p,
        })
    }

    /// The sizes its shapes name: `n_cols`, the weights' columns (`2 n_post`).
    pub fn sizes(kw: &Kwargs) -> Option<crate::core::class::NamedSizes> {
        let shape = kw.peek("shape")?;
        let n_post = shape.as_array()?.get(1)?.as_u64()?;
        Some(vec![("n_cols", usize::try_from(n_post.checked_mul(2)?).ok()?)])
    }

    /// `out[b, n] = sum_i a[b, i] * w[i, col0 + n]`, XLA's dot ([`dot_chain_xla`]).
    fn project(a: &Array2<f32>, w: &Array2<f32>, col0: usize, out: &mut Array2<f32>) {
        for (arow, mut orow) in a.rows().into_iter().zip(out.rows_mut()) {
            for (n, o) in orow.iter_mut().enumerate() {
                *o = dot_chain_xla(arow.len(), |i| arow[i], |i| w[[i, col0 + n]]);
            }
        }
    }
}

impl Component for REINFORCESynapse {
    /// Not one of this class's methods (see the module documentation): a process never
    /// calls it, and it changes nothing.
    fn advance_state(&mut self, _t: f32, _dt: f32) {}

    fn evolve(&mut self, _t: f32, _dt: f32) {
        let (n_in, n_out) = self.base.shape;
        let rows = self.a.nrows();
        let [next, sub] = self.seed.split::<2>();
        self.seed = next;
        let learn_std = self.p.scalar_stddev <= 0.0;
        let (lo, hi) = (self.p.mu_out_min.0, self.p.mu_out_max.0);
        let act = self.act;
        let mu_act = self.mu_act;
        for (a, &x) in self.a.iter_mut().zip(self.base.inputs.iter()) {
            *a = act.f(x);
        }
        Self::project(&self.a, &self.base.weights, 0, &mut self.mean);
        Self::project(&self.a, &self.base.weights, n_out, &mut self.logstd);
        sub.normal_into(self.noise.as_slice_mut().expect("standard layout"));
        let batch = rows as f32;
        for b in 0..rows {
            let r = self.rewards[[b, 0]];
            // dL/dlogp = -r * 0.01 / B
            let g = -r * 0.01 * (1.0 / batch);
            for n in 0..n_out {
                let mean = self.mean[[b, n]];
                let mu = mu_act.f(mean);
                let ls = self.logstd[[b, n]];
                let std = if learn_std {
                    exp_xla(clip(ls, -10.0, 2.0))
                } else {
                    self.p.scalar_stddev
                };
                let s = clip(self.noise[[b, n]].mul_add(std, mu), lo, hi);
                self.base.outputs[[b, n]] = s;
                let var = std * std;
                let d = s - mu;
                // -0.5 * (log(2 pi std^2) + (s - mu)^2 / std^2)
                self.row[n] = -0.5 * (ln_xla(TWO_PI * var) + d * d / var);
                self.g_mean[[b, n]] = mu_act.times_df(g * (d / var), mean);
                let dlp = -1.0 / std + d * d / (std * var);
                let inside = if (-10.0..=2.0).contains(&ls) { 1.0 } else { 0.0 };
                self.g_logstd[[b, n]] = inside * (g * dlp) * std;
            }
            self.per_row[b] = -row_sum_xla(&self.row);
        }
        let r = self.rewards.as_slice().expect("standard layout");
        let sum = dot_sum_xla(&self.per_row, r);
        self.objective[[0, 0]] = sum * (1.0 / batch) * 0.01;
        // dWeights = -(a^T . g), its batch sums XLA's dot.
        let m = if learn_std { 1.0 } else { 0.0 };
        let lm = self.learning_mask[[0, 0]];
        let eta = self.p.eta;
        let w_bound = self.p.w_bound;
        for i in 0..n_in {
            for col in 0..2 * n_out {
                let (g, n) = if col < n_out {
                    (&self.g_mean, col)
                } else {
                    (&self.g_logstd, col - n_out)
                };
                let a = &self.a;
                let acc = dot_chain_xla(rows, |b| a[[b, i]], |b| g[[b, n]]);
                let dw = if col < n_out { -acc } else { -(acc * m) };
                self.d_weights[[i, col]] = dw;
                let w = self.base.weights[[i, col]];
                let stepped = dw.mul_add(eta, w);
                let kept = stepped.mul_add(lm, w * (1.0 - lm));
                self.base.weights[[i, col]] = clip(kept, 0.0, w_bound);
            }
        }
        let sc = self.step_count[[0, 0]] + 1.0;
        let keep = (sc - 1.0) / sc;
        let new = 1.0 / sc;
        let decay = self.p.decay;
        for (acc, &dw) in self.accumulated_gradients.iter_mut().zip(self.d_weights.iter()) {
            *acc = (keep * *acc).mul_add(decay, new * dw);
        }
        self.step_count[[0, 0]] = sc * (1.0 - lm);
    }

    fn reset(&mut self) {
        for a in [
            &mut self.base.inputs,
            &mut self.base.outputs,
            &mut self.objective,
            &mut self.rewards,
            &mut self.d_weights,
            &mut self.accumulated_gradients,
            &mut self.step_count,
        ] {
            a.fill(0.0);
        }
        self.seed = Key::from_seed(RESET_SEED);
    }

    fn changed(&mut self, _index: usize) {}
}
