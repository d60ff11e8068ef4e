//! Convolutional synaptic cables (ngclearn's `components.synapses.convolution`): a
//! bank of `n_out_chan` square filters of `k_size x k_size x n_in_chan` over square
//! input maps of `x_size x x_size x n_in_chan`, NHWC, as ngclearn 3.1.1's `ngcconv`
//! computes them (this module's `ngcconv`, private to the crate).
//!
//! Compartments of four axes are stored as `(first axis, the rest)`, row-major, and
//! have their four axes wherever they are shown or saved
//! ([`crate::core::component::dims`]). The shared base here holds ngclearn's
//! `ConvSynapse`/`DeconvSynapse` state; the Hebbian classes add the rule's.

crate::components::family!($ synapses::convolution);
pub(crate) mod ngcconv;

use crate::core::component::{filled, ClassBase, Head};
use crate::core::rng::Key;
use crate::error::{Error, Result};
use crate::utils::distribution_generator::{Distribution, Initializer};
use crate::{Compartments, Params};
use ndarray::Array2;
use ngcconv::{ngc_transpose_padding, Conv2d, Padding, View};

/// Parameters of the convolutional and deconvolutional synapses, with ngclearn's names
/// and defaults, in their constructors' order.
#[derive(Debug, Clone, PartialEq, Params)]
pub struct ConvSynapseParams {
    /// Filter shape (k_size, k_size, n_in_chan, n_out_chan); square filters
    pub shape: (usize, usize, usize, usize),
    /// Input map shape (x_size, x_size); square maps
    pub x_shape: (usize, usize),
    /// Initialiser of the filters K
    #[param(default = None, none_means = crate::components::synapses::dense_synapse::default_weight_init(), text = "uniform(0.025, 0.8)", skip_kwargs)]
    pub filter_init: Option<Initializer>,
    /// Initialiser of the biases b (None: a scalar 0)
    #[param(default = None, text = "none (a scalar 0)", skip_kwargs)]
    pub bias_init: Option<Initializer>,
    /// Stride of the convolution
    #[param(default = 1, check = count)]
    pub stride: usize,
    /// Padding: SAME or VALID
    #[param(default = None, text = "None (ngclearn's convolution then fails: give SAME or VALID)")]
    pub padding: Option<String>,
    /// Scale of the convolution's output
    #[param(default = 1.0, check = finite)]
    pub resist_scale: f32,
    /// Rows of the batch dimension
    #[param(default = 1, check = count, omit_default)]
    pub batch_size: usize,
    /// JAX PRNG key
    ///
    /// Not saved in the keyword arguments (the key is state, saved with the arrays).
    #[param(default = None, text = "from the clock", skip_kwargs, keyword_only)]
    pub key: Option<Key>,
}

/// A convolution's sizes and the geometry of its three convolutions: the forward one,
/// the gradient with respect to the filters and the one with respect to the inputs.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Geometry {
    pub deconv: bool,
    pub batch: usize,
    pub x_size: usize,
    pub k: usize,
    pub c_in: usize,
    pub c_out: usize,
    pub stride: usize,
    pub padding: Padding,
    /// `outputs = conv(inputs, K)`.
    pub forward: Conv2d,
    /// Output side.
    pub out_size: usize,
}

