//! `GerstnerHebbianSynapse`: a dense synapse learning by Gerstner & Kistler's (2002)
//! general Hebbian expansion (their equation 3), whose coefficients recover the plain,
//! anti-, covariance and gated Hebbian rules.
//!
//! `advance_state` is the dense synapse's (`outputs = (inputs · (W * mask)) *
//! resist_scale`); `evolve`, as ngclearn 3.1.1 (`ngclearn.components.synapses.hebbian`;
//! not exported from `ngclearn.components`), with `x = pre`, `y = post` and `B =
//! batch_size`:
//! ```text
//! dW_corr = (x^T · y) / B,  dW_pre = sum_b(x)^T / B,  dW_post = sum_b(y) / B
//! dW = c0 * W + c1_pre * dW_pre + c1_post * dW_post + c2_corr * dW_corr
//! W  = W + eta * dW
//! ```
//! (`coeffs` default to the bilinear rule: `c0 = c1_pre = c1_post = 0`, `c2_corr = 1`;
//! XLA's fused multiply-adds as in ngclearn's compiled step.) The terms broadcast against
//! `W` only when the synapse is square, so ngclearn runs it for square shapes only; other
//! shapes are refused here. ngclearn gives the class no biases.

use crate::components::synapses::dense_synapse::{Dense, DenseParams};
use crate::core::component::{filled, Component};
use crate::core::kwargs::{KwargValue, Kwargs};
use crate::core::rng::Key;
use crate::error::{Error, Result};
use crate::utils::distribution_generator::Initializer;
use crate::{Class, Compartments, Params};
use ndarray::Array2;
use serde_json::Value;

/// The expansion's coefficients (ngclearn's `coeffs` dict).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct GerstnerCoeffs {
    /// Weight decay term `c0 * W`
    pub c0: f32,
    /// Pre-synaptic term
    pub c1_pre: f32,
    /// Post-synaptic term
    pub c1_post: f32,
    /// Correlation term
    pub c2_corr: f32,
}

impl GerstnerCoeffs {
    /// The bilinear Hebbian rule: `c2_corr = 1`, the others 0.
    pub fn bilinear() -> GerstnerCoeffs {
        GerstnerCoeffs {
            c0: 0.0,
            c1_pre: 0.0,
            c1_post: 0.0,
            c2_corr: 1.0,
        }
    }
}

impl KwargValue for Option<GerstnerCoeffs> {
    const KIND: &'static str = "dict[str, float] | None";
    fn from_kwarg(kw: &Kwargs, key: &str, value: Value) -> Result<Self> {
        if value.is_null() {
            return Ok(None);
        }
        let Some(map) = value.as_object() else {
            return Err(kw.type_error(key, format!("expected an object of c0, c1_pre, c1_post, c2_corr, got {value}")));
        };
        // ngclearn reads the four keys (a missing one is its KeyError); others are ignored
        // there, and refused here as most likely a misspelling.
        let names = ["c0", "c1_pre", "c1_post", "c2_corr"];
        if let Some(other) = map.keys().find(|k| !names.contains(&k.as_str())) {
            return Err(kw.error(key, format!("`{other}` is not one of c0, c1_pre, c1_post, c2_corr")));
        }
        let mut c = [0.0f32; 4];
        for (slot, name) in c.iter_mut().zip(names) {
            let v = map
                .get(name)
                .ok_or_else(|| kw.error(key, format!("has no `{name}` (all four are needed)")))?;
            *slot = match v.as_f64() {
                Some(x) if (x as f32).is_finite() => x as f32,
                _ => return Err(kw.error(key, format!("`{name}` = {v} is not a finite float32"))),
            };
        }
        Ok(Some(GerstnerCoeffs {
            c0: c[0],
            c1_pre: c[1],
            c1_post: c[2],
            c2_corr: c[3],
        }))
    }
    fn to_kwarg(&self) -> Value {
        match self {
            None => Value::Null,
            Some(c) => serde_json::json!({"c0": c.c0, "c1_pre": c.c1_pre, "c1_post": c.c1_post, "c2_corr": c.c2_corr}),
        }
    }
}

