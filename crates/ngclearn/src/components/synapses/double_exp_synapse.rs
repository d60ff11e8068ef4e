//! `DoubleExpSynapse`: a conductance shaped as a difference of exponentials (rise
//! `tau_rise`, decay `tau_decay`), driving a voltage-dependent current.
//!
//! Each step of `dt`, with `_out = inputs · W`, as ngclearn 3.1.1's code:
//! ```text
//! h_syn' = h_syn + dt * ( -h_syn / tau_rise + (_out * g_syn_bar) * (1/tau_rise - 1/tau_decay) / dt )
//! g_syn' = g_syn + dt * ( -g_syn / tau_decay + h_syn' / dt )
//! i_syn  = -(g_syn' * resist_scale) * (v - syn_rest)    (syn_rest = None: -g_syn' * resist_scale)
//! outputs = i_syn
//! ```
//! `1/tau_rise - 1/tau_decay` is formed in double precision (Python floats in the
//! reference) and rounded once. `is_nonplastic` (default `true`) sets the weights
//! to ones, as for the alpha synapse.

use super::conductance::{
    conductance_component, tau, CommonKwargs, ConductanceState, G_SYN_BAR, IS_NONPLASTIC, SYN_REST,
    TAU_DECAY, TWO_STATE,
};
use super::dense_synapse::{Dense, DenseParams, SHAPE};
use crate::core::class::ComponentClass;
use crate::core::schema::{ParamInfo, Schema};
use crate::error::Result;
use crate::io::kwargs::Kwargs;

/// Parameters of a [`DoubleExpSynapse`].
#[derive(Debug, Clone, PartialEq)]
pub struct DoubleExpSynapseParams {
    /// Conductance rise time constant (ms), > 0.
    pub tau_rise: f32,
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

impl DoubleExpSynapseParams {
    /// The required parameters; the rest take ngclearn's defaults.
    pub fn new(tau_rise: f32, tau_decay: f32, g_syn_bar: f32, syn_rest: Option<f32>) -> Self {
        DoubleExpSynapseParams {
            tau_rise,
            tau_decay,
            g_syn_bar,
            syn_rest,
            is_nonplastic: true,
            dense: DenseParams::default(),
        }
    }
}

/// The double-exponential synapse (see the module documentation for its equations).
#[derive(Debug, Clone)]
pub struct DoubleExpSynapse {
    state: ConductanceState,
    tau_rise: f32,
    tau_decay: f32,
    /// `1/tau_rise - 1/tau_decay`, derived once.
    rise_gain: f32,
    is_nonplastic: bool,
}

static PARAMS: [ParamInfo; 12] = [
    SHAPE,
    ParamInfo {
        name: "tau_rise",
        default: None,
        units: "ms",
        aliases: &[],
        description: "Conductance rise time constant",
    },
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
    class: "DoubleExpSynapse",
    module_path: "ngclearn.components.synapses.doubleExpSynapse.DoubleExpSynapse",
    description: "Dynamic synapse whose conductance follows a difference of exponentials",
    compartments: &TWO_STATE,
    dynamics: "_out = inputs . W\n\
               h_syn' = h_syn + dt * (-h_syn / tau_rise + (_out * g_syn_bar) * (1/tau_rise - 1/tau_decay) / dt)\n\
               g_syn' = g_syn + dt * (-g_syn / tau_decay + h_syn' / dt)\n\
               i_syn = -(g_syn' * resist_scale) * (v - syn_rest)   [syn_rest = None: -g_syn' * resist_scale]\n\
               outputs = i_syn",
    hyperparameters: &PARAMS,
    methods: &crate::core::schema::ADVANCE_AND_RESET,
    signature: &["name", "shape", "tau_decay", "tau_rise", "g_syn_bar", "syn_rest", "weight_init", "bias_init", "resist_scale", "p_conn", "is_nonplastic"],
};

/// The class, for the registry ([`crate::core::class::Registry`]).
pub static CLASS: ComponentClass = ComponentClass {
    schema: &SCHEMA,
    from_kwargs: |kw| Ok(Box::new(DoubleExpSynapse::from_kwargs(kw)?)),
};

impl DoubleExpSynapse {
    /// Builds a double-exponential synapse of shape `(n_pre, n_post)`.
    pub fn new(name: &str, shape: (usize, usize), p: DoubleExpSynapseParams) -> Result<Self> {
        let base = Dense::new(name, shape, &p.dense)?;
        let tau_rise = tau(&base, "tau_rise", p.tau_rise)?;
        let tau_decay = tau(&base, "tau_decay", p.tau_decay)?;
        let rise_gain = (1.0 / tau_rise as f64 - 1.0 / tau_decay as f64) as f32;
        Ok(DoubleExpSynapse {
            state: ConductanceState::new(base, true, p.g_syn_bar, p.syn_rest, p.is_nonplastic)?,
            tau_rise,
            tau_decay,
            rise_gain,
            is_nonplastic: p.is_nonplastic,
        })
    }

    /// Builds one from ngclearn's keyword arguments (see [`Kwargs`]).
    pub fn from_kwargs(kw: &mut Kwargs) -> Result<Self> {
        let (c, [tau_decay, tau_rise]) = CommonKwargs::read(kw, ["tau_decay", "tau_rise"])?;
        let mut p = DoubleExpSynapseParams::new(tau_rise, tau_decay, c.g_syn_bar, c.syn_rest);
        (p.is_nonplastic, p.dense) = (c.is_nonplastic, c.dense);
        Self::new(&c.name, c.shape, p)
    }

    fn kwargs_json(&self) -> serde_json::Map<String, serde_json::Value> {
        self.state.kwargs(
            &[("tau_decay", self.tau_decay), ("tau_rise", self.tau_rise)],
            self.is_nonplastic,
        )
    }

    /// The class's help metadata.
    pub fn schema() -> &'static Schema {
        &SCHEMA
    }

    fn step(&mut self, dt: f32) {
        let (tr, td, c, gbar, inv_dt) = (
            self.tau_rise,
            self.tau_decay,
            self.rise_gain,
            self.state.g_syn_bar,
            1.0 / dt,
        );
        self.state.advance::<true>(
            #[inline(always)]
            |h, g, out| {
                let dh = -*h / tr + ((out * gbar) * c) * inv_dt;
                *h += dh * dt;
                let dg = -*g / td + *h * inv_dt;
                *g += dg * dt;
            },
        );
    }

    /// The conductance `g_syn`.
    pub fn g_syn(&self) -> &ndarray::Array2<f32> {
        &self.state.g_syn
    }
}

conductance_component!(DoubleExpSynapse);