impl Geometry {
    /// The geometry ngclearn's constructor computes, checked: square filters and maps,
    /// SAME or VALID padding, a non-empty output.
    pub fn new(name: &str, deconv: bool, p: &ConvSynapseParams) -> Result<Geometry> {
        let (kh, kw, c_in, c_out) = p.shape;
        let bad_shape = |why: &str| Error::param(name, "shape", format!("{:?}", p.shape), why);
        if kh == 0 || c_in == 0 || c_out == 0 {
            return Err(bad_shape("must be positive sizes"));
        }
        if kh != kw {
            return Err(bad_shape(
                "must be a square filter (ngclearn's convolutions assume k_size x k_size)",
            ));
        }
        let (xh, xw) = p.x_shape;
        if xh == 0 || xh != xw {
            return Err(Error::param(
                name,
                "x_shape",
                format!("{:?}", p.x_shape),
                "must be a square map of positive size (ngclearn reads x_size, x_size from it)",
            ));
        }
        let padding = match p.padding.as_deref() {
            Some(s) => Padding::parse(s)
                .ok_or_else(|| Error::param(name, "padding", s, "must be SAME or VALID"))?,
            None => {
                return Err(Error::param(
                    name,
                    "padding",
                    "None",
                    "must be SAME or VALID (ngclearn's convolution refuses None)",
                ))
            }
        };
        let s = p.stride;
        // Every array's size must be countable: the maps, the filters and the outputs.
        let fits = [[p.batch_size, xh, xh, c_in], [kh, kh, c_in, c_out]]
            .iter()
            .all(|d| {
                d.iter()
                    .try_fold(1usize, |n, &x| n.checked_mul(x))
                    .is_some_and(|n| n <= isize::MAX as usize / 4)
            });
        if !fits {
            return Err(Error::param(
                name,
                "shape",
                format!("{:?} over maps {:?}", p.shape, p.x_shape),
                "gives arrays too large to allocate",
            ));
        }
        let too_large = || {
            Error::param(
                name,
                "shape",
                format!("{:?}", p.shape),
                "gives no output or too large one for these inputs",
            )
        };
        let forward = if deconv {
            let pad = padding.transposed(kh, s);
            Conv2d::new(
                (p.batch_size, xh, xh, c_in),
                (kh, kh, c_out),
                1,
                [pad, pad],
                s,
                1,
            )
        } else {
            let pad = padding.forward(xh, kh, s);
            Conv2d::new(
                (p.batch_size, xh, xh, c_in),
                (kh, kh, c_out),
                s,
                [pad, pad],
                1,
                1,
            )
        }
        .ok_or_else(too_large)?;
        Ok(Geometry {
            deconv,
            batch: p.batch_size,
            x_size: xh,
            k: kh,
            c_in,
            c_out,
            stride: s,
            padding,
            out_size: forward.out_h,
            forward,
        })
    }

    /// The sizes the classes' shapes name, from ngclearn's arguments (`None` if they do
    /// not give a geometry).
    pub fn sizes(
        kw: &crate::core::kwargs::Kwargs,
        deconv: bool,
    ) -> Option<crate::core::class::NamedSizes> {
        let mut kw2 = crate::core::kwargs::Kwargs::new("", "", &[], &[], &{
            let mut m = serde_json::Map::new();
            for k in ["shape", "x_shape", "stride", "padding", "batch_size"] {
                if let Some(v) = kw.peek(k) {
                    m.insert(k.into(), v.clone());
                }
            }
            m
        })
        .ok()?;
        let mut p =
            ConvSynapseParams::new(kw2.get("shape", None).ok()?, kw2.get("x_shape", None).ok()?);
        p.stride = kw2.get("stride", Some(1)).ok()?;
        p.padding = kw2.get("padding", Some(None)).ok()?;
        p.batch_size = kw2.get("batch_size", Some(1)).ok()?;
        let g = Geometry::new("", deconv, &p).ok()?;
        Some(vec![
            ("x_size", g.x_size),
            ("k_size", g.k),
            ("n_in_chan", g.c_in),
            ("n_out_chan", g.c_out),
            ("out_size", g.out_size),
        ])
    }

    /// The gradient with respect to the filters, as ngclearn's `calc_dK_conv` /
    /// `calc_dK_deconv`: the inputs' channels as a batch, their batch as features,
    /// convolved with the outputs' gradient as the filter, its stride as the filter's
    /// dilation (conv) or the input's (deconv). `None` when ngclearn's result would not
    /// have the filters' shape.
    pub fn d_filters(&self) -> Option<Conv2d> {
        let (x, k, s, b) = (self.x_size, self.k, self.stride, self.batch);
        let o = self.out_size;
        let geometry = |h: usize, pads: (isize, isize)| {
            if self.deconv {
                Conv2d::new(
                    (self.c_in, h, h, b),
                    (o, o, self.c_out),
                    1,
                    [pads, pads],
                    s,
                    1,
                )
            } else {
                Conv2d::new(
                    (self.c_in, h, h, b),
                    (o, o, self.c_out),
                    1,
                    [pads, pads],
                    1,
                    s,
                )
            }
        };
        let pads_for = |h: usize, padding: Padding| {
            if self.deconv {
                ngc_transpose_padding(true, padding, h, k, o, s)
            } else {
                padding.forward(x, k, s)
            }
        };
        // ngclearn's `_init`: the whole input's result against the filters' size (a
        // deconvolution's computed with SAME, whatever its padding).
        let whole = geometry(
            x,
            pads_for(
                x,
                if self.deconv {
                    Padding::Same
                } else {
                    self.padding
                },
            ),
        )?;
        let delta = if self.deconv {
            whole.out_h.abs_diff(k)
        } else {
            whole.out_h.saturating_sub(k)
        };
        let h = x.checked_sub(delta)?;
        let g = geometry(h, pads_for(h, self.padding))?;
        (g.out_h == k && g.out_w == k).then_some(g)
    }

