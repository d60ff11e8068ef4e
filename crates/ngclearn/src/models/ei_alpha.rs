//! The ngclearn tutorial's E-I circuit with alpha synapses.
//!
//! `pre_exc` (Poisson, `n_exc` cells) → `Wexc` (AlphaSynapse, τ 2 ms, E 0 mV) and
//! `pre_inh` (Poisson, `n_inh` cells) → `Winh` (AlphaSynapse, τ 5 ms, E -80 mV), both
//! with `resist_scale` 0.1 and unit weights, into `post_exc` (LIF: τ_m 10 ms, threshold
//! -55 mV, rest and reset -75 mV, refractory 2 ms, no adaptive threshold). `post_exc:v`
//! is wired to both synapses' `v`, and `Summation(Wexc:i_syn, Winh:i_syn)` to
//! `post_exc:j`. Processes `advance_proc` and `reset_proc` call the five components in
//! that order. Keys as the tutorial: `sk = split(PRNGKey(seed), 6)`; `sk[1]` `pre_exc`,
//! `sk[2]` `pre_inh`, `sk[3]` both synapses, `sk[4]` `post_exc`.

use crate::prelude::*;

/// Sizes, rates and seed of the circuit.
#[derive(Debug, Clone, PartialEq)]
pub struct EiAlpha {
    /// Excitatory Poisson cells (tutorial: 80).
    pub n_exc: usize,
    /// Inhibitory Poisson cells (tutorial: 20).
    pub n_inh: usize,
    /// Post-synaptic LIF cells (tutorial: 1).
    pub n_post: usize,
    /// Rate of the excitatory cells at input 1 (Hz).
    pub exc_freq: f32,
    /// Rate of the inhibitory cells at input 1 (Hz).
    pub inh_freq: f32,
    /// `g_syn_bar` of both synapses (tutorial: 2.4).
    pub g_syn_bar: f32,
    /// Rows of the batch dimension.
    pub batch_size: usize,
    /// The seed of `PRNGKey(seed)`.
    pub seed: u64,
}

impl Default for EiAlpha {
    fn default() -> Self {
        EiAlpha {
            n_exc: 80,
            n_inh: 20,
            n_post: 1,
            exc_freq: 10.0,
            inh_freq: 10.0,
            g_syn_bar: 2.4,
            batch_size: 1,
            seed: 1234,
        }
    }
}

impl EiAlpha {
    /// The circuit's description, ready to build.
    pub fn context(&self, name: &str) -> Result<Context> {
        let sk = Key::from_seed(self.seed).split::<6>();
        let (b, np) = (self.batch_size, self.n_post);
        let synapse = |tau, e| {
            let mut p = AlphaSynapseParams::new(tau, self.g_syn_bar, Some(e));
            p.dense.resist_scale = 0.1;
            p.dense.batch_size = b;
            p.dense.weight_init = Some(DistributionGenerator::constant(1.0));
            p.dense.key = Some(sk[3]);
            p
        };
        let mut lif = LIFCellParams::new(10.0);
        (
            lif.thr,
            lif.v_rest,
            lif.v_reset,
            lif.tau_theta,
            lif.theta_plus,
            lif.refract_time,
        ) = (-55.0, -75.0, -75.0, 0.0, 0.0, 2.0);
        (lif.batch_size, lif.key) = (b, Some(sk[4]));
        let mut ctx = Context::new(name);
        ctx.add(PoissonCell::new(
            "pre_exc",
            self.n_exc,
            self.exc_freq,
            b,
            Some(sk[1]),
        )?)?;
        ctx.add(PoissonCell::new(
            "pre_inh",
            self.n_inh,
            self.inh_freq,
            b,
            Some(sk[2]),
        )?)?;
        ctx.add(AlphaSynapse::new(
            "Wexc",
            (self.n_exc, np),
            synapse(2.0, 0.0),
        )?)?;
        ctx.add(AlphaSynapse::new(
            "Winh",
            (self.n_inh, np),
            synapse(5.0, -80.0),
        )?)?;
        ctx.add(LIFCell::new("post_exc", np, lif)?)?;
        ctx.wire("pre_exc:outputs", "Wexc:inputs")?;
        ctx.wire("pre_inh:outputs", "Winh:inputs")?;
        ctx.wire("post_exc:v", "Wexc:v")?;
        ctx.wire("post_exc:v", "Winh:v")?;
        ctx.wire(Summation::of(["Wexc:i_syn", "Winh:i_syn"]), "post_exc:j")?;
        let order = ["pre_exc", "pre_inh", "Wexc", "Winh", "post_exc"];
        ctx.process("advance_proc", &order.map(|c| (c, Method::AdvanceState)))?;
        ctx.process("reset_proc", &order.map(|c| (c, Method::Reset)))?;
        Ok(ctx)
    }

    /// The built circuit after the tutorial's set-up: reset, Poisson inputs set to
    /// ones, `post_exc:v` set to -65 mV.
    pub fn build(&self) -> Result<Model> {
        let mut m = self.context("ei_alpha_tutorial")?.build()?;
        m.run_named("reset_proc", 0.0, 0.1)?;
        m.set(
            "pre_exc:inputs",
            &ndarray::Array2::ones((self.batch_size, self.n_exc)),
        )?;
        m.set(
            "pre_inh:inputs",
            &ndarray::Array2::ones((self.batch_size, self.n_inh)),
        )?;
        m.set(
            "post_exc:v",
            &ndarray::Array2::from_elem((self.batch_size, self.n_post), -65.0),
        )?;
        Ok(m)
    }
}