/// Parameters of a [`GerstnerHebbianSynapse`], with ngclearn's names and defaults, in
/// its constructor's order.
#[derive(Debug, Clone, PartialEq, Params)]
pub struct GerstnerHebbianSynapseParams {
    /// Global step size
    #[param(default = 0.01, check = finite)]
    pub eta: f32,
    /// Coefficients {c0, c1_pre, c1_post, c2_corr} (None: the bilinear rule)
    #[param(default = None, none_means = GerstnerCoeffs::bilinear(), text = "None (c2_corr = 1, the others 0)")]
    pub coeffs: Option<GerstnerCoeffs>,
    /// Initialiser of the weights W
    #[param(default = None, none_means = crate::components::synapses::dense_synapse::default_weight_init(), text = "uniform(0.025, 0.8)", skip_kwargs)]
    pub weight_init: Option<Initializer>,
    /// Probability of a connection existing (otherwise masked to zero)
    #[param(default = 1.0, check = finite)]
    pub p_conn: f32,
    /// Resistance scaling factor applied to the output
    #[param(default = 1.0, check = finite)]
    pub resist_scale: f32,
    /// Kept as ngclearn keeps it (its rule does not use it)
    #[param(default = 1.0, check = finite)]
    pub sign_value: f32,
    /// Rows of the batch dimension (the rule divides its sums by it)
    #[param(default = 1, check = count, omit_default)]
    pub batch_size: usize,
    /// JAX PRNG key
    ///
    /// Not saved in the keyword arguments (the key is state, saved with the arrays).
    #[param(default = None, text = "from the clock", skip_kwargs, keyword_only)]
    pub key: Option<Key>,
}

/// The Gerstner Hebbian synapse (see the module documentation).
#[derive(Debug, Clone, Compartments, Class)]
#[class(
    module = "ngclearn.components.synapses.hebbian.gerstnerHebbianSynapse.GerstnerHebbianSynapse",
    description = "Dense synapse learning by Gerstner's general Hebbian expansion (decay, pre, post and correlation terms)",
    dynamics = "advance_state: outputs = (inputs . (W * mask)) * resist_scale\n\
               evolve: dW = c0 * W + c1_pre * sum_b(pre)^T / B + c1_post * sum_b(post) / B + c2_corr * (pre^T . post) / B; \
               W = W + eta * dW",
    head = shape,
    extends = crate::components::synapses::dense_synapse::DenseSynapse,
    keywords(advance_state = [], evolve = []),
    fixed(bias_init = None::<Initializer>),
    methods = crate::core::schema::ADVANCE_EVOLVE_RESET,
    any_rows(pre, post),
)]
pub struct GerstnerHebbianSynapse {
    #[compartment(flatten)]
    base: Dense,
    /// Pre-synaptic activity x
    #[compartment(input, shape = "(batch_size, n_pre)")]
    pre: Array2<f32>,
    /// Post-synaptic activity y
    #[compartment(input, shape = "(batch_size, n_post)")]
    post: Array2<f32>,
    p: GerstnerHebbianSynapseParams,
}

impl GerstnerHebbianSynapse {
    /// Builds a synapse of shape `(n, n)` (ngclearn's rule runs on square shapes only).
    pub fn new(name: &str, shape: (usize, usize), p: GerstnerHebbianSynapseParams) -> Result<Self> {
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
        let base = Dense::new(name, shape, &dense)?;
        let name = base.name.clone();
        p.validate(&name)?;
        if shape.0 != shape.1 {
            return Err(Error::param(
                &name,
                "shape",
                format!("{shape:?}"),
                "must be square: ngclearn's rule adds terms of shapes (n_post, n_pre) and (n_pre, 1) \
                 to the (n_pre, n_post) weights, which broadcast only when n_pre = n_post",
            ));
        }
        let b = p.batch_size;
        let z = |s| filled(&name, "shape", s, 0.0);
        Ok(GerstnerHebbianSynapse {
            pre: z((b, shape.1))?,
            post: z((b, shape.0))?,
            base,
            p,
        })
    }

    /// The weights.
    pub fn weights(&self) -> &Array2<f32> {
        &self.base.weights
    }