    /// The geometries of both gradients ([`Geometry::d_filters`], [`Geometry::d_inputs`]),
    /// or an error naming `shape` where ngclearn's result would not have its operand's
    /// shape.
    pub fn gradients(&self, name: &str) -> Result<(Conv2d, Conv2d)> {
        let no = |what: &str| {
            Error::param(
                name,
                "shape",
                format!("({0}, {0}, {1}, {2})", self.k, self.c_in, self.c_out),
                &format!("gives ngclearn's {what} another shape than the {what}'s own for these inputs, stride and padding"),
            )
        };
        Ok((
            self.d_filters().ok_or_else(|| no("filter update"))?,
            self.d_inputs().ok_or_else(|| no("input gradient"))?,
        ))
    }

    /// The gradient with respect to the inputs, as ngclearn's `calc_dX_conv` /
    /// `calc_dX_deconv`: the outputs' gradient convolved with the filters turned by 180
    /// degrees. `None` when ngclearn's result would not have the inputs' shape.
    pub fn d_inputs(&self) -> Option<Conv2d> {
        let (x, k, s, o) = (self.x_size, self.k, self.stride, self.out_size);
        let g = if self.deconv {
            let pad = self.padding.forward(o, k, s);
            Conv2d::new(
                (self.batch, o, o, self.c_out),
                (k, k, self.c_in),
                s,
                [pad, pad],
                1,
                1,
            )?
        } else {
            let pad = ngc_transpose_padding(false, self.padding, o, x, k, s);
            Conv2d::new(
                (self.batch, o, o, self.c_out),
                (k, k, self.c_in),
                1,
                [pad, pad],
                s,
                1,
            )?
        };
        (g.out_h == x && g.out_w == x).then_some(g)
    }
}

/// The state of ngclearn's `ConvSynapse` and `DeconvSynapse`, embedded in every
/// convolutional class. Its compartments are declared in index order; the key is last.
#[derive(Debug, Clone, Compartments)]
pub(crate) struct Conv {
    pub name: String,
    pub p: ConvSynapseParams,
    pub g: Geometry,
    /// Input maps (NHWC)
    #[compartment(input, shape = "(batch_size, x_size, x_size, n_in_chan)")]
    pub inputs: Array2<f32>,
    /// Output maps (NHWC)
    #[compartment(output, shape = "(batch_size, out_size, out_size, n_out_chan)")]
    pub outputs: Array2<f32>,
    /// Filters K (HWIO)
    #[compartment(state, shape = "(k_size, k_size, n_in_chan, n_out_chan)")]
    pub weights: Array2<f32>,
    /// Biases b (ngclearn's (1, shape[1]), or a scalar 0 without bias_init)
    #[compartment(state, shape = "(1, 1) or (1, k_size)")]
    pub biases: Array2<f32>,
    /// JAX PRNG key
    #[compartment(key)]
    pub key: Key,
}

impl Conv {
    pub fn new(name: &str, deconv: bool, p: &ConvSynapseParams) -> Result<Conv> {
        let name = crate::core::component::valid_name(name)?;
        p.validate(&name)?;
        let g = Geometry::new(&name, deconv, p)?;
        let key = p.key.unwrap_or_else(Key::from_time);
        let [_, k1, _, k3] = key.split::<4>();
        let init = p
            .filter_init
            .clone()
            .unwrap_or_else(crate::components::synapses::dense_synapse::default_weight_init);
        // ngclearn draws the filters with their 4-D shape: as a matrix of the same
        // values where the draw does not depend on the shape.
        let pp = &init.params;
        let shaped = matches!(
            init.dist,
            Distribution::FanInUniform | Distribution::FanInGaussian
        ) || pp.lower_triangle
            || pp.upper_triangle
            || pp.hollow
            || pp.eye
            || pp.col_mask.is_some()
            || pp.row_mask.is_some();
        if shaped {
            return Err(Error::param(
                &name,
                "filter_init",
                format!("{init:?}"),
                "must draw without regard to shape (constant, uniform, gaussian, log_gaussian, with amin/amax) for a 4-D filter",
            ));
        }
        let cols = g.k * g.c_in * g.c_out;
        let weights = init.generate(&name, (g.k, cols), k1)?;
        let biases = match &p.bias_init {
            Some(b) => {
                // ngclearn's biases (1, shape[1]) = (1, k_size) broadcast against the
                // outputs' channels.
                if g.k != g.c_out && g.k != 1 {
                    return Err(Error::param(
                        &name,
                        "bias_init",
                        format!("{b:?}"),
                        &format!(
                            "gives biases of shape (1, {}) (ngclearn's (1, shape[1])), which do not \
                             broadcast against {} output channels",
                            g.k, g.c_out
                        ),
                    ));
                }
                b.generate(&name, (1, g.k), k3)?
            }
            None => Array2::zeros((1, 1)),
        };
        let [n, h, _, c] = [g.batch, g.x_size, g.x_size, g.c_in];
        let [_, oh, ow, oc] = g.forward.out_shape();
        Ok(Conv {
            inputs: filled(&name, "x_shape", (n, h * h * c), 0.0)?,
            outputs: filled(&name, "shape", (n, oh * ow * oc), 0.0)?,
            weights,
            biases,
            key,
            g,
            p: p.clone(),
            name,
        })
    }

