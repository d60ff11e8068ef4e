//! `ExponentialSynapse`: a conductance that jumps with each pulse and decays
//! exponentially, driving a voltage-dependent current.
//!
//! Each step of `dt`, with `_out = inputs · W`, as ngclearn 3.1.1's code:
//! ```text
//! g_syn' = g_syn + dt * ( -g_syn / tau_decay + (_out * g_syn_bar) / dt )
//! i_syn  = -(g_syn' * resist_scale) * (v - syn_rest)    (syn_rest = None: -g_syn' * resist_scale)
//! outputs = i_syn
//! ```
//! One pulse of size `a` gives `g_k = a·g_syn_bar·(1 - dt/τ)^k`. As in ngclearn
//! 3.1.1's code, `is_nonplastic` (default `true`) sets the weights to ones after
//! initialisation, as for the alpha synapse; pass `false` to keep them as initialised.

use super::conductance::{
    conductance_component, tau, CommonKwargs, ConductanceState, G_SYN_BAR, IS_NONPLASTIC,
    ONE_STATE, SYN_REST, TAU_DECAY,
};
use super::dense_synapse::{Dense, DenseParams, SHAPE};
use crate::core::class::ComponentClass;
use crate::core::schema::{ParamInfo, Schema};
use crate::error::Result;
use crate::io::kwargs::Kwargs;

type Params = ExponentialSynapseParams;

/// Parameters of an [`ExponentialSynapse`].
#[derive(Debug, Clone, PartialEq)]
pub struct ExponentialSynapseParams {
    /// Conductance decay time constant (ms), > 0.
    pub tau_decay: f32,
    /// Maximum conductance elicited by each incoming spike.
    pub g_syn_bar: f32,
    /// Reversal potential (mV); `None` makes the current voltage-independent.
    pub syn_rest: Option<f32>,
    /// Set the weights to ones after initialisation (default `true`).
    pub is_nonplastic: bool,
    /// The dense base's parameters.
    pub dense: DenseParams,
}

impl ExponentialSynapseParams {
    /// The required parameters; the rest take ngclearn's defaults.
    pub fn new(tau_decay: f32, g_syn_bar: f32, syn_rest: Option<f32>) -> Self {
        ExponentialSynapseParams {
            tau_decay,
            g_syn_bar,
            syn_rest,
            is_nonplastic: true,
            dense: DenseParams::default(),
        }
    }
}

/// The exponential synapse (see the module documentation for its equations).
#[derive(Debug, Clone)]
pub struct ExponentialSynapse {
    state: ConductanceState,
    tau_decay: f32,
    is_nonplastic: bool,
}

static PARAMS: [ParamInfo; 11] = [
    SHAPE,
    TAU_DECAY,
    G_SYN_BAR,
    SYN_REST,
    IS_NONPLASTIC,
    DenseParams::PARAMS[0],
    DenseParams::PARAMS[1],
    DenseParams::PARAMS[2],
    DenseParams::PARAMS[3],
    DenseParams::PARAMS[4],
    DenseParams::PARAMS[5],
];

static SCHEMA: Schema = Schema {
    class: "ExponentialSynapse",
    module_path: "ngclearn.components.synapses.exponentialSynapse.ExponentialSynapse",
    description: "Dynamic synapse whose conductance jumps with each pulse and decays exponentially",
    compartments: &ONE_STATE,
    dynamics: "_out = inputs . W\n\
               g_syn' = g_syn + dt * (-g_syn / tau_decay + (_out * g_syn_bar) / dt)\n\
               i_syn = -(g_syn' * resist_scale) * (v - syn_rest)   [syn_rest = None: -g_syn' * resist_scale]\n\
               outputs = i_syn",
    hyperparameters: &PARAMS,
    methods: &crate::core::schema::ADVANCE_AND_RESET,
    signature: &["name", "shape", "tau_decay", "g_syn_bar", "syn_rest", "weight_init", "bias_init", "resist_scale", "p_conn", "is_nonplastic"],
};

/// The class, for the registry ([`crate::core::class::Registry`]).
pub static CLASS: ComponentClass = ComponentClass {
    schema: &SCHEMA,
    from_kwargs: |kw| Ok(Box::new(ExponentialSynapse::from_kwargs(kw)?)),
};

impl ExponentialSynapse {
    /// Builds an exponential synapse of shape `(n_pre, n_post)`.
    pub fn new(name: &str, shape: (usize, usize), p: ExponentialSynapseParams) -> Result<Self> {
        let base = Dense::new(name, shape, &p.dense)?;
        let tau_decay = tau(&base, "tau_decay", p.tau_decay)?;
        Ok(ExponentialSynapse {
            state: ConductanceState::new(base, false, p.g_syn_bar, p.syn_rest, p.is_nonplastic)?,
            tau_decay,
            is_nonplastic: p.is_nonplastic,
        })
    }

    /// Builds one from ngclearn's keyword arguments (see [`Kwargs`]).
    pub fn from_kwargs(kw: &mut Kwargs) -> Result<Self> {
        let (c, [tau_decay]) = CommonKwargs::read(kw, ["tau_decay"])?;
        let mut p = Params::new(tau_decay, c.g_syn_bar, c.syn_rest);
        (p.is_nonplastic, p.dense) = (c.is_nonplastic, c.dense);
        Self::new(&c.name, c.shape, p)
    }

    fn kwargs_json(&self) -> serde_json::Map<String, serde_json::Value> {
        self.state
            .kwargs(&[("tau_decay", self.tau_decay)], self.is_nonplastic)
    }

    /// The class's help metadata.
    pub fn schema() -> &'static Schema {
        &SCHEMA
    }

    fn step(&mut self, dt: f32) {
        let (tau, gbar, inv_dt) = (self.tau_decay, self.state.g_syn_bar, 1.0 / dt);
        self.state.advance::<false>(
            #[inline(always)]
            |_, g, out| {
                let dg = -*g / tau + (out * gbar) * inv_dt;
                *g += dg * dt;
            },
        );
    }

    /// The conductance `g_syn`.
    pub fn g_syn(&self) -> &ndarray::Array2<f32> {
        &self.state.g_syn
    }
}

conductance_component!(ExponentialSynapse);