    /// One step of the rule, as XLA computes ngclearn's (see the module documentation):
    /// products by 1 dropped, a batch of one row's `x^T · y` a product, and in each sum
    /// the first term's product fused when it is one, else the added term's.
    fn learn(&mut self) {
        let p = &self.p;
        let c = p.coeffs.unwrap_or_else(GerstnerCoeffs::bilinear);
        let inv_b = (1.0f64 / p.batch_size as f64) as f32;
        let n = self.base.shape.0;
        let (x, y) = (&self.pre, &self.post);
        let rows = x.nrows().min(y.nrows());
        // Sums over the batch, in order, times 1 / B (dropped when B = 1).
        let scale = |v: f32| if inv_b == 1.0 { v } else { v * inv_b };
        let pre_sum: Vec<f32> = (0..n)
            .map(|i| scale((0..x.nrows()).fold(0.0f32, |s, b| s + x[[b, i]])))
            .collect();
        let post_sum: Vec<f32> = (0..n)
            .map(|j| scale((0..y.nrows()).fold(0.0f32, |s, b| s + y[[b, j]])))
            .collect();
        let eta = p.eta;
        let w = self.base.weights.as_slice_mut().expect("standard layout");
        for i in 0..n {
            for j in 0..n {
                let k = i * n + j;
                let wij = w[k];
                // The correlation term: a batch of one row's `x^T · y` is a product XLA
                // fuses into the sum; a longer batch's is a chain of fused multiply-adds,
                // times `1 / B` (rounded), whose product by `c2_corr` is fused.
                let corr = if rows == 1 && inv_b == 1.0 {
                    Term::Product(x[[0, i]], y[[0, j]]).scaled_by(c.c2_corr)
                } else {
                    let mut s = x[[0, i]] * y[[0, j]];
                    for b in 1..rows {
                        s = x[[b, i]].mul_add(y[[b, j]], s);
                    }
                    Term::scaled(c.c2_corr, if inv_b == 1.0 { s } else { s * inv_b })
                };
                // The pre and post terms are products of the summed rows before they
                // are broadcast: values by the time they meet the sum.
                let terms = [
                    Term::scaled(c.c0, wij),
                    Term::Value(Term::scaled(c.c1_pre, pre_sum[i]).value()),
                    Term::Value(Term::scaled(c.c1_post, post_sum[j]).value()),
                    corr,
                ];
                let d_w = Term::sum(&terms);
                w[k] = eta.mul_add(d_w, wij);
            }
        }
    }
}

/// A term of a sum as XLA's compiled code sees it: a product (which it may fuse with
/// the sum) or a value.
#[derive(Debug, Clone, Copy)]
enum Term {
    Product(f32, f32),
    Value(f32),
}

impl Term {
    /// `c * v`: `v` when `c` is 1 (XLA drops the product), its negation when -1.
    fn scaled(c: f32, v: f32) -> Term {
        if c == 1.0 {
            Term::Value(v)
        } else if c == -1.0 {
            Term::Value(-v)
        } else {
            Term::Product(c, v)
        }
    }

    /// `c * self`.
    fn scaled_by(self, c: f32) -> Term {
        match self {
            _ if c == 1.0 => self,
            Term::Value(v) => Term::scaled(c, v),
            Term::Product(a, b) => Term::scaled(c, a * b).with_factor_last(),
        }
    }

    /// `(a * b) * c` keeps `a * b` rounded and fuses the product by `c`.
    fn with_factor_last(self) -> Term {
        match self {
            Term::Product(c, v) => Term::Product(v, c),
            t => t,
        }
    }

    fn value(self) -> f32 {
        match self {
            Term::Product(a, b) => a * b,
            Term::Value(v) => v,
        }
    }

    /// The terms summed left to right, each sum fusing the first operand's product when
    /// it is one (the first sum), else the added term's (measured against ngclearn).
    fn sum(terms: &[Term]) -> f32 {
        let (first, rest) = terms.split_first().expect("terms");
        let mut acc = *first;
        for &t in rest {
            acc = Term::Value(match (acc, t) {
                (Term::Product(a, b), t) => a.mul_add(b, t.value()),
                (Term::Value(v), Term::Product(a, b)) => a.mul_add(b, v),
                (Term::Value(v), Term::Value(u)) => v + u,
            });
        }
        acc.value()
    }
}

impl Component for GerstnerHebbianSynapse {
    fn changed(&mut self, index: usize) {
        self.base.changed(index);
    }
    fn advance_state(&mut self, _t: f32, _dt: f32) {
        self.base.dense_step();
    }
    fn evolve(&mut self, _t: f32, _dt: f32) {
        self.learn();
    }
    fn reset(&mut self) {
        // ngclearn's reset: pre and post only.
        let b = self.p.batch_size;
        crate::core::component::zero_rows(&mut self.pre, b);
        crate::core::component::zero_rows(&mut self.post, b);
    }
    fn rows_ready(&self) -> Result<()> {
        crate::core::component::rows_agree(&self.base.name, &self.pre, &self.post)
    }
    fn saves_as_scalar(&self, index: usize) -> bool {
        index == Dense::BIASES
    }
}