    /// `outputs = conv(inputs, K) * resist_scale + b` (a product by 1 is dropped, as
    /// XLA drops it; else fused with the sum).
    pub fn step(&mut self) {
        let g = &self.g;
        let (h, c, k, co) = (g.x_size, g.c_in, g.k, g.c_out);
        let out = self.outputs.as_slice_mut().expect("standard layout");
        g.forward.run(
            View::row_major(
                self.inputs.as_slice().expect("standard layout"),
                [g.batch, h, h, c],
            ),
            View::row_major(
                self.weights.as_slice().expect("standard layout"),
                [k, k, c, co],
            ),
            out,
        );
        let rs = self.p.resist_scale;
        let bias = &self.biases;
        let per_channel = bias.len() > 1;
        for (n, v) in out.iter_mut().enumerate() {
            let b = if per_channel {
                bias[[0, n % co]]
            } else {
                bias[[0, 0]]
            };
            *v = if rs == 1.0 { *v + b } else { v.mul_add(rs, b) };
        }
    }

    pub fn reset(&mut self) {
        self.inputs.fill(0.0);
        self.outputs.fill(0.0);
    }

    /// Whether the biases are ngclearn's scalar 0 (no bias_init): saved as a scalar.
    pub fn biases_are_scalar(&self) -> bool {
        self.p.bias_init.is_none()
    }
}

impl ClassBase for Conv {
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
        Head::Shape(self.g.k, self.g.c_out)
    }
}

/// The sizes of ConvSynapse's shapes (see [`Geometry::sizes`]).
pub(crate) fn conv_sizes(
    kw: &crate::core::kwargs::Kwargs,
) -> Option<crate::core::class::NamedSizes> {
    Geometry::sizes(kw, false)
}

/// The sizes of DeconvSynapse's shapes (see [`Geometry::sizes`]).
pub(crate) fn deconv_sizes(
    kw: &crate::core::kwargs::Kwargs,
) -> Option<crate::core::class::NamedSizes> {
    Geometry::sizes(kw, true)
}

/// Parameters of the Hebbian convolutional and deconvolutional synapses, with
/// ngclearn's names and defaults, in their constructors' order.
#[derive(Debug, Clone, PartialEq, Params)]
pub struct HebbianConvSynapseParams {
    /// Filter shape (k_size, k_size, n_in_chan, n_out_chan); square filters
    pub shape: (usize, usize, usize, usize),
    /// Input map shape (x_size, x_size); square maps
    pub x_shape: (usize, usize),
    /// Global learning rate
    #[param(default = 0.0, check = finite)]
    pub eta: f32,
    /// Initialiser of the filters K
    #[param(default = None, none_means = crate::components::synapses::dense_synapse::default_weight_init(), text = "uniform(0.025, 0.8)", skip_kwargs)]
    pub filter_init: Option<Initializer>,
    /// Initialiser of the biases b (None: a scalar 0; ngclearn's update would give the
    /// biases the outputs' shape, so only None is taken)
    #[param(default = None, text = "none (a scalar 0)", skip_kwargs)]
    pub bias_init: Option<Initializer>,
    /// Stride of the convolution
    #[param(default = 1, check = count)]
    pub stride: usize,
    /// Padding: SAME or VALID
    #[param(default = None, text = "None (ngclearn's convolution then fails: give SAME or VALID)")]
    pub padding: Option<String>,
    /// Scale of the convolution's output
    #[param(default = 1.0, check = finite)]
    pub resist_scale: f32,
    /// Bound of the filters (0: none)
    #[param(default = 0.0, check = finite)]
    pub w_bound: f32,
    /// Clip the filters to [0, w_bound] instead of [-w_bound, w_bound]
    #[param(default = false)]
    pub is_nonnegative: bool,
    /// Decay of the filters (subtracted, times the filters, from the update)
    #[param(default = 0.0, check = finite)]
    pub w_decay: f32,
    /// Factor of the update (-1: descent)
    #[param(default = 1.0, check = finite)]
    pub sign_value: f32,
    /// Optimiser: sgd or adam
    #[param(default = String::from("sgd"), text = "sgd")]
    pub optim_type: String,
    /// Rows of the batch dimension
    #[param(default = 1, check = count, omit_default)]
    pub batch_size: usize,
    /// JAX PRNG key
    ///
    /// Not saved in the keyword arguments (the key is state, saved with the arrays).
    #[param(default = None, text = "from the clock", skip_kwargs, keyword_only)]
    pub key: Option<Key>,
}

impl HebbianConvSynapseParams {
    /// The convolution's own parameters.
    pub(crate) fn conv(&self) -> ConvSynapseParams {
        ConvSynapseParams {
            shape: self.shape,
            x_shape: self.x_shape,
            filter_init: self.filter_init.clone(),
            bias_init: self.bias_init.clone(),
            stride: self.stride,
            padding: self.padding.clone(),
            resist_scale: self.resist_scale,
            batch_size: self.batch_size,
            key: self.key,
        }
    }
}

/// A Hebbian convolution's rule: ngclearn's `_compute_update`, `evolve` and
/// `backtransmit` of `HebbianConvSynapse` / `HebbianDeconvSynapse`.
#[derive(Debug, Clone)]
pub(crate) struct Rule {
    pub p: HebbianConvSynapseParams,
    pub opt: crate::utils::optim::Optimizer,
    /// The filters' gradient (reading the first rows and columns of the inputs as
    /// ngclearn's slice by `delta_shape` does).
    d_filters: Conv2d,
    d_inputs: Conv2d,
    /// The filters' gradient as the convolution gives it, `(c_in, k, k, c_out)`.
    scratch: Vec<f32>,
}

impl Rule {
    pub fn new(name: &str, base: &Conv, p: &HebbianConvSynapseParams) -> Result<Rule> {
        p.validate(name)?;
        if p.bias_init.is_some() {
            return Err(Error::param(
                name,
                "bias_init",
                format!("{:?}", p.bias_init),
                "must be None: ngclearn's update sums the post-synaptic maps over the batch into \
                 biases of the outputs' shape, which are not (1, k_size) biases",
            ));
        }
        let kind = match p.optim_type.as_str() {
            "sgd" => crate::utils::optim::OptimType::Sgd,
            "adam" => crate::utils::optim::OptimType::Adam,
            other => {
                return Err(Error::param(
                    name,
                    "optim_type",
                    other,
                    "is not one of sgd, adam",
                ))
            }
        };
        let g = &base.g;
        let (d_filters, d_inputs) = g.gradients(name)?;
        let shapes = [base.weights.dim()];
        Ok(Rule {
            p: p.clone(),
            opt: crate::utils::optim::Optimizer::new(kind, p.eta, &shapes),
            d_filters,
            d_inputs,
            scratch: vec![0.0; base.weights.len()],
        })
    }

    /// `dWeights = calc_dK(pre, post) * sign_value (- W * w_decay)`, then the optimiser's
    /// step on the filters and the bound.
    pub fn evolve(
        &mut self,
        base: &mut Conv,
        pre: &Array2<f32>,
        post: &Array2<f32>,
        d_weights: &mut Array2<f32>,
    ) {
        let g = &base.g;
        let (x, c_in, c_out, k) = (g.x_size, g.c_in, g.c_out, g.k);
        let o = g.out_size;
        let b = g.batch;
        self.d_filters.run(
            View::row_major(pre.as_slice().expect("standard layout"), [b, x, x, c_in])
                .permuted([3, 1, 2, 0]),
            View::row_major(post.as_slice().expect("standard layout"), [b, o, o, c_out])
                .permuted([1, 2, 0, 3]),
            &mut self.scratch,
        );
        // (c_in, k, k, c_out) -> (k, k, c_in, c_out)
        let p = &self.p;
        let dw = d_weights.as_slice_mut().expect("standard layout");
        let w = base.weights.as_slice().expect("standard layout");
        for c in 0..c_in {
            for a in 0..k {
                for e in 0..k {
                    for oc in 0..c_out {
                        let from = ((c * k + a) * k + e) * c_out + oc;
                        let to = ((a * k + e) * c_in + c) * c_out + oc;
                        let mut d = self.scratch[from];
                        if p.sign_value != 1.0 {
                            d *= p.sign_value;
                        }
                        if p.w_decay > 0.0 {
                            d = (-w[to]).mul_add(p.w_decay, d);
                        }
                        dw[to] = d;
                    }
                }
            }
        }
        self.opt.step(&mut [&mut base.weights], &[&*d_weights]);
        if p.w_bound > 0.0 {
            let lo = if p.is_nonnegative { 0.0 } else { -p.w_bound };
            base.weights
                .mapv_inplace(|v| crate::core::xla_math::clip(v, lo, p.w_bound));
        }
    }

    /// `dInputs = calc_dX(K, post) * sign_value`: the post-synaptic maps convolved back
    /// through the filters turned by 180 degrees.
    pub fn backtransmit(&self, base: &Conv, post: &Array2<f32>, d_inputs: &mut Array2<f32>) {
        let g = &base.g;
        let out = d_inputs.as_slice_mut().expect("standard layout");
        self.d_inputs.run(
            View::row_major(
                post.as_slice().expect("standard layout"),
                [g.batch, g.out_size, g.out_size, g.c_out],
            ),
            turned(base),
            out,
        );
        if self.p.sign_value != 1.0 {
            for v in out.iter_mut() {
                *v *= self.p.sign_value;
            }
        }
    }
}

/// The Hebbian convolutions' methods: `advance_state`, `evolve` (no keywords, as
/// ngclearn's), `backtransmit` and `reset`.
pub(crate) const HEBBIAN_METHODS: [crate::core::schema::MethodInfo; 4] = [
    crate::core::schema::ADVANCE_EVOLVE_RESET[0],
    crate::core::schema::MethodInfo {
        name: "evolve",
        reads_inputs: true,
        keywords: &[],
        description: "One update of the filters by the learning rule",
    },
    crate::core::schema::MethodInfo {
        name: "backtransmit",
        reads_inputs: true,
        keywords: &[],
        description: "The gradient with respect to the inputs, dInputs, from post",
    },
    crate::core::schema::ADVANCE_EVOLVE_RESET[2],
];

/// Parameters of the trace-STDP convolutional and deconvolutional synapses, with
/// ngclearn's names and defaults, in their constructors' order.
#[derive(Debug, Clone, PartialEq, Params)]
pub struct TraceSTDPConvSynapseParams {
    /// Filter shape (k_size, k_size, n_in_chan, n_out_chan); square filters
    pub shape: (usize, usize, usize, usize),
    /// Input map shape (x_size, x_size); square maps
    pub x_shape: (usize, usize),
    /// Strength of potentiation (LTP)
    #[param(check = finite, name = "A_plus")]
    pub a_plus: f32,
    /// Strength of depression (LTD)
    #[param(check = finite, name = "A_minus")]
    pub a_minus: f32,
    /// Global learning rate (the `eta` compartment's value)
    #[param(default = 0.0, check = finite)]
    pub eta: f32,
    /// Pre-synaptic trace target, subtracted from the trace in potentiation
    #[param(default = 0.0, check = finite)]
    pub pretrace_target: f32,
    /// Initialiser of the filters K
    #[param(default = None, none_means = crate::components::synapses::dense_synapse::default_weight_init(), text = "uniform(0.025, 0.8)", skip_kwargs)]
    pub filter_init: Option<Initializer>,
    /// Stride of the convolution
    #[param(default = 1, check = count)]
    pub stride: usize,
    /// Padding: SAME or VALID
    #[param(default = None, text = "None (ngclearn's convolution then fails: give SAME or VALID)")]
    pub padding: Option<String>,
    /// Scale of the convolution's output
    #[param(default = 1.0, check = finite)]
    pub resist_scale: f32,
    /// Bound of the filters: clipped to [0.01, w_bound - 0.01] (0: none)
    #[param(default = 0.0, check = finite)]
    pub w_bound: f32,
    /// Decay of the filters (times the filters, subtracted at each update)
    #[param(default = 0.0, check = finite)]
    pub w_decay: f32,
    /// Rows of the batch dimension
    #[param(default = 1, check = count, omit_default)]
    pub batch_size: usize,
    /// JAX PRNG key
    ///
    /// Not saved in the keyword arguments (the key is state, saved with the arrays).
    #[param(default = None, text = "from the clock", skip_kwargs, keyword_only)]
    pub key: Option<Key>,
}

impl TraceSTDPConvSynapseParams {
    /// The convolution's own parameters (no biases, as ngclearn's class gives none).
    pub(crate) fn conv(&self) -> ConvSynapseParams {
        ConvSynapseParams {
            shape: self.shape,
            x_shape: self.x_shape,
            filter_init: self.filter_init.clone(),
            bias_init: None,
            stride: self.stride,
            padding: self.padding.clone(),
            resist_scale: self.resist_scale,
            batch_size: self.batch_size,
            key: self.key,
        }
    }
}

/// The trace-STDP convolutions' rule: ngclearn's `_compute_update`, `evolve` and
/// `backtransmit` of `TraceSTDPConvSynapse` / `TraceSTDPDeconvSynapse`.
#[derive(Debug, Clone)]
pub(crate) struct StdpRule {
    pub p: TraceSTDPConvSynapseParams,
    d_filters: Conv2d,
    d_inputs: Conv2d,
    /// `preTrace - pretrace_target`, `postSpike * A_plus`, `postTrace * A_minus`.
    pre_shifted: Vec<f32>,
    post_ltp: Vec<f32>,
    post_ltd: Vec<f32>,
    /// Potentiation and depression as the convolutions give them, `(c_in, k, k, c_out)`.
    ltp: Vec<f32>,
    ltd: Vec<f32>,
}

impl StdpRule {
    pub fn new(name: &str, base: &Conv, p: &TraceSTDPConvSynapseParams) -> Result<StdpRule> {
        p.validate(name)?;
        let g = &base.g;
        let (d_filters, d_inputs) = g.gradients(name)?;
        Ok(StdpRule {
            p: p.clone(),
            d_filters,
            d_inputs,
            pre_shifted: vec![0.0; base.inputs.len()],
            post_ltp: vec![0.0; base.outputs.len()],
            post_ltd: vec![0.0; base.outputs.len()],
            ltp: vec![0.0; base.weights.len()],
            ltd: vec![0.0; base.weights.len()],
        })
    }

    /// `dWeights = calc_dK(preTrace - target, postSpike * A_plus) - calc_dK(preSpike,
    /// postTrace * A_minus)`; `W = W + dWeights * eta (- W * w_decay)`, clipped to
    /// `[0.01, w_bound - 0.01]` when bounded.
    #[allow(clippy::too_many_arguments)]
    pub fn evolve(
        &mut self,
        base: &mut Conv,
        pre_spike: &Array2<f32>,
        pre_trace: &Array2<f32>,
        post_spike: &Array2<f32>,
        post_trace: &Array2<f32>,
        eta: f32,
        d_weights: &mut Array2<f32>,
    ) {
        let p = &self.p;
        let g = &base.g;
        let (x, c_in, c_out, k, o) = (g.x_size, g.c_in, g.c_out, g.k, g.out_size);
        for (d, &v) in self.pre_shifted.iter_mut().zip(pre_trace.iter()) {
            *d = v - p.pretrace_target;
        }
        for ((a, b), (&s, &tr)) in self
            .post_ltp
            .iter_mut()
            .zip(self.post_ltd.iter_mut())
            .zip(post_spike.iter().zip(post_trace.iter()))
        {
            *a = s * p.a_plus;
            *b = tr * p.a_minus;
        }
        let b = g.batch;
        let pre = |d| View::row_major(d, [b, x, x, c_in]).permuted([3, 1, 2, 0]);
        let post = |d| View::row_major(d, [b, o, o, c_out]).permuted([1, 2, 0, 3]);
        self.d_filters
            .run(pre(&self.pre_shifted), post(&self.post_ltp), &mut self.ltp);
        self.d_filters.run(
            pre(pre_spike.as_slice().expect("standard layout")),
            post(&self.post_ltd),
            &mut self.ltd,
        );
        let dw = d_weights.as_slice_mut().expect("standard layout");
        let w = base.weights.as_slice_mut().expect("standard layout");
        let (lo, hi) = (0.01f32, (p.w_bound as f64 - 0.01) as f32);
        for c in 0..c_in {
            for a in 0..k {
                for e in 0..k {
                    for oc in 0..c_out {
                        let from = ((c * k + a) * k + e) * c_out + oc;
                        let to = ((a * k + e) * c_in + c) * c_out + oc;
                        let d = self.ltp[from] + -self.ltd[from];
                        dw[to] = d;
                        let mut v = d.mul_add(eta, w[to]);
                        if p.w_decay > 0.0 {
                            v = (-w[to]).mul_add(p.w_decay, v);
                        }
                        if p.w_bound > 0.0 {
                            v = crate::core::xla_math::clip(v, lo, hi);
                        }
                        w[to] = v;
                    }
                }
            }
        }
    }

    /// `dInputs = calc_dX(K, postSpike)`.
    pub fn backtransmit(&self, base: &Conv, post_spike: &Array2<f32>, d_inputs: &mut Array2<f32>) {
        let g = &base.g;
        self.d_inputs.run(
            View::row_major(
                post_spike.as_slice().expect("standard layout"),
                [g.batch, g.out_size, g.out_size, g.c_out],
            ),
            turned(base),
            d_inputs.as_slice_mut().expect("standard layout"),
        );
    }
}

/// The filters turned by 180 degrees with their channels swapped (ngclearn's `rot180`):
/// `turned[a, e, o, c] = K[k - 1 - a, k - 1 - e, c, o]`.
fn turned(base: &Conv) -> View<'_> {
    let g = &base.g;
    View::row_major(
        base.weights.as_slice().expect("standard layout"),
        [g.k, g.k, g.c_in, g.c_out],
    )
    .permuted([0, 1, 3, 2])
    .reversed(&[(0, g.k), (1, g.k)])
}

/// The dynamics (`impl Component`) of a Hebbian convolution class, whose struct holds the
/// fields `base` (`Conv`), `d_weights`, `d_inputs`, `pre`, `post`, `opt_params` and
/// `rule` (`Rule`): the same for a convolution and a deconvolution.
macro_rules! hebbian_component {
    ($ty:ident) => {
        impl $crate::core::component::Component for $ty {
            fn advance_state(&mut self, _t: f32, _dt: f32) {
                self.base.step();
            }
            fn evolve(&mut self, _t: f32, _dt: f32) {
                self.rule
                    .evolve(&mut self.base, &self.pre, &self.post, &mut self.d_weights);
                self.opt_params[[0, 0]] = self.rule.opt.time_step();
            }
            fn call(&mut self, method: &str, _t: f32, _dt: f32) {
                if method == "backtransmit" {
                    self.rule
                        .backtransmit(&self.base, &self.post, &mut self.d_inputs);
                }
            }
            fn reset(&mut self) {
                // ngclearn's reset: inputs, outputs, pre, post, dInputs.
                self.base.reset();
                self.pre.fill(0.0);
                self.post.fill(0.0);
                self.d_inputs.fill(0.0);
            }
            fn changed(&mut self, index: usize) {
                if index == Self::OPT_PARAMS {
                    self.rule.opt.set_time_step(self.opt_params[[0, 0]]);
                }
            }
            fn saves_as_scalar(&self, index: usize) -> bool {
                (index == $crate::components::synapses::convolution::Conv::BIASES
                    && self.base.biases_are_scalar())
                    || index == Self::DBIASES
            }
            fn custom_files(&self) -> Vec<(String, Vec<u8>)> {
                vec![$crate::components::synapses::hebbian::opt_file(
                    &self.base.name,
                    &self.rule.opt,
                )]
            }
            fn load_custom(&mut self, dir: &std::path::Path) -> $crate::error::Result<()> {
                let file = dir.join(format!("{}_opt_params.pkl", self.base.name));
                if !file.exists() && self.rule.p.optim_type == "sgd" {
                    // ngclearn saves SGD's state, its step count, as `opt_params` in the npz.
                    return Ok(());
                }
                let shapes = [self.base.weights.dim()];
                $crate::components::synapses::hebbian::load_opt_file(
                    dir,
                    &self.base.name,
                    &mut self.rule.opt,
                    &shapes,
                )
            }
        }
    };
}
pub(crate) use hebbian_component;

/// The dynamics (`impl Component`) of a trace-STDP convolution class, whose struct holds
/// the fields `base` (`Conv`), `d_weights`, `d_inputs`, `pre_spike`, `pre_trace`,
/// `post_spike`, `post_trace`, `eta` and `rule` (`StdpRule`).
macro_rules! trace_stdp_component {
    ($ty:ident) => {
        impl $crate::core::component::Component for $ty {
            fn advance_state(&mut self, _t: f32, _dt: f32) {
                self.base.step();
            }
            fn evolve(&mut self, _t: f32, _dt: f32) {
                let eta = self.eta[[0, 0]];
                self.rule.evolve(
                    &mut self.base,
                    &self.pre_spike,
                    &self.pre_trace,
                    &self.post_spike,
                    &self.post_trace,
                    eta,
                    &mut self.d_weights,
                );
            }
            fn call(&mut self, method: &str, _t: f32, _dt: f32) {
                if method == "backtransmit" {
                    self.rule
                        .backtransmit(&self.base, &self.post_spike, &mut self.d_inputs);
                }
            }
            fn reset(&mut self) {
                // ngclearn's reset: inputs, outputs, the spikes and the traces.
                self.base.reset();
                for a in [
                    &mut self.pre_spike,
                    &mut self.pre_trace,
                    &mut self.post_spike,
                    &mut self.post_trace,
                ] {
                    a.fill(0.0);
                }
            }
            fn changed(&mut self, _index: usize) {}
            fn saves_as_scalar(&self, index: usize) -> bool {
                index == $crate::components::synapses::convolution::Conv::BIASES
            }
        }
    };
}
pub(crate) use trace_stdp_component;
